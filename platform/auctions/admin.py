from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from files.admin import file_preview
from kernel.admin import DomainPermissionAdmin, ReadOnlyModelAdmin
from kernel.clock import now
from kernel.errors import DomainError
from kernel.permissions import Perm, staff_can
from listings.models import Listing, ListingStatus
from reviews.admin import REVIEW_FIELDSET, ReviewableAdmin

from .models import AuctionSession, Bid, Lot, LotItem, ProxyBid, Registration, Season
from .services.setup import lot_create

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


class LotCreateForm(forms.Form):
    session = forms.ModelChoiceField(
        label="竞价场次", queryset=AuctionSession.objects.none(), help_text="尚未开始竞价的场次"
    )
    listing = forms.ModelChoiceField(
        label="标的物",
        queryset=Listing.objects.none(),
        help_text="已上架或流拍、参与拍卖季的标的物",
    )
    increment = forms.DecimalField(
        label="加价幅度（元）", required=False, help_text="不填则用拍卖季的默认加价幅度"
    )
    reserve_price = forms.DecimalField(label="保留价（元）", required=False)

    _FIELDS = {"sessionId": "session", "listingId": "listing", "reservePrice": "reserve_price"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = AuctionSession.objects.filter(
            bidding_starts_at__gt=now()
        ).select_related("season")
        self.fields["listing"].queryset = Listing.objects.filter(
            status__in=[ListingStatus.LISTED, ListingStatus.UNSOLD], season_opt_in=True
        )

    def add_domain_error(self, error: DomainError) -> None:
        for item in error.items:
            field = self._FIELDS.get(item.field, item.field)
            self.add_error(field if field in self.fields else None, item.message)


class LotItemInline(admin.TabularInline):
    """A package's listings (专利包), lead first: shown, never edited (lotCreate sets them)."""

    model = LotItem
    fields = ("position", "listing")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Lot)
class LotAdmin(DomainPermissionAdmin, ReadOnlyModelAdmin):
    """Lots change only through the bidding engine and the clock; staff who run auctions
    put one up here (or with the lotCreate mutation) through ``lot_create``, which checks
    the listing and the session."""

    domain_permissions = AUCTION_STAFF
    domain_may_change = False
    inlines = (LotItemInline,)

    def has_add_permission(self, request, *args):
        user = request.user
        return staff_can(user, Perm.MANAGE_AUCTIONS)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = LotCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                lot = lot_create(
                    actor=request.user,
                    session_id=data["session"].pk,
                    listing_id=data["listing"].pk,
                    increment=data["increment"],
                    reserve_price=data["reserve_price"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                self.message_user(request, f"已上拍：{lot.listing}。", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:auctions_lot_change", args=[lot.pk]))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": "上拍标的物",
            "opts": opts,
            "form": form,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/auctions/lot/add.html", context)

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
        "priority_order",
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
        (
            "优先购买权",  # recorded through registrationPriorityMark (before bidding opens)
            {
                "fields": (
                    "priority_order",
                    "priority_basis",
                    "priority_reason",
                    "priority_marked_by",
                    "priority_marked_at",
                    "priority_waived_at",
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
