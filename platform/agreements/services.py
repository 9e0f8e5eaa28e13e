from kernel.errors import DomainError

from .errors import AgreementErrorCode
from .models import Agreement
from .selectors import agreement_current


def agreement_check_accepted(*, kind: str, version: str | None, field: str) -> Agreement:
    """The current version of ``kind``, if ``version`` is exactly it; refused otherwise."""
    current = agreement_current(kind)
    if current is None or (version or "").strip() != current.version:
        raise DomainError(
            AgreementErrorCode.AGREEMENT_NOT_ACCEPTED,
            field=field,
            params={
                "version": current.version if current else "-",
                "title": current.title if current else kind,
            },
        )
    return current
