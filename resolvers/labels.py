from typing import Annotated

import strawberry

from schema.context import Info
from schema.labels import EnumLabels, enum_labels


@strawberry.type
class LabelQuery:
    @strawberry.field(
        description="The labels to show for enum values (Chinese; English with "
        '`Accept-Language: en`), e.g. `enumLabels(enums: ["LotPhase", "TechField"])`: '
        "load them once and show `label` for each code. Every enum a user sees has them "
        "(all but ErrorCode, shown by its message, and AuthMode). Cacheable over GET."
    )
    def enum_labels(
        self,
        info: Info,
        enums: Annotated[
            list[str] | None,
            strawberry.argument(
                description="Enum names of the schema (LotPhase, DealStatus …); null for all."
            ),
        ] = None,
    ) -> list[EnumLabels]:
        return enum_labels(info._raw_info.schema, enums)
