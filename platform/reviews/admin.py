"""Admin for the shared review mechanism.

``ReviewableAdmin`` is the base of every reviewable model's admin (实名认证, 身份申请, 店铺):
the applicant's data is read-only, and the only way to change a status is the two actions
below, which call ``review_decide`` for each selected application. ``ReviewRecordInline``
shows an application's history on its page.
"""

import json
from uuid import UUID

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from files.admin import file_download_link
from files.models import PrivateFile
from kernel.admin import ReadOnlyModelAdmin
from kernel.errors import DomainError

from .models import ReviewRecord
from .services import REASON_MAX_LENGTH, can_review, review_decide, review_kind_for, review_kinds

REVIEW_FIELDSET = (
    "审核结果",
    {"fields": ("status", "submitted_at", "decided_at", "decided_by", "decision_reason")},
)


def actor_label(user) -> str:
    return f"{user.name}（{user.phone}）" if user.name else user.phone


_SNAPSHOT_LABELS = {
    "agreement_version": "协议版本",
    "notice_version": "须知版本",
    "lot": "拍品",
}


def _snapshot_value(field, value):
    """A snapshot value as staff read it: choice labels, yes/no, lists joined, and a file's
    name with a download link instead of its id."""
    if value in (None, "", []):
        return "-"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if field is not None and field.choices:
        return dict(field.flatchoices).get(value, value)
    if field is not None and field.is_relation and field.related_model is PrivateFile:
        file = PrivateFile.objects.filter(pk=value).first() if _is_uuid(value) else None
        return file_download_link(file) if file else f"（文件 {value} 已不存在）"
    return str(value)


def _is_uuid(value) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def snapshot_html(snapshot: dict, model=None):
    """What was submitted, as a table of the model's own field names and readable values."""
    if not snapshot:
        return "-"
    rows = []
    for key, value in snapshot.items():
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(key)
            except FieldDoesNotExist:
                field = None
        label = str(field.verbose_name) if field is not None else _SNAPSHOT_LABELS.get(key, key)
        rows.append((label, _snapshot_value(field, value)))
    return format_html(
        '<table class="review-snapshot">{}</table>',
        format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
    )


class ReviewRecordInline(GenericTabularInline):
    """The submissions and decisions of one application, oldest first; never editable."""

    model = ReviewRecord
    ct_field = "subject_type"
    ct_fk_field = "subject_id"
    fields = ("at", "action", "actor_display", "reason", "snapshot_display")
    readonly_fields = fields
    ordering = ("at", "id")
    extra = 0
    can_delete = False
    verbose_name = verbose_name_plural = "审核记录"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Whoever may review the application sees its history.
        return super().has_view_permission(request, obj) or can_review(
            user=request.user, model=self.parent_model
        )

    @admin.display(description="操作人")
    def actor_display(self, record):
        return actor_label(record.actor)

    @admin.display(description="提交内容")
    def snapshot_display(self, record):
        return snapshot_html(record.snapshot, self.parent_model)


class RejectReasonForm(forms.Form):
    reason = forms.CharField(
        label="驳回理由",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="将记入审核记录，并通过短信告知申请人。",
    )


