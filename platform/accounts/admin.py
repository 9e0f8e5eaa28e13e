from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from files.admin import file_preview
from kernel.admin import ReadOnlyModelAdmin
from kernel.clock import now
from reviews.admin import REVIEW_FIELDSET, ReviewableAdmin

from .errors import AccountErrorCode
from .models import ApiToken, Identity, SmsCode, User, Verification
from .validators import normalize_phone

# --- Users -------------------------------------------------------------------------------


def phone_field() -> forms.CharField:
    # Longer than the stored 11 digits, so "+86 138-1234-5678" reaches clean_phone.
    return forms.CharField(label="手机号", max_length=20)


class PhoneFormMixin:
    """Accept ``+86 138-1234-5678`` and the like; store the 11-digit number."""

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data.get("phone") or "")
        if phone is None:
            raise forms.ValidationError(AccountErrorCode.INVALID_PHONE.label, code="invalid")
        return phone


class UserAddForm(PhoneFormMixin, AdminUserCreationForm):
    phone = phone_field()

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("phone", "name")
        field_classes = {}


class UserEditForm(PhoneFormMixin, UserChangeForm):
    phone = phone_field()

    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        ("个人信息", {"fields": ("name",)}),
        (
            "权限",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("phone", "name", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = (
        "phone",
        "name",
        "verified_name",
        "is_staff",
        "is_superuser",
        "is_active",
        "date_joined",
        "last_login",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "date_joined")
    search_fields = ("phone", "name", "verification__name")
    ordering = ("-date_joined", "-id")
    date_hierarchy = "date_joined"
    list_select_related = ("verification",)

    @admin.display(description="实名", ordering="verification__name")
    def verified_name(self, user):
        verification = getattr(user, "verification", None)
        return str(verification) if verification else "-"


# --- Read-only records -------------------------------------------------------------------


@admin.register(SmsCode)
class SmsCodeAdmin(ReadOnlyModelAdmin):
    # code_hash is deliberately absent from every list below.
    list_display = (
        "phone",
        "purpose",
        "created_at",
        "expires_at",
        "attempts",
        "used_at",
        "client_address",
    )
    list_filter = ("purpose", "created_at")
    search_fields = ("phone", "client_address")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "phone",
        "purpose",
        "client_address",
        "created_at",
        "expires_at",
        "attempts",
        "used_at",
    )
    readonly_fields = fields


class ApiTokenStateFilter(admin.SimpleListFilter):
    title = "状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "有效"), ("expired", "已过期"), ("revoked", "已吊销")]

    def queryset(self, request, queryset):
        current = now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=current)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=current)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyModelAdmin):
    # key_digest is deliberately absent from every list below.
    list_display = (
        "prefix",
        "user",
        "name",
        "state",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = (ApiTokenStateFilter, "created_at")
    search_fields = ("user__phone", "name", "prefix")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    fields = (
        "user",
        "name",
        "prefix",
        "state",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields

    @admin.display(description="状态")
    def state(self, token):
        if token.revoked_at is not None:
            return "已吊销"
        if token.expires_at <= now():
            return "已过期"
        return "有效"


# --- Reviewed applications ---------------------------------------------------------------


def _verified_name(user) -> str:
    verification = getattr(user, "verification", None)
    return verification.name if verification else "-"


@admin.register(Verification)
class VerificationAdmin(ReviewableAdmin):
    list_display = (
        "name",
        "kind",
        "user",
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
    )
    list_filter = ("status", "kind", "certificate_type")
    search_fields = ("name", "user__phone", "credit_code", "id_number")
    list_select_related = ("user", "decided_by")
    fieldsets = (
        (
            "申请内容",
            {
                "fields": (
                    "user",
                    "kind",
                    "name",
                    "id_number",
                    "credit_code",
                    "certificate_type",
                    "certificate_file",
                )
            },
        ),
        REVIEW_FIELDSET,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("certificate")

    @admin.display(description="证书文件")
    def certificate_file(self, verification):
        return file_preview(verification.certificate)


@admin.register(Identity)
class IdentityAdmin(ReviewableAdmin):
    list_display = (
        "user",
        "applicant_name",
        "kind",
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
    )
    list_filter = ("status", "kind")
    search_fields = ("user__phone", "user__verification__name")
    list_select_related = ("user__verification", "decided_by")
    fieldsets = (
        ("申请内容", {"fields": ("user", "applicant_name", "kind", "certificate_file")}),
        REVIEW_FIELDSET,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user__verification", "certificate")

    @admin.display(description="实名", ordering="user__verification__name")
    def applicant_name(self, identity):
        return _verified_name(identity.user)

    @admin.display(description="证明文件")
    def certificate_file(self, identity):
        return file_preview(identity.certificate)
