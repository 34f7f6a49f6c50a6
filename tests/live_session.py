"""A TradingNode session against the replay exchange, and what the exchange says happened."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import Journal, TradingNode
from alphaforge.live.node import NodeStatistics
from alphaforge.replay import ReplayConfig, ReplayExchange
from alphaforge.samples import btcusdt_trades
from alphaforge.strategy import Strategy
from replay_helpers import Rest

SYMBOL = "BTCUSDT"
RECORD_TRADES = len(btcusdt_trades())


@dataclass
class Session:
    """A finished session: the node's view, and the exchange's."""

    node: TradingNode
    stats: NodeStatistics
    orders: list[dict[str, Any]]  # GET /api/v3/allOrders
    trades: list[dict[str, Any]]  # GET /api/v3/myTrades
    balances: dict[str, float]  # GET /api/v3/account, free + locked
    journal: Path


async def run_session(
    strategy: Strategy, journal: Path, *, mode: str = "live", settle_s: float = 0.5,
    **replay: Any,
) -> Session:  # fmt: skip
    """One loop of the record, until every trade is in and the reports have settled."""
    replay.setdefault("speed", 10.0)
    config = ReplayConfig(port=0, loops=1, start_on_subscribe=True, **replay)
    async with ReplayExchange(config) as exchange:
        node = TradingNode(
            [strategy],
            venue=BinanceConfig.local(exchange, symbols=[SYMBOL], query_retry_s=0.05),
            mode=mode,  # type: ignore[arg-type]
            journal=journal,
            install_signal_handlers=False,
        )
        run = asyncio.ensure_future(node.run_async())
        await exchange.wait_finished()
        # Every trade, or as many as a faulty connection lets through: wait while they come.
        seen, quiet_since = -1, asyncio.get_running_loop().time()
        while node.statistics().trades < RECORD_TRADES and not run.done():
            now = asyncio.get_running_loop().time()
            if node.statistics().trades != seen:
                seen, quiet_since = node.statistics().trades, now
            elif now - quiet_since > 3.0:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(settle_s)
        node.stop()
        stats = await run
        async with aiohttp.ClientSession() as session:
            rest = Rest(session, exchange)
            orders = await _read(rest, "/api/v3/allOrders", symbol=SYMBOL)
            trades = await _read(rest, "/api/v3/myTrades", symbol=SYMBOL)
            account = await _read(rest, "/api/v3/account")
    balances = {b["asset"]: float(b["free"]) + float(b["locked"]) for b in account["balances"]}
    return Session(node, stats, orders, trades, balances, journal)


async def _read(rest: Rest, path: str, **params: Any) -> Any:
    """A signed GET, past the 429s a fault flag may answer it with."""
    for _ in range(10):
        status, body, _ = await rest.signed("GET", path, **params)
        if status == 200:
            return body
        assert status == 429, (status, body)
    raise AssertionError(f"{path} still refused after 10 tries")


def journal_fills(path: Path) -> list[tuple[int, float, float]]:
    """(trade id, qty, price) of every fill the journal holds."""
    journal = Journal(path)
    try:
        return sorted((f.trade_id, f.qty, f.price) for f in journal.fills())
    finally:
        journal.close()


def exchange_fills(trades: list[dict[str, Any]]) -> list[tuple[int, float, float]]:
    """(trade id, qty, price) of the account's trades at the exchange."""
    return sorted((int(t["id"]), float(t["qty"]), float(t["price"])) for t in trades)
