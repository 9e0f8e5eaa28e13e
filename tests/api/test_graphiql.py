"""GraphiQL at /graphql loads everything from this server: no CDN, pinned bytes."""

import base64
import hashlib
import re

import pytest
from django.test import Client

from config import graphiql

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r'(?:src|href)="([^"]+)"\s+integrity="([^"]+)"')


def graphiql_page() -> str:
    response = Client().get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_graphiql_page_names_no_address_outside_this_server():
    page = graphiql_page()

    assert "unpkg.com" not in page
    assert re.findall(r'(?:src|href)="(https?:)?//', page) == []


def test_every_graphiql_asset_is_served_with_the_bytes_its_integrity_hash_pins():
    references = REFERENCE.findall(graphiql_page())

    assert len(references) == 7  # React, ReactDOM, js-cookie, GraphiQL and explorer (js, css)
    for url, integrity in references:
        assert url.startswith("/graphiql/")
        response = Client().get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert integrity == f"sha384-{digest}", url


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql/graphiql@3.8.3/package.json",
        "/graphiql/graphiql@3.8.2/graphiql.min.js",
        "/graphiql/graphql-http@1.23.1/lib/index.js",
        "/graphiql/react@18.2.0/../../package.json",
    ],
)
def test_nothing_but_the_pages_assets_is_served_under_graphiql(path):
    assert Client().get(path).status_code == 404


def test_an_asset_installed_at_another_version_than_the_page_pins_is_not_served(settings, tmp_path):
    (tmp_path / "react").mkdir()
    (tmp_path / "react" / "package.json").write_text('{"version": "19.0.0"}')
    settings.GRAPHIQL_ASSETS_DIR = tmp_path
    asset = next(a for a in graphiql.page_assets(_source()).values() if a.package == "react")
    (tmp_path / "react" / asset.path).parent.mkdir(parents=True)
    (tmp_path / "react" / asset.path).write_text("/* not the pinned react */")

    response = Client().get(f"/graphiql/react@{asset.version}/{asset.path}")

    assert response.status_code == 404


def test_no_graphiql_asset_is_served_when_the_ide_is_off(settings):
    settings.GRAPHQL_IDE = False

    assert Client().get("/graphiql/react@18.2.0/umd/react.production.min.js").status_code == 404


def _source() -> str:
    from config.views import graphiql_page_source

    return graphiql_page_source()
