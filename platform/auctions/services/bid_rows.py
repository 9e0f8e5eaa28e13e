"""The bid path's hot statements as fixed SQL text with parameters.

Compiling an ORM query (``get_select``, ``as_sql``) and loading model rows through it cost
more CPU than the database took to answer them: the statements of an accepted bid are
written out here instead (three on PostgreSQL: the snapshot, the lock, the bids' INSERT
with the lot's UPDATE; the INSERT and the UPDATE are two on SQLite), built once per
database vendor from the models' own table and column names, and run on Django's
connection (so transactions, the pool, query capture and test isolation are Django's as
before; on PostgreSQL through a cursor that binds on the server, :func:`_cursor`). What
differs between PostgreSQL and SQLite is kept to four things: the clock (``Now()``'s
SQL), ``FOR UPDATE OF`` (SQLite's IMMEDIATE transactions hold the write lock from BEGIN),
the one-statement write, and the values SQLite returns (amounts as numbers, times as
naive UTC), which :func:`money` and :func:`aware` read the way the
ORM's converters do.

Everything a row read here feeds (the lot returned to the API, its session, the bid) is a
model instance built with ``Model.from_db``, as a queryset with ``only()`` would build it:
a field not read here loads on first access.
"""

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import connection

from auctions.models import AuctionSession, Bid, Lot, LotPull, LotPullStatus, Registration, Season
from kernel.clock import now
from kernel.money import FEN


def _cursor():
    """A cursor for these statements: Django's, and on PostgreSQL one that binds its
    parameters on the server.

    Django's psycopg cursors bind client-side (the values written into the SQL text), so
    PostgreSQL parses and plans each statement anew; a server-binding psycopg cursor on the
    same connection sends the text and the values apart, and psycopg prepares a statement
    it has run five times on a connection (``prepare_threshold`` in config/settings.py;
    the pool keeps connections, so a busy process plans each of these once per
    connection). Same connection, same transaction, Django's
    wrapper (query logging, capture in tests). Behind PgBouncer in transaction mode
    (``DATABASE_PGBOUNCER``) a prepared statement may meet another server connection:
    Django's cursor there."""
    if connection.vendor != "postgresql" or settings.DATABASES[connection.alias].get(
        "DISABLE_SERVER_SIDE_CURSORS"
    ):
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    """The column of the field ``name`` (or attname: ``leader_id``) of ``model``."""
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _clock_sql() -> str | None:
    """Django's ``Now()`` for this vendor; None when the clock is Python's (tests)."""
    if not getattr(settings, "CLOCK_FROM_DATABASE", True):
        return None
    if connection.vendor == "postgresql":
        return "STATEMENT_TIMESTAMP()"  # what Now() compiles to, as the ORM query had it
    return "STRFTIME('%%Y-%%m-%%d %%H:%%M:%%f', 'NOW')"


def clock(value) -> datetime:
    """The clock column of a row (``aware(value)``), or Python's when the SQL had none."""
    return now() if value is None else aware(value)


