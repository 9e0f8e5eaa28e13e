"""Which rows a Django type shows, and the to-one relations to such types joined, not
prefetched (issue 11).

A Django type whose rows depend on the viewer declares its ``get_queryset`` with
:func:`visible_rows`: the rows of a selector's rule (``listings_visible_to(user)``, ...).
strawberry-django applies ``get_queryset`` wherever the type's rows are read: lists,
``node``, and a relation to it. For a to-one relation (a lot's listing, a listing's
shop) it cannot join the related row and still apply the rule, so it prefetches it: a
second query (a third for the shop under the listing), an ``IN`` of every id on the page
compiled, and Django's prefetch machinery per page: a third of the CPU of
``lots(first: 100)`` (docs/benchmarks.md).

:func:`join_visible` takes such a prefetch off an optimized queryset and joins the
relation instead (``select_related``, the same columns as the prefetch would have read),
with the rule as an ``EXISTS`` per row over the very queryset the prefetch filtered by;
a row the viewer may not see has its relation set to ``None`` when it is read
(:class:`_CheckedRows`), as the prefetch would have found nothing for it. Same rule,
same rows, same result; one query. Anything it cannot prove to be such a prefetch (other
filters, annotations, a reverse relation, a ``to_attr``) is left as it was.
"""

from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, ForeignKey, OuterRef, Prefetch, QuerySet
from django.db.models.query import ModelIterable

_TAG = "visible_rows"  # on a Query: (rule, the viewer's visible queryset, the where it made)
_CHECKS = "visible_joins"  # on a Query: ((annotation, relation path, rule), ...) to apply
_ALIAS = "_visible_join_{}"


def visible_rows(rule: Callable[..., QuerySet]) -> classmethod:
    """A Django type's ``get_queryset``: the rows ``rule(user)`` shows the viewer.

    The result remembers the rule's queryset and the filter it made (on the query, which
    Django copies with every clone), so :func:`join_visible` can recognise the prefetch
    of a relation to the type and check the same rule on a join."""

    def get_queryset(cls, queryset, info, **kwargs):
        visible = rule(info.context.user)
        rows = queryset & visible
        if rows is queryset:  # ``none() & x`` is the same object: tag a copy of it
            rows = rows._chain()
        setattr(rows.query, _TAG, (rule, visible, rows.query.where.clone()))
        return rows

    get_queryset.__doc__ = f"The rows ``{rule.__name__}(viewer)`` shows."
    return classmethod(get_queryset)


class _CheckedRows(ModelIterable):
    """Model instances whose joined relations the viewer may not see read as ``None``."""

    def __iter__(self):
        checks = getattr(self.queryset.query, _CHECKS, ())
        for row in super().__iter__():
            for alias, path, _rule in checks:  # outer relations first
                if row.__dict__.get(alias, False):  # no answer: hidden (fails closed)
                    continue
                holder = row
                for name in path[:-1]:
                    holder = holder._state.fields_cache.get(name)
                    if holder is None:  # an outer relation is hidden already
                        break
                else:
                    holder._state.fields_cache[path[-1]] = None
            yield row


class _Joins:
    """What :func:`join_visible` adds to a queryset."""

    def __init__(self) -> None:
        self.select: list[str] = []
        self.only: set[str] = set()
        self.exists: dict[str, Exists] = {}
        self.checks: list[tuple[str, tuple[str, ...], Callable]] = []
        self.prefetches: list = []


