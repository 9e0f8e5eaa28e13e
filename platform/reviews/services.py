"""The shared review mechanism: submit, approve, reject, with every step recorded.

Each reviewable model registers a ``ReviewKind`` (from its app's ``ready()``) naming the
permission a reviewer needs, who the applicant is, and what else happens on a decision.
Domain services call ``review_submit`` inside their own transaction; staff decisions all go
through ``review_decide``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction

from kernel.clock import now
from kernel.errors import CommonErrorCode, DomainError
from kernel.permissions import staff_can
from live.events import LiveEvent, publish_to_user
from notifications.services import notify

from .errors import ReviewErrorCode
from .models import Reviewable, ReviewAction, ReviewRecord, ReviewStatus

REASON_MAX_LENGTH = 500


@dataclass(frozen=True, kw_only=True)
class ReviewDecided(LiveEvent):
    """A decision on one of a user's applications, to that user's sockets."""

    TYPE = "review.decided"
    kind: str  # ReviewKind.key
    subject_type: str  # the model's name, e.g. "Verification"
    subject_id: int
    status: str
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class ReviewKind:
    key: str  # stable name, e.g. "VERIFICATION"
    label: str  # Chinese name used in messages, e.g. "实名认证"
    model: type[Reviewable]
    permission: str  # "<app_label>.review_<model>"
    # The path from a subject to the user who applied ("user", "shop__identity__user"):
    # walked on a loaded subject, or joined by a query (lists judge visibility per row).
    applicant_path: str
    on_decided: Callable[[Any], None] = field(default=lambda subject: None)
    # The subject's own status values for "in review", "approved", "rejected" (a listing,
    # for one, has a longer life than its review).
    describe: Callable[[Any], str] = field(default=lambda subject: "")  # named in the SMS
    # Refuses a decision the subject's own rules forbid (raise DomainError); runs under lock.
    check: Callable[[Any, bool], None] = field(default=lambda subject, approve: None)
    pending: str = ReviewStatus.PENDING
    approved: str = ReviewStatus.APPROVED
    rejected: str = ReviewStatus.REJECTED

    def applicant(self, subject):
        for step in self.applicant_path.split("__"):
            subject = getattr(subject, step)
        return subject

    def applicant_id(self, subject) -> int:
        """The applicant's id: from the ``applicant_id_`` annotation when the subject was
        read by a list query, else by walking the path."""
        annotated = getattr(subject, "applicant_id_", None)
        return annotated if annotated is not None else self.applicant(subject).pk


_KINDS: dict[type, ReviewKind] = {}


def review_kind_register(kind: ReviewKind) -> None:
    _KINDS[kind.model] = kind


def review_kind_for(model: type) -> ReviewKind:
    return _KINDS[model]


def review_kinds() -> list[ReviewKind]:
    return list(_KINDS.values())


def can_review(*, user, model: type) -> bool:
    kind = _KINDS.get(model)
    return bool(kind and staff_can(user, kind.permission))


def review_submit(*, subject: Reviewable, actor, snapshot: dict) -> None:
    """Put ``subject`` (already validated, not yet saved) in the queue and record what was sent.

    Must run inside the caller's transaction.
    """
    at = now()
    subject.status = review_kind_for(type(subject)).pending
    subject.submitted_at = at
    subject.decided_at = None
    subject.decided_by = None
    subject.decision_reason = ""
    subject.save()
    ReviewRecord.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        action=ReviewAction.SUBMITTED,
        actor=actor,
        at=at,
        snapshot=snapshot,
    )


def review_record_change(*, subject: Reviewable, actor, snapshot: dict) -> None:
    """Record a change to an approved subject that needs no new review (inside the caller's
    transaction), so its history shows every version."""
    ReviewRecord.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        action=ReviewAction.CHANGED,
        actor=actor,
        at=now(),
        snapshot=snapshot,
    )


def review_refuse_own(*, kind: ReviewKind, subject: Reviewable, actor) -> None:
    """Four eyes: nobody decides (or confirms a step of) an application they made."""
    if kind.applicant(subject).pk == actor.pk:
        raise DomainError(ReviewErrorCode.OWN_APPLICATION, field="id")


@transaction.atomic
def review_decide(*, model: type, pk: int, actor, approve: bool, reason: str = "") -> Reviewable:
    """Approve or reject one pending application; tells the applicant by SMS, in the inbox and
    by live event."""
    kind = review_kind_for(model)
    if not can_review(user=actor, model=model):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not approve and not reason:
        raise DomainError(ReviewErrorCode.REASON_REQUIRED, field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            ReviewErrorCode.REASON_TOO_LONG, field="reason", params={"limit": REASON_MAX_LENGTH}
        )
    # The row lock makes two reviewers deciding at once safe: the second sees the decision.
    subject = model.objects.select_for_update().filter(pk=pk).first()
    if subject is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="id")
    review_refuse_own(kind=kind, subject=subject, actor=actor)
    if subject.status != kind.pending:
        raise DomainError(ReviewErrorCode.REVIEW_NOT_PENDING, field="id")
    kind.check(subject, approve)

    at = now()
    subject.status = kind.approved if approve else kind.rejected
    subject.decided_at = at
    subject.decided_by = actor
    subject.decision_reason = reason
    subject.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    ReviewRecord.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        action=ReviewAction.APPROVED if approve else ReviewAction.REJECTED,
        actor=actor,
        at=at,
        reason=reason,
    )
    kind.on_decided(subject)

    applicant = kind.applicant(subject)
    name = kind.describe(subject)
    what = f"{kind.label}申请{f'（{name}）' if name else ''}"
    if approve:
        title = f"{kind.label}审核通过"
        text = f"【省技术产权交易市场】您提交的{what}已审核通过。"
    else:
        title = f"{kind.label}未通过审核"
        text = f"【省技术产权交易市场】您提交的{what}未通过审核，原因：{reason}。请修改后重新提交。"
    notify(user=applicant, kind="review.decided", title=title, text=text, subject=subject)
    publish_to_user(
        user_id=applicant.pk,
        event=ReviewDecided(
            kind=kind.key,
            subject_type=subject._meta.object_name,
            subject_id=subject.pk,
            status=ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED,
            reason=reason or None,
            at=at,
        ),
    )
    return subject
