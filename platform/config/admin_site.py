"""The exchange's admin site: its own header, and each review queue's pending count on the
index (and in the sidebar) so staff see at a glance where work waits."""

from django.contrib import admin

from reviews.services import can_review, review_kinds


class ExchangeAdminSite(admin.AdminSite):
    site_header = "省技术产权交易市场 管理后台"
    site_title = "省技术产权交易市场 管理后台"
    index_title = "工作台"

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
