"""``Strategy`` and the trading context it talks to.

A strategy never imports an engine: ``BacktestEngine`` and the live ``TradingNode`` each
implement ``TradingContext`` and attach themselves to the strategies they run, so one strategy
file runs unchanged in both.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from alphaforge.cache import GenericCache
from alphaforge.records import (
    AccountRecord,
    Balance,
    FillRecord,
    OrderRecord,
    PositionRecord,
)

_ORDER_TYPES = {
    (False, False): "MARKET",
    (True, False): "LIMIT",
    (False, True): "STOP",
    (True, True): "STOP_LIMIT",
}


class TradingContext(Protocol):
    """What a strategy can ask of whatever runs it: a backtest or a live node."""

    def now_ns(self) -> int:
        """Nanoseconds since the epoch (UTC) of the event being handled."""
        ...

    def subscribe_bars(self, strategy: Strategy, symbol: str, spec: str | None) -> None:
        """Call strategy.on_bar for each bar of `symbol` (built by `spec` from trades)."""
        ...

    def subscribe_trades(self, strategy: Strategy, symbol: str) -> None:
        """Call strategy.on_trade for each trade of `symbol`."""
        ...

    def subscribe_quotes(self, strategy: Strategy, symbol: str) -> None:
        """Call strategy.on_quote for each change of the best bid and ask of `symbol`."""
        ...

    def subscribe_book(self, strategy: Strategy, symbol: str, depth: int) -> None:
        """Call strategy.on_book with the top `depth` levels of `symbol` on each update."""
        ...

    def submit_order(
        self,
        strategy: str,
        symbol: str,
        side: str,
        type: str,
        qty: float,
        price: float | None,
        stop_price: float | None,
        time_in_force: str,
        reduce_only: bool,
    ) -> int:
        """Send an order for `strategy`; returns its order id."""
        ...

    def cancel_order(self, strategy: str, order_id: int) -> bool:
        """Cancel one of `strategy`'s open orders; False when it is no longer open."""
        ...

    def position(self, strategy: str, symbol: str) -> float:
        """`strategy`'s signed quantity in `symbol`."""
        ...

    def open_orders(self, strategy: str, symbol: str | None) -> list[OrderRecord]:
        """`strategy`'s open orders, of one symbol or all."""
        ...

    def portfolio(self, strategy: str) -> dict[str, PositionRecord]:
        """`strategy`'s positions by symbol, marked at the last known prices."""
        ...

    def account(self) -> AccountRecord:
        """Cash, equity and buying power of the account every strategy trades."""
        ...

    def balances(self) -> dict[str, Balance]:
        """The account's balance per asset."""
        ...


class Clock:
    """The time of the event being handled, in nanoseconds since the epoch (UTC)."""

    def __init__(self, strategy: Strategy) -> None:
        self._strategy = strategy

    def timestamp_ns(self) -> int:
        """Nanoseconds since the epoch of the current event."""
        return self._strategy.context.now_ns()


