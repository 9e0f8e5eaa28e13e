from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from .selectors import data_room_can_view, data_room_from_token
from .services import data_room_download_record


@require_GET
def download(request, token: str):
    """Serve a data-room document to the holder of a valid, unexpired signed link, if the
    user it was issued to may still see the room (an agreement revised since, a registration
    withdrawn), and log the download."""
    found = data_room_from_token(token, max_age=settings.FILE_URL_MAX_AGE)
    if found is None:
        raise Http404
    document, user_id = found
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not data_room_can_view(user=user, listing=document.listing):
        raise Http404
    data_room_download_record(user=user, document=document)
    response = FileResponse(
        default_storage.open(document.file.stored_name, "rb"),
        as_attachment=True,
        filename=document.file.name,
        content_type=document.file.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
