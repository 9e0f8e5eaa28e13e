"""The client's address, decided from ``X-Forwarded-For`` only as far as proxies are trusted.

Behind load balancers the TCP peer (``REMOTE_ADDR``) is the proxy, and every client
shares it; but ``X-Forwarded-For`` is written by whoever sends the request, so only the
entries appended by proxies we run can be believed. Two settings say how far to believe it:

- ``TRUSTED_PROXY_HOPS``: the number of proxies in front of the server; the client is the
  entry that many places from the right (the peer counts as the first hop).
- ``TRUSTED_PROXY_NETWORKS``: networks of our proxies; walking from the right, the first
  address outside them is the client.

With neither (the default) the header is ignored and the peer is the client. Run Daphne
*without* ``--proxy-headers``: Daphne would take the header's leftmost entry, the one the
client writes.
"""

import ipaddress
from collections.abc import Mapping
from functools import lru_cache

from django.conf import settings


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]):
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def client_address_from(meta: Mapping) -> str | None:
    """The address per-client limits key on, for a request's ``META``."""
    peer = _address(meta.get("REMOTE_ADDR") or "")
    if peer is None:
        return None
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXY_NETWORKS", ())))
    if not hops and not networks:
        return str(peer)
    forwarded = [
        _address(item) for item in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if item
    ]
    chain = [*forwarded, peer]  # nearest last
    if networks:
        client = peer
        for candidate in reversed(chain):
            if candidate is None:
                break  # a malformed entry: nothing left of it can be believed
            client = candidate
            if not any(candidate in network for network in networks):
                break
        return str(client)
    # The peer is hop 1; with N trusted hops the client is N entries from the right, or the
    # nearest believable entry when the chain is shorter or malformed.
    client = peer
    for candidate in list(reversed(chain))[1 : hops + 1]:
        if candidate is None:
            break
        client = candidate
    return str(client)
