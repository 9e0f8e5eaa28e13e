"""Admin for uploaded files: read-only, with a download link for staff.

The link in a page points at an admin view that issues a fresh signed path
(``file_signed_path``) when clicked, so a page left open longer than
``FILE_URL_MAX_AGE`` still downloads, and no signed token is written into the page.
"""

from uuid import UUID

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html

from kernel.admin import ReadOnlyModelAdmin

from .models import PrivateFile
from .selectors import file_signed_path


def file_download_link(file: PrivateFile | None, label: str | None = None):
    """An admin link that downloads ``file`` (for this and other apps' admin pages)."""
    if file is None:
        return "-"
    url = reverse("admin:files_privatefile_download", args=[file.pk])
    return format_html('<a href="{}">{}</a>', url, label or f"下载《{file.name}》")


@admin.register(PrivateFile)
class PrivateFileAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "kind", "owner", "content_type", "size_display", "created_at", "link")
    list_filter = ("kind", "content_type", "created_at")
    search_fields = ("name", "owner__phone", "sha256")
    date_hierarchy = "created_at"
    list_select_related = ("owner",)
    fields = (
        "name",
        "kind",
        "owner",
        "content_type",
        "size_display",
        "sha256",
        "stored_name",
        "created_at",
        "link",
    )
    readonly_fields = fields

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="files_privatefile_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id):
        """Redirect to a short-lived signed download path for this user (staff, see
        ``file_can_download``)."""
        try:
            file = PrivateFile.objects.get(pk=UUID(unquote(object_id)))
        except (ValueError, PrivateFile.DoesNotExist):
            raise Http404 from None
        signed = file_signed_path(user=request.user, file=file)
        if signed is None:
            raise PermissionDenied
        return HttpResponseRedirect(signed)

    @admin.display(description="大小", ordering="size")
    def size_display(self, file):
        return filesizeformat(file.size)

    @admin.display(description="下载")
    def link(self, file):
        return file_download_link(file, label="下载")
