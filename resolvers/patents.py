from typing import Annotated

import strawberry

from kernel.errors import DomainError
from listings.patents import patent_lookup, patent_search
from schema.errors import errors_from
from schema.patents import PatentInfoType, PatentLookupResult, PatentSearchResult
from schema.permissions import IsAuthenticated


@strawberry.type
class PatentQuery:
    @strawberry.field(
        description="Search the patent information service by patent name (at least 2 "
        "characters) to fill a patent listing.",
        permission_classes=[IsAuthenticated],
    )
    def patent_search(
        self,
        title: Annotated[str, strawberry.argument(description="Part of the patent name.")],
        first: Annotated[
            int | None,
            strawberry.argument(description="How many results, 1 to 20 (clamped); default 10."),
        ] = 10,
    ) -> PatentSearchResult:
        try:
            patents = patent_search(title=title, limit=10 if first is None else first)
        except DomainError as exc:
            return PatentSearchResult(results=[], errors=errors_from(exc))
        return PatentSearchResult(results=[PatentInfoType.from_info(p) for p in patents], errors=[])

    @strawberry.field(
        description="One patent from the patent information service by its number, in any "
        "usual form (ZL/CN prefix, spaces and the dot optional).",
        permission_classes=[IsAuthenticated],
    )
    def patent_lookup(
        self,
        number: Annotated[
            str, strawberry.argument(description="Patent number, e.g. ZL202110123456.7.")
        ],
    ) -> PatentLookupResult:
        try:
            patent = patent_lookup(number=number)
        except DomainError as exc:
            return PatentLookupResult(patent=None, errors=errors_from(exc))
        return PatentLookupResult(patent=PatentInfoType.from_info(patent), errors=[])
