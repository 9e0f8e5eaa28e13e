from django.contrib import admin

from kernel.admin import ReadOnlyModelAdmin
from reviews.admin import REVIEW_FIELDSET, ReviewableAdmin

from .models import Listing, ListingImport, ListingImportRow, OwnershipChange, PatentRecord
from .services import listing_licence


@admin.register(Listing)
class ListingAdmin(ReviewableAdmin):
    list_display = (
        "title",
        "type",
        "shop",
        "ownership",
        "season_opt_in",
        "start_price",
        "status",
        "submitted_at",
    )
    list_filter = ("status", "type", "field", "ownership", "season_opt_in")
    search_fields = ("title", "patent_number", "shop__name")
    list_select_related = ("shop", "decided_by")
    fieldsets = (
        (
            "商品",
            {
                "fields": (
                    "shop",
                    "type",
                    "title",
                    "field",
                    "description",
                    "rights_holders",
                    "ownership",
                    "ownership_reviewed",
                    "transaction_type",
                    "licence_terms_shown",
                    "payment_method",
                    "start_price",
                    "season_opt_in",
                    "agreement",
                    "agreement_accepted_at",
                )
            },
        ),
        (
            "专利",
            {
                "fields": (
                    "patent_number",
                    "patent_type",
                    "application_date",
                    "grant_date",
                    "inventors",
                    "ipc_classes",
                    "legal_status",
                )
            },
        ),
        ("技术成果", {"fields": ("maturity", "team")}),
        ("上下架", {"fields": ("listed_at", "delisted_at")}),
        REVIEW_FIELDSET,
    )

    @admin.display(description="许可条件")
    def licence_terms_shown(self, listing: Listing) -> str:
        """What the reviewer approves of a licence: kind, term and territory."""
        terms = listing_licence(listing)
        if terms is None:
            return "-"
        if terms.term_years:
            term = f"{terms.term_years}年"
        else:
            term = f"{terms.starts_on or '?'} 至 {terms.ends_on or '?'}"
        return f"{terms.get_kind_display() or '?'}；期限：{term}；地域：{terms.territory or '?'}"


@admin.register(OwnershipChange)
class OwnershipChangeAdmin(ReviewableAdmin):
    list_display = ("listing", "requested", "applicant", "status", "submitted_at")
    list_filter = ("status", "requested")
    search_fields = ("listing__title", "applicant__phone")
    list_select_related = ("listing", "applicant", "decided_by")
    fieldsets = (
        ("申请", {"fields": ("listing", "requested", "reason", "applicant")}),
        REVIEW_FIELDSET,
    )


@admin.register(PatentRecord)
class PatentRecordAdmin(admin.ModelAdmin):
    """The local patent registry; bulk loads go through ``manage.py patents_load``."""

    list_display = ("number", "title", "patent_type", "legal_status", "application_date")
    list_filter = ("patent_type", "legal_status")
    search_fields = ("number", "title")


@admin.register(ListingImport)
class ListingImportAdmin(ReadOnlyModelAdmin):
    list_display = (
        "id",
        "shop",
        "type",
        "status",
        "total_rows",
        "valid_rows",
        "invalid_rows",
        "created_at",
    )
    list_filter = ("status", "type")
    search_fields = ("shop__name", "uploaded_by__phone")
    list_select_related = ("shop",)


@admin.register(ListingImportRow)
class ListingImportRowAdmin(ReadOnlyModelAdmin):
    list_display = ("listing_import", "row_number", "status", "listing")
    list_filter = ("status",)
    list_select_related = ("listing_import", "listing")