class ReviewableAdmin(ReadOnlyModelAdmin):
    """Base admin for a ``Reviewable`` model.

    Nothing is added, edited or deleted here: the page shows the application read-only, and
    "审核通过" / "审核驳回" go through ``review_decide`` one application at a time, for users
    who may review this kind (``can_review``); those users also see the queue without a
    separate view permission.
    """

    actions = ["approve_selected", "reject_selected"]
    inlines = [ReviewRecordInline]
    list_filter = ("status",)
    date_hierarchy = "submitted_at"
    # Oldest first, as the API's reviewQueue: whoever waited longest is decided first.
    ordering = ("submitted_at", "id")
    reject_template = "admin/reviews/reject_reason.html"

    change_form_template = "admin/reviews/change_form.html"

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self.has_review_permission(request)

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name=f"{opts.app_label}_{opts.model_name}_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        subject = self.get_object(request, unquote(object_id))
        kind = review_kind_for(self.model)
        extra_context = dict(extra_context or {})
        pending = subject is not None and subject.status == kind.pending
        if pending and self.has_review_permission(request):
            opts = self.model._meta
            extra_context["decide_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_decide", args=[subject.pk]
            )
            extra_context["reject_form"] = RejectReasonForm()
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, object_id):
        """The detail page's 审核通过 / 审核驳回 (with its reason): one application."""
        if request.method != "POST":
            raise PermissionDenied
        subject = self.get_object(request, unquote(object_id))
        if subject is None:
            raise Http404
        opts = self.model._meta
        back = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[subject.pk])
        approve = "approve" in request.POST
        reason = request.POST.get("reason", "")
        self._decide_each(
            request, self.model.objects.filter(pk=subject.pk), approve=approve, reason=reason
        )
        return HttpResponseRedirect(back)

    def has_review_permission(self, request):
        return can_review(user=request.user, model=self.model)

    def get_readonly_fields(self, request, obj=None):
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    @admin.action(description="审核通过", permissions=["review"])
    def approve_selected(self, request, queryset):
        self._decide_each(request, queryset, approve=True)

    @admin.action(description="审核驳回", permissions=["review"])
    def reject_selected(self, request, queryset):
        """Ask for the reason on an intermediate page, then reject each selected application."""
        if request.POST.get("post") == "yes":
            form = RejectReasonForm(request.POST)
            if form.is_valid():
                self._decide_each(
                    request, queryset, approve=False, reason=form.cleaned_data["reason"]
                )
                return None  # back to the change list, showing the messages
        else:
            form = RejectReasonForm()
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": f"驳回{opts.verbose_name}申请",
            "opts": opts,
            "queryset": queryset,
            "form": form,
            "action_name": "reject_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.reject_template, context)

    def _decide_each(self, request, queryset, *, approve: bool, reason: str = "") -> None:
        label = review_kind_for(self.model).label
        verb = "已审核通过" if approve else "已驳回"
        for subject in list(queryset):
            try:
                review_decide(
                    model=self.model,
                    pk=subject.pk,
                    actor=request.user,
                    approve=approve,
                    reason=reason,
                )
            except PermissionDenied:
                # The permission is per kind, not per application: say it once and stop.
                self.message_user(
                    request, f"您没有审核{label}的权限，未作任何处理。", messages.ERROR
                )
                return
            except DomainError as error:
                for item in error.items:
                    self.message_user(request, f"「{subject}」：{item.message}", messages.ERROR)
            else:
                self.message_user(request, f"「{subject}」{verb}。", messages.SUCCESS)


class ReviewKindFilter(admin.SimpleListFilter):
    title = "申请类型"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.key, kind.label) for kind in review_kinds()]

    def queryset(self, request, queryset):
        for kind in review_kinds():
            if kind.key == self.value():
                return queryset.filter(subject_type=ContentType.objects.get_for_model(kind.model))
        return queryset


@admin.register(ReviewRecord)
class ReviewRecordAdmin(ReadOnlyModelAdmin):
    """Every submission and decision, across kinds; an audit trail, so read-only."""

    list_display = ("at", "subject_link", "action", "actor_display", "short_reason")
    list_filter = (ReviewKindFilter, "action", "at")
    search_fields = ("reason", "actor__phone", "actor__name")
    date_hierarchy = "at"
    ordering = ("-at", "-id")
    list_select_related = ("subject_type", "actor")
    fields = ("subject_link", "action", "actor", "at", "reason", "snapshot_display")
    readonly_fields = fields

    @admin.display(description="申请", ordering="subject_type")
    def subject_link(self, record):
        subject_type = record.subject_type
        label = f"{subject_type.name} #{record.subject_id}"
        try:
            url = reverse(
                f"admin:{subject_type.app_label}_{subject_type.model}_change",
                args=[record.subject_id],
            )
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="操作人", ordering="actor__phone")
    def actor_display(self, record):
        return actor_label(record.actor)

    @admin.display(description="原因")
    def short_reason(self, record):
        return Truncator(record.reason).chars(40) or "-"

    @admin.display(description="提交内容")
    def snapshot_display(self, record):
        return snapshot_html(record.snapshot, record.subject_type.model_class())
