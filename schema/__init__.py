"""The one Schema: every query, mutation and subscription, and its extensions."""

import strawberry
import strawberry_django
from django.conf import settings
from strawberry import relay
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry_django.optimizer import DjangoOptimizerExtension

from resolvers.accounts import AccountMutation, AccountQuery
from resolvers.auctions import AuctionMutation, AuctionQuery
from resolvers.deals import DealMutation, DealQuery
from resolvers.listing_imports import ListingImportMutation, ListingImportQuery
from resolvers.listings import ListingMutation, ListingQuery
from resolvers.notifications import NotificationMutation, NotificationQuery
from resolvers.patents import PatentQuery
from resolvers.reviews import ReviewMutation, ReviewQuery
from resolvers.shops import ShopMutation, ShopQuery
from schema.descriptions import describe
from schema.error_codes import ErrorCodes
from subscriptions.events import UserSubscription
from subscriptions.listing_imports import ListingImportSubscription
from subscriptions.lots import LotSubscription
from subscriptions.notifications import NotificationSubscription

_CLIENT_CODES = {"UNAUTHENTICATED", "FORBIDDEN", "BAD_USER_INPUT"}


def _should_mask(error) -> bool:
    """Hide internals in production; keep errors clients act on (auth, validation)."""
    extensions = error.extensions or {}
    if extensions.get("code") in _CLIENT_CODES:
        return False
    return error.original_error is not None


@strawberry.type
class NodeQuery:
    node: relay.Node | None = strawberry_django.node(
        description="Any object by its global id, if you may see it."
    )


Query = merge_types(
    "Query",
    (
        NodeQuery,
        AccountQuery,
        ShopQuery,
        ReviewQuery,
        ListingQuery,
        ListingImportQuery,
        PatentQuery,
        AuctionQuery,
        DealQuery,
        NotificationQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutation,
        ShopMutation,
        ReviewMutation,
        ListingMutation,
        ListingImportMutation,
        AuctionMutation,
        DealMutation,
        NotificationMutation,
    ),
)
Subscription = merge_types(
    "Subscription",
    (UserSubscription, LotSubscription, ListingImportSubscription, NotificationSubscription),
)


def _extensions() -> list:
    """Factories, so every request gets fresh extension instances (the parser and
    validation caches are shared module-level LRUs all the same)."""
    extensions = [
        ErrorCodes,  # issue 10: extensions.code on parse, validation and input errors
        DjangoOptimizerExtension,
        lambda: QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        extensions.append(DisableIntrospection)
    if settings.GRAPHQL_MASK_ERRORS:
        extensions.append(lambda: MaskErrors(should_mask_error=_should_mask))
    return extensions


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=_extensions(),
    config=StrawberryConfig(relay_max_results=100),
)
describe(schema._schema)  # issue 10: enum values, mutation inputs and payloads (see module)
