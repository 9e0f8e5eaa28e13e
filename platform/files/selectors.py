import uuid
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from kernel.clock import now
from kernel.permissions import Perm, staff_can

from .models import FileKind, PrivateFile
from .storage import presigned_url, storage_is_remote

SIGNING_SALT = "files.download"

# The staff permissions that entitle to read each kind of file (any one of them).
STAFF_READERS = {
    FileKind.VERIFICATION_CERTIFICATE: (
        Perm.REVIEW_VERIFICATION,
        Perm.REVIEW_IDENTITY,
        Perm.REVIEW_REGISTRATION,
    ),
    FileKind.IDENTITY_CERTIFICATE: (Perm.REVIEW_IDENTITY, Perm.REVIEW_SHOP),
    FileKind.LISTING_IMPORT: (Perm.REVIEW_LISTING,),
    FileKind.LISTING_IMPORT_RESULT: (Perm.REVIEW_LISTING,),
    FileKind.COMMITMENT_LETTER: (Perm.REVIEW_REGISTRATION,),
    FileKind.DEAL_NOTICE: (Perm.MANAGE_DEALS,),
    FileKind.CONTRACT: (Perm.MANAGE_DEALS,),
    FileKind.CONTRACT_TEMPLATE: (Perm.MANAGE_AUCTIONS, Perm.MANAGE_DEALS),
    FileKind.PAYMENT_PROOF: (Perm.MANAGE_DEALS,),
    FileKind.CERTIFICATE: (Perm.MANAGE_DEALS,),
    FileKind.RESULTS_EXPORT: (Perm.MANAGE_DEALS,),
    FileKind.DATA_ROOM_DOCUMENT: (Perm.VIEW_DATA_ROOMS,),
}


def file_can_download(*, user, file: PrivateFile) -> bool:
    """Its owner, the staff whose work needs its kind, and the users it is shared with (a
    deal's counterparty)."""
    if not user.is_authenticated:
        return False
    if file.owner_id == user.pk or staff_can(user, *STAFF_READERS.get(file.kind, ())):
        return True
    if file.kind == FileKind.CONTRACT_TEMPLATE:  # a season's template is for every party
        return True
    # readers.all() uses the prefetch a list query made, else runs one query
    return any(reader.pk == user.pk for reader in file.readers.all())


def file_signed_path(*, user, file: PrivateFile, as_attachment: bool = True) -> str | None:
    """A short-lived download link for ``file``, or None when ``user`` may not have it: with
    the object store a presigned URL of the store (the bytes never pass through a web
    process), on local disk a signed path to ``files.views.download``."""
    if not file_can_download(user=user, file=file):
        return None
    if storage_is_remote():
        return presigned_url(file, as_attachment=as_attachment)
    token = signing.TimestampSigner(salt=SIGNING_SALT).sign_object(
        {"f": str(file.pk), "u": user.pk}
    )
    return reverse("files:download", kwargs={"token": token})


def file_link_expires_at(*, user, file: PrivateFile) -> datetime | None:
    """When a link file_signed_path signs now stops working (FILE_URL_MAX_AGE after it was
    signed), or None when ``user`` gets no link. The signer stamps whole seconds of the same
    clock, so this is never later than the link's real end."""
    if not file_can_download(user=user, file=file):
        return None
    return now().replace(microsecond=0) + settings.FILE_URL_MAX_AGE


def files_downloadable_by(*, user, file_ids: list[str]) -> dict[str, PrivateFile]:
    """The files among ``file_ids`` (as text) that ``user`` may download, by id."""
    valid = []
    for file_id in file_ids:
        try:
            valid.append(uuid.UUID(file_id))
        except ValueError:
            continue  # not one of ours: not found
    if not valid or not user.is_authenticated:
        return {}
    files = PrivateFile.objects.filter(pk__in=valid).prefetch_related("readers")
    return {str(f.pk): f for f in files if file_can_download(user=user, file=f)}


def file_from_token(token: str, *, max_age) -> PrivateFile | None:
    try:
        data = signing.TimestampSigner(salt=SIGNING_SALT).unsign_object(token, max_age=max_age)
    except signing.BadSignature:
        return None
    return PrivateFile.objects.filter(pk=data["f"]).first()
