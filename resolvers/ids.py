from strawberry import relay

from kernel.errors import CommonErrorCode, DomainError


def decode_id(global_id: relay.GlobalID, model, *, field: str) -> int:
    """The primary key behind ``global_id`` if it names a ``model``; NOT_FOUND otherwise."""
    expected = model._meta.object_name
    if global_id.type_name != expected:
        raise DomainError(CommonErrorCode.NOT_FOUND, field=field)
    try:
        return int(global_id.node_id)
    except ValueError as exc:
        raise DomainError(CommonErrorCode.NOT_FOUND, field=field) from exc
