"""The paper venue: orders matched on the live market data by the tick backtest's fill model,
in C++; no order leaves the machine."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Literal

from alphaforge._core.live import LiveFeed
from alphaforge.live.venue import (
    CancelResult,
    FillReport,
    InstrumentSpec,
    OrderIntent,
    OrderReport,
    SubmitResult,
    VenueListener,
)
from alphaforge.records import Balance

if TYPE_CHECKING:
    import aiohttp


class PaperExecution:
    """An ExecutionClient whose orders fill on the feed's trades and quotes.

    Fees are `fees` = (maker, taker) rates of the notional, charged in the quote asset. The
    balances it reports are those it started with: the node's account books every fill.
    """

    def __init__(
        self,
        feed: LiveFeed,
        instruments: dict[str, InstrumentSpec],
        balances: dict[str, float],
        fees: tuple[float, float] = (0.001, 0.001),
    ) -> None:
        if not feed.paper:
            raise ValueError("the feed of a paper venue must be made with paper_latency_ns")
        self._feed = feed
        self._instruments = instruments
        self._start_balances = dict(balances)
        self._maker, self._taker = fees
        self._listener: VenueListener | None = None
        self._ids = itertools.count(1)
        self._trade_ids = itertools.count(1)
        self._orders: dict[str, OrderReport] = {}
        self._by_venue_id: dict[int, OrderIntent] = {}
        self._fills: list[FillReport] = []

    def __repr__(self) -> str:
        return f"PaperExecution(orders={len(self._orders)}, fills={len(self._fills)})"

    async def start(self, session: aiohttp.ClientSession, listener: VenueListener) -> None:
        """Take the listener; the feed hands this venue what its orders do."""
        self._listener = listener
        self._feed.set_match_handler(self._settled)

    async def stop(self) -> None:
        """Nothing to close: no connection of its own."""

    async def submit(self, intent: OrderIntent) -> SubmitResult:
        """Accept the order and hold it for the fill model."""
        return self.submit_now(intent)

    def submit_now(self, intent: OrderIntent) -> SubmitResult:
        """Accept the order and hold it for the fill model, before the next event."""
        venue_id = next(self._ids)
        limit = intent.price if intent.type in ("LIMIT", "STOP_LIMIT") else None
        stop = intent.stop_price if intent.type in ("STOP", "STOP_LIMIT") else None
        self._feed.add_paper_order(
            venue_id, intent.symbol, intent.side, intent.type, intent.time_in_force, limit, stop
        )
        self._by_venue_id[venue_id] = intent
        report = self._report(intent, venue_id, "ACCEPTED", 0.0)
        self._orders[intent.client_order_id] = report
        return SubmitResult("ACCEPTED", report)

    async def cancel(self, symbol: str, client_order_id: str) -> CancelResult:
        """Drop a pending order."""
        return self.cancel_now(symbol, client_order_id)

    def cancel_now(self, symbol: str, client_order_id: str) -> CancelResult:
        """Drop a pending order before the next event."""
        report = self._orders.get(client_order_id)
        if report is None or report.status not in ("ACCEPTED", "PARTIALLY_FILLED"):
            return CancelResult("REJECTED", report, -2011, "Unknown order sent.")
        # Dropped here, so that a match the fill model made in the event under way (a cancel
        # from a handler of that event) is not reported: cancels act at once.
        intent = self._by_venue_id.pop(report.venue_order_id, None)
        if intent is None:  # settled in this event, its report not yet out
            return CancelResult("REJECTED", report, -2011, "Unknown order sent.")
        self._feed.cancel_paper_order(report.venue_order_id)
        canceled = self._report(intent, report.venue_order_id, "CANCELED", report.filled_qty)
        self._orders[client_order_id] = canceled
        return CancelResult("CANCELED", canceled)

    async def query_order(self, symbol: str, client_order_id: str) -> OrderReport | None:
        """The paper venue's report of an order."""
        return self._orders.get(client_order_id)

    async def open_orders(self, symbol: str | None = None) -> list[OrderReport]:
        """Orders still pending in the fill model."""
        return [
            r
            for r in self._orders.values()
            if r.status == "ACCEPTED" and (symbol is None or r.symbol == symbol)
        ]

    async def fills(self, symbol: str, since_ns: int) -> list[FillReport]:
        """The paper fills of `symbol` since a time."""
        return [f for f in self._fills if f.symbol == symbol and f.ts_ns >= since_ns]

    async def balances(self) -> dict[str, Balance]:
        """The balances the session started with."""
        return {asset: Balance(amount, 0.0) for asset, amount in self._start_balances.items()}

    def _settled(
        self, venue_id: int, status: str, price: float | None, liquidity: str, reason: str
    ) -> None:
        intent = self._by_venue_id.pop(venue_id, None)
        if intent is None or self._listener is None:
            return
        now = self._feed.now_ns or time.time_ns()
        if status == "FILLED" and price is not None:
            rate = self._maker if liquidity == "MAKER" else self._taker
            spec = self._instruments.get(intent.symbol)
            fill = FillReport(
                symbol=intent.symbol,
                client_order_id=intent.client_order_id,
                venue_order_id=venue_id,
                trade_id=next(self._trade_ids),
                side=intent.side,
                price=price,
                qty=intent.qty,
                fee=rate * price * intent.qty,
                fee_asset=spec.quote if spec is not None else "",
                liquidity=_liquidity(liquidity),
                ts_ns=now,
                cum_filled_qty=intent.qty,
            )
            self._fills.append(fill)
            self._listener.on_fill_report(fill)
            report = self._report(intent, venue_id, "FILLED", intent.qty, price, now=now)
        else:
            report = self._report(intent, venue_id, "EXPIRED", 0.0, reason=reason, now=now)
        self._orders[intent.client_order_id] = report
        self._listener.on_order_report(report)

    @staticmethod
    def _report(
        intent: OrderIntent,
        venue_id: int,
        status: str,
        filled: float,
        avg_price: float | None = None,
        *,
        reason: str = "",
        now: int = 0,
    ) -> OrderReport:
        return OrderReport(
            symbol=intent.symbol,
            client_order_id=intent.client_order_id,
            venue_order_id=venue_id,
            side=intent.side,
            type=intent.type,
            status=status,
            qty=intent.qty,
            filled_qty=filled,
            price=intent.price,
            stop_price=intent.stop_price,
            avg_price=avg_price,
            time_in_force=intent.time_in_force,
            reason=reason,
            ts_ns=now,
        )


def _liquidity(value: str) -> Literal["MAKER", "TAKER"]:
    return "MAKER" if value == "MAKER" else "TAKER"
