"""Chinese patent application / patent numbers (专利申请号 / 专利号).

Two forms: since 2003-10-01, 12 digits (year, type digit, 7-digit serial) and a check
character, e.g. ``ZL 202110123456.7``; before, 8 digits (2-digit year 85-03, type digit,
5-digit serial) and a check character, e.g. ``ZL 98123456.X``. The check character is the
sum of the digits weighted 2, 3, ..., 9, 2, 3, ... from the left, modulo 11 (10 -> X).
``ZL`` / ``CN`` prefixes, spaces and the dot are optional.
"""

import re
from dataclasses import dataclass

_CLEAN = re.compile(r"[\s.·]")
_FORM = re.compile(r"^(?:ZL|CN)?(\d{8}|\d{12})([0-9X])$")

# The type digit: 1 invention, 2 utility model, 3 design; 8 and 9 are PCT applications
# entering the Chinese phase as an invention or a utility model.
TYPE_BY_DIGIT = {
    "1": "INVENTION",
    "8": "INVENTION",
    "2": "UTILITY_MODEL",
    "9": "UTILITY_MODEL",
    "3": "DESIGN",
}


@dataclass(frozen=True)
class PatentNumber:
    digits: str  # 8 or 12 digits, without the check character
    check: str

    @property
    def canonical(self) -> str:
        """``ZL202110123456.7``: the form stored and shown."""
        return f"ZL{self.digits}.{self.check}"

    @property
    def patent_type(self) -> str | None:
        digit = self.digits[4] if len(self.digits) == 12 else self.digits[2]
        return TYPE_BY_DIGIT.get(digit)


def check_character(digits: str) -> str:
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(digits))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def parse_patent_number(value: str) -> PatentNumber | None:
    """The number in ``value`` if it is well formed with the right check character."""
    match = _FORM.match(_CLEAN.sub("", (value or "").upper()))
    if not match:
        return None
    digits, check = match.groups()
    number = PatentNumber(digits=digits, check=check)
    if number.patent_type is None or check_character(digits) != check:
        return None
    if len(digits) == 8 and not (digits[:2] >= "85" or digits[:2] <= "03"):
        return None
    if len(digits) == 12 and not "1985" <= digits[:4] <= "2099":
        return None
    return number


# IPC classification symbols: section, class, subclass, then main group / subgroup.
_IPC = re.compile(r"^([A-H]\d{2}[A-Z])\s?(\d{1,4}/\d{2,6})$")


def normalize_ipc(value: str) -> str | None:
    """``h01l21/02`` or ``H01L 21/02`` -> ``H01L 21/02``; None when it is no IPC symbol."""
    match = _IPC.match(re.sub(r"\s+", " ", (value or "").strip().upper()))
    return f"{match[1]} {match[2]}" if match else None
