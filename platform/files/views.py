from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from .selectors import file_from_token


@require_GET
def download(request, token: str):
    """Serve a private file to whoever holds a valid, unexpired signed link."""
    file = file_from_token(token, max_age=settings.FILE_URL_MAX_AGE)
    if file is None:
        raise Http404
    return file_response(file, as_attachment=True)


def file_response(file, *, as_attachment: bool) -> FileResponse:
    """A private file's bytes: never sniffed, never cached."""
    response = FileResponse(
        default_storage.open(file.stored_name, "rb"),
        as_attachment=as_attachment,
        filename=file.name,
        content_type=file.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
