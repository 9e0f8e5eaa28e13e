from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet

from kernel.clock import now
from kernel.errors import DomainError

from .models import HolidaySchedule, ScheduleDay
from .services import (
    ScheduleDayInput,
    calendar_missing_next_year,
    holiday_schedule_changed,
    schedule_days_validate,
)


class ScheduleDayFormSet(BaseInlineFormSet):
    """The same checks as the import: days in the year, 调休上班 only on a weekend, no day
    twice."""

    def clean(self):
        super().clean()
        year = self.instance.year
        days = [
            ScheduleDayInput(form.cleaned_data["date"], form.cleaned_data["kind"])
            for form in self.forms
            if form.cleaned_data.get("date")
            and form.cleaned_data.get("kind")
            and not form.cleaned_data.get("DELETE")
        ]
        if not year:
            return
        try:
            schedule_days_validate(year=year, days=days)
        except DomainError as error:
            raise ValidationError([item.message for item in error.items]) from error


class ScheduleDayInline(admin.TabularInline):
    model = ScheduleDay
    formset = ScheduleDayFormSet
    extra = 3
    fields = ("date", "kind", "name")


@admin.register(HolidaySchedule)
class HolidayScheduleAdmin(admin.ModelAdmin):
    """Staff enter each year's arrangement here (or import it with ``manage.py
    holiday_schedule_import``); saving recounts the open provisional deadlines."""

    list_display = ("year", "notice", "published_on", "entered_at", "entered_by")
    readonly_fields = ("entered_at", "entered_by")
    fields = ("year", "notice", "notice_url", "published_on", "entered_at", "entered_by")
    inlines = [ScheduleDayInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        obj.entered_at = now()
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        moved = holiday_schedule_changed()
        if moved:
            self.message_user(
                request,
                f"已重新计算暂定的合同签署截止日：{moved}笔成交的截止日有变动，已通知双方。",
            )

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        holiday_schedule_changed()

    def changelist_view(self, request, extra_context=None):
        year = calendar_missing_next_year()
        if year is not None:
            self.message_user(
                request,
                f"{year}年节假日安排尚未录入：跨入{year}年的合同签署截止日暂按法定节假日推算（暂定）。",
                level=messages.WARNING,
            )
        return super().changelist_view(request, extra_context)
