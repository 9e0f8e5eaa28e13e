from django.contrib import admin

from reviews.admin import REVIEW_FIELDSET, ReviewableAdmin

from .models import Shop


@admin.register(Shop)
class ShopAdmin(ReviewableAdmin):
    list_display = (
        "name",
        "applicant",
        "identity_kind",
        "contact_name",
        "contact_phone",
        "status",
        "submitted_at",
        "decided_at",
    )
    list_filter = ("status", "identity__kind")
    search_fields = (
        "name",
        "contact_name",
        "contact_phone",
        "identity__user__phone",
        "identity__user__verification__name",
    )
    list_select_related = ("identity__user__verification", "decided_by")
    fieldsets = (
        (
            "店铺信息",
            {
                "fields": (
                    "name",
                    "description",
                    "identity",
                    "applicant",
                    "contact_name",
                    "contact_phone",
                    "contact_email",
                )
            },
        ),
        ("开店须知", {"fields": ("notice_accepted", "notice_accepted_at")}),
        REVIEW_FIELDSET,
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("identity__user__verification", "notice_accepted")
        )

    @admin.display(description="申请人", ordering="identity__user__phone")
    def applicant(self, shop):
        user = shop.identity.user
        verification = getattr(user, "verification", None)
        return f"{verification.name}（{user.phone}）" if verification else user.phone

    @admin.display(description="身份类型", ordering="identity__kind")
    def identity_kind(self, shop):
        return shop.identity.get_kind_display()
