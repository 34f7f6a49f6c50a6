"""``Strategy``: the base class of trading strategies run by ``BacktestEngine``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alphaforge.backtest.engine import BacktestEngine


class Clock:
    """The time of the event being handled, in nanoseconds since the epoch (UTC)."""

    def __init__(self, engine: BacktestEngine) -> None:
        self._engine = engine

    def timestamp_ns(self) -> int:
        """Nanoseconds since the epoch of the current event."""
        return self._engine._now_ns()


class Strategy:
    """Subclass it and override the handlers you need; subscribe in on_start."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name or type(self).__name__
        self.cache: dict[str, Any] = {}
        self.log = logging.getLogger(f"alphaforge.strategy.{self.name}")
        self._engine: BacktestEngine | None = None

    # Handlers: override the ones the strategy needs.
    def on_start(self) -> None:
        """Called once before the first event: subscribe here."""

    def on_bar(self, bar: Any) -> None:
        """Called for each bar of a subscribed symbol (bar.open/high/low/close/volume/ts)."""

    def on_order_update(self, order: dict[str, Any]) -> None:
        """Called when one of this strategy's orders changes status."""

    def on_fill(self, fill: dict[str, Any]) -> None:
        """Called for each fill of this strategy's orders."""

    def on_stop(self) -> None:
        """Called once after the last event."""

    # Actions.
    @property
    def engine(self) -> BacktestEngine:
        """The engine this strategy was added to."""
        if self._engine is None:
            raise RuntimeError(f"strategy {self.name} is not added to an engine")
        return self._engine

    @property
    def clock(self) -> Clock:
        """The engine's clock."""
        return self.engine.clock

    def subscribe_bars(self, symbol: str) -> None:
        """Receive on_bar for each bar of `symbol` given to the engine with add_bars."""
        self.engine._subscribe_bars(self, symbol)

    def buy(self, symbol: str, qty: float, limit: float | None = None) -> int:
        """Buy `qty` at market, or with a GTC limit at `limit`; returns the order id."""
        return self.submit_order(symbol, "BUY", qty, limit=limit)

    def sell(self, symbol: str, qty: float, limit: float | None = None) -> int:
        """Sell `qty` at market, or with a GTC limit at `limit`; returns the order id."""
        return self.submit_order(symbol, "SELL", qty, limit=limit)

    def submit_order(
        self,
        symbol: str,
        side: str,
        qty: float,
        *,
        limit: float | None = None,
        stop: float | None = None,
        type: str | None = None,
    ) -> int:
        """Send any order type: MARKET, LIMIT, STOP or STOP_LIMIT (inferred from limit/stop)."""
        if type is None:
            type = {
                (False, False): "MARKET",
                (True, False): "LIMIT",
                (False, True): "STOP",
                (True, True): "STOP_LIMIT",
            }[(limit is not None, stop is not None)]
        return self.engine._core_engine().submit(symbol, self.name, side, type, qty, limit, stop)

    def cancel(self, order_id: int) -> bool:
        """Cancel an open order; False when it is no longer open."""
        return self.engine._core_engine().cancel(order_id)

    def position(self, symbol: str) -> float:
        """This strategy's signed quantity in `symbol`."""
        return self.engine._core_engine().position(symbol, self.name)
