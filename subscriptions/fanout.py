"""Fan-out: a live event is executed and serialized once per (event, document, variables) in
a process, and the same text is handed to every socket whose subscription asked for it.

graphql-core would run the whole selection set again for every subscriber and event, and
Strawberry would wrap each result in its extension hooks before it is encoded per socket:
two thirds of the CPU of a busy lot. Here the lot hub (``subscriptions/lot_hub.py``) writes
each event's text, rendered once per cohort (:func:`rendering`; a :class:`Sender` per
subscription), to every socket in step with it; a watcher that is not in step decides by
itself which events to hand on (``LotFeed``) and calls :func:`send` for each, which renders
the event once and writes it to the socket. What cannot
be shared goes the usual way (the subscription yields it): snapshots and ticks (their
``serverTime`` is per socket), results with errors (their messages follow the socket's
language; they also pass the error masking), and any operation not run by our socket
handler (``schema.subscribe`` in a test).

Which results may be shared between viewers: the per-event result of a subscription field
is computed from the event (the root value), the document and the variables alone when no
field below it reads the context (the viewer, the language). ``VIEWER_INDEPENDENT`` names
the root fields for which that holds (every field reachable from them is a plain attribute
of the event or a resolver that reads only the event, tested in
``tests/api/test_fanout.py``); for any other field the key also holds the viewer and the
language, so nothing can leak from one viewer's result to another's. Variables that only
feed the root field's arguments (``lotId``, ``afterSeq``, ``tickSeconds``) are left out of
the key: the per-event execution does not read them (Strawberry's per-event resolver returns
the event), so watchers resuming from different seqs still share one rendering.
"""

import contextvars
import json
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    DocumentNode,
    ExecutionResult,
    Executor,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    execute_subscription_event,
    get_operation_ast,
    parse,
    visit,
)

from kernel.metrics import LIVE_EVENTS_DELIVERED

# Root subscription fields whose per-event result depends on the event, the document and
# the variables only (see the module's docstring and its test).
VIEWER_INDEPENDENT = frozenset({"lotEvents", "sessionEvents"})
# Renderings kept per process: a few per live event and distinct document; an event is
# rendered again if it is asked for after it fell out (a slow replay), which is only work.
CACHE_SIZE = 2048

# The graphql-transport-ws operation the running task serves (set by the socket handler
# for the task that runs a subscription: the subscription's generator runs in that task).
current_operation: contextvars.ContextVar = contextvars.ContextVar("fanout_operation")


@dataclass(frozen=True, eq=False)
class Plan:
    """What one subscription document needs to render events: parsed once per process.
    Compared and hashed by identity, so a rendering's key holds its plan itself (an
    ``id()`` could be reused by another plan once this one left the LRU)."""

    document: DocumentNode
    operation_name: str | None
    field: str  # the response key's field name, e.g. lotEvents
    shared: bool  # viewer-independent: one rendering for every viewer
    key_variables: tuple[str, ...]  # variables the per-event result can depend on


class _Names(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node, *_args):
        self.names.add(node.name.value)


def _variables_in(node) -> set[str]:
    names = _Names()
    visit(node, names)
    return names.names


