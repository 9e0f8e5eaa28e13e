"""How fields are resolved, decided once per field when the schema is built (issue 11).

strawberry-django's optimizer extension implements ``resolve``, so Strawberry ran it as
graphql-core middleware around every field of every node, and every field went through
Strawberry's wrappers (an ``Info`` built, arguments converted, the field's extensions
chained) and strawberry-django's ``get_result`` (a closure and a descriptor lookup per
call): about 70% of the CPU of ``lots(first: 100)`` (py-spy). Here, for the fields where
that work can change nothing:

- the optimizer keeps its per-request context (strawberry-django's fields optimize the
  querysets they return themselves: ``StrawberryDjangoField.get_queryset``), but its
  ``resolve`` hook is only put on the fields whose result can be a queryset, those that
  return objects (``_fetch_optimized``), not around scalars and enums;
- a model column (a loaded ``DeferredAttribute``) and a loaded forward relation are read
  straight from the instance, as ``get_result`` returns them (a loaded instance is no
  queryset: the hook has nothing to do), falling back to the field's own resolver, hook
  included, when not loaded (it then loads them as before);
- a Django node's ``id`` is built from its id attribute and the type's name, as
  ``relay.Node._id`` does, without looking the type up by name per node;
- a Django type's method returning a scalar or an enum (``phase``) is called as
  strawberry-django calls it, without the wrappers around it; a ``blank_as_null`` field
  reads its loaded column;
- strawberry-django's ``is_type_of`` (asked of every object completed) is answered once
  per type for a plain row of its model.

Only fields with no arguments and no field extensions (permissions are extensions) take
the short paths, so visibility and permission checks run exactly as before. Elsewhere:
the relations to types with a visibility filter (a lot's listing, a listing's shop) are
joined with their rule, not prefetched (schema/visibility.py), and for signed-out viewers
the optimizer's work is kept per document (schema/plans.py); both through
:class:`Optimizer`'s ``optimize``.
"""

from asyncio import _get_running_loop

from django.db.models import FileField, QuerySet
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.db.models.manager import BaseManager
from django.db.models.query_utils import DeferredAttribute
from graphql import GraphQLObjectType, OperationType, get_named_type, is_leaf_type
from strawberry import relay
from strawberry.extensions import SchemaExtension
from strawberry.types import Info as StrawberryInfo
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE
from strawberry_django.fields.base import StrawberryDjangoFieldBase
from strawberry_django.optimizer import (
    DjangoOptimizerExtension,
    OptimizerConfig,
    optimize,
    optimizer,
)
from strawberry_django.relay.utils import resolve_model_id
from strawberry_django.resolvers import django_fetch
from strawberry_django.utils.typing import get_django_definition

from .plans import PLANS, mark_request_bound
from .visibility import join_visible


class Optimizer(DjangoOptimizerExtension):
    """strawberry-django's optimizer without the per-field middleware: its context is set
    per request as before; what its ``resolve`` hook did is done by ``_fetch_optimized``
    on the fields that can return a queryset (see the module)."""

    resolve = SchemaExtension.resolve  # Strawberry adds no middleware for it

    def optimize(self, qs, info, *, store=None):
        """strawberry-django's, then the to-one relations to visibility-filtered types
        joined instead of prefetched (schema/visibility.py); for a signed-out viewer,
        the plan of the first request with the document (schema/plans.py)."""

        def otherwise():
            return join_visible(super(Optimizer, self).optimize(qs, info, store=store))

        if not self.enabled.get() or store is not None:
            return otherwise()
        raw = info._raw_info if isinstance(info, StrawberryInfo) else info
        return PLANS.optimize(qs, raw, self.config(raw.operation), otherwise)

    def config(self, operation) -> OptimizerConfig:
        """The configuration strawberry-django builds from the extension's settings, for
        its ``optimize`` and its ``resolve`` hook alike."""
        return OptimizerConfig(
            enable_only=self.enable_only and operation.operation == OperationType.QUERY,
            enable_select_related=self.enable_select_related,
            enable_prefetch_related=self.enable_prefetch_related,
            enable_annotate=self.enable_annotate_optimization,
            prefetch_custom_queryset=self.prefetch_custom_queryset,
            enable_nested_relations_prefetch=self.enable_nested_relations_prefetch,
        )


def _fetch_optimized(resolve):
    """The optimizer's ``resolve`` hook, on one field: a queryset the resolver returns is
    optimized for the selection and fetched (the same calls, the same configuration)."""

    def resolve_optimized(root, info, **kwargs):
        result = resolve(root, info, **kwargs)
        extension = optimizer.get()
        if extension is None or not DjangoOptimizerExtension.enabled.get():
            return result
        if isinstance(result, BaseManager):
            result = result.all()
        if isinstance(result, QuerySet) and result._result_cache is None:
            config = extension.config(info.operation)
            result = django_fetch(join_visible(optimize(qs=result, info=info, config=config)))
        return result

    return resolve_optimized


def _column(resolve, attname: str, finish=None):
    """A loaded column's value (``finish``-ed: ``fields.blank_as_null``), else the field's
    own resolver."""

    def resolve_column(root, info, **kwargs):
        try:
            return root.__dict__[attname]
        except (KeyError, AttributeError):
            return resolve(root, info, **kwargs)

    def resolve_finished(root, info, **kwargs):
        try:
            value = root.__dict__[attname]
        except (KeyError, AttributeError):
            return resolve(root, info, **kwargs)
        return finish(value)

    return resolve_column if finish is None else resolve_finished


def _relation(resolve, cache_name: str):
    def resolve_relation(root, info, **kwargs):
        try:
            return root._state.fields_cache[cache_name]
        except (KeyError, AttributeError):
            return resolve(root, info, **kwargs)

    return resolve_relation


