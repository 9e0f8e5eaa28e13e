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


class DomainPermissionAdmin:
    """Opens an admin page to the staff who hold the domain permission the API checks for
    the same work (``auctions.manage_auctions`` for seasons and sessions, ...), so a role is
    one permission, not that plus a dozen model permissions. Mix in before the ModelAdmin;
    ``domain_may_change`` off leaves the page read-only for them."""

    domain_permissions: tuple[str, ...] = ()
    domain_may_change = True

    def _holds_domain_permission(self, request) -> bool:
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and any(user.has_perm(permission) for permission in self.domain_permissions)
        )

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self._holds_domain_permission(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or self._holds_domain_permission(request)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) or (
            self.domain_may_change and self._holds_domain_permission(request)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or (
            self.domain_may_change and self._holds_domain_permission(request)
        )