@lru_cache(maxsize=512)
def plan(query: str, operation_name: str | None) -> Plan | None:
    """The plan of a subscription document with one root field, or None (not one)."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operation = get_operation_ast(document, operation_name)
    if not isinstance(operation, OperationDefinitionNode):
        return None
    if operation.operation != OperationType.SUBSCRIPTION:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not hasattr(selections[0], "name"):
        return None  # a fragment at the root: leave it to the usual path
    root = selections[0]
    # Variables below the root field (its selection set and the fragments it spreads)
    # and in the root field's directives can change the result; its arguments cannot.
    below = _variables_in(root.selection_set) if root.selection_set else set()
    for directive in root.directives or ():
        below |= _variables_in(directive)
    for definition in document.definitions:
        if definition.kind == "fragment_definition":
            below |= _variables_in(definition)
    return Plan(
        document=document,
        operation_name=operation_name,
        field=root.name.value,
        shared=root.name.value in VIEWER_INDEPENDENT,
        key_variables=tuple(sorted(below)),
    )


class _Renderings:
    """key -> the ``payload`` text of a ``next`` message (an LRU of CACHE_SIZE)."""

    def __init__(self) -> None:
        self._texts: OrderedDict = OrderedDict()
        self.executions = 0  # per-event executions done (for tests and benchmarks)

    def get(self, key):
        text = self._texts.get(key)
        if text is not None:
            self._texts.move_to_end(key)
        return text

    def put(self, key, text: str) -> None:
        self._texts[key] = text
        if len(self._texts) > CACHE_SIZE:
            self._texts.popitem(last=False)

    def clear(self) -> None:
        self._texts.clear()
        self.executions = 0


renderings = _Renderings()


def key_for(plan_: Plan, event, variables: dict | None, context) -> tuple:
    """What the rendering of ``event`` for this document depends on."""
    variables = variables or {}
    values = tuple(_freeze(variables.get(name)) for name in plan_.key_variables)
    viewer = None
    if not plan_.shared:
        user = getattr(context, "user", None)
        viewer = (getattr(user, "pk", None), getattr(context, "language", None))
    return (event, plan_, values, viewer)


def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def render(plan_: Plan, event, schema, variables: dict | None, context) -> str | None:
    """The ``next`` payload of ``event`` as JSON text, or None when it has errors (those go
    the usual way, through Strawberry's error handling)."""
    executor = Executor.build(
        schema,
        plan_.document,
        context_value=context,
        raw_variable_values=variables,
        operation_name=plan_.operation_name,
    )
    if isinstance(executor, list):  # variables that do not coerce: the usual path says so
        return None
    result = execute_subscription_event(executor.build_per_event_executor(event))
    if not isinstance(result, ExecutionResult) or result.errors:
        return None  # an awaitable (no resolver here is async) or errors: not shared
    renderings.executions += 1
    return json.dumps({"data": result.data}, separators=(",", ":"))


async def send(info, event) -> bool:
    """Hand ``event`` to the socket as a ``next`` message rendered once per process; False
    when it must go the usual way instead (the subscription then yields it)."""
    operation = current_operation.get(None)
    if operation is None:
        return False
    try:
        hash(event)
    except TypeError:  # a field that is a list or a dict: no key
        return False
    plan_ = plan(operation.query, operation.operation_name)
    if plan_ is None or plan_.field != info.field_name:
        return False
    context = info.context
    key = key_for(plan_, event, operation.variables, context)
    text = renderings.get(key)
    if text is None:
        text = render(plan_, event, info.schema._schema, operation.variables, context)
        if text is None:
            return False
        renderings.put(key, text)
    if operation.completed:
        return True  # the client stopped it meanwhile: nothing more goes out
    _delivered(plan_.field).inc()
    await context.request.send(text_data=_frame_head(operation.id) + text + "}")
    return True


@dataclass(frozen=True, eq=False)
class Sender:
    """What a lot hub needs to write one socket's frames itself (subscriptions/lot_hub.py):
    the subscription's rendering inputs and the socket's send below the session wrapper."""

    operation: object  # the graphql-transport-ws operation
    plan: Plan
    cohort: tuple  # what its renderings depend on besides the event: (plan, values, viewer)
    head: str  # the frame up to its payload
    send: object  # the server's ASGI send
    schema: object
    context: object


def sender(info, send) -> Sender | None:
    """The subscription's Sender for ``send``, or None when its frames cannot be written
    for it (not run by our socket handler, or not one root field)."""
    operation = current_operation.get(None)
    if operation is None:
        return None
    plan_ = plan(operation.query, operation.operation_name)
    if plan_ is None or plan_.field != info.field_name:
        return None
    key = key_for(plan_, None, operation.variables, info.context)
    return Sender(
        operation=operation,
        plan=plan_,
        cohort=key[1:],
        head=_frame_head(operation.id),
        send=send,
        schema=info.schema._schema,
        context=info.context,
    )


def rendering(sender_: Sender, event) -> str | None:
    """The ``next`` payload of ``event`` for the sender's cohort (rendered once per
    process), or None when it must go the usual way."""
    try:
        key = (event, *sender_.cohort)
        text = renderings.get(key)
    except TypeError:  # an event with a list or a dict: no key
        return None
    if text is None:
        operation = sender_.operation
        text = render(sender_.plan, event, sender_.schema, operation.variables, sender_.context)
        if text is None:
            return None
        renderings.put(key, text)
    return text


def delivered_counter(field: str):
    return _delivered(field)


@lru_cache(maxsize=64)
def _delivered(field: str):
    return LIVE_EVENTS_DELIVERED.labels(field)  # by root field: a bounded label


@lru_cache(maxsize=4096)
def _frame_head(operation_id: str) -> str:
    return f'{{"id":{json.dumps(operation_id)},"type":"next","payload":'
