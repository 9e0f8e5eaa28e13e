import re

from django.contrib import admin
from django.utils.text import Truncator

from kernel.admin import ReadOnlyModelAdmin

from .models import Notification, SmsMessage

# Verification codes travel through the outbox in clear text; the admin shows them masked,
# and the text is not searchable (a search would let staff guess a code digit by digit).
_CODE = re.compile(r"(验证码\D{0,4})\d{4,8}")


def mask_codes(text: str) -> str:
    return _CODE.sub(r"\1******", text)


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "phone", "short_text", "status", "attempts", "sent_at")
    list_filter = ("status", "created_at", "backend")
    search_fields = ("phone",)
    date_hierarchy = "created_at"
    fields = (
        "phone",
        "masked_text",
        "status",
        "backend",
        "attempts",
        "error",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    def get_object(self, request, object_id, from_field=None):
        # Mask the text on the instance itself, so the page title and breadcrumbs (which
        # show str(message)) do not leak a code either. Safe only because nothing here saves.
        message = super().get_object(request, object_id, from_field)
        if message is not None:
            message.text = mask_codes(message.text)
        return message

    @admin.display(description="内容")
    def short_text(self, message):
        return Truncator(mask_codes(message.text)).chars(50)

    @admin.display(description="内容")
    def masked_text(self, message):
        return mask_codes(message.text)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "read_at")
    list_filter = ("kind", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__phone", "title")
    date_hierarchy = "created_at"
    fields = (
        "user",
        "kind",
        "title",
        "body",
        "subject_type",
        "subject_id",
        "created_at",
        "read_at",
    )
    readonly_fields = fields
