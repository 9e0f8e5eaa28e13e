"""Checks for free text that many inputs share."""

from kernel.errors import CommonErrorCode, ErrorCollector


def clean_text(
    value: str | None, *, field: str, errors: ErrorCollector, limit: int, required: bool = True
) -> str:
    """Strip ``value``; record REQUIRED or TOO_LONG on ``errors`` when it breaks the rule."""
    text = (value or "").strip()
    if required and not text:
        errors.add(CommonErrorCode.REQUIRED, field=field)
    elif len(text) > limit:
        errors.add(CommonErrorCode.TOO_LONG, field=field, limit=limit)
    return text
