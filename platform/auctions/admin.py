from django.contrib import admin

from files.admin import file_preview
from kernel.admin import DomainPermissionAdmin, ReadOnlyModelAdmin
from reviews.admin import REVIEW_FIELDSET, ReviewableAdmin

from .models import AuctionSession, Bid, Lot, ProxyBid, Registration, Season

AUCTION_STAFF = ("auctions.manage_auctions",)


@admin.register(Season)
class SeasonAdmin(DomainPermissionAdmin, admin.ModelAdmin):
    domain_permissions = AUCTION_STAFF
    list_display = ("name", "deposit_required", "anti_sniping_minutes", "default_increment")
    search_fields = ("name",)
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AuctionSession)
class AuctionSessionAdmin(DomainPermissionAdmin, admin.ModelAdmin):
    domain_permissions = AUCTION_STAFF
    list_display = ("name", "season", "auction_day", "bidding_starts_at", "bidding_ends_at")
    list_filter = ("season",)
    date_hierarchy = "auction_day"


@admin.register(Lot)
class LotAdmin(DomainPermissionAdmin, ReadOnlyModelAdmin):
    """Lots change only through the bidding engine and the clock; create them with the
    lotCreate mutation, which checks the listing."""

    domain_permissions = AUCTION_STAFF
    domain_may_change = False

    list_display = (
        "listing",
        "session",
        "start_price",
        "increment",
        "current_price",
        "bid_count",
        "ends_at",
        "result",
        "final_price",
    )
    list_filter = ("result", "session__season", "session")
    search_fields = ("listing__title", "listing__patent_number")
    list_select_related = ("listing", "session__season")


@admin.register(Registration)
class RegistrationAdmin(ReviewableAdmin):
    list_display = (
        "lot",
        "user",
        "bidder_number",
        "deposit_required",
        "deposit_confirmed_at",
        "status",
        "submitted_at",
    )
    list_filter = ("status", "deposit_required", "lot__session")
    search_fields = ("user__phone", "bidder_number", "lot__listing__title")
    list_select_related = ("lot__listing", "lot__session", "user", "decided_by")
    fieldsets = (
        (
            "报名",
            {
                "fields": (
                    "lot",
                    "user",
                    "letter",
                    "bidder_number",
                    "deposit_required",
                    "deposit_amount",
                    "deposit_confirmed_at",
                    "deposit_confirmed_by",
                )
            },
        ),
        REVIEW_FIELDSET,
    )

    @admin.display(description="网络竞价承诺函")
    def letter(self, registration):
        return file_preview(registration.commitment_letter)


@admin.register(Bid)
class BidAdmin(DomainPermissionAdmin, ReadOnlyModelAdmin):
    domain_permissions = AUCTION_STAFF
    domain_may_change = False
    list_display = ("lot", "seq", "bidder_number", "amount", "is_proxy", "placed_at")
    list_filter = ("is_proxy",)
    search_fields = ("bidder_number", "lot__listing__title")
    list_select_related = ("lot__listing", "lot__session")


@admin.register(ProxyBid)
class ProxyBidAdmin(DomainPermissionAdmin, ReadOnlyModelAdmin):
    domain_permissions = AUCTION_STAFF
    domain_may_change = False
    list_display = ("registration", "lot", "max_amount", "set_at")
    list_select_related = ("registration__lot__listing", "lot__listing", "lot__session")
