"""A patent listing's legal status, re-checked through the patent provider (法律状态核查).

The provider (``listings.patents``: the local registry or the HTTP service) answers with the
patent's current status; each look-up is recorded as a ``LegalStatusCheck`` with its stage
(submission, bidding open, deal) and outcome, and the listing's shown status follows it.
What an unsellable outcome leads to is the caller's business: a submission is refused, a lot
about to open gets a pending pull for staff (``auctions.services.legal_status``), a deal is
flagged for staff.
"""

from kernel.clock import now
from kernel.errors import DomainError

from .models import (
    UNSELLABLE_LEGAL_STATUSES,
    LegalStatusCheck,
    LegalStatusOutcome,
    Listing,
    ListingType,
)
from .patents import get_patent_provider


def legal_status_lookup(number: str) -> tuple[str, str]:
    """``(status, outcome)`` of the patent ``number`` as the provider knows it now; the
    status is empty when the provider does not know the patent or does not answer."""
    try:
        patent = get_patent_provider().lookup(number)
    except DomainError:  # PATENT_SERVICE_UNAVAILABLE
        return "", LegalStatusOutcome.UNAVAILABLE
    if patent is None:
        return "", LegalStatusOutcome.NOT_FOUND
    status = str(patent.legal_status)
    if status in UNSELLABLE_LEGAL_STATUSES:
        return status, LegalStatusOutcome.UNSELLABLE
    return status, LegalStatusOutcome.SELLABLE


def listing_legal_status_check(
    *, listing: Listing, stage: str, lot_id: int | None = None, needs_staff_if_unsellable=False
) -> LegalStatusCheck | None:
    """Look the listing's patent up and record the result; None for a technology
    achievement (no patent to look up). Call inside the caller's transaction, but not
    while holding a row lock others wait for: the HTTP provider may take its timeout."""
    if listing.type != ListingType.PATENT or not listing.patent_number:
        return None
    status, outcome = legal_status_lookup(listing.patent_number)
    check = LegalStatusCheck.objects.create(
        listing=listing,
        stage=stage,
        lot_id=lot_id,
        patent_number=listing.patent_number,
        status=status,
        previous_status=listing.legal_status,
        outcome=outcome,
        needs_staff=needs_staff_if_unsellable and outcome == LegalStatusOutcome.UNSELLABLE,
        checked_at=now(),
    )
    if status and status != listing.legal_status:
        listing.legal_status = status
        Listing.objects.filter(pk=listing.pk).update(legal_status=status)
    return check
