"""Case 4 of issue 9: the client address believes X-Forwarded-For only as far as configured."""

import pytest

from kernel.addresses import client_address_from


def meta(forwarded: str | None, peer: str = "10.0.0.5") -> dict:
    values = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        values["HTTP_X_FORWARDED_FOR"] = forwarded
    return values


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_HOPS, settings.TRUSTED_PROXY_NETWORKS = 0, []
    assert client_address_from(meta("1.2.3.4")) == "10.0.0.5"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),  # what the load balancer appended
        ("6.6.6.6, 203.0.113.7", "203.0.113.7"),  # a spoofed entry on the left is ignored
        (None, "10.0.0.5"),  # no header: the peer
        ("not-an-ip", "10.0.0.5"),
    ],
)
def test_one_trusted_hop_takes_the_rightmost_entry(settings, forwarded, client):
    settings.TRUSTED_PROXY_HOPS, settings.TRUSTED_PROXY_NETWORKS = 1, []
    assert client_address_from(meta(forwarded)) == client


@pytest.mark.parametrize(
    ("forwarded", "peer", "client"),
    [
        ("6.6.6.6, 203.0.113.7, 10.0.0.9", "10.0.0.5", "203.0.113.7"),
        ("203.0.113.7", "198.51.100.1", "198.51.100.1"),  # the peer is no proxy of ours
        ("10.0.0.8, 10.0.0.9", "10.0.0.5", "10.0.0.8"),
    ],
)
def test_trusted_networks_walk_from_the_right_to_the_first_outsider(
    settings, forwarded, peer, client
):
    settings.TRUSTED_PROXY_HOPS, settings.TRUSTED_PROXY_NETWORKS = 0, ["10.0.0.0/8"]
    assert client_address_from(meta(forwarded, peer)) == client
