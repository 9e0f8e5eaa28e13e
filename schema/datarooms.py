from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from datarooms.models import DataRoomAcceptance, DataRoomDocument, DataRoomDownload

from .errors import Error
from .shops import AgreementType


@strawberry.type(
    name="DataRoomDocument",
    description="A confidential document of a listing's data room (seen only by those "
    "entitled: the seller, staff, approved registrants who accepted the agreement).",
)
class DataRoomDocumentType:
    id: strawberry.ID = strawberry.field(description="The document's global id.")
    title: str = strawberry.field(description="What the seller called it.")
    name: str = strawberry.field(description="The file name (extension from its content).")
    content_type: str = strawberry.field(description="Detected from the content.")
    size: int = strawberry.field(description="Bytes.")
    created_at: datetime = strawberry.field(description="When it was attached.")
    download_url: str = strawberry.field(
        description="A short-lived signed link for you; every download through it is logged."
    )

    @classmethod
    def of(cls, document: DataRoomDocument, *, url: str) -> "DataRoomDocumentType":
        return cls(
            id=strawberry.ID(str(relay.GlobalID("DataRoomDocument", str(document.pk)))),
            title=document.title,
            name=document.file.name,
            content_type=document.file.content_type,
            size=document.file.size,
            created_at=document.created_at,
            download_url=url,
        )


@strawberry.type(
    name="DataRoomAcceptance",
    description="Your acceptance of the data room's confidentiality agreement.",
)
class DataRoomAcceptanceType:
    version: str = strawberry.field(description="The agreement version accepted.")
    accepted_at: datetime = strawberry.field(description="When.")

    @classmethod
    def of(cls, acceptance: DataRoomAcceptance | None) -> "DataRoomAcceptanceType | None":
        if acceptance is None:
            return None
        return cls(version=acceptance.agreement.version, accepted_at=acceptance.accepted_at)


@strawberry.type(
    name="DataRoomDownload",
    description="One download of a data-room document (seller and staff only).",
)
class DataRoomDownloadType:
    document_title: str = strawberry.field(description="Which document.")
    user_name: str | None = strawberry.field(
        description="Who downloaded it (the account's name; null when it has none)."
    )
    bidder_number: str | None = strawberry.field(
        description="Their bidder number (竞买号); null for staff and the seller."
    )
    downloaded_at: datetime = strawberry.field(description="When.")

    @classmethod
    def of(cls, download: DataRoomDownload) -> "DataRoomDownloadType":
        return cls(
            document_title=download.document.title,
            user_name=download.user.name or None,
            bidder_number=download.bidder_number or None,
            downloaded_at=download.downloaded_at,
        )


@strawberry.type(
    name="DataRoom",
    description="A listing's data room (数据室). Its document count is public; the documents "
    "themselves only for the seller, staff with the permission, and approved registrants of "
    "the listing's lots who accepted the confidentiality agreement in force.",
)
class DataRoomType:
    document_count: int = strawberry.field(description="How many documents it holds.")
    agreement: AgreementType | None = strawberry.field(
        description="The confidentiality agreement to accept (《数据室保密协议》)."
    )
    registered: bool = strawberry.field(
        description="You hold an approved registration for a lot of this listing."
    )
    acceptance: DataRoomAcceptanceType | None = strawberry.field(
        description="Your acceptance of the agreement in force; null if none."
    )
    can_view: bool = strawberry.field(description="You may see and download the documents.")
    documents: list[DataRoomDocumentType] = strawberry.field(
        description="The documents; empty unless canView."
    )
    downloads: list[DataRoomDownloadType] = strawberry.field(
        description="Seller and staff: the latest downloads (at most 100), newest first; "
        "empty for anyone else."
    )


@strawberry.input(description="Attach a document to your listing's data room.")
class DataRoomDocumentAddInput:
    listing_id: relay.GlobalID = strawberry.field(description="Your listing.")
    title: str = strawberry.field(description="What to call it, e.g. 技术说明书.")
    file: Upload = strawberry.field(
        description="PDF, JPEG, PNG or XLSX (checked by content), at most DATA_ROOM_MAX_BYTES."
    )


@strawberry.input(description="Accept a listing's data-room confidentiality agreement.")
class DataRoomAgreementAcceptInput:
    listing_id: relay.GlobalID = strawberry.field(description="The listing.")
    version: str = strawberry.field(description="The agreement version you read and accept.")


@strawberry.type(description="Result of dataRoomDocumentAdd.")
class DataRoomDocumentPayload:
    document: DataRoomDocumentType | None = strawberry.field(description="The document added.")
    errors: list[Error] = strawberry.field(description="Why nothing was added.")


@strawberry.type(description="Result of dataRoomAgreementAccept.")
class DataRoomPayload:
    data_room: DataRoomType | None = strawberry.field(description="The data room, as you see it.")
    errors: list[Error] = strawberry.field(description="Why it was refused.")
