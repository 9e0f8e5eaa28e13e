"""The one Schema: every query, mutation and subscription, and its extensions."""

import strawberry
import strawberry_django
from django.conf import settings
from django.utils.translation import gettext
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    DisableIntrospection,
    FieldExtension,
    MaskErrors,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.relay.exceptions import NodeIDAnnotationError
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.name_converter import NameConverter
from strawberry.tools import merge_types

from resolvers.accounts import AccountMutation, AccountQuery
from resolvers.auctions import AuctionMutation, AuctionQuery
from resolvers.datarooms import DataRoomMutation, DataRoomQuery
from resolvers.deals import DealMutation, DealQuery
from resolvers.labels import LabelQuery
from resolvers.legal_status import LegalStatusMutation, LegalStatusQuery
from resolvers.listing_imports import ListingImportMutation, ListingImportQuery
from resolvers.listings import ListingMutation, ListingQuery
from resolvers.notifications import NotificationMutation, NotificationQuery
from resolvers.patents import PatentQuery
from resolvers.reviews import ReviewMutation, ReviewQuery
from resolvers.shops import ShopMutation, ShopQuery
from schema.checks import RequestChecks
from schema.descriptions import describe
from schema.resolution import Optimizer, settle_resolvers
from schema.scalars import SCALAR_OVERRIDES
from subscriptions.events import UserSubscription
from subscriptions.listing_imports import ListingImportSubscription
from subscriptions.lots import LotSubscription
from subscriptions.notifications import NotificationSubscription

MAX_PAGE = 100  # every connection's cap on first/last


def _should_mask(error) -> bool:
    """Hide internals in production; keep errors clients act on: any error carrying an
    ``extensions.code`` (auth, validation, coercion, limits) keeps its message and code."""
    extensions = error.extensions or {}
    if extensions.get("code"):
        return False
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


MAX_NODE_IDS = 100  # nodes(ids:) reads at most this many objects at once


class MaxIds(FieldExtension):
    """nodes(ids:) refuses a longer list with BAD_USER_INPUT before it reads any."""

    def resolve(self, next_, source, info, **kwargs):
        if len(kwargs.get("ids") or ()) > MAX_NODE_IDS:
            raise GraphQLError(
                gettext("Ask for at most %(max)d ids at once.") % {"max": MAX_NODE_IDS},
                extensions={"code": "BAD_USER_INPUT"},
            )
        return next_(source, info, **kwargs)


@strawberry.type
class NodeQuery:
    node: relay.Node | None = strawberry_django.node(
        description="Any object by its global id, if you may see it."
    )
    nodes: list[relay.Node | None] = strawberry_django.node(
        extensions=[MaxIds()],
        description="Objects by their global ids (at most 100), in the order asked: each "
        "one you may see, null in its place otherwise (Relay's refetch of many at once).",
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
        DataRoomQuery,
        LegalStatusQuery,
        LabelQuery,
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
        DataRoomMutation,
        LegalStatusMutation,
    ),
)
Subscription = merge_types(
    "Subscription",
    (UserSubscription, LotSubscription, ListingImportSubscription, NotificationSubscription),
)


def _extensions() -> list:
    """Factories, so every request gets fresh extension instances. The depth and alias
    rules are built once here and shared: the validation cache is keyed by the document
    and the rule classes, so rules made per request would never hit it. The schema's own
    checks are one extension (schema/checks.py: each extension costs every request)."""
    limits = (
        *QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES).validation_rules,
    )
    checks = {
        "rules": limits,
        "max_tokens": settings.GRAPHQL_MAX_TOKENS,
        "max_nodes": settings.GRAPHQL_MAX_NODES,
        "page_cap": MAX_PAGE,
        "suggestions": settings.GRAPHQL_FIELD_SUGGESTIONS,
    }
    extensions = [
        # issue 10's extensions.code, the query limits, the validation kept per document
        lambda: RequestChecks(**checks),
        Optimizer,  # strawberry-django's, its per-field hook only where it acts
        lambda: ParserCache(maxsize=256),
    ]
    if not settings.GRAPHQL_INTROSPECTION:
        extensions.append(DisableIntrospection)
    if settings.GRAPHQL_MASK_ERRORS:
        extensions.append(lambda: MaskErrors(should_mask_error=_should_mask))
    return extensions


class _NameConverter(NameConverter):
    """Lists whose order moves page by keyset (strawberry-django's cursor connection, issue
    10); their types keep the names clients' fragments and caches already use
    (``LotConnection``, ``LotEdge``), not ``LotCursorConnection``. No node type has lists of
    both kinds: if one ever did, building the schema fails on the duplicate name."""

    KEEP = {"CursorConnection": "Connection", "CursorEdge": "Edge"}

    def from_generic(self, generic_type, types) -> str:
        name = super().from_generic(generic_type, types)
        if generic_type.name in self.KEEP:
            name = name.removesuffix(generic_type.name) + self.KEEP[generic_type.name]
        return name


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=_extensions(),
    config=StrawberryConfig(relay_max_results=MAX_PAGE, name_converter=_NameConverter()),
    scalar_overrides=SCALAR_OVERRIDES,  # issue 10: every DateTime in UTC (schema/scalars.py)
)
describe(schema._schema)  # issue 10: enum values, mutation inputs and payloads (see module)


def _settle_node_id_attrs(graphql_schema) -> None:
    """Which attribute holds each node type's id, decided once. Strawberry caches it only
    for types with a ``NodeID`` annotation; for a Django type (no annotation: its ``pk``)
    it scanned every base's annotations with ``eval_type`` and raised, for every node of
    every page: 40% of the CPU of ``lots(first: 100)``. The answer depends on the class
    alone, so it is read once here (the same call, the same result). Interfaces too: a
    Django type's lookup passes through a Django interface it implements (``Reviewable``),
    which would scan again."""
    for graphql_type in graphql_schema.type_map.values():
        definition = (getattr(graphql_type, "extensions", None) or {}).get("strawberry-definition")
        origin = getattr(definition, "origin", None)
        if isinstance(origin, type) and issubclass(origin, relay.Node) and origin._id_attr is None:
            try:
                origin._id_attr = origin.resolve_id_attr()
            except NodeIDAnnotationError:  # no NodeID and not a Django type: left as it was
                continue


_settle_node_id_attrs(schema._schema)
settle_resolvers(schema)
