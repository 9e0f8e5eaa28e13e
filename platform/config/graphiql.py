"""GraphiQL with no CDN: Strawberry's page, its assets served by the project itself.

Strawberry's GraphiQL page loads seven files (React, ReactDOM, js-cookie, GraphiQL and the
explorer plugin, scripts and styles) from a public CDN, pinned by version and by Subresource
Integrity hash. ``package.json`` pins the same packages and ``make assets`` (``npm ci``)
installs them into ``node_modules/``; this module rewrites each CDN address on the page to
``/graphiql/<package>@<version>/<file>`` and serves exactly those files. The integrity
hashes stay on the page, so the browser itself checks that the bytes it gets are the ones
Strawberry pinned. See docs/graphiql.md.
"""

import json
import mimetypes
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

CDN_ASSET = re.compile(
    r"https://unpkg\.com/(?P<name>(?P<package>(?:@[a-z0-9._-]+/)?[a-z0-9._-]+)"
    r"@(?P<version>[0-9][A-Za-z0-9.+-]*)/(?P<path>[A-Za-z0-9._/-]+))"
)


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    path: str

    @property
    def file(self) -> Path:
        return Path(settings.GRAPHIQL_ASSETS_DIR) / self.package / self.path

    def installed_version(self) -> str | None:
        manifest = Path(settings.GRAPHIQL_ASSETS_DIR) / self.package / "package.json"
        try:
            return json.loads(manifest.read_text())["version"]
        except (OSError, ValueError, KeyError):
            return None


def localize(html: str) -> tuple[str, dict[str, Asset]]:
    """The page with every CDN address replaced by ours, and the assets it now names."""
    found: dict[str, Asset] = {}

    def local(match: re.Match) -> str:
        found[match["name"]] = Asset(match["package"], match["version"], match["path"])
        return reverse("graphiql-asset", args=[match["name"]])

    return CDN_ASSET.sub(local, html), found


@cache
def _page(strawberry_html: str) -> tuple[str, dict[str, Asset]]:
    return localize(strawberry_html)


def page_html(strawberry_html: str) -> str:
    return _page(strawberry_html)[0]


def page_assets(strawberry_html: str) -> dict[str, Asset]:
    return _page(strawberry_html)[1]


def asset_view(request: HttpRequest, name: str):
    """One of the page's files, if installed at the pinned version; nothing else."""
    from .views import graphiql_page_source

    if not settings.GRAPHQL_IDE:
        raise Http404("GraphiQL is off")
    asset = page_assets(graphiql_page_source()).get(name)
    if asset is None or asset.installed_version() != asset.version or not asset.file.is_file():
        raise Http404("not a GraphiQL asset, or not installed (make assets)")
    content_type = mimetypes.guess_type(asset.path)[0] or "application/octet-stream"
    # Whole, not streamed: a sync file iterator would block Daphne's event loop (at most
    # 3.5 MB, once per browser: the address never changes).
    response = HttpResponse(asset.file.read_bytes(), content_type=content_type)
    # The address names the version: the bytes behind it never change.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
