from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

import strawberry
import strawberry_django
from strawberry import relay
from strawberry.file_uploads import Upload

from listings.imports.selectors import (
    listing_import_rows,
    listing_import_rows_visible_to,
    listing_imports_visible_to,
)
from listings.imports.services import error_message
from listings.models import (
    ListingImport,
    ListingImportRow,
    ListingImportRowStatus,
    ListingImportStatus,
)
from schema.connections import Connection

from .errors import Error, ErrorCode
from .files import FileType
from .listings import ListingNode, ListingTypeEnum, OwnershipEnum
from .shops import ShopType
from .visibility import visible_rows

ListingImportStatusEnum = strawberry.enum(
    ListingImportStatus,
    name="ListingImportStatus",
    description="QUEUED -> PROCESSING (the worker checks the rows) -> DONE | FAILED (the file "
    "could not be read: see failure); DONE -> COMMITTED once the valid rows are listed.",
)
ListingImportRowStatusEnum = strawberry.enum(
    ListingImportRowStatus,
    name="ListingImportRowStatus",
    description="VALID (can be listed), INVALID (see errors), DUPLICATE (the same patent or "
    "achievement earlier in the file or already under review or on sale), COMMITTED (listed).",
)


def error_type(code: str, params: dict, field: str | None = None) -> Error:
    return Error(code=ErrorCode[code], field=field, message=error_message(code, params))


@strawberry.type(description="Why one cell (or row) of an imported workbook was refused.")
class ImportCellError:
    column: str = strawberry.field(
        description="The column's Chinese header as in the template (专利号, 申请日, ...); "
        "empty when the refusal concerns the whole row."
    )
    field: str | None = strawberry.field(
        description="The listing form field it fills (camelCase path, e.g. patent.number)."
    )
    value: str = strawberry.field(description="The cell as uploaded, as text.")
    code: ErrorCode = strawberry.field(description="Stable machine-readable code.")
    message: str = strawberry.field(description="Readable message in the request's language.")


@strawberry.type(description="A batch-import template to download (批量导入模板).")
class ImportTemplate:
    type: ListingTypeEnum = strawberry.field(description="The listing type it imports.")
    file_name: str = strawberry.field(description="e.g. 专利批量导入模板.xlsx.")
    url: str = strawberry.field(description="Absolute download URL (public, no sign-in).")


@strawberry_django.type(
    ListingImportRow,
    name="ListingImportRow",
    description="One data row of an imported workbook: its result and every refused cell.",
)
class ListingImportRowType(relay.Node):
    row_number: int = strawberry_django.field(
        description="The row number in Excel (the header is row 1)."
    )
    status: ListingImportRowStatusEnum = strawberry_django.field(
        description="Valid, invalid, duplicate …"
    )
    season_opt_in: bool = strawberry_django.field(
        description="Whether its listing joined the auction season (after commit; a 代理 row "
        "is listed without it even when the import opted in)."
    )
    listing: ListingNode | None = strawberry_django.field(
        description="The listing created from this row (COMMITTED rows)."
    )

    @strawberry_django.field(
        only=["ownership"],
        description="自有 or 代理 as judged from the rights holders (valid rows).",
    )
    def ownership(self) -> OwnershipEnum | None:
        return OwnershipEnum(self.ownership) if self.ownership else None

    @strawberry_django.field(only=["data"], description="The name in the row (专利名称/成果名称).")
    def title(self) -> str | None:
        return (self.data or {}).get("title") or None

    @strawberry_django.field(only=["data"], description="The patent number in the row, as typed.")
    def patent_number(self) -> str | None:
        return ((self.data or {}).get("patent") or {}).get("number") or None

    @strawberry_django.field(only=["errors"], description="Every refused cell, left to right.")
    def errors(self) -> list[ImportCellError]:
        return [
            ImportCellError(
                column=error["column"],
                field=error["field"] or None,
                value=error["value"],
                code=ErrorCode[error["code"]],
                message=error_message(error["code"], error["params"]),
            )
            for error in self.errors
        ]

    get_queryset = visible_rows(listing_import_rows_visible_to)