def _joinable(model, lookup) -> tuple[ForeignKey, Callable, QuerySet] | None:
    """The forward relation, the rule and the visible queryset of a prefetch that
    :func:`visible_rows` alone filtered, else None."""
    if not isinstance(lookup, Prefetch) or lookup.to_attr or lookup.queryset is None:
        return None
    if lookup.prefetch_through != lookup.prefetch_to or "__" in lookup.prefetch_through:
        return None
    field = _field(model, lookup.prefetch_through)
    if not isinstance(field, ForeignKey):  # OneToOneField is one too; reverse ones are not
        return None
    inner = lookup.queryset
    query = inner.query
    tag = getattr(query, _TAG, None)
    if (
        tag is None
        or query.where != tag[2]
        or query.annotations
        or query.extra
        or query.distinct
        or query.is_sliced
        or query.select_for_update
        or query.combinator
        or query.select_related is True
        or (query.deferred_loading[1] and query.deferred_loading[0])  # defer(), not only()
        or inner._iterable_class is not ModelIterable
    ):
        return None
    return field, tag[0], tag[1]


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _plan_join(model, lookup, prefix: str, plan: _Joins) -> bool:
    """Add ``lookup`` to ``plan`` as a join if it can be one (see :func:`_joinable`)."""
    joinable = _joinable(model, lookup)
    if joinable is None:
        return False
    field, rule, visible = joinable
    related, inner = field.related_model, lookup.queryset.query
    path = prefix + field.name
    plan.select.append(path)
    plan.only.add(path)
    joined = list(paths(inner.select_related)) if isinstance(inner.select_related, dict) else []
    plan.select.extend(f"{path}__{name}" for name in joined)
    plan.only.update(f"{path}__{name}" for name in joined)
    loaded, _defer = inner.deferred_loading
    plan.only.update(
        f"{path}__{name}"
        for name in loaded
        # its columns, its joins' columns; not the reverse relation a prefetch names
        if name.split("__", 1)[0] in joined or getattr(_field(related, name), "concrete", False)
    )
    if visible.query.where:  # everyone's rows need no check (staff, say)
        alias = _ALIAS.format(len(plan.checks))
        plan.exists[alias] = visible_exists(visible, path)
        plan.checks.append((alias, tuple(path.split("__")), rule))
    for nested in lookup.queryset._prefetch_related_lookups:
        if not _plan_join(related, nested, f"{path}__", plan):
            plan.prefetches.append(_prefixed(nested, f"{path}__"))
    return True


def visible_exists(visible: QuerySet, path: str) -> Exists:
    """Whether the row at ``path`` of the outer query is among ``visible``."""
    return Exists(visible.filter(pk=OuterRef(path)))


def check_joins(queryset, checks):
    """``queryset`` reading the joined relations of ``checks`` as ``None`` on the rows
    whose annotation says the viewer may not see them."""
    setattr(queryset.query, _CHECKS, tuple(checks))
    queryset._iterable_class = _CheckedRows
    return queryset


def joins_checked(queryset) -> tuple:
    """The ``(annotation, relation path, rule)`` checks of ``queryset``."""
    return getattr(queryset.query, _CHECKS, ())


def paths(tree: dict, prefix: str = ""):
    for name, below in tree.items():
        yield prefix + name
        yield from paths(below, f"{prefix}{name}__")


def _prefixed(lookup, prefix: str):
    if isinstance(lookup, Prefetch):
        return Prefetch(prefix + lookup.prefetch_through, lookup.queryset, lookup.to_attr)
    return prefix + lookup


def join_visible(queryset):
    """``queryset`` with its prefetches of to-one relations to :func:`visible_rows` types
    joined and checked by the same rule (see the module); unchanged when there are none."""
    if not isinstance(queryset, QuerySet) or not queryset._prefetch_related_lookups:
        return queryset
    if queryset._result_cache is not None or queryset._iterable_class is not ModelIterable:
        return queryset
    plan, kept = _Joins(), []  # (a checked queryset was returned above: no checks yet)
    for lookup in queryset._prefetch_related_lookups:
        if not _plan_join(queryset.model, lookup, "", plan):
            kept.append(lookup)
    if not plan.select:
        return queryset
    queryset = queryset.prefetch_related(None).prefetch_related(*kept, *plan.prefetches)
    queryset = queryset.select_related(*plan.select)
    loaded, defer = queryset.query.deferred_loading
    if not defer:  # only(): add the joined columns to it
        queryset = queryset.only(*loaded, *plan.only)
    if plan.exists:
        queryset = check_joins(queryset.annotate(**plan.exists), plan.checks)
    return queryset
