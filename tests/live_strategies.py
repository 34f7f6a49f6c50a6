"""Strategies the live tests run both in the tick backtest and on a TradingNode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alphaforge import Strategy
from alphaforge.records import FillRecord, OrderRecord


class Scripted(Strategy):
    """Orders of every kind on fixed bars, so that two runs can be compared order for order.

    Bar 2: market buy. Bar 4: a limit buy far below the market. Bar 6: cancel it. Bar 8, with
    `maker`: a limit sell of 2 basis points above the close (it rests, and fills when the market
    trades through it). Bar 12: market sell of what is left.
    """

    def __init__(
        self, symbol: str, spec: str = "2s", qty: float = 0.01, maker: bool = True
    ) -> None:
        super().__init__("scripted")
        self.symbol, self.spec, self.qty, self.maker = symbol, spec, qty, maker
        self.bars = 0
        self.sent: list[tuple[int, str, str, float]] = []  # (bar, side, type, qty)
        self.fills: list[FillRecord] = []
        self.updates: list[OrderRecord] = []
        self.position_at_start: float | None = None
        self._resting: int | None = None

    def on_start(self) -> None:
        self.position_at_start = self.position(self.symbol)
        self.subscribe_bars(self.symbol, self.spec)
        self.subscribe_quotes(self.symbol)

    def on_bar(self, bar: Any) -> None:
        self.bars += 1
        n = self.bars
        if n == 2:
            self._send("BUY", "MARKET", self.qty)
        elif n == 4:
            self._resting = self._send("BUY", "LIMIT", self.qty, round(bar.close * 0.9, 2))
        elif n == 6 and self._resting is not None:
            self.cancel(self._resting)
        elif n == 8 and self.maker:
            self._send("SELL", "LIMIT", self.qty / 2, round(bar.close * 1.0002, 2))
        elif n == 12:
            held = self.position(self.symbol)
            if held > 0:
                self._send("SELL", "MARKET", round(held, 8))

    def _send(self, side: str, type: str, qty: float, limit: float | None = None) -> int:
        self.sent.append((self.bars, side, type, qty))
        return self.submit_order(self.symbol, side, qty, limit=limit)

    def on_fill(self, fill: FillRecord) -> None:
        self.fills.append(fill)

    def on_order_update(self, order: OrderRecord) -> None:
        self.updates.append(order)


class Churn(Strategy):
    """Trades on every bar, and keeps a resting limit order open: a session worth killing.

    Each bar flips between a market buy and a market sell of `qty`; every third bar adds a
    limit buy far below the market, which stays open.
    """

    def __init__(self, symbol: str, spec: str = "1s", qty: float = 0.001) -> None:
        super().__init__("churn")
        self.symbol, self.spec, self.qty = symbol, spec, qty
        self.bars = 0
        self.position_at_start: float | None = None
        self.open_at_start: list[OrderRecord] = []
        self.fills: list[FillRecord] = []

    def on_start(self) -> None:
        self.position_at_start = self.position(self.symbol)
        self.open_at_start = self.open_orders(self.symbol)
        self.subscribe_bars(self.symbol, self.spec)

    def on_bar(self, bar: Any) -> None:
        self.bars += 1
        side = "BUY" if self.position(self.symbol) <= 0 else "SELL"
        self.submit_order(self.symbol, side, self.qty)
        if self.bars % 3 == 0:
            self.buy(self.symbol, self.qty, limit=round(bar.close * 0.8, 2))

    def on_fill(self, fill: FillRecord) -> None:
        self.fills.append(fill)


class Plan(Strategy):
    """Runs `actions[n](self)` on its n-th trade of `symbol` (counted from 1) and keeps what it
    sees: trades, order updates and fills, with the number of trades seen before each."""

    def __init__(
        self, symbol: str, actions: dict[int, Callable[[Plan], None]], name: str = "plan"
    ) -> None:
        super().__init__(name)
        self.symbol, self.actions = symbol, actions
        self.trades = 0
        self.ids: dict[str, int] = {}
        self.updates: list[tuple[int, OrderRecord]] = []
        self.fills: list[FillRecord] = []
        self.open_at_start: list[OrderRecord] = []
        self.position_at_start: float | None = None
        self.errors: list[Exception] = []

    def on_start(self) -> None:
        self.open_at_start = self.open_orders(self.symbol)
        self.position_at_start = self.position(self.symbol)
        self.subscribe_trades(self.symbol)

    def on_trade(self, trade: Any) -> None:
        self.trades += 1
        action = self.actions.get(self.trades)
        if action is not None:
            try:
                action(self)
            except Exception as error:  # kept for the test to read
                self.errors.append(error)

    def on_order_update(self, order: OrderRecord) -> None:
        self.updates.append((self.trades, order))

    def on_fill(self, fill: FillRecord) -> None:
        self.fills.append(fill)

    def statuses(self, order_id: int) -> list[str]:
        """The statuses order `order_id` went through, repeats dropped."""
        seen: list[str] = []
        for _, order in self.updates:
            if order.order_id == order_id and (not seen or seen[-1] != order.status):
                seen.append(order.status)
        return seen

    def last(self, order_id: int) -> OrderRecord:
        """The last update of order `order_id`."""
        return [o for _, o in self.updates if o.order_id == order_id][-1]