@strawberry_django.type(
    ListingImport,
    name="ListingImport",
    description="An uploaded batch-import workbook (批量导入): checked row by row by the "
    "worker (follow it with the listingImportProgress subscription or by polling), then its "
    "valid rows listed with listingImportCommit. Visible to its uploader and staff only.",
)
class ListingImportType(relay.Node):
    type: ListingTypeEnum = strawberry_django.field(description="Patents or achievements.")
    status: ListingImportStatusEnum = strawberry_django.field(
        description="Queued, checking, done, committed …"
    )
    shop: ShopType = strawberry_django.field(description="The shop the rows will be listed in.")
    total_rows: int = strawberry_django.field(description="Data rows in the workbook.")
    processed_rows: int = strawberry_django.field(description="Rows checked so far.")
    valid_rows: int = strawberry_django.field(description="Rows that can be (or were) listed.")
    invalid_rows: int = strawberry_django.field(description="Rows with refused cells.")
    duplicate_rows: int = strawberry_django.field(
        description="Rows of a patent or achievement seen earlier in the file or already "
        "under review or on sale."
    )
    committed_rows: int = strawberry_django.field(description="Listings created by the commit.")
    season_opt_in: bool = strawberry_django.field(description="The commit joined the season.")
    created_at: datetime = strawberry_django.field(description="When it was uploaded.")
    started_at: datetime | None = strawberry_django.field(
        description="When the worker began the check."
    )
    finished_at: datetime | None = strawberry_django.field(description="When the check ended.")
    committed_at: datetime | None = strawberry_django.field(
        description="When its valid rows were listed."
    )
    source_file: FileType = strawberry_django.field(
        field_name="source", description="The workbook as uploaded."
    )
    result_file: FileType | None = strawberry_django.field(
        field_name="result",
        description="The workbook with the bad cells filled red and commented, and each row's "
        "result in the last columns (when DONE). Correct it and upload it again.",
    )

    @strawberry_django.field(
        only=["processed_rows", "total_rows"], description="Checked share of the rows, 0 to 1."
    )
    def progress(self) -> float:
        return self.processed_rows / self.total_rows if self.total_rows else 0.0

    @strawberry_django.field(
        only=["error_code", "error_params"],
        description="Why the workbook could not be checked (FAILED).",
    )
    def failure(self) -> Error | None:
        if not self.error_code:
            return None
        return error_type(self.error_code, self.error_params)

    @strawberry_django.connection(
        Connection[ListingImportRowType],
        description="The rows in sheet order, optionally of one status.",
    )
    def rows(
        self,
        status: Annotated[
            ListingImportRowStatusEnum | None,
            strawberry.argument(description="Only rows with this result."),
        ] = None,
    ) -> Iterable[ListingImportRow]:
        return listing_import_rows(
            listing_import=self, status=status.value if status is not None else None
        )

    get_queryset = visible_rows(listing_imports_visible_to)


@strawberry.input(description="Upload a filled-in batch-import template.")
class ListingImportUploadInput:
    shop_id: relay.GlobalID = strawberry.field(description="Your open Shop.")
    type: ListingTypeEnum = strawberry.field(description="Which template the file is.")
    file: Upload = strawberry.field(
        description=".xlsx (no macros), at most LISTING_IMPORT_MAX_BYTES (20 MB) and "
        "LISTING_IMPORT_MAX_ROWS (10,000) data rows."
    )


@strawberry.input(description="List (submit for review) the valid rows of a checked import.")
class ListingImportCommitInput:
    id: relay.GlobalID = strawberry.field(description="A DONE ListingImport of yours.")
    agreement_version: str = strawberry.field(
        description="The version of 《商品发布协议》 (query listingAgreement) you accept."
    )
    season_opt_in: bool = strawberry.field(
        default=False,
        description="Join the auction season (universities, research institutes and "
        "state-owned enterprises); applies to the 自有 rows, 代理 rows are listed without it.",
    )


@strawberry.type
class ListingImportPayload:
    listing_import: ListingImportType | None = strawberry.field(description="The import.")
    errors: list[Error]


@strawberry.type(description="The check of an import, live.")
class ListingImportProgress:
    id: relay.GlobalID = strawberry.field(description="The ListingImport.")
    status: ListingImportStatusEnum = strawberry.field(description="Where the check is.")
    total_rows: int = strawberry.field(description="Data rows in the workbook.")
    processed_rows: int = strawberry.field(description="Rows checked so far.")
    valid_rows: int = strawberry.field(description="Rows that can be listed.")
    invalid_rows: int = strawberry.field(description="Rows with refused cells.")
    duplicate_rows: int = strawberry.field(description="Rows of an item already seen.")
    committed_rows: int = strawberry.field(description="Listings created by the commit.")
    failure: Error | None = strawberry.field(description="Why it FAILED.")

    @strawberry.field(description="Checked share of the rows, 0 to 1.")
    def progress(self) -> float:
        return self.processed_rows / self.total_rows if self.total_rows else 0.0

    @classmethod
    def from_event(cls, event) -> "ListingImportProgress":
        """From the ImportProgress live event."""
        return cls(
            id=relay.GlobalID("ListingImport", str(event.id)),
            status=ListingImportStatusEnum(event.status),
            total_rows=event.total_rows,
            processed_rows=event.processed_rows,
            valid_rows=event.valid_rows,
            invalid_rows=event.invalid_rows,
            duplicate_rows=event.duplicate_rows,
            committed_rows=event.committed_rows,
            failure=error_type(event.error_code, event.error_params) if event.error_code else None,
        )
