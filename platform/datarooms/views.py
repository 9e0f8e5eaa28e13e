from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404
from django.views.decorators.http import require_GET

from files.views import file_response

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
    # Logged when the link is used, before the bytes are served: by this view on local
    # disk, by the store behind the redirect to its presigned URL otherwise.
    data_room_download_record(user=user, document=document)
    return file_response(document.file, as_attachment=True)
