"""The product's settings with one more URL, for the hot-lot benchmark's Daphne
(benchmarks/bidding.py ``hot_lot``): ``POST /bench/bid``, a bare Django view calling the
same ``bid_place`` service as GraphQL's ``bidPlace``, behind the same middleware (the
bearer token included)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "hotlot_urls"
