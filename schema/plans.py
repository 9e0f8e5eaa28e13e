"""The optimizer's work on a list's queryset, done once per document for signed-out
viewers (issue 11).

strawberry-django's optimizer walks the selection under a field, the types and their
hints for every request (``only``, ``select_related``, annotations, prefetches), and
schema/visibility.py then turns the prefetches of filtered to-one relations into joins:
a tenth of the CPU of a hall page (docs/benchmarks.md). For the same document, field
and variables the result is the same every time, except where a hint depends on the
request: the viewer (a callable hint is given the request's ``info``; a type's
``get_queryset`` the viewer), and whatever a callable reads besides (the clock, say).

So, for a signed-out viewer only, the first request's result is kept as a *plan*: the
columns to load, the relations to join, the hints' annotations and the joined relations'
visibility rules. A later request with the same document, field, variables and queryset
shape applies the plan instead: the same ``only``, ``select_related`` and ``annotate``
calls, the rules' ``EXISTS`` rebuilt for its own viewer, the same SQL
(tests/api/test_optimizer_plans.py). Not kept: a plan whose computation called any
callable hint (:func:`mark_request_bound`), any list still prefetching something, any
signed-in viewer's. A type's ``get_queryset`` must not depend on the clock (none does:
their rules depend on the viewer alone).
"""

from contextvars import ContextVar
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from graphql import get_named_type
from strawberry_django.fields.base import StrawberryDjangoFieldBase

# Private to strawberry-django (pinned): the loop of its ``optimize`` (see _hints).
from strawberry_django.optimizer import (
    OptimizerStore,
    _get_gql_definition,
    _get_model_hints,
    is_optimized,
)
from strawberry_django.queryset import get_queryset_config
from strawberry_django.utils.inspect import get_possible_concrete_types, is_inheritance_qs

from .documents import DocumentMemo
from .visibility import check_joins, join_visible, joins_checked, paths, visible_exists

MAX_PLANS = 512  # documents x fields; the least recently used goes first
_request_bound: ContextVar[bool | None] = ContextVar("request_bound_hint", default=None)


def _hints(queryset, info, config) -> OptimizerStore | None:
    """The hints strawberry-django's ``optimize`` merges for ``queryset`` (its loop, for
    a queryset without model inheritance), None where it would give up."""
    schema = info.schema._strawberry_schema
    strawberry_type = schema.get_type_by_name(get_named_type(info.return_type).name)
    if strawberry_type is None or is_inheritance_qs(queryset):
        return None
    store = OptimizerStore()
    for definition in get_possible_concrete_types(queryset.model, schema, strawberry_type):
        found = _get_model_hints(
            queryset.model,
            schema,
            definition,
            parent_type=_get_gql_definition(schema, definition),
            info=info,
            config=config,
        )
        if found is not None:
            store |= found
    return store


def _optimized(queryset, info, config, store: OptimizerStore):
    """What ``optimize`` then does with them, and the joins (schema/visibility.py)."""
    if store:
        queryset = store.apply(queryset, info=info, config=config)
        get_queryset_config(queryset).optimized = True
    return join_visible(queryset)


@dataclass(frozen=True)
class _Plan:
    shape: tuple
    select_related: tuple[str, ...]
    loading: tuple[frozenset, bool]
    annotate: dict
    joins: tuple  # (annotation, relation path, rule)
    optimized: bool  # whether there were hints (the queryset is then marked optimized)


def _shape(queryset: QuerySet) -> tuple:
    query = queryset.query
    return (
        queryset.model,
        query.select_related,
        query.deferred_loading,
        tuple(query.annotations),
        bool(queryset._prefetch_related_lookups),
        queryset._iterable_class,
    )


