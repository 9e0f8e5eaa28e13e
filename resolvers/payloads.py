from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied

from kernel.errors import DomainError
from schema.errors import errors_from
from schema.permissions import forbidden


def payload(payload_type: type, field: str, call: Callable[[], Any]):
    """Run a mutation's one service call: its result goes into ``field`` of the payload, its
    refusals into ``errors`` (nothing changed), a permission refusal becomes the top-level
    FORBIDDEN error."""
    try:
        result = call()
    except PermissionDenied as exc:
        raise forbidden() from exc
    except DomainError as exc:
        return payload_type(**{field: None}, errors=errors_from(exc))
    return payload_type(**{field: result}, errors=[])
