"""The live node's journal: every order intent, acknowledgement, status change, fill and
balance, in SQLite (WAL), so that a node that dies loses nothing and a restart reconciles.

An intent is committed before its order is sent. With ``synchronous="NORMAL"`` (the default) a
commit survives the death of the process (SIGKILL, an exception); ``"FULL"`` also survives the
loss of power, at the price of an fsync per commit.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alphaforge.live.venue import FillReport, InstrumentSpec, OrderIntent

Synchronous = Literal["NORMAL", "FULL"]
TERMINAL = ("FILLED", "CANCELED", "REJECTED", "EXPIRED")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    client_order_id TEXT PRIMARY KEY,
    order_id INTEGER NOT NULL UNIQUE,
    strategy TEXT NOT NULL,
    symbol TEXT NOT NULL,
    side TEXT NOT NULL,
    type TEXT NOT NULL,
    qty REAL NOT NULL,
    price REAL,
    stop_price REAL,
    time_in_force TEXT NOT NULL,
    reduce_only INTEGER NOT NULL,
    status TEXT NOT NULL,
    venue_order_id INTEGER,
    filled_qty REAL NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    created_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fills (
    symbol TEXT NOT NULL,
    trade_id INTEGER NOT NULL,
    client_order_id TEXT NOT NULL,
    side TEXT NOT NULL,
    price REAL NOT NULL,
    qty REAL NOT NULL,
    fee REAL NOT NULL,
    fee_asset TEXT NOT NULL,
    liquidity TEXT NOT NULL,
    ts_ns INTEGER NOT NULL,
    PRIMARY KEY (symbol, trade_id)
);
CREATE TABLE IF NOT EXISTS contingent (
    order_id INTEGER PRIMARY KEY,
    strategy TEXT NOT NULL,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS brackets (
    entry_id INTEGER PRIMARY KEY,
    strategy TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS balances (
    asset TEXT PRIMARY KEY,
    free REAL NOT NULL,
    locked REAL NOT NULL,
    ts_ns INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class JournaledOrder:
    """An order as the journal holds it."""

    client_order_id: str
    order_id: int
    strategy: str
    symbol: str
    side: str
    type: str
    qty: float
    price: float | None
    stop_price: float | None
    time_in_force: str
    reduce_only: bool
    status: str
    venue_order_id: int | None
    filled_qty: float
    reason: str
    created_ns: int
    updated_ns: int

    @property
    def is_open(self) -> bool:
        """Whether the venue may still fill it (sent, unknown or working)."""
        return self.status not in TERMINAL


class Journal:
    """One SQLite database in WAL mode; a process holds it open for its whole session."""

    def __init__(self, path: str | Path, synchronous: Synchronous = "NORMAL") -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError(f"synchronous must be NORMAL or FULL, got {synchronous!r}")
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Checkpoint and close."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()

    # Meta.
    def get(self, key: str, default: str | None = None) -> str | None:
        """A stored setting, or `default`."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def put(self, key: str, value: str) -> None:
        """Store a setting."""
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def put_instruments(self, instruments: dict[str, InstrumentSpec]) -> None:
        """The venue's rules of the symbols traded, for reading the journal offline."""
        known = self.instruments()
        known.update(instruments)
        self.put("instruments", json.dumps({k: dataclasses.asdict(v) for k, v in known.items()}))

    def instruments(self) -> dict[str, InstrumentSpec]:
        """The rules of every symbol the journal's sessions traded."""
        stored = json.loads(self.get("instruments", "{}") or "{}")
        return {symbol: InstrumentSpec(**spec) for symbol, spec in stored.items()}

    # Orders.
    def record_intent(
        self, order_id: int, strategy: str, intent: OrderIntent, reduce_only: bool, ts_ns: int
    ) -> None:
        """The order as it is about to be sent: committed before the send."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO orders (client_order_id, order_id, strategy, symbol, side, type, "
                "qty, price, stop_price, time_in_force, reduce_only, status, created_ns, "
                "updated_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'SUBMITTED', ?, ?)",
                (
                    intent.client_order_id,
                    order_id,
                    strategy,
                    intent.symbol,
                    intent.side,
                    intent.type,
                    intent.qty,
                    intent.price,
                    intent.stop_price,
                    intent.time_in_force,
                    int(reduce_only),
                    ts_ns,
                    ts_ns,
                ),
            )
            _raise_last_order_id(db, order_id)

    def record_status(
        self,
        client_order_id: str,
        status: str,
        ts_ns: int,
        *,
        venue_order_id: int | None = None,
        filled_qty: float | None = None,
        reason: str = "",
    ) -> None:
        """A change of an order's status as the venue reported it."""
        with self._transaction() as db:
            db.execute(
                "UPDATE orders SET status = ?, updated_ns = ?, "
                "venue_order_id = COALESCE(?, venue_order_id), "
                "filled_qty = MAX(filled_qty, COALESCE(?, filled_qty)), "
                "reason = CASE WHEN ? = '' THEN reason ELSE ? END "
                "WHERE client_order_id = ?",
                (status, ts_ns, venue_order_id, filled_qty, reason, reason, client_order_id),
            )

    def record_fill(self, fill: FillReport) -> bool:
        """A fill, once per (symbol, trade_id); False when the journal already holds it."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO fills (symbol, trade_id, client_order_id, side, price, qty, "
                "fee, fee_asset, liquidity, ts_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    fill.symbol,
                    fill.trade_id,
                    fill.client_order_id,
                    fill.side,
                    fill.price,
                    fill.qty,
                    fill.fee,
                    fill.fee_asset,
                    fill.liquidity,
                    fill.ts_ns,
                ),
            )
            added = cursor.rowcount == 1
            if added:
                db.execute(
                    "UPDATE orders SET filled_qty = filled_qty + ?, updated_ns = ? "
                    "WHERE client_order_id = ?",
                    (fill.qty, fill.ts_ns, fill.client_order_id),
                )
        return added

    def record_contingent(
        self, order_id: int, strategy: str, state: str, body: dict[str, Any], ts_ns: int
    ) -> None:
        """A contingent order's whole state (terms, legs at the venue, OCO group), committed
        before anything it leads to is sent; its id is never given out again."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO contingent (order_id, strategy, state, body, updated_ns) "
                "VALUES (?, ?, ?, ?, ?)",
                (order_id, strategy, state, json.dumps(body), ts_ns),
            )
            _raise_last_order_id(db, max([order_id, *body.get("legs", [])]))

    def contingent(self) -> list[dict[str, Any]]:
        """Every contingent order's last journaled state, by order id."""
        rows = self._db.execute("SELECT body FROM contingent ORDER BY order_id").fetchall()
        return [json.loads(row[0]) for row in rows]

    def record_bracket(self, entry_id: int, strategy: str, body: dict[str, Any]) -> None:
        """A bracket: its entry, prices and children's ids, committed before they are sent."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO brackets (entry_id, strategy, body) VALUES (?, ?, ?)",
                (entry_id, strategy, json.dumps(body)),
            )
            children = [i for i in (body.get("stop_id"), body.get("target_id")) if i]
            _raise_last_order_id(db, max([entry_id, *children]))

    def drop_bracket(self, entry_id: int) -> None:
        """A bracket whose entry ended unfilled: nothing left to protect."""
        with self._transaction() as db:
            db.execute("DELETE FROM brackets WHERE entry_id = ?", (entry_id,))

    def brackets(self) -> list[dict[str, Any]]:
        """Every bracket the journal holds, by entry id."""
        rows = self._db.execute("SELECT body FROM brackets ORDER BY entry_id").fetchall()
        return [json.loads(row[0]) for row in rows]

    def record_balances(self, balances: dict[str, tuple[float, float]], ts_ns: int) -> None:
        """Balances of assets as the venue reported them, as (free, locked)."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO balances (asset, free, locked, ts_ns) VALUES (?, ?, ?, ?)",
                [(asset, free, locked, ts_ns) for asset, (free, locked) in balances.items()],
            )

    # Reading.
    def last_order_id(self) -> int:
        """The largest order id ever journaled (0 for a new journal)."""
        return int(self.get("last_order_id", "0") or 0)

    def orders(self, open_only: bool = False) -> list[JournaledOrder]:
        """Every order in the order it was sent, or only those still open."""
        query = "SELECT * FROM orders"
        if open_only:
            query += " WHERE status NOT IN ('FILLED', 'CANCELED', 'REJECTED', 'EXPIRED')"
        rows = self._db.execute(query + " ORDER BY order_id").fetchall()
        return [_order(row) for row in rows]

    def order(self, client_order_id: str) -> JournaledOrder | None:
        """One order by its client id."""
        row = self._db.execute(
            "SELECT * FROM orders WHERE client_order_id = ?", (client_order_id,)
        ).fetchone()
        return None if row is None else _order(row)

    def fills(self, symbol: str | None = None) -> list[FillReport]:
        """Every fill, oldest first, of one symbol or all."""
        query = "SELECT * FROM fills"
        args: tuple[str, ...] = ()
        if symbol is not None:
            query += " WHERE symbol = ?"
            args = (symbol,)
        rows = self._db.execute(query + " ORDER BY ts_ns, trade_id", args).fetchall()
        return [_fill(row) for row in rows]

    def balances(self) -> dict[str, tuple[float, float]]:
        """The last balances recorded, as (free, locked) per asset."""
        rows = self._db.execute("SELECT asset, free, locked FROM balances ORDER BY asset")
        return {row["asset"]: (row["free"], row["locked"]) for row in rows}


def _raise_last_order_id(db: sqlite3.Connection, order_id: int) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('last_order_id', ?) ON CONFLICT (key) DO UPDATE "
        "SET value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
        (str(order_id),),
    )


def _order(row: sqlite3.Row) -> JournaledOrder:
    values = dict(row)
    values["reduce_only"] = bool(values["reduce_only"])
    return JournaledOrder(**values)


def _fill(row: sqlite3.Row) -> FillReport:
    return FillReport(venue_order_id=0, **dict(row))
