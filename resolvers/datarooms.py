from typing import Annotated

import strawberry
from strawberry import relay

from datarooms.selectors import DataRoomView, data_room_signed_path, data_room_view
from datarooms.services import data_room_agreement_accept, data_room_document_add
from kernel.errors import DomainError
from listings.models import Listing
from schema.context import Info
from schema.datarooms import (
    DataRoomAcceptanceType,
    DataRoomAgreementAcceptInput,
    DataRoomDocumentAddInput,
    DataRoomDocumentPayload,
    DataRoomDocumentType,
    DataRoomDownloadType,
    DataRoomPayload,
    DataRoomType,
)
from schema.permissions import IsAuthenticated

from .ids import decode_id
from .payloads import payload


def _document(info: Info, document) -> DataRoomDocumentType:
    path = data_room_signed_path(user=info.context.user, document=document)
    return DataRoomDocumentType.of(document, url=info.context.absolute_url(path))


def _data_room(info: Info, view: DataRoomView | None) -> DataRoomType | None:
    if view is None:
        return None
    return DataRoomType(
        document_count=view.document_count,
        agreement=view.agreement,
        registered=view.registered,
        acceptance=DataRoomAcceptanceType.of(view.acceptance),
        can_view=view.can_view,
        documents=[_document(info, document) for document in view.documents],
        downloads=[DataRoomDownloadType.of(download) for download in view.downloads],
    )


@strawberry.type
class DataRoomQuery:
    @strawberry.field(
        description="A listing's data room as you see it: its document count for everyone "
        "who may see the listing, the documents only for those entitled. Null when the "
        "listing is not visible to you."
    )
    def data_room(
        self,
        info: Info,
        listing_id: Annotated[relay.GlobalID, strawberry.argument(description="The listing.")],
    ) -> DataRoomType | None:
        try:
            listing_pk = decode_id(listing_id, Listing, field="listingId")
        except DomainError:
            return None
        return _data_room(info, data_room_view(user=info.context.user, listing_id=listing_pk))


@strawberry.type
class DataRoomMutation:
    @strawberry.mutation(
        description="Seller: attach a confidential document to your listing's data room.",
        permission_classes=[IsAuthenticated],
    )
    def data_room_document_add(
        self, info: Info, input: DataRoomDocumentAddInput
    ) -> DataRoomDocumentPayload:
        def add() -> DataRoomDocumentType:
            user = info.context.user
            document = data_room_document_add(
                user=user,
                listing_id=decode_id(input.listing_id, Listing, field="listingId"),
                title=input.title,
                upload=input.file,
            )
            return _document(info, document)

        return payload(DataRoomDocumentPayload, "document", add)

    @strawberry.mutation(
        description="Approved registrant: accept the listing's data-room confidentiality "
        "agreement (by version) to see its documents; recorded with who and when.",
        permission_classes=[IsAuthenticated],
    )
    def data_room_agreement_accept(
        self, info: Info, input: DataRoomAgreementAcceptInput
    ) -> DataRoomPayload:
        def accept() -> DataRoomType | None:
            user = info.context.user
            listing_pk = decode_id(input.listing_id, Listing, field="listingId")
            data_room_agreement_accept(user=user, listing_id=listing_pk, version=input.version)
            return _data_room(info, data_room_view(user=user, listing_id=listing_pk))

        return payload(DataRoomPayload, "data_room", accept)
