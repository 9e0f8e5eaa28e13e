from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from .models import Reviewable, ReviewRecord


def review_history(subject: Reviewable) -> QuerySet[ReviewRecord]:
    """Every submission and decision on ``subject``, oldest first."""
    return ReviewRecord.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).select_related("actor")
