from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Records that are never added, edited or deleted by hand (audit trails, outboxes,
    and applications whose status changes only through review actions)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
