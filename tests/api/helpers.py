from django.test import Client
from strawberry import relay

from tests.api import operations as op
from tests.conftest import last_code


def error_codes(payload: dict) -> list[str]:
    return [error["code"] for error in payload["errors"]]


def register_and_login(gql, outbox, phone: str, *, mode: str = "TOKEN") -> dict:
    """Register ``phone`` through the API; with TOKEN mode the client keeps the token."""
    sent = gql(op.SMS_CODE_SEND, {"input": {"phone": phone, "purpose": "REGISTER"}})
    assert sent["data"]["smsCodeSend"]["errors"] == []
    result = gql(
        op.REGISTER, {"input": {"phone": phone, "code": last_code(outbox, phone), "mode": mode}}
    )["data"]["register"]
    assert result["errors"] == []
    if mode == "TOKEN":
        gql.token = result["token"]
    return result


def gid(type_name: str, pk) -> str:
    """The global id a client would hold for ``type_name`` ``pk``."""
    return str(relay.GlobalID(type_name, str(pk)))


def download(url: str) -> bytes:
    """The bytes behind a file ``url`` the API gave (a signed link of this site), fetched as
    a browser would."""
    response = Client().get(url)
    assert response.status_code == 200, url
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def counting(monkeypatch, module, name: str) -> list:
    """Replace ``module.name`` with itself counting its calls: the list gets an item per call."""
    calls: list = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *args, **kw: calls.append(1) or real(*args, **kw))
    return calls
