from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from django.db.models import F
from strawberry import relay
from strawberry_django.relay import DjangoCursorConnection

from agreements.models import Agreement, AgreementKind
from listings.models import Listing
from listings.selectors import listings_on_sale
from shops.models import Shop
from shops.selectors import shops_visible_to

from .accounts import IdentityKindEnum
from .errors import Error
from .fields import blank_as_null
from .reviews import ReviewableInterface, ReviewStatusEnum
from .visibility import visible_rows

if TYPE_CHECKING:
    from .listings import ListingNode

AgreementKindEnum = strawberry.enum(
    AgreementKind, name="AgreementKind", description="Which text an agreement is."
)


@strawberry_django.type(
    Agreement, name="Agreement", description="A versioned text to accept, e.g. 《开店须知》."
)
class AgreementType:
    kind: AgreementKindEnum = strawberry_django.field(description="Which text this is.")
    version: str = strawberry_django.field(description="Send this back to accept this text.")
    title: str = strawberry_django.field(description="The title, e.g. 《开店须知》.")
    body: str = strawberry_django.field(description="The full text (plain text, paragraphs).")
    effective_at: datetime = strawberry_django.field(description="Since when it applies.")


@strawberry_django.type(Shop, name="Shop", description="A seller's shop (店铺).")
class ShopType(ReviewableInterface):
    status: ReviewStatusEnum = strawberry_django.field(description="Where it stands in review.")
    name: str = strawberry_django.field(description="The shop's name.")
    description: str | None = blank_as_null(
        "description", description="What the seller says about it; null if nothing."
    )
    contact_name: str = strawberry_django.field(description="Contact person.")
    contact_phone: str = strawberry_django.field(description="Contact phone.")
    contact_email: str | None = blank_as_null(
        "contact_email", description="Contact email; null if none."
    )
    notice_accepted: AgreementType = strawberry_django.field(
        description="The version of 《开店须知》 the applicant accepted."
    )
    notice_accepted_at: datetime = strawberry_django.field(
        description="When the applicant accepted 《开店须知》."
    )

    @strawberry_django.field(
        annotate={"identity_kind_": F("identity__kind")},
        description="The identity it sells under.",
    )
    def identity_kind(self) -> IdentityKindEnum:
        kind = self.identity_kind_ if hasattr(self, "identity_kind_") else self.identity.kind
        return IdentityKindEnum(kind)

    @strawberry_django.connection(
        DjangoCursorConnection[Annotated["ListingNode", strawberry.lazy("schema.listings")]],
        description="The shop's listings on sale, newest first (a shop page; keyset "
        "cursors). A detail field: a few queries for each shop shown.",
    )
    def listings(self) -> Iterable[Listing]:
        return listings_on_sale(shop_id=self.pk)

    get_queryset = visible_rows(shops_visible_to)


@strawberry.input(description="Apply to open the shop of one of your approved identities.")
class ShopApplyInput:
    identity_id: relay.GlobalID = strawberry.field(description="An approved Identity of yours.")
    notice_version: str = strawberry.field(
        description="The version of 《开店须知》 (query shopNotice) you read and accept."
    )
    name: str = strawberry.field(
        description="Shop name; for an institution exactly its verified name."
    )
    description: str = strawberry.field(default="", description="About the shop.")
    contact_name: str = strawberry.field(description="Contact person.")
    contact_phone: str = strawberry.field(description="Mobile or landline (025-83591234).")
    contact_email: str = strawberry.field(default="", description="Contact email (optional).")


@strawberry.input(description="Change an open shop's description and contacts.")
class ShopUpdateInput:
    id: relay.GlobalID = strawberry.field(description="Your open Shop.")
    description: str = strawberry.field(default="", description="About the shop.")
    contact_name: str = strawberry.field(description="Contact person.")
    contact_phone: str = strawberry.field(description="Mobile or landline (025-83591234).")
    contact_email: str = strawberry.field(default="", description="Contact email (optional).")


@strawberry.type
class ShopPayload:
    shop: ShopType | None = strawberry.field(description="The shop, changed.")
    errors: list[Error]