def _node_id(resolve, type_name: str, attname: str):
    def resolve_id(root, info, **kwargs):
        try:
            return relay.GlobalID(type_name=type_name, node_id=str(root.__dict__[attname]))
        except (KeyError, AttributeError):  # deferred, or not a model instance
            return resolve(root, info, **kwargs)

    return resolve_id


def _method(field, info_class):
    """A leaf field's own resolver called as strawberry-django calls it, without the
    wrappers around it (with no arguments and no extensions they pass the root and the
    info and nothing else). In an event loop it goes through strawberry-django's guard
    (``safe_resolver``: a thread, since the method may query); outside one that guard
    calls the method and, as here, calls a callable result."""
    guarded, function = field.safe_resolver, field.base_resolver.wrapped_func
    base = field.base_resolver
    takes_self = base.self_parameter is not None
    roots = [p.name for p in (base.parent_parameter, base.root_parameter) if p is not None]
    info_name = base.info_parameter.name if base.info_parameter is not None else None

    def resolve_method(root, info, **kwargs):
        named = dict.fromkeys(roots, root)
        if info_name:
            named[info_name] = info_class(_raw_info=info, _field=field)
        if _get_running_loop() is not None:
            return guarded(root, **named) if takes_self else guarded(**named)
        value = function(root, **named) if takes_self else function(**named)
        return value() if callable(value) else value

    return resolve_method


_NODE_ID = relay.Node.__dict__["_id"].__func__  # the function the default id field wraps
_DEFAULT_IDS = (relay.Node.resolve_id.__func__, resolve_model_id)


def _id_attname(origin, model) -> str | None:
    """Where a node keeps its id, when it resolves its id and name as relay.Node and
    strawberry-django do (no override of its own)."""
    if (
        origin.resolve_id.__func__ not in _DEFAULT_IDS
        or origin.resolve_typename.__func__ is not relay.Node.resolve_typename.__func__
        or origin._id_attr is None
    ):
        return None
    if origin._id_attr == "pk":
        return model._meta.pk.attname
    attr = getattr(model, origin._id_attr, None)
    return attr.field.attname if isinstance(attr, DeferredAttribute) else None


def _short_path(graphql_type, name: str, graphql_field, field, definition, info_class):
    """The field's resolver when it can be read straight off the instance, else None."""
    model = definition.model
    if graphql_field.args or field.extensions or field.is_async:
        return None
    origin = definition.origin
    if name == "id" and isinstance(origin, type) and issubclass(origin, relay.Node):
        wrapped = field.base_resolver and field.base_resolver.wrapped_func
        attname = _id_attname(origin, model)
        if getattr(wrapped, "__func__", None) is _NODE_ID and attname:
            return _node_id(graphql_field.resolve, graphql_type.name, attname)
        return None
    if not isinstance(field, StrawberryDjangoFieldBase):
        return None
    if field.base_resolver is not None:
        blank = getattr(field.base_resolver.wrapped_func, "blank_as_null", None)
        attr = blank and getattr(model, blank[0], None)
        if isinstance(attr, DeferredAttribute):
            return _column(graphql_field.resolve, attr.field.attname, blank[1])
        leaf = is_leaf_type(get_named_type(graphql_field.type))
        return _method(field, info_class) if leaf and not field.base_resolver.is_async else None
    attr = getattr(model, field.django_name or field.python_name, None)
    if isinstance(attr, DeferredAttribute) and not isinstance(attr.field, FileField):
        return _column(graphql_field.resolve, attr.field.attname)
    if type(attr) is ForwardManyToOneDescriptor:
        return _relation(graphql_field.resolve, attr.field.cache_name)
    return None


def _is_type_of(is_type_of, model):
    """strawberry-django's ``is_type_of`` check (graphql-core asks it of every object it
    completes) answered once for a plain row of the type's model: its answer depends on
    the row's class and a ``strawberry.cast`` mark alone, and walks the type's bases each
    time; a cast or other object still asks it."""
    plain = is_type_of(model.__new__(model), None)

    def check(obj, info):
        if type(obj) is model and TYPE_CAST_ATTRIBUTE not in obj.__dict__:
            return plain
        return is_type_of(obj, info)

    return check


def settle_resolvers(schema) -> None:
    """Give every field of the schema its resolver as the module describes."""
    graphql_schema, info_class = schema._schema, schema.config.info_class
    mark_request_bound(graphql_schema)
    for graphql_type in graphql_schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        definition = (graphql_type.extensions or {}).get("strawberry-definition")
        origin = getattr(definition, "origin", None)
        django_definition = get_django_definition(origin)
        # A page's edges and an edge's node are the list and the objects its connection
        # resolver built (from an optimized queryset): never a queryset to optimize.
        paging = isinstance(origin, type) and issubclass(origin, (relay.Connection, relay.Edge))
        if django_definition is not None and graphql_type.is_type_of is not None:
            graphql_type.is_type_of = _is_type_of(graphql_type.is_type_of, django_definition.model)
        for name, graphql_field in graphql_type.fields.items():
            field = (graphql_field.extensions or {}).get("strawberry-definition")
            if field is None or graphql_field.resolve is None:
                continue
            if not is_leaf_type(get_named_type(graphql_field.type)) and not (
                paging and field.base_resolver is None
            ):
                graphql_field.resolve = _fetch_optimized(graphql_field.resolve)
            if django_definition is not None:
                # The fallback (graphql_field.resolve) is the full path, hook included.
                short = _short_path(
                    graphql_type, name, graphql_field, field, django_definition, info_class
                )
                if short is not None:
                    graphql_field.resolve = short
