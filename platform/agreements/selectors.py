from kernel.clock import now

from .models import Agreement


def agreement_current(kind: str) -> Agreement | None:
    return (
        Agreement.objects.filter(kind=kind, effective_at__lte=now())
        .order_by("-effective_at", "-id")
        .first()
    )
