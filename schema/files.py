from collections.abc import Iterable
from datetime import datetime

import strawberry_django
from strawberry import relay

from files.models import PrivateFile
from files.selectors import file_link_expires_at, file_signed_path, files_downloadable_by

from .context import Info


@strawberry_django.type(PrivateFile, name="File", description="An uploaded private file.")
class FileType(relay.Node):
    name: str = strawberry_django.field(description="The file name as uploaded.")
    content_type: str = strawberry_django.field(description="Detected from the content.")
    size: int = strawberry_django.field(description="Bytes.")

    @strawberry_django.field(
        only=["owner_id", "kind"],
        prefetch_related=["readers"],
        description="A short-lived signed download link; null unless you may download it "
        "(its owner, staff, or the counterparty it is shared with). It stops working at "
        "expiresAt: read the file again for a new one.",
    )
    def url(self, info: Info) -> str | None:
        path = file_signed_path(user=info.context.user, file=self)
        if path is None:
            return None
        return info.context.absolute_url(path)

    @strawberry_django.field(
        only=["owner_id", "kind"],
        prefetch_related=["readers"],
        description="When the url given with it stops working (a few minutes after it was "
        "read); null when there is no url.",
    )
    def expires_at(self, info: Info) -> datetime | None:
        return file_link_expires_at(user=info.context.user, file=self)

    @classmethod
    def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list["FileType | None"]:
        """node(id:) and nodes(ids:) give a file only to those who may download it (its
        metadata is private too); nested files keep their parent's visibility."""
        ids = [str(node_id) for node_id in node_ids]
        found = files_downloadable_by(user=info.context.user, file_ids=ids)
        return [found.get(node_id) for node_id in ids]

    @classmethod
    def resolve_node(cls, node_id: str, *, info: Info, required: bool = False) -> "FileType | None":
        return cls.resolve_nodes(info=info, node_ids=[node_id])[0]