class Strategy:
    """Subclass it and override the handlers you need; subscribe in on_start."""

    def __init__(self, name: str | None = None, cache_size: int = 100_000) -> None:
        """`name` defaults to the class name; `cache_size` bounds ``self.cache`` (LRU)."""
        self.name = name or type(self).__name__
        self.cache = GenericCache(cache_size)
        self.log = logging.getLogger(f"alphaforge.strategy.{self.name}")
        self.clock = Clock(self)
        self._context: TradingContext | None = None

    # Handlers: override the ones the strategy needs.
    def on_start(self) -> None:
        """Called once before the first event: subscribe here."""

    def on_bar(self, bar: Any) -> None:
        """Called for each bar of a subscribed symbol (bar.open/high/low/close/volume/ts)."""

    def on_trade(self, trade: Any) -> None:
        """Called for each trade of a subscribed symbol (trade.price/size/ts_ns/symbol)."""

    def on_quote(self, quote: Any) -> None:
        """Called for each best bid and ask of a subscribed symbol (quote.bid/ask/mid/...)."""

    def on_book(self, book: Any) -> None:
        """Called for each update of a subscribed order book (book.bids/asks/best_bid/...)."""

    def on_order_update(self, order: OrderRecord) -> None:
        """Called when one of this strategy's orders changes status or fills."""

    def on_fill(self, fill: FillRecord) -> None:
        """Called for each fill of this strategy's orders."""

    def on_stop(self) -> None:
        """Called once after the last event."""

    # The context, set by the engine or node that runs the strategy.
    def attach(self, context: TradingContext) -> None:
        """Bind the strategy to what runs it; a strategy runs in one context at a time."""
        if self._context is not None and self._context is not context:
            raise ValueError(f"strategy {self.name!r} is already attached to another engine")
        self._context = context

    @property
    def context(self) -> TradingContext:
        """The backtest or live node running this strategy."""
        context: TradingContext | None = self.__dict__.get("_context")
        if context is None:
            if "name" not in self.__dict__:
                raise RuntimeError(
                    f"{type(self).__name__}.__init__ must call super().__init__() first"
                )
            raise RuntimeError(f"strategy {self.name!r} is not added to an engine or node")
        return context

    # Subscriptions.
    def subscribe_bars(self, symbol: str, spec: str | None = None) -> None:
        """Receive on_bar for each bar of `symbol`: given with add_bars, or built from its
        trades by `spec` ("1min", "500tick", "10volume", ...) on tick data and live."""
        self.context.subscribe_bars(self, symbol, spec)

    def subscribe_trades(self, symbol: str) -> None:
        """Receive on_trade for each trade of `symbol`."""
        self.context.subscribe_trades(self, symbol)

    def subscribe_quotes(self, symbol: str) -> None:
        """Receive on_quote for each best bid and ask of `symbol`."""
        self.context.subscribe_quotes(self, symbol)

    def subscribe_book(self, symbol: str, depth: int = 10) -> None:
        """Receive on_book with the top `depth` levels of `symbol`'s order book."""
        self.context.subscribe_book(self, symbol, depth)

    # Orders.
    def buy(
        self, symbol: str, qty: float, limit: float | None = None, *, reduce_only: bool = False
    ) -> int:
        """Buy `qty` at market, or with a GTC limit at `limit`; returns the order id."""
        return self.submit_order(symbol, "BUY", qty, limit=limit, reduce_only=reduce_only)

    def sell(
        self, symbol: str, qty: float, limit: float | None = None, *, reduce_only: bool = False
    ) -> int:
        """Sell `qty` at market, or with a GTC limit at `limit`; returns the order id."""
        return self.submit_order(symbol, "SELL", qty, limit=limit, reduce_only=reduce_only)

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
        reduce_only: bool = False,
    ) -> int:
        """Send any order type: MARKET, LIMIT, STOP or STOP_LIMIT (inferred from limit/stop),
        GTC, IOC, FOK or POST_ONLY (a limit that expires rather than take liquidity).
        `reduce_only` orders may shrink the position but never grow or flip it."""
        if type is None:
            type = _ORDER_TYPES[(limit is not None, stop is not None)]
        return self.context.submit_order(
            self.name,
            symbol,
            side.upper() if isinstance(side, str) else side,
            type,
            qty,
            limit,
            stop,
            time_in_force,
            reduce_only,
        )

    def cancel(self, order_id: int) -> bool:
        """Cancel one of this strategy's open orders; False when it is no longer open.
        ValueError for an unknown id or an order of another strategy."""
        if isinstance(order_id, bool) or not isinstance(order_id, int):
            raise TypeError(f"order_id must be an int, got {order_id!r}")
        return self.context.cancel_order(self.name, order_id)

    # The account.
    def position(self, symbol: str) -> float:
        """This strategy's signed quantity in `symbol`."""
        return self.context.position(self.name, symbol)

    def open_orders(self, symbol: str | None = None) -> list[OrderRecord]:
        """This strategy's open orders, of `symbol` or of every symbol."""
        return self.context.open_orders(self.name, symbol)

    @property
    def portfolio(self) -> dict[str, PositionRecord]:
        """This strategy's positions by symbol, with average price and unrealized PnL."""
        return self.context.portfolio(self.name)

    @property
    def cash(self) -> float:
        """The account's cash."""
        return self.context.account().cash

    @property
    def equity(self) -> float:
        """The account's cash plus its positions marked at the last prices."""
        return self.context.account().equity

    @property
    def buying_power(self) -> float:
        """What new orders may still spend, after what open orders reserve."""
        return self.context.account().buying_power

    @property
    def balances(self) -> dict[str, Balance]:
        """The account's balance per asset."""
        return self.context.balances()
