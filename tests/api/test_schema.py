import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from schema import schema


def test_the_exported_sdl_is_up_to_date():
    exported = (Path(settings.BASE_DIR) / "schema.graphql").read_text(encoding="utf-8")
    assert exported.strip() == str(schema).strip(), "schema.graphql drifted: run `make schema`"


def test_a_too_deep_query_is_refused(gql):
    selection = "id"
    for _ in range(6):
        selection = f"verification {{ user {{ {selection} }} }}"
    response = gql(f"{{ me {{ {selection} }} }}")
    assert response["data"] is None
    assert "exceeds maximum operation depth" in response["errors"][0]["message"]


def test_too_many_aliases_are_refused(gql):
    query = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(20)) + " }"
    response = gql(query)
    assert "aliases" in response["errors"][0]["message"]


def test_too_many_tokens_are_refused(gql):
    query = "{ me { " + " ".join("id" for _ in range(2100)) + " } }"
    response = gql(query)
    assert "token" in response["errors"][0]["message"].lower()


PRODUCTION_PROBE = """
import json
from unittest import mock

import django

django.setup()
from django.contrib.auth.models import AnonymousUser

from schema import schema
from schema.context import Context


class Request:
    META = {}


context = Context(request=Request(), user=AnonymousUser())
introspection = schema.execute_sync("{ __schema { types { name } } }", context_value=context)
with mock.patch("resolvers.shops.agreement_current", side_effect=RuntimeError("db password")):
    broken = schema.execute_sync("{ shopNotice { version } }", context_value=context)
denied = schema.execute_sync("mutation { logout { errors { code } } }", context_value=context)
print(json.dumps({
    "introspection": introspection.errors[0].message if introspection.errors else None,
    "broken": broken.errors[0].message,
    "denied": denied.errors[0].extensions["code"],
}))
"""


def test_production_has_no_introspection_and_masks_unexpected_errors(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": "test-" + "x" * 60,
        "ALLOWED_HOSTS": "api.example.org",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "introspection" in result["introspection"].lower()
    assert result["broken"] == "Unexpected error."
    assert result["denied"] == "UNAUTHENTICATED"
