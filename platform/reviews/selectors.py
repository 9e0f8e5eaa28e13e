from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from kernel.permissions import staff_can

from .models import Reviewable, ReviewRecord, ReviewStatus


def review_history(subject: Reviewable) -> QuerySet[ReviewRecord]:
    """Every submission and decision on ``subject``, oldest first."""
    return ReviewRecord.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).select_related("actor")


def review_status(subject: Reviewable) -> str | None:
    """Where ``subject`` stands in review: PENDING, APPROVED or REJECTED after its latest
    submission, or None when it was never submitted (a draft)."""
    from .services import review_kind_for

    kind = review_kind_for(type(subject))
    if subject.status == kind.pending:
        return ReviewStatus.PENDING
    if subject.status == kind.rejected:
        return ReviewStatus.REJECTED
    if subject.decided_at is not None:
        return ReviewStatus.APPROVED
    return None


def review_visible_to(user, subject: Reviewable) -> bool:
    """Decision reasons and history are for the applicant and the kind's reviewers."""
    from .services import review_kind_for

    if not user.is_authenticated:
        return False
    kind = review_kind_for(type(subject))
    if staff_can(user, kind.permission):
        return True
    return kind.applicant_id(subject) == user.pk


def review_queue(model: type, *, user, status: str | None = ReviewStatus.PENDING) -> QuerySet:
    """The queue of one reviewable kind, oldest submission first, for those holding the
    kind's review permission (empty for anyone else, staff included); ``status`` is a
    ReviewStatus, translated into the kind's own status value (a listing in review is
    PENDING_REVIEW)."""
    from .services import review_kind_for

    kind = review_kind_for(model)
    if not staff_can(user, kind.permission):
        return model.objects.none()
    queue = model.objects.exclude(submitted_at=None).order_by("submitted_at", "pk")
    if not status:
        return queue
    own = {
        ReviewStatus.PENDING: kind.pending,
        ReviewStatus.APPROVED: kind.approved,
        ReviewStatus.REJECTED: kind.rejected,
    }[status]
    return queue.filter(status=own)