class Plans(DocumentMemo):
    """Plans by the document's operation, the field's path, type and model, and the
    variables."""

    def __init__(self) -> None:
        super().__init__(maxsize=MAX_PLANS)

    @staticmethod
    def key(queryset, info) -> tuple | None:
        """``(operation, extra)`` for a plan, None where none may be kept or used."""
        if getattr(info.context.user, "is_authenticated", True):
            return None
        if not isinstance(queryset, QuerySet) or queryset._result_cache is not None:
            return None
        if is_optimized(queryset) or queryset._prefetch_related_lookups:
            return None
        try:
            variables = frozenset(info.variable_values.items())
        except TypeError:  # a list or an input object among them
            return None
        path = tuple(part for part in info.path.as_list() if isinstance(part, str))
        return info.operation, (path, str(info.return_type), queryset.model, variables)

    def optimize(self, queryset, info, config, otherwise):
        """The plan kept for this document, field and variables applied to ``queryset``;
        else the optimizer's work and the joins, kept as a plan if it can be;
        ``otherwise()`` (strawberry-django's own call) where there is no key."""
        key = self.key(queryset, info)
        if key is None:
            return otherwise()
        plan = self.peek(*key)
        if plan is not None and plan.shape == _shape(queryset):
            return _apply(plan, queryset, info)
        bound = _request_bound.set(False)
        try:
            store = _hints(queryset, info, config)
            if store is None:
                return otherwise()
            optimized = _optimized(queryset, info, config, store)
            plan = None if _request_bound.get() else _plan(queryset, optimized, store)
        finally:
            _request_bound.reset(bound)
        if plan is not None:
            self.put(*key, plan)
        return optimized


def _plan(queryset, optimized, store: OptimizerStore) -> _Plan | None:
    if optimized._prefetch_related_lookups:
        return None
    if optimized._iterable_class is not ModelIterable and not joins_checked(optimized):
        return None
    query, joins = optimized.query, joins_checked(optimized)
    aliases = {alias for alias, _path, _rule in joins}
    added = [name for name in query.annotations if name not in queryset.query.annotations]
    if any(name not in store.annotate and name not in aliases for name in added):
        return None
    annotate = {name: store.annotate[name] for name in added if name not in aliases}
    if any(callable(value) for value in annotate.values()):
        return None
    if query.select_related is True:  # every relation: not a plan's to replay
        return None
    select = tuple(paths(query.select_related)) if query.select_related else ()
    return _Plan(
        shape=_shape(queryset),
        select_related=select,
        loading=query.deferred_loading,
        annotate=annotate,
        joins=joins,
        optimized=bool(store),
    )


def _apply(plan: _Plan, queryset, info):
    if plan.select_related:
        queryset = queryset.select_related(*plan.select_related)
    names, defer = plan.loading
    if names:
        queryset = queryset.defer(*names) if defer else queryset.only(*names)
    if plan.annotate:
        queryset = queryset.annotate(**plan.annotate)
    if plan.joins:
        user = info.context.user
        queryset = queryset.annotate(
            **{
                alias: visible_exists(rule(user), "__".join(path))
                for alias, path, rule in plan.joins
            }
        )
        queryset = check_joins(queryset, plan.joins)
    if plan.optimized:
        get_queryset_config(queryset).optimized = True
    return queryset


def _bound(hint):
    def request_bound(info):
        _request_bound.set(True)
        return hint(info)

    return request_bound


def mark_request_bound(graphql_schema) -> None:
    """Every callable hint of the schema's fields (given the request's info) marks the
    plan being computed as not to be kept."""
    for graphql_type in graphql_schema.type_map.values():
        for field in (getattr(graphql_type, "fields", None) or {}).values():
            definition = (field.extensions or {}).get("strawberry-definition")
            store = getattr(definition, "store", None)
            if not isinstance(definition, StrawberryDjangoFieldBase) or store is None:
                continue
            if getattr(store, "request_bound_marked", False):
                continue
            store.prefetch_related[:] = [
                _bound(hint) if callable(hint) else hint for hint in store.prefetch_related
            ]
            for name, hint in store.annotate.items():
                if callable(hint):
                    store.annotate[name] = _bound(hint)
            store.request_bound_marked = True


PLANS = Plans()
