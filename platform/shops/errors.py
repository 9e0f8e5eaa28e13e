from django.utils.translation import gettext_lazy as _

from kernel.errors import ErrorCode


class ShopErrorCode(ErrorCode):
    IDENTITY_NOT_APPROVED = (
        "IDENTITY_NOT_APPROVED",
        _("A shop can be opened only for one of your approved identities."),
    )
    SHOP_NAME_MUST_MATCH_INSTITUTION = (
        "SHOP_NAME_MUST_MATCH_INSTITUTION",
        _("An institution's shop name must be its verified name: {name}."),
    )
    SHOP_PENDING = "SHOP_PENDING", _("This shop is waiting for review.")
    SHOP_NOT_OPEN = "SHOP_NOT_OPEN", _("No open shop of yours has this id.")
    SHOP_ALREADY_OPEN = "SHOP_ALREADY_OPEN", _("This identity already has an open shop.")
    CONTACT_PHONE_INVALID = "CONTACT_PHONE_INVALID", _("Enter a valid contact phone number.")
    CONTACT_EMAIL_INVALID = "CONTACT_EMAIL_INVALID", _("Enter a valid e-mail address.")
