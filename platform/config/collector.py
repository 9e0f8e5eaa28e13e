"""Garbage collection in the web process (config/asgi.py calls this once start-up is done;
benchmarks/floors.py too, so that what it measures in process is collected as deployed).

The web process keeps many long-lived objects per open socket
(Twisted's, autobahn's, Channels' and Strawberry's: about 600,000 with a thousand
sockets) and a live lot's fan-out makes a few short-lived ones per frame. With CPython's
default thresholds (700, 10, 10) a full collection ran every few seconds under a busy
lot and took 0.2-0.8 s, during which no frame went out and no request was answered: the
fan-out's p99 (docs/benchmarks.md). Freezing what start-up built (Django, the schema,
this application) takes it out of every collection; a young generation of 50,000 lets
the per-frame objects die before a collection sees them, so far fewer reach the old
generations; the middle one is collected every 5 young collections, so that the cyclic
garbage of sockets that closed (about 140 objects each) goes while it is still young,
in small collections, and the full collection comes rarely.
"""

import gc

YOUNG, MIDDLE, OLD = 50_000, 5, 100


def tune_garbage_collection() -> None:
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
