from django.utils.translation import gettext_lazy as _

from kernel.errors import ErrorCode


class AuctionErrorCode(ErrorCode):
    # issue 14: packages and licence lots
    PACKAGE_MIXES_SHOPS = (
        "PACKAGE_MIXES_SHOPS",
        _("Every listing of a package must belong to the same shop."),
    )
    PACKAGE_LISTING_REPEATED = (
        "PACKAGE_LISTING_REPEATED",
        _("A listing appears more than once in the package."),
    )
    PACKAGE_TOO_LARGE = "PACKAGE_TOO_LARGE", _("A package holds at most {limit} listings.")
    PACKAGE_TERMS_DIFFER = (
        "PACKAGE_TERMS_DIFFER",
        _(
            "Every listing of a package must be sold the same way (transfer, or a licence on "
            "the same terms)."
        ),
    )
    LISTING_ALREADY_IN_LOT = (
        "LISTING_ALREADY_IN_LOT",
        _("This listing is already in a lot that has not ended."),
    )
    LICENCE_COUNT_INVALID = (
        "LICENCE_COUNT_INVALID",
        _("The number of licences must be a whole number from 1 to {limit}."),
    )
    MULTIPLE_LICENCES_NOT_ALLOWED = (
        "MULTIPLE_LICENCES_NOT_ALLOWED",
        _("This season allows at most {limit} licence(s) per lot."),
    )
    MULTIPLE_LICENCES_NEED_NON_EXCLUSIVE = (
        "MULTIPLE_LICENCES_NEED_NON_EXCLUSIVE",
        _("Only a non-exclusive (普通) licence can be sold to several bidders."),
    )
    LOT_PULL_ALREADY_DECIDED = (
        "LOT_PULL_ALREADY_DECIDED",
        _("This pull has already been decided."),
    )
    LOT_ALREADY_ENDED = "LOT_ALREADY_ENDED", _("The lot has already ended.")
    LOT_UNDER_REVIEW = (
        "LOT_UNDER_REVIEW",
        _("Bidding on this lot is paused while staff review its patent's legal status."),
    )
    SESSION_TIMES_INVALID = (
        "SESSION_TIMES_INVALID",
        _("The notice must start before bidding, and bidding must start before it ends."),
    )
    SESSION_DAY_MISMATCH = (
        "SESSION_DAY_MISMATCH",
        _("Bidding must start on the auction day (Asia/Shanghai)."),
    )
    LISTING_NOT_AVAILABLE = (
        "LISTING_NOT_AVAILABLE",
        _("Only a listed (or unsold) listing that joined the auction season can be put up."),
    )
    SESSION_ALREADY_STARTED = (
        "SESSION_ALREADY_STARTED",
        _("Lots can be added only before the session's bidding starts."),
    )
    INCREMENT_INVALID = "INCREMENT_INVALID", _("The increment must be more than 0, in fen.")
    RESERVE_PRICE_INVALID = (
        "RESERVE_PRICE_INVALID",
        _("The reserve price must be more than 0 and at most 999,999,999.99 yuan, in fen."),
    )
    DEPOSIT_AMOUNT_INVALID = (
        "DEPOSIT_AMOUNT_INVALID",
        _("The deposit must be more than 0 and at most 999,999,999.99 yuan, in fen."),
    )
    ANTI_SNIPING_MINUTES_INVALID = (
        "ANTI_SNIPING_MINUTES_INVALID",
        _("The anti-sniping window must be 0 to {limit} minutes."),
    )
    BID_AMOUNT_INVALID = (
        "BID_AMOUNT_INVALID",
        _("The bid must be more than 0 and at most 999,999,999.99 yuan, in fen."),
    )
    PROXY_MAX_INVALID = (
        "PROXY_MAX_INVALID",
        _("The maximum must be more than 0 and at most 999,999,999.99 yuan, in fen."),
    )
    RESERVE_BELOW_START = (
        "RESERVE_BELOW_START",
        _("The reserve price cannot be below the start price."),
    )
    NOT_IN_NOTICE_PHASE = (
        "NOT_IN_NOTICE_PHASE",
        _("Registration is open only while the lot is in its public-notice phase."),
    )
    REGISTRATION_DEADLINE_PASSED = (
        "REGISTRATION_DEADLINE_PASSED",
        _("Registration closed at {deadline} (the day before the auction day, 16:00)."),
    )
    OWN_LOT = "OWN_LOT", _("A seller cannot register for their own lot.")
    ALREADY_REGISTERED = "ALREADY_REGISTERED", _("You have already registered for this lot.")
    BARRED = (
        "BARRED",
        _("You may not register any more: you defaulted on {limit} or more deals."),
    )
    DEPOSIT_NOT_REQUIRED = "DEPOSIT_NOT_REQUIRED", _("This season takes no deposit.")
    DEPOSIT_NOT_CONFIRMED = (
        "DEPOSIT_NOT_CONFIRMED",
        _("Confirm the deposit before approving this registration."),
    )
    NOT_REGISTERED = "NOT_REGISTERED", _("Register for this lot (and pass review) to bid.")
    REGISTRATION_NOT_APPROVED = (
        "REGISTRATION_NOT_APPROVED",
        _("Your registration for this lot is not approved."),
    )
    LOT_NOT_OPEN = "LOT_NOT_OPEN", _("Bidding on this lot has not started.")
    LOT_ENDED = "LOT_ENDED", _("Bidding on this lot has ended.")
    BID_TOO_LOW = "BID_TOO_LOW", _("The bid must be at least {minimum} yuan.")
    BID_NOT_MULTIPLE_OF_INCREMENT = (
        "BID_NOT_MULTIPLE_OF_INCREMENT",
        _("The raise must be a whole multiple of the increment ({increment} yuan)."),
    )
    LEADER_CANNOT_RAISE = (
        "LEADER_CANNOT_RAISE",
        _("You are the highest bidder already."),
    )
    IDEMPOTENCY_KEY_REUSED = (
        "IDEMPOTENCY_KEY_REUSED",
        _("This idempotency key was used for a different bid."),
    )
    IDEMPOTENCY_KEY_INVALID = (
        "IDEMPOTENCY_KEY_INVALID",
        _("The idempotency key must be 8 to 64 letters, digits, '-' or '_'."),
    )
    PROXY_MAX_TOO_LOW = (
        "PROXY_MAX_TOO_LOW",
        _("The maximum must be at least {minimum} yuan."),
    )
    # issue 14: the priority purchase right (优先购买权)
    PRIORITY_ALREADY_LEADING = (
        "PRIORITY_ALREADY_LEADING",
        _("You already hold the highest bid: the priority right matches another's bid."),
    )
    PRIORITY_MATCH_OUTRANKED = (
        "PRIORITY_MATCH_OUTRANKED",
        _(
            "A priority right holder earlier in order (or of the same order who bid first) "
            "holds this price: raise by the increment."
        ),
    )
    PRIORITY_MARK_CLOSED = (
        "PRIORITY_MARK_CLOSED",
        _("Priority purchase rights can be marked only before the lot's bidding opens."),
    )
    PRIORITY_MARK_NOT_APPROVED = (
        "PRIORITY_MARK_NOT_APPROVED",
        _("Only an approved registration can be marked as a priority purchase right holder."),
    )
    PRIORITY_ORDER_INVALID = (
        "PRIORITY_ORDER_INVALID",
        _("The order must be a whole number from 1 to {limit} (1 comes first)."),
    )
