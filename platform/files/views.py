from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.views.decorators.http import require_GET

from .selectors import file_from_token
from .storage import presigned_url, storage_is_remote


@require_GET
def download(request, token: str):
    """Serve a private file to whoever holds a valid, unexpired signed link."""
    file = file_from_token(token, max_age=settings.FILE_URL_MAX_AGE)
    if file is None:
        raise Http404
    return file_response(file, as_attachment=True)


def file_response(file, *, as_attachment: bool):
    """A private file's bytes: never sniffed, never cached. With the object store, a
    redirect to a presigned URL of the store instead (no web process streams them)."""
    if storage_is_remote():
        response = HttpResponseRedirect(presigned_url(file, as_attachment=as_attachment))
        response["Cache-Control"] = "private, no-store"
        return response
    response = FileResponse(
        default_storage.open(file.stored_name, "rb"),
        as_attachment=as_attachment,
        filename=file.name,
        content_type=file.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
