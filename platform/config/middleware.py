"""Bounds on a GraphQL request's body, applied before anything parses it.

- The declared size (``Content-Length``) is refused past the cap before the body is read:
  ``GRAPHQL_MAX_BODY_BYTES`` for signed-in callers (room for the largest upload set),
  ``GRAPHQL_MAX_ANONYMOUS_BODY_BYTES`` for anonymous ones, who may upload nothing. A body
  without a declared size is bounded while it streams in by ``config.limits`` (ASGI).
- A JSON body must be an object, nested no deeper than ``GRAPHQL_MAX_JSON_DEPTH``.
- A multipart body's ``operations`` must be a JSON object and its ``map`` an object of at
  most ``GRAPHQL_MAX_UPLOAD_PATHS`` paths, each a list of ``variables.…`` strings that lead
  to a null in ``operations``; anything else is a client error, never a server error.

Refusals are GraphQL errors with ``extensions.code = BAD_REQUEST`` (HTTP 400) or
``REQUEST_TOO_LARGE`` (HTTP 413).
"""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError

GRAPHQL_PATH = "/graphql"


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status=status,
    )


def _bad(message: str) -> JsonResponse:
    return _error(400, "BAD_REQUEST", message)


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def _loads(text, what: str):
    """Parse JSON text, or return the refusal."""
    try:
        return json.loads(text), None
    except RecursionError:
        return None, _bad(f"The {what} is nested too deeply.")
    except (ValueError, TypeError):
        return None, _bad(f"The {what} is not valid JSON.")


def _map_error(operations: dict, file_map) -> str | None:
    if not isinstance(file_map, dict):
        return "The multipart map must be a JSON object."
    paths = [path for value in file_map.values() if isinstance(value, list) for path in value]
    if len(file_map) > settings.DATA_UPLOAD_MAX_NUMBER_FILES or len(paths) > (
        settings.GRAPHQL_MAX_UPLOAD_PATHS
    ):
        return "The multipart map names too many files or paths."
    for key, value in file_map.items():
        if not isinstance(value, list) or not value:
            return f"The multipart map entry {key!r} must be a non-empty list of paths."
        for path in value:
            if not isinstance(path, str) or not _leads_to_null(operations, path):
                return f"The multipart map path {path!r} does not lead to a null variable."
    return None


def _leads_to_null(operations: dict, path: str) -> bool:
    parts = path.split(".")
    if len(parts) < 2 or parts[0] != "variables":
        return False
    node = operations
    for part in parts[:-1]:
        node = _child(node, part)
        if not isinstance(node, dict | list):
            return False
    last = parts[-1]
    if isinstance(node, dict):
        return last in node and node[last] is None
    return last.isdigit() and int(last) < len(node) and node[int(last)] is None


def _child(node, part: str):
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None


class GraphQLRequestLimits:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path_info.rstrip("/") == GRAPHQL_PATH:
            refusal = self._check(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _check(self, request):
        signed_in = request.user.is_authenticated
        cap = (
            settings.GRAPHQL_MAX_BODY_BYTES
            if signed_in
            else settings.GRAPHQL_MAX_ANONYMOUS_BODY_BYTES
        )
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _bad("The Content-Length header is not a number.")
        if declared > cap:
            return _error(
                413, "REQUEST_TOO_LARGE", f"The request body is over the {cap}-byte limit."
            )
        content_type = request.content_type or ""
        try:
            if content_type == "multipart/form-data":
                return self._check_multipart(request)
            if content_type == "application/json":
                return self._check_json(request.body, "request body")
        except RequestDataTooBig:
            return _error(413, "REQUEST_TOO_LARGE", "The request body is too large.")
        except (TooManyFieldsSent, TooManyFilesSent):
            return _bad("The request has too many fields or files.")
        except MultiPartParserError:
            return _bad("The multipart body is malformed.")
        return None

    def _check_json(self, text, what: str):
        value, refusal = _loads(text, what)
        if refusal is not None:
            return refusal
        if not isinstance(value, dict):
            return _bad(f"The {what} must be a JSON object.")
        if json_depth_exceeds(value, settings.GRAPHQL_MAX_JSON_DEPTH):
            return _bad(f"The {what} is nested too deeply.")
        return None

    def _check_multipart(self, request):
        # request.POST parses the form streaming its files to disk; the view reuses it.
        operations_text = request.POST.get("operations")
        if operations_text is None:
            return _bad("A multipart GraphQL request needs an operations field.")
        refusal = self._check_json(operations_text, "multipart operations field")
        if refusal is not None:
            return refusal
        file_map, refusal = _loads(request.POST.get("map", "{}"), "multipart map")
        if refusal is not None:
            return refusal
        problem = _map_error(json.loads(operations_text), file_map)
        if problem is None and any(key not in request.FILES for key in file_map):
            problem = "The multipart map names a file that was not sent."
        return _bad(problem) if problem else None
