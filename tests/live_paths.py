"""Price paths written as a trades file for the replay exchange, and a node session over one.

A path is a list of plateaus (price, number of trades, aggressor); trades are `STEP_NS` apart.
The replay exchange derives its quotes from the trades: a seller-initiated trade (aggressor 2)
sets the bid at its price and the ask one tick above. On a plateau every fill price is known
in advance, whatever the moment an order arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pandas as pd

from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import TradingNode
from alphaforge.live.node import NodeStatistics
from alphaforge.replay import ReplayConfig, ReplayExchange
from alphaforge.replay.config import FaultConfig
from alphaforge.strategy import Strategy
from live_session import _read
from replay_helpers import Rest

SYMBOL = "BTCUSDT"
START_NS = 1_700_000_000_000_000_000
STEP_NS = 100_000_000
SELLER = 2
TRADE_SIZE = 5.0
Plateau = tuple[float, int]


@dataclass(frozen=True)
class PricePath:
    """A written path: its file and its trades as (ts_ns, price)."""

    file: Path
    trades: list[tuple[int, float]]

    def price(self, n: int) -> float:
        """The price of the n-th trade (from 1)."""
        return self.trades[n - 1][1]

    def ts(self, n: int) -> int:
        """The time of the n-th trade (from 1)."""
        return self.trades[n - 1][0]

    def first_at(self, predicate: Any, after: int = 0) -> int:
        """The number (from 1) of the first trade after the `after`-th whose price holds."""
        for n in range(after + 1, len(self.trades) + 1):
            if predicate(self.price(n)):
                return n
        raise AssertionError("no trade of the path holds")


def write_path(directory: Path, plateaus: list[Plateau], name: str = "path") -> PricePath:
    """A trades CSV of seller-initiated trades on `plateaus`, one every STEP_NS."""
    rows = []
    for price, count in plateaus:
        for _ in range(count):
            n = len(rows)
            rows.append((START_NS + n * STEP_NS, price, TRADE_SIZE, SELLER, n + 1))
    file = directory / f"{name}_trades.csv"
    frame = pd.DataFrame(rows, columns=["ts_ns", "price", "size", "aggressor", "trade_id"])
    frame.to_csv(file, index=False)
    return PricePath(file, [(ts, price) for ts, price, _, _, _ in rows])


@dataclass
class PathSession:
    """A finished session over a path: the node's view, and (live) the exchange's."""

    node: TradingNode
    stats: NodeStatistics
    orders: list[dict[str, Any]]  # GET /api/v3/allOrders
    trades: list[dict[str, Any]]  # GET /api/v3/myTrades


async def run_on(
    exchange: ReplayExchange,
    strategy: Strategy,
    path: PricePath,
    *,
    mode: str,
    journal: Path | None = None,
    cancel_on_stop: bool = True,
    until_trades: int | None = None,
    until: Callable[[], bool] | None = None,
    settle_s: float = 0.3,
) -> PathSession:
    """Run a node on `exchange` until it has seen `until_trades` trades (default: the whole
    path), or until `until()` holds, and the reports have settled."""
    node = TradingNode(
        [strategy],
        venue=BinanceConfig.local(exchange, symbols=[SYMBOL], query_retry_s=0.05),
        mode=mode,  # type: ignore[arg-type]
        journal=journal,
        cancel_on_stop=cancel_on_stop,
        install_signal_handlers=False,
    )
    run = asyncio.ensure_future(node.run_async())
    wanted = len(path.trades) if until_trades is None else until_trades
    while not run.done() and not (
        until() if until is not None else node.statistics().trades >= wanted
    ):
        await asyncio.sleep(0.01)
    await asyncio.sleep(settle_s)
    node.stop()
    stats = await run
    async with aiohttp.ClientSession() as session:
        rest = Rest(session, exchange)
        orders = await _read(rest, "/api/v3/allOrders", symbol=SYMBOL)
        trades = await _read(rest, "/api/v3/myTrades", symbol=SYMBOL)
    return PathSession(node, stats, orders, trades)


async def session(
    strategy: Strategy,
    path: PricePath,
    *,
    mode: str,
    speed: float,
    faults: FaultConfig | None = None,
    **options: Any,
) -> PathSession:
    """One node session over the whole path on a fresh replay exchange."""
    config = ReplayConfig(port=0, speed=speed, loops=1, start_on_subscribe=True, data=path.file,
                          faults=faults or FaultConfig())  # fmt: skip
    async with ReplayExchange(config) as exchange:
        return await run_on(exchange, strategy, path, mode=mode, **options)


def run_session(strategy: Strategy, path: PricePath, mode: str, **options: Any) -> PathSession:
    """`session` on a fresh loop: paper as fast as the node reads, live in real time."""
    speed = 0.0 if mode == "paper" else 1.0
    return asyncio.run(
        asyncio.wait_for(session(strategy, path, mode=mode, speed=speed, **options), 60)
    )
