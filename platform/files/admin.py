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
from .selectors import file_can_download, file_signed_path
from .views import file_response

PREVIEWABLE = {"application/pdf", "image/png", "image/jpeg"}


def file_preview(file: PrivateFile | None):
    """The file shown inline on an admin page (a PDF in a frame, an image as such) above its
    download link; other types get the link only."""
    if file is None:
        return "-"
    link = file_download_link(file)
    if file.content_type not in PREVIEWABLE:
        return link
    url = reverse("admin:files_privatefile_preview", args=[file.pk])
    if file.content_type == "application/pdf":
        shown = format_html(
            '<iframe src="{}" title="{}" style="width:100%;min-width:32rem;height:36rem;'
            'border:1px solid #ccc"></iframe>',
            # Chromium's viewer: no page thumbnails (half a narrow frame), page fitted to width
            f"{url}#navpanes=0&view=FitH",
            file.name,
        )
    else:
        shown = format_html(
            '<img src="{}" alt="{}" style="max-width:32rem;max-height:36rem">', url, file.name
        )
    return format_html('<div class="file-preview">{}<div>{}</div></div>', shown, link)


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
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="files_privatefile_preview",
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

    def preview_view(self, request, object_id):
        """The file itself, inline, for an admin page's frame (PDF and images only; same
        entitlement as the download)."""
        try:
            file = PrivateFile.objects.get(pk=UUID(unquote(object_id)))
        except (ValueError, PrivateFile.DoesNotExist):
            raise Http404 from None
        if file.content_type not in PREVIEWABLE:
            raise Http404
        if not file_can_download(user=request.user, file=file):
            raise PermissionDenied
        response = file_response(file, as_attachment=False)
        # framed by the admin's own pages only
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response

    @admin.display(description="大小", ordering="size")
    def size_display(self, file):
        return filesizeformat(file.size)

    @admin.display(description="下载")
    def link(self, file):
        return file_download_link(file, label="下载")
