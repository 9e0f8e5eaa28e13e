from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models


class ReviewStatus(models.TextChoices):
    PENDING = "PENDING", "待审核"
    APPROVED = "APPROVED", "审核通过"
    REJECTED = "REJECTED", "审核不通过"


class Reviewable(models.Model):
    """Fields every staff-reviewed application shares (verification, identity, shop, ...).

    ``status`` and the ``decided_*`` fields describe the latest decision; the full history of
    submissions and decisions is in ``ReviewRecord``.
    """

    status = models.CharField(
        "审核状态",
        max_length=16,
        choices=ReviewStatus.choices,
        default=ReviewStatus.PENDING,
        db_index=True,
    )
    submitted_at = models.DateTimeField("提交时间")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField("审核意见", blank=True)
    review_records = GenericRelation(
        "reviews.ReviewRecord", content_type_field="subject_type", object_id_field="subject_id"
    )

    class Meta:
        abstract = True


class ReviewAction(models.TextChoices):
    SUBMITTED = "SUBMITTED", "提交"
    APPROVED = "APPROVED", "通过"
    REJECTED = "REJECTED", "驳回"
    CHANGED = "CHANGED", "变更（无需审核）"


class ReviewRecord(models.Model):
    """One submission or decision on a reviewable application: who, when, why, and what."""

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    action = models.CharField("动作", max_length=16, choices=ReviewAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    reason = models.TextField("原因", blank=True)
    # What was submitted, as the applicant entered it, so a resubmission never erases history.
    snapshot = models.JSONField("提交内容", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审核记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self) -> str:
        return (
            f"{self.subject_type.model}#{self.subject_id} {self.action} @ {self.at:%Y-%m-%d %H:%M}"
        )
