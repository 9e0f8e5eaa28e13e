from collections.abc import Iterable
from typing import Annotated

import strawberry
import strawberry_django
from django.urls import reverse

from kernel.errors import DomainError
from listings.imports.selectors import listing_imports_of
from listings.imports.services import listing_import_commit, listing_import_upload
from listings.imports.template import template_file_name
from listings.models import ListingImport
from schema.connections import Connection
from schema.context import Info
from schema.errors import errors_from
from schema.listing_imports import (
    ImportTemplate,
    ListingImportCommitInput,
    ListingImportPayload,
    ListingImportType,
    ListingImportUploadInput,
)
from schema.listings import ListingTypeEnum
from schema.permissions import IsAuthenticated
from shops.models import Shop

from .ids import decode_id


def _payload(call) -> ListingImportPayload:
    try:
        return ListingImportPayload(listing_import=call(), errors=[])
    except DomainError as exc:
        return ListingImportPayload(listing_import=None, errors=errors_from(exc))


@strawberry.type
class ListingImportQuery:
    @strawberry.field(
        description="The batch-import template of a type (批量导入模板): Chinese headers, "
        "required columns marked *, dropdowns, and an instructions sheet."
    )
    def listing_import_template(
        self,
        info: Info,
        type: Annotated[
            ListingTypeEnum, strawberry.argument(description="Patents or achievements.")
        ],
    ) -> ImportTemplate:
        path = reverse("listings:import_template", kwargs={"type": type.value})
        url = info.context.absolute_url(path)
        return ImportTemplate(type=type, file_name=template_file_name(type.value), url=url)

    listing_import: ListingImportType | None = strawberry_django.node(
        description="One of your imports by id (null if it is not yours)."
    )

    @strawberry_django.connection(
        Connection[ListingImportType],
        permission_classes=[IsAuthenticated],
        description="Your batch imports, newest first.",
    )
    def my_listing_imports(self, info: Info) -> Iterable[ListingImport]:
        return listing_imports_of(info.context.user)


@strawberry.type
class ListingImportMutation:
    @strawberry.mutation(
        description="Upload a filled-in template (multipart request): refused at once if it "
        "is not a usable workbook of that template, else queued for the row check.",
        permission_classes=[IsAuthenticated],
    )
    def listing_import_upload(
        self, info: Info, input: ListingImportUploadInput
    ) -> ListingImportPayload:
        return _payload(
            lambda: listing_import_upload(
                user=info.context.user,
                shop_id=decode_id(input.shop_id, Shop, field="shopId"),
                type=input.type.value,
                upload=input.file,
            )
        )

    @strawberry.mutation(
        description="List the valid rows of a checked import (上架): one listing per row, "
        "submitted for review; invalid and duplicate rows are left out.",
        permission_classes=[IsAuthenticated],
    )
    def listing_import_commit(
        self, info: Info, input: ListingImportCommitInput
    ) -> ListingImportPayload:
        return _payload(
            lambda: listing_import_commit(
                user=info.context.user,
                import_id=decode_id(input.id, ListingImport, field="id"),
                season_opt_in=input.season_opt_in,
                agreement_version=input.agreement_version,
            )
        )
