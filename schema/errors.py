"""The one error type of every mutation payload, and the one enum of its codes.

Each app defines its codes (kernel.errors.ErrorCode subclasses, label = message). The API
exposes them as one ``ErrorCode`` enum: codes such as FILE_TOO_LARGE or REQUIRED cross
domains, and one enum gives clients one switch and no duplicates to drift apart.
"""

import enum

import strawberry
from graphql import GraphQLError

from accounts.errors import AccountErrorCode, VerificationErrorCode
from agreements.errors import AgreementErrorCode
from auctions.errors import AuctionErrorCode
from calendars.errors import CalendarErrorCode
from datarooms.errors import DataRoomErrorCode
from deals.errors import DealErrorCode
from files.errors import FileErrorCode
from kernel.errors import CommonErrorCode, DomainError
from listings.errors import ImportErrorCode, ListingErrorCode, PatentServiceErrorCode
from reviews.errors import ReviewErrorCode
from shops.errors import ShopErrorCode

ERROR_CODE_SOURCES = (
    CommonErrorCode,
    AccountErrorCode,
    VerificationErrorCode,
    FileErrorCode,
    AgreementErrorCode,
    ReviewErrorCode,
    ShopErrorCode,
    ListingErrorCode,
    PatentServiceErrorCode,
    ImportErrorCode,
    AuctionErrorCode,
    DealErrorCode,
    CalendarErrorCode,
    DataRoomErrorCode,
)


def _merged_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for source in ERROR_CODE_SOURCES:
        for member in source:
            if member.value in codes:
                raise ValueError(f"error code {member.value} is defined twice")
            codes[member.value] = member.value
    return codes


ErrorCode = strawberry.enum(
    enum.Enum("ErrorCode", _merged_codes()),
    name="ErrorCode",
    description="Stable codes of refused inputs; branch on these, never on messages.",
)


@strawberry.type(description="Why an input was refused. Nothing was changed.")
class Error:
    code: ErrorCode = strawberry.field(description="Stable machine-readable code.")
    field: str | None = strawberry.field(
        description="The input field concerned (camelCase path), or null for the whole input."
    )
    message: str = strawberry.field(
        description="Readable message in the request's language (Chinese by default; "
        "English with Accept-Language: en)."
    )


def errors_from(exc: DomainError) -> list[Error]:
    return [
        Error(code=ErrorCode[item.code.value], field=item.field, message=item.message)
        for item in exc.items
    ]


def client_error(exc: DomainError) -> GraphQLError:
    """A refusal where there is no payload to carry it (a query's or a subscription's
    argument) as a top-level error: the first message in the caller's language, and the
    code, field and every item in ``extensions``. Never masked in production."""
    first = exc.items[0]
    return GraphQLError(
        first.message,
        extensions={
            "code": first.code.value,
            "field": first.field,
            "errors": [
                {"code": item.code.value, "field": item.field, "message": item.message}
                for item in exc.items
            ],
        },
    )
