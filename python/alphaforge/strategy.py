"""``Strategy``: the base class of trading strategies run by ``BacktestEngine``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from alphaforge.cache import GenericCache

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

    def __init__(self, name: str | None = None, cache_size: int = 100_000) -> None:
        """`name` defaults to the class name; `cache_size` bounds ``self.cache`` (LRU)."""
        self.name = name or type(self).__name__
        self.cache = GenericCache(cache_size)
        self.log = logging.getLogger(f"alphaforge.strategy.{self.name}")
        self._engine: BacktestEngine | None = None

    # Handlers: override the ones the strategy needs.
    def on_start(self) -> None:
        """Called once before the first event: subscribe here."""

    def on_bar(self, bar: Any) -> None:
        """Called for each bar of a subscribed symbol (bar.open/high/low/close/volume/ts)."""

    def on_trade(self, trade: Any) -> None:
        """Called for each trade of a subscribed symbol (trade.price/size/ts_ns/symbol)."""

    def on_quote(self, quote: Any) -> None:
        """Called for each best bid and ask of a subscribed symbol (quote.bid/ask/mid/...)."""

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

    def subscribe_bars(self, symbol: str, spec: str | None = None) -> None:
        """Receive on_bar for each bar of `symbol`: given with add_bars, or built from its
        trades by `spec` ("1min", "500tick", "10volume", ...) on tick data."""
        self.engine._subscribe_bars(self, symbol, spec)

    def subscribe_trades(self, symbol: str) -> None:
        """Receive on_trade for each trade of `symbol` (tick data)."""
        self.engine._subscribe_ticks(self, symbol, "trades")

    def subscribe_quotes(self, symbol: str) -> None:
        """Receive on_quote for each best bid and ask of `symbol` (tick data)."""
        self.engine._subscribe_ticks(self, symbol, "quotes")

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
        time_in_force: str = "GTC",
    ) -> int:
        """Send any order type: MARKET, LIMIT, STOP or STOP_LIMIT (inferred from limit/stop),
        GTC, IOC, FOK or POST_ONLY (a limit that expires rather than take liquidity)."""
        if type is None:
            type = {
                (False, False): "MARKET",
                (True, False): "LIMIT",
                (False, True): "STOP",
                (True, True): "STOP_LIMIT",
            }[(limit is not None, stop is not None)]
        return self.engine._core().submit(
            symbol, self.name, side, type, qty, limit, stop, time_in_force
        )

    def cancel(self, order_id: int) -> bool:
        """Cancel an open order; False when it is no longer open."""
        return self.engine._core().cancel(order_id)

    def position(self, symbol: str) -> float:
        """This strategy's signed quantity in `symbol`."""
        return self.engine._core().position(symbol, self.name)
