"""Amounts of money (CNY): a Decimal with two places, more than 0 and below a billion.

One parser for every amount an input carries; each input refuses a bad amount with its
own code (a bid, a proxy maximum, a start price, an increment are told apart), so the
caller passes the code that names its field.
"""

from decimal import Decimal, InvalidOperation

from kernel.errors import ErrorCode, ErrorCollector

MAX_AMOUNT = Decimal("999999999.99")
FEN = Decimal("0.01")


def parse_amount(value) -> Decimal | None:
    """The amount ``value`` writes, or None when it is not a positive whole number of fen
    up to ``MAX_AMOUNT``."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if (
        not amount.is_finite()
        or amount <= 0
        or amount > MAX_AMOUNT
        or amount != amount.quantize(FEN)
    ):
        return None
    return amount.quantize(FEN)


def clean_amount(value, *, errors: ErrorCollector, field: str, code: ErrorCode) -> Decimal | None:
    """``value`` as an amount; None when blank (nothing recorded) or bad (``code`` recorded
    once on ``field``)."""
    if value is None or value == "":
        return None
    amount = parse_amount(value)
    if amount is None:
        errors.add(code, field=field)
    return amount