def aware(value) -> datetime:
    """A time as the ORM returns it: aware, UTC (SQLite stores naive UTC text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def money(value) -> Decimal | None:
    """An amount as the ORM returns it: a Decimal of two places (SQLite keeps a NUMERIC
    column's integer or float)."""
    if value is None or (isinstance(value, Decimal) and value.as_tuple().exponent == -2):
        return value
    return Decimal(str(value)).quantize(FEN)


def _replay_sql(registration: str) -> str:
    """The id of the bid ``registration`` (SQL) placed with the key (the next parameter):
    the idempotency key's unique index answers it."""
    b = Bid
    return (
        f"(SELECT b.{_column(b, 'id')} FROM {_table(b)} b"
        f" WHERE b.{_column(b, 'registration')} = {registration}"
        f" AND b.{_column(b, 'idempotency_key')} = %s LIMIT 1)"
    )


# -- the snapshot: the registration, its lot, the clock, the replay check (no lock) ---------

SNAPSHOT_COLUMNS = (
    "id",
    "status",
    "bidder_number",
    "priority_order",
    "start_price",
    "increment",
    "current_price",
    "result",
    "bidding_starts_at",
    "clock",
    "replay_id",
    "pull_pending",
)


@cache
def _snapshot_sql(vendor: str, clock_sql: str | None) -> str:
    r, lot, s, p = Registration, Lot, AuctionSession, LotPull
    return (
        f"SELECT r.{_column(r, 'id')}, r.{_column(r, 'status')}, r.{_column(r, 'bidder_number')},"
        f" r.{_column(r, 'priority_order')}, l.{_column(lot, 'start_price')},"
        f" l.{_column(lot, 'increment')}, l.{_column(lot, 'current_price')},"
        f" l.{_column(lot, 'result')}, s.{_column(s, 'bidding_starts_at')},"
        f" {clock_sql or 'NULL'}, {_replay_sql('r.' + _column(r, 'id'))},"
        f" EXISTS (SELECT 1 FROM {_table(p)} p WHERE p.{_column(p, 'lot')} = r.{_column(r, 'lot')}"
        f" AND p.{_column(p, 'status')} = %s)"
        f" FROM {_table(r)} r"
        f" INNER JOIN {_table(lot)} l ON l.{_column(lot, 'id')} = r.{_column(r, 'lot')}"
        f" INNER JOIN {_table(s)} s ON s.{_column(s, 'id')} = l.{_column(lot, 'session')}"
        f" WHERE r.{_column(r, 'lot')} = %s AND r.{_column(r, 'user')} = %s"
    )


def snapshot(*, user_id: int, lot_id: int, key: str) -> dict | None:
    """One row, before any lock: the bidder's registration for the lot (None without one),
    a snapshot of the lot, the database clock, the bid already placed with ``key``, and
    whether a pull of the lot is pending."""
    sql = _snapshot_sql(connection.vendor, _clock_sql())
    with _cursor() as cursor:
        cursor.execute(sql, (key, LotPullStatus.PENDING.value, lot_id, user_id))
        row = cursor.fetchone()
    if row is None:
        return None
    out = dict(zip(SNAPSHOT_COLUMNS, row, strict=True))
    for name in ("start_price", "increment", "current_price"):
        out[name] = money(out[name])
    out["bidding_starts_at"] = aware(out["bidding_starts_at"])
    out["clock"] = clock(out["clock"])
    return out


# -- the lot's row, locked, with the clock (and the replay check) -----------------------------

_LOCKED_LOT_FIELDS = (  # Lot attnames, in the statement's order
    "id",
    "session_id",
    "start_price",
    "increment",
    "current_price",
    "leader_id",
    "leader_priority_order",
    "bid_count",
    "last_seq",
    "head_hash",
    "ends_at",
    "result",
    "has_proxies",
)
_MONEY = {"start_price", "increment", "current_price"}


@cache
def _locked_sql(vendor: str, clock_sql: str | None, replay: bool, lock: str) -> str:
    lot, s, season = Lot, AuctionSession, Season
    columns = ", ".join(f"l.{_column(lot, name)}" for name in _LOCKED_LOT_FIELDS)
    return (
        f"SELECT {columns}, s.{_column(s, 'bidding_starts_at')}, s.{_column(s, 'season')},"
        f" se.{_column(season, 'anti_sniping_minutes')}, {clock_sql or 'NULL'},"
        f" {_replay_sql('%s') if replay else 'NULL'}"
        f" FROM {_table(lot)} l"
        f" INNER JOIN {_table(s)} s ON s.{_column(s, 'id')} = l.{_column(lot, 'session')}"
        f" INNER JOIN {_table(season)} se ON se.{_column(season, 'id')} = s.{_column(s, 'season')}"
        f" WHERE l.{_column(lot, 'id')} = %s" + lock
    )


def _lock_clause() -> str:
    """PostgreSQL locks the lot's row (not its session's); SQLite's IMMEDIATE transaction
    already holds the database's write lock."""
    features = connection.features
    if features.has_select_for_update_of:
        return " FOR UPDATE OF l"
    return " FOR UPDATE" if features.has_select_for_update else ""


def instance(model, values: dict):
    """A model row from some of its fields, as ``only()`` loads it (the rest deferred)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def locked_lot(lot_id: int, *, registration_id: int | None = None, key: str = ""):
    """(the lot, locked for this transaction, its session and season loaded with what a bid
    needs; the database clock; the id of the bid ``registration_id`` already placed with
    ``key``, read by this statement), or None without such a lot."""
    replay = registration_id is not None
    sql = _locked_sql(
        connection.vendor,
        _clock_sql(),
        replay,
        _lock_clause(),
    )
    params = (registration_id, key, lot_id) if replay else (lot_id,)
    with _cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = dict(zip(_LOCKED_LOT_FIELDS, row, strict=False))
    for name in _MONEY:
        values[name] = money(values[name])
    values["ends_at"] = aware(values["ends_at"])
    values["has_proxies"] = bool(values["has_proxies"])
    starts_at, season_id, minutes, clock_value, replay_id = row[len(_LOCKED_LOT_FIELDS) :]
    lot = instance(Lot, values)
    session = instance(
        AuctionSession,
        {"id": values["session_id"], "season_id": season_id, "bidding_starts_at": aware(starts_at)},
    )
    session.season = instance(Season, {"id": season_id, "anti_sniping_minutes": minutes})
    lot.session = session
    return lot, clock(clock_value), replay_id


# -- the writes ----------------------------------------------------------------------------

_BID_FIELDS = (  # Bid attnames, in the INSERT's order
    "lot_id",
    "registration_id",
    "seq",
    "amount",
    "bidder_number",
    "placed_at",
    "is_proxy",
    "under_priority_right",
    "priority_order",
    "record_format",
    "idempotency_key",
    "ends_at_after",
    "prev_hash",
    "hash",
)
_BID_TIMES = {"placed_at", "ends_at_after"}


# At most this many bids in one INSERT (a proxy war can place many in one transaction):
# 14 parameters each, well below SQLite's and PostgreSQL's limits on parameters.
_ROWS_PER_INSERT = 200

LOT_FIELDS_A_BID_CHANGES = (
    "last_seq",
    "head_hash",
    "current_price",
    "leader_id",
    "leader_priority_order",
    "bid_count",
    "ends_at",
)


def _values(rows: int) -> str:
    row = f"({', '.join(['%s'] * len(_BID_FIELDS))})"
    return ", ".join([row] * rows)


@cache
def _insert_sql(vendor: str, rows: int) -> str:
    columns = ", ".join(_column(Bid, name) for name in _BID_FIELDS)
    return (
        f"INSERT INTO {_table(Bid)} ({columns}) VALUES {_values(rows)}"
        f" RETURNING {_column(Bid, 'id')}, {_column(Bid, 'seq')}"
    )


@cache
def _update_sql(vendor: str, fields: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{_column(Lot, name)} = %s" for name in fields)
    return f"UPDATE {_table(Lot)} SET {assignments} WHERE {_column(Lot, 'id')} = %s"


@cache
def _write_sql(vendor: str, rows: int, fields: tuple[str, ...]) -> str:
    """PostgreSQL: the bids' INSERT and the lot's UPDATE in one statement (a data-modifying
    WITH runs exactly once, read or not), answering the new bids' ids."""
    return (
        f"WITH new AS ({_insert_sql(vendor, rows)}), moved AS ({_update_sql(vendor, fields)})"
        f" SELECT {_column(Bid, 'id')}, {_column(Bid, 'seq')} FROM new"
    )


def _bid_params(bids: list[Bid]) -> list:
    adapt = connection.ops.adapt_datetimefield_value
    return [
        adapt(getattr(bid, name)) if name in _BID_TIMES else getattr(bid, name)
        for bid in bids
        for name in _BID_FIELDS
    ]


def _saved(bids: list[Bid], rows) -> None:
    """Give each bid the id the database returned for its (lot's) seq."""
    ids = {seq: pk for pk, seq in rows}
    for bid in bids:
        bid.pk = ids[bid.seq]
        bid._state.adding = False
        bid._state.db = connection.alias


def write(lot: Lot, bids: list[Bid], *, has_proxies: bool = False) -> None:
    """INSERT ``bids`` (built, not saved; their ids are set) and UPDATE the lot's columns a
    bid changes (and ``has_proxies`` when asked). On PostgreSQL one statement for a bid and
    the maxima's answers (a round trip and a parse less per bid); on SQLite, in process, an
    INSERT and an UPDATE."""
    fields = LOT_FIELDS_A_BID_CHANGES + (("has_proxies",) if has_proxies else ())
    adapt = connection.ops.adapt_datetimefield_value
    lot_params = [
        adapt(lot.ends_at) if name == "ends_at" else getattr(lot, name) for name in fields
    ]
    vendor = connection.vendor
    with _cursor() as cursor:
        if vendor == "postgresql" and 0 < len(bids) <= _ROWS_PER_INSERT:
            cursor.execute(
                _write_sql(vendor, len(bids), fields), [*_bid_params(bids), *lot_params, lot.pk]
            )
            _saved(bids, cursor.fetchall())
            return
        returning = connection.features.can_return_rows_from_bulk_insert
        step = _ROWS_PER_INSERT if returning else 1  # SQLite before 3.35: no RETURNING
        for start in range(0, len(bids), step):
            chunk = bids[start : start + step]
            sql = _insert_sql(vendor, len(chunk))
            if returning:
                cursor.execute(sql, _bid_params(chunk))
                _saved(chunk, cursor.fetchall())
            else:
                cursor.execute(sql.partition(" RETURNING ")[0], _bid_params(chunk))
                _saved(chunk, [(cursor.lastrowid, chunk[0].seq)])
        cursor.execute(_update_sql(vendor, fields), [*lot_params, lot.pk])
