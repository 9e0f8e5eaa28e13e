from django.utils.translation import gettext_lazy as _

from kernel.errors import ErrorCode


class ReviewErrorCode(ErrorCode):
    REVIEW_NOT_PENDING = "REVIEW_NOT_PENDING", _("This application has already been decided.")
    REASON_REQUIRED = "REASON_REQUIRED", _("Give the reason for the rejection.")
    REASON_TOO_LONG = "REASON_TOO_LONG", _("The reason may be at most {limit} characters.")
    OWN_APPLICATION = (
        "OWN_APPLICATION",
        _("You cannot decide your own application: another reviewer must."),
    )
