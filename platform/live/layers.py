"""The embedded default's channel layer: Channels' in-memory layer, plus a small SQLite
relay file through which group messages reach the other processes of this machine.

Why: with no Redis configured, ``make serve`` still runs Daphne and ``manage.py worker`` as
two processes, and the worker publishes what the clock decides (phase changes, results,
notifications, import progress). Channels' in-memory layer lives in one process, so those
events never reached a socket. Running the worker inside the web process would hide that
difference between the embedded default and production; a relay keeps the topology the
same (any number of local processes, each publishing and receiving) with no server to run.

Each ``group_send`` delivers to this process's members at once and appends the message to
the relay; every process that has group members tails the relay (``poll_interval``) and
delivers what the others wrote; while it has none it only follows the relay's head, so a
group joined later is not handed what was written before. Rows older than ``retention``
seconds are deleted. Group membership never expires here: members are removed when their
consumer ends, in-process, so the in-memory layer's 24 h group expiry would only cut off
long-lived sockets.

For production use Redis (``REDIS_URL``): this relay is for one machine and development.
"""

import asyncio
import json
import logging
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from channels.layers import InMemoryChannelLayer

logger = logging.getLogger(__name__)

_NEVER = 10**9  # seconds: group members are only removed by their own consumer


class EmbeddedChannelLayer(InMemoryChannelLayer):
    def __init__(
        self,
        relay_path: str | None = None,
        poll_interval: float = 0.05,
        retention: float = 60.0,
        **kwargs,
    ) -> None:
        kwargs.setdefault("group_expiry", _NEVER)
        super().__init__(**kwargs)
        self.relay_path = relay_path
        self.poll_interval = poll_interval
        self.retention = retention
        self.origin = uuid.uuid4().hex
        # One thread owns the SQLite connection (a connection belongs to its thread), and
        # keeps file I/O off the event loop.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-relay")
        self._connection: sqlite3.Connection | None = None
        self._last_pruned = 0.0
        self._reader: asyncio.Task | None = None

    # -- the relay file (runs on the relay thread) --------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            Path(self.relay_path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.relay_path, timeout=5, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS relay (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "origin TEXT NOT NULL, grp TEXT NOT NULL, body TEXT NOT NULL, at REAL NOT NULL)"
            )
            self._connection = connection
        return self._connection

    def _append(self, group: str, body: str) -> None:
        db = self._db()
        current = time.time()
        db.execute(
            "INSERT INTO relay (origin, grp, body, at) VALUES (?, ?, ?, ?)",
            (self.origin, group, body, current),
        )
        if current - self._last_pruned > self.retention / 4:
            db.execute("DELETE FROM relay WHERE at < ?", (current - self.retention,))
            self._last_pruned = current

    def _head(self) -> int:
        return self._db().execute("SELECT COALESCE(MAX(id), 0) FROM relay").fetchone()[0]

    def _after(self, last_id: int) -> list[tuple[int, str, str, str]]:
        return (
            self._db()
            .execute(
                "SELECT id, origin, grp, body FROM relay WHERE id > ? ORDER BY id LIMIT 1000",
                (last_id,),
            )
            .fetchall()
        )

    async def _on_relay_thread(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    # -- the layer -----------------------------------------------------------------------

    async def group_send(self, group: str, message: dict) -> None:
        await super().group_send(group, message)
        if self.relay_path is None:
            return
        try:
            body = json.dumps(message, ensure_ascii=False)
        except (TypeError, ValueError):
            logger.warning("group message to %s is not JSON: kept in this process", group)
            return
        await self._on_relay_thread(self._append, group, body)

    async def group_add(self, group: str, channel: str) -> None:
        await super().group_add(group, channel)
        self._ensure_reader()

    def _ensure_reader(self) -> None:
        if self.relay_path is None:
            return
        loop = asyncio.get_running_loop()
        reader = self._reader
        if reader is not None and not reader.done() and reader.get_loop() is loop:
            return
        self._reader = loop.create_task(self._read_relay())

    async def _read_relay(self) -> None:
        last_id = await self._on_relay_thread(self._head)
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                if not self.groups:
                    # Nobody here listens: keep up with the relay's head, so that a group
                    # joined later starts from now and is not handed rows written while
                    # nobody listened (up to ``retention`` old: long before its snapshot).
                    head = await self._on_relay_thread(self._head)
                    if not self.groups:  # a group that joined during the read keeps
                        last_id = head  # what was written after its join
                    continue
                rows = await self._on_relay_thread(self._after, last_id)
            except sqlite3.Error:
                logger.exception("live relay unreadable; retrying")
                await asyncio.sleep(1)
                continue
            for row_id, origin, group, body in rows:
                last_id = row_id
                if origin != self.origin and group in self.groups:
                    await InMemoryChannelLayer.group_send(self, group, json.loads(body))
