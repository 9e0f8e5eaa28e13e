from django.contrib import admin

from kernel.clock import now

from .models import Agreement
from .selectors import agreement_current


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """A published version is never edited or deleted: a change is a new version."""

    list_display = ("title", "kind", "version", "effective_at", "is_current")
    list_filter = ("kind", "effective_at")
    search_fields = ("title", "version", "body")
    date_hierarchy = "effective_at"
    fields = ("kind", "version", "title", "body", "effective_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        return {"effective_at": now(), **super().get_changeform_initial_data(request)}

    @admin.display(description="当前生效", boolean=True)
    def is_current(self, agreement):
        current = agreement_current(agreement.kind)
        return current is not None and current.pk == agreement.pk
