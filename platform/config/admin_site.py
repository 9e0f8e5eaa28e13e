"""The exchange's admin site: its own header, each review queue's pending count on the
index (and in the sidebar) so staff see at a glance where work waits, and from 1 November
a warning to the calendar's keepers while next year's holiday schedule is missing."""

from django.contrib import admin, messages

from calendars.services import MANAGE_PERMISSION as CALENDAR_PERMISSION
from calendars.services import calendar_missing_next_year
from reviews.services import can_review, review_kinds


class ExchangeAdminSite(admin.AdminSite):
    site_header = "省技术产权交易市场 管理后台"
    site_title = "省技术产权交易市场 管理后台"
    index_title = "工作台"

    def index(self, request, extra_context=None):
        if request.user.has_perm(CALENDAR_PERMISSION):
            year = calendar_missing_next_year()
            if year is not None:
                messages.warning(
                    request,
                    f"{year}年节假日安排尚未录入工作日历：跨入{year}年的合同签署截止日暂按"
                    "法定节假日推算（暂定）。请在“工作日历 > 节假日安排”录入。",
                )
        return super().index(request, extra_context)

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        pending = self._pending_counts(request)
        for app in app_list:
            for entry in app["models"]:
                count = pending.get(entry["model"])
                if count:
                    entry["name"] = f"{entry['name']}（待审核 {count}）"
        return app_list

    @staticmethod
    def _pending_counts(request) -> dict[type, int]:
        """One COUNT per queue the user may review."""
        return {
            kind.model: kind.model.objects.filter(status=kind.pending).count()
            for kind in review_kinds()
            if can_review(user=request.user, model=kind.model)
        }
