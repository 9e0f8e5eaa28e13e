import strawberry
import strawberry_django

from accounts.models import Identity
from agreements.models import AgreementKind
from agreements.selectors import agreement_current
from schema.context import Info
from schema.permissions import IsAuthenticated
from schema.shops import AgreementType, ShopApplyInput, ShopPayload, ShopType, ShopUpdateInput
from shops.models import Shop
from shops.selectors import shop_of
from shops.services import shop_apply, shop_update

from .ids import decode_id
from .payloads import payload


@strawberry.type
class ShopQuery:
    shop: ShopType | None = strawberry_django.node(
        description="One shop by id, if you may see it (null otherwise)."
    )

    @strawberry_django.field(
        permission_classes=[IsAuthenticated],
        description="Seller centre: your shop (the open one; the latest opened if you have "
        "several; else your latest application); null if you have none. All of them: "
        "me.identities.shop.",
    )
    def my_shop(self, info: Info) -> ShopType | None:
        return shop_of(info.context.user)

    @strawberry.field(description="The current 《开店须知》; accept it by sending its version.")
    def shop_notice(self) -> AgreementType | None:
        return agreement_current(AgreementKind.SHOP_NOTICE)


@strawberry.type
class ShopMutation:
    @strawberry.mutation(
        description="Apply to open a shop for an approved identity (or reapply after a "
        "rejection). Staff review it; you get an SMS either way.",
        permission_classes=[IsAuthenticated],
    )
    def shop_apply(self, info: Info, input: ShopApplyInput) -> ShopPayload:
        return payload(
            ShopPayload,
            "shop",
            lambda: shop_apply(
                user=info.context.user,
                identity_id=decode_id(input.identity_id, Identity, field="identityId"),
                notice_version=input.notice_version,
                name=input.name,
                description=input.description,
                contact_name=input.contact_name,
                contact_phone=input.contact_phone,
                contact_email=input.contact_email,
            ),
        )

    @strawberry.mutation(
        description="Change your open shop's description and contacts (the name stays as "
        "reviewed). Recorded in its history.",
        permission_classes=[IsAuthenticated],
    )
    def shop_update(self, info: Info, input: ShopUpdateInput) -> ShopPayload:
        return payload(
            ShopPayload,
            "shop",
            lambda: shop_update(
                user=info.context.user,
                shop_id=decode_id(input.id, Shop, field="id"),
                description=input.description,
                contact_name=input.contact_name,
                contact_phone=input.contact_phone,
                contact_email=input.contact_email,
            ),
        )
