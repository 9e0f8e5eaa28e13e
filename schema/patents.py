"""Patent auto-fill: what the patent information service knows about a patent."""

import dataclasses
from datetime import date

import strawberry

from listings.models import LegalStatus, PatentType
from listings.patents import PatentInfo

from .errors import Error

# The schema's only definitions of these two enums: other modules import them from here.
PatentTypeEnum = strawberry.enum(
    PatentType,
    name="PatentType",
    description="Kind of patent: INVENTION 发明专利, UTILITY_MODEL 实用新型, DESIGN 外观设计.",
)
LegalStatusEnum = strawberry.enum(
    LegalStatus,
    name="LegalStatus",
    description="Legal status of a patent: GRANTED 有效（已授权）, PENDING 审中, OTHER 其他.",
)


@strawberry.type(
    name="PatentInfo",
    description="A patent's key fields from the patent information service, to fill a "
    "patent listing with; the seller completes and corrects the rest.",
)
class PatentInfoType:
    number: str = strawberry.field(
        description="Patent (application) number in canonical form, e.g. ZL202110123456.7."
    )
    title: str = strawberry.field(description="Patent name (专利名称).")
    patent_type: PatentTypeEnum = strawberry.field(
        description="Kind of patent, as given by the number's type digit."
    )
    application_date: date | None = strawberry.field(description="Application date (申请日).")
    grant_date: date | None = strawberry.field(
        description="Grant date (授权日); null while pending or when unknown."
    )
    rights_holders: list[str] = strawberry.field(description="Patentees (专利权人), in order.")
    inventors: list[str] = strawberry.field(description="Inventors (发明人), in order.")
    ipc_classes: list[str] = strawberry.field(
        description="IPC classifications such as H01L 21/02 (IPC分类号); empty for designs."
    )
    legal_status: LegalStatusEnum = strawberry.field(description="Legal status (法律状态).")
    abstract: str = strawberry.field(description="Abstract (摘要); may be empty.")

    @classmethod
    def from_info(cls, patent: PatentInfo) -> "PatentInfoType":
        return cls(
            **{field.name: getattr(patent, field.name) for field in dataclasses.fields(patent)}
        )


@strawberry.type(
    description="Patents found by name, newest application first, or why the search could "
    "not be done."
)
class PatentSearchResult:
    results: list[PatentInfoType] = strawberry.field(
        description="Matching patents; empty when none match or when errors is not empty."
    )
    errors: list[Error] = strawberry.field(
        description="PATENT_SEARCH_TOO_SHORT (field title) or PATENT_SERVICE_UNAVAILABLE."
    )


@strawberry.type(description="One patent by its number, or why it could not be found.")
class PatentLookupResult:
    patent: PatentInfoType | None = strawberry.field(
        description="The patent; null when errors is not empty."
    )
    errors: list[Error] = strawberry.field(
        description="PATENT_NUMBER_INVALID or PATENT_NOT_FOUND (field number), or "
        "PATENT_SERVICE_UNAVAILABLE."
    )
