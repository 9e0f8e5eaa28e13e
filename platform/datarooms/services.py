"""The data room (数据室): documents a seller attaches, the confidentiality agreement
registrants accept before seeing them, and the log of every download."""

from django.db import transaction

from agreements.models import AgreementKind
from agreements.services import agreement_check_accepted
from files.models import FileKind
from files.services import file_store
from kernel.clock import now
from kernel.errors import CommonErrorCode, DomainError
from listings.models import Listing

from .errors import DataRoomErrorCode
from .models import DataRoomAcceptance, DataRoomDocument, DataRoomDownload
from .selectors import data_room_is_seller, data_room_registration


def _listing(listing_id: int) -> Listing | None:
    return Listing.objects.select_related("shop__identity").filter(pk=listing_id).first()


@transaction.atomic
def data_room_document_add(*, user, listing_id: int, title: str, upload) -> DataRoomDocument:
    """The seller attaches a document (PDF, image or workbook, by content; size capped by
    ``DATA_ROOM_MAX_BYTES``). Anyone else is told the listing does not exist."""
    listing = _listing(listing_id)
    if listing is None or not data_room_is_seller(user=user, listing=listing):
        raise DomainError(CommonErrorCode.NOT_FOUND, field="listingId")
    title = (title or "").strip()
    if not title:
        raise DomainError(CommonErrorCode.REQUIRED, field="title")
    stored = file_store(upload=upload, kind=FileKind.DATA_ROOM_DOCUMENT, owner=user, field="file")
    return DataRoomDocument.objects.create(
        listing=listing, file=stored, title=title[:100], uploaded_by=user, created_at=now()
    )


@transaction.atomic
def data_room_agreement_accept(*, user, listing_id: int, version: str) -> DataRoomAcceptance:
    """An approved registrant of a lot of the listing accepts the confidentiality agreement
    in force (by its version); recorded once per version with who and when."""
    listing = _listing(listing_id)
    if listing is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="listingId")
    if data_room_registration(user=user, listing=listing) is None:
        raise DomainError(DataRoomErrorCode.DATA_ROOM_NOT_REGISTERED, field="listingId")
    agreement = agreement_check_accepted(
        kind=AgreementKind.DATA_ROOM_NDA, version=version, field="version"
    )
    # once per version; accepted concurrently, the first one stands
    acceptance, _ = DataRoomAcceptance.objects.get_or_create(
        listing=listing, user=user, agreement=agreement, defaults={"accepted_at": now()}
    )
    return acceptance


@transaction.atomic
def data_room_download_record(*, user, document: DataRoomDocument) -> DataRoomDownload:
    """Log one download (the view calls it before serving the bytes)."""
    registration = data_room_registration(user=user, listing=document.listing)
    return DataRoomDownload.objects.create(
        document=document,
        user=user,
        bidder_number=registration.bidder_number if registration else "",
        downloaded_at=now(),
    )
