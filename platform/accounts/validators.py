"""Mainland mobile numbers, resident ID numbers and unified social credit codes."""

import re

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from kernel.clock import local_today

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()]")


def normalize_phone(value: str) -> str | None:
    """``13812345678``, ``+86 138-1234-5678`` or ``0086…`` -> ``13812345678``; None if invalid."""
    digits = _SEPARATORS.sub("", value or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits if _MOBILE.match(digits) else None


def normalize_id_number(value: str) -> str | None:
    """A valid 18-digit resident ID number, or None: a known area code, a real birth date
    not in the future, and the ISO 7064 check digit (python-stdnum's ``cn.ric``)."""
    try:
        number = ric.validate(value or "")
    except ValidationError:
        return None
    if ric.get_birth_date(number) > local_today():
        return None
    return number


def normalize_credit_code(value: str) -> str | None:
    """A valid unified social credit code (GB 32100-2015 check digit), or None."""
    try:
        return uscc.validate(value or "")
    except ValidationError:
        return None


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"
