from django.utils.translation import gettext_lazy as _

from kernel.errors import ErrorCode


class DealErrorCode(ErrorCode):
    NOT_A_PARTY = "NOT_A_PARTY", _("Only the buyer or the seller of this deal can do this.")
    BUYER_ONLY = "BUYER_ONLY", _("Only the buyer of this deal can do this.")
    STEP_OUT_OF_ORDER = (
        "STEP_OUT_OF_ORDER",
        _("This step is not open yet, or is already done: the deal is at “{status}”."),
    )
    DEAL_CANCELLED = "DEAL_CANCELLED", _("This deal was cancelled.")
    REGISTRATION_DATE_INVALID = (
        "REGISTRATION_DATE_INVALID",
        _("The registration date must be on or after the deal date and not in the future."),
    )
    CHAIN_NOT_VERIFIED = (
        "CHAIN_NOT_VERIFIED",
        _(
            "The lot's bid record does not verify, so no certificate can be issued: "
            "contact the exchange."
        ),
    )
