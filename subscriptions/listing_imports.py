"""The check of a batch import, live: counts after every batch, until it is done."""

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from channels.db import database_sync_to_async
from graphql import GraphQLError
from strawberry import relay

from kernel.errors import CommonErrorCode, DomainError
from listings.imports.selectors import listing_imports_visible_to
from listings.imports.services import TERMINAL_STATUSES, ImportProgress, import_group
from listings.models import ListingImport
from live.events import MESSAGE_TYPE, LiveEvent
from resolvers.ids import decode_id
from schema.context import Info
from schema.errors import client_error
from schema.listing_imports import ListingImportProgress
from schema.permissions import IsAuthenticated


def _not_found() -> GraphQLError:
    return client_error(DomainError(CommonErrorCode.NOT_FOUND, field="id"))


# Where a status stands in the check, so an event older than the snapshot is not replayed.
_STAGE = {"QUEUED": 0, "PROCESSING": 1, "DONE": 2, "FAILED": 2, "COMMITTED": 3}


@database_sync_to_async
def _current(user, import_id: int) -> ImportProgress | None:
    listing_import = listing_imports_visible_to(user).filter(pk=import_id).first()
    return ImportProgress.of(listing_import) if listing_import else None


def _position(event: ImportProgress) -> tuple[int, int]:
    return _STAGE[event.status], event.processed_rows


@strawberry.type
class ListingImportSubscription:
    @strawberry.subscription(
        description="The check of one of your imports, live: its current counts at once, then "
        "after every batch of rows, ending once it is DONE or FAILED.",
        permission_classes=[IsAuthenticated],
    )
    async def listing_import_progress(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The ListingImport.")],
    ) -> AsyncGenerator[ListingImportProgress, None]:
        try:
            import_id = decode_id(id, ListingImport, field="id")
        except DomainError:
            raise _not_found() from None
        consumer = info.context.request
        # Join the group first, then read the current state: no event falls in between.
        async with consumer.listen_to_channel(MESSAGE_TYPE, groups=[import_group(import_id)]) as (
            messages
        ):
            current = await _current(info.context.user, import_id)
            if current is None:
                raise _not_found()
            yield ListingImportProgress.from_event(current)
            if current.status in TERMINAL_STATUSES:
                return
            last = _position(current)
            async for message in messages:
                event = LiveEvent.from_message(message)
                if not isinstance(event, ImportProgress) or event.id != import_id:
                    continue
                if _position(event) < last:
                    continue  # sent before the snapshot was read
                last = _position(event)
                yield ListingImportProgress.from_event(event)
                if event.status in TERMINAL_STATUSES:
                    return
