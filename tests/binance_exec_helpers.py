"""A venue listener that records what an execution client reports, for the Binance tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp

from alphaforge.adapters.binance import BinanceConfig, BinanceExecution
from alphaforge.live.venue import BookView, ConnectionEvent, FillReport, OrderReport
from alphaforge.records import Balance
from alphaforge.replay import ReplayExchange
from replay_helpers import config


class Recorder:
    """Keeps every report, balance, connection event and error it is given."""

    def __init__(self) -> None:
        self.orders: list[OrderReport] = []
        self.fills: list[FillReport] = []
        self.balances: list[dict[str, Balance]] = []
        self.connections: list[ConnectionEvent] = []
        self.errors: list[tuple[str, str]] = []
        self.log: list[object] = []  # everything above, in the order it came
        self._changed = asyncio.Event()

    def on_trade(
        self, symbol: str, ts_ns: int, price: float, size: float, trade_id: int, buyer_maker: bool
    ) -> None:
        """Market data is not this client's."""

    def on_quote(
        self, symbol: str, ts_ns: int, bid: float, ask: float, bid_size: float, ask_size: float
    ) -> None:
        """Market data is not this client's."""

    def on_book(self, book: BookView) -> None:
        """Market data is not this client's."""

    def on_order_report(self, report: OrderReport) -> None:
        self.orders.append(report)
        self.log.append(report)
        self._changed.set()

    def on_fill_report(self, report: FillReport) -> None:
        self.fills.append(report)
        self.log.append(report)
        self._changed.set()

    def on_balances(self, balances: dict[str, Balance], ts_ns: int) -> None:
        self.balances.append(balances)
        self._changed.set()

    def on_connection(self, event: ConnectionEvent) -> None:
        self.connections.append(event)
        self.log.append(event)
        self._changed.set()

    def on_error(self, source: str, error: str) -> None:
        self.errors.append((source, error))
        self._changed.set()

    async def until(self, done: Callable[[], bool]) -> None:
        """Wait until `done()` holds (the test's own timeout bounds the wait)."""
        while not done():
            self._changed.clear()
            await self._changed.wait()

    def states(self) -> list[str]:
        """The connection states seen, in order."""
        return [e.state for e in self.connections]

    def of(self, client_order_id: str) -> list[OrderReport]:
        """The reports of one order, in order."""
        return [r for r in self.orders if r.client_order_id == client_order_id]


@contextlib.asynccontextmanager
async def trading(
    replay: dict[str, Any] | None = None, **fields: Any
) -> AsyncIterator[tuple[ReplayExchange, BinanceExecution, Recorder]]:
    """A replay exchange (a still market by default) and a started BinanceExecution on it."""
    settings = {"speed": 0, "loops": 1, **(replay or {})}
    async with ReplayExchange(config(**settings)) as exchange, aiohttp.ClientSession() as session:
        await exchange.wait_finished()
        fields.setdefault("symbols", ("BTCUSDT",))
        client = BinanceExecution(BinanceConfig.local(exchange, **fields))
        recorder = Recorder()
        await client.start(session, recorder)
        try:
            yield exchange, client, recorder
        finally:
            await client.stop()
