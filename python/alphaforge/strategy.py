"""``Strategy`` and the trading context it talks to.

A strategy never imports an engine: ``BacktestEngine`` and the live ``TradingNode`` each
implement ``TradingContext`` and attach themselves to the strategies they run, so one strategy
file runs unchanged in both.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import numbers
import weakref
from collections.abc import Callable
from typing import Any, Protocol, overload, runtime_checkable

from alphaforge import parameters
from alphaforge._core.data import BarSpec
from alphaforge.bar_indicators import IndicatorT, bar_source
from alphaforge.cache import GenericCache
from alphaforge.contingent import Bracket, OrderTerms, expire_ns, trail_distance
from alphaforge.records import (
    AccountRecord,
    Balance,
    FillRecord,
    OrderRecord,
    PositionRecord,
)
from alphaforge.sizing import Sizer, SizingRequest

_ORDER_TYPES = {
    (False, False): "MARKET",
    (True, False): "LIMIT",
    (False, True): "STOP",
    (True, True): "STOP_LIMIT",
}
# The prices each order type takes: (limit, stop).
_PRICES = {v: k for k, v in _ORDER_TYPES.items()}
_SIDES = ("BUY", "SELL")
_TIFS = ("GTC", "IOC", "FOK", "POST_ONLY")
_TERM_TIFS = ("GTC", "IOC", "FOK", "POST_ONLY", "GTD")
# The size grid of a symbol whose context gives no instrument: the engine's default grid.
DEFAULT_LOT = 1e-8


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

    def register_indicator(
        self,
        strategy: Strategy,
        indicator: IndicatorT,
        symbol: str,
        spec: str | None,
        source: str | None,
    ) -> None:
        """Update `indicator` with `source` of each bar of `symbol` (built by `spec`), or with
        the bar itself when `source` is None, before any on_bar of that bar."""
        ...

    def subscribe_quotes(self, strategy: Strategy, symbol: str) -> None:
        """Call strategy.on_quote for each change of the best bid and ask of `symbol`."""
        ...

    def subscribe_book(self, strategy: Strategy, symbol: str, depth: int, every: int = 1) -> None:
        """Call strategy.on_book with the top `depth` levels of `symbol` after every
        `every`-th update."""
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

    def last_price(self, symbol: str) -> float | None:
        """The price `symbol` is marked at now (last trade, else quote mid); None before any."""
        ...

    def instrument(self, symbol: str) -> InstrumentInfo | None:
        """The symbol's trading terms (``lot_size``, a ``multiplier`` when it has one), or None
        when the context has none."""
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


@runtime_checkable
class ContingentContext(TradingContext, Protocol):
    """A context that also takes contingent orders (brackets, OCO, trailing stops, GTD) and
    modifies orders: the backtest engine, and the live TradingNode (which emulates what its
    venue cannot hold; see docs/orders.md, Live)."""

    def submit_contingent(
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
        terms: OrderTerms,
    ) -> int:
        """submit_order with an expiry, a trailing stop or an OCO group (see OrderTerms)."""
        ...

    def submit_bracket(
        self,
        strategy: str,
        symbol: str,
        side: str,
        qty: float,
        price: float | None,
        stop_loss: float,
        take_profit: float,
    ) -> int:
        """Send a bracket's entry (a limit at `price`, else market); its STOP at `stop_loss`
        and LIMIT at `take_profit`, one OCO group, are placed for the filled quantity when it
        fills. Returns the entry's id."""
        ...

    def bracket_children(self, strategy: str, entry_id: int) -> tuple[int | None, int | None]:
        """(stop-loss id, take-profit id) of the bracket entered by `entry_id`; None before
        they are placed."""
        ...

    def modify_order(
        self,
        strategy: str,
        order_id: int,
        price: float | None,
        qty: float | None,
        stop_price: float | None,
    ) -> None:
        """Replace the limit price, total quantity or stop of an open order."""
        ...


class InstrumentInfo(Protocol):
    """The part of an instrument the sizing helpers read."""

    @property
    def lot_size(self) -> float:
        """The size grid: order quantities are whole multiples of it."""
        ...


class Clock:
    """The time of the event being handled, in nanoseconds since the epoch (UTC)."""

    def __init__(self, strategy: Strategy) -> None:
        self._strategy = strategy

    def timestamp_ns(self) -> int:
        """Nanoseconds since the epoch of the current event."""
        return self._strategy.context.now_ns()


class EventTime(logging.Filter):
    """Puts the time of the event being handled on a strategy's log records: ``event_ns``
    (nanoseconds since the epoch) and ``event_time`` (UTC, to the millisecond).

    One per logger: a strategy built later under the same name takes it over, as a sweep
    builds one per backtest.
    """

    def __init__(self) -> None:
        super().__init__()
        self.strategy: weakref.ref[Strategy] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the event time when the strategy runs in a context that knows one."""
        strategy = self.strategy() if self.strategy is not None else None
        context = strategy.__dict__.get("_context") if strategy is not None else None
        if context is None:
            return True
        try:
            ns = int(context.now_ns())
        except (RuntimeError, ValueError):  # an engine without data yet: no event time
            return True
        if ns > 0:
            record.event_ns = ns
            record.event_time = format_event_time(ns)
        return True


def format_event_time(ns: int) -> str:
    """Nanoseconds since the epoch as ``YYYY-MM-DD HH:MM:SS.mmm`` (UTC)."""
    seconds, rest = divmod(ns, 1_000_000_000)
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{rest // 1_000_000:03d}"


def _strategy_logger(name: str, strategy: Strategy) -> logging.Logger:
    log = logging.getLogger(f"alphaforge.strategy.{name}")
    event_time = next((f for f in log.filters if isinstance(f, EventTime)), None)
    if event_time is None:
        event_time = EventTime()
        log.addFilter(event_time)
    event_time.strategy = weakref.ref(strategy)
    return log


def _number(value: object, field: str) -> float:
    if type(value) is float or type(value) is int:  # the common case, without the ABC check
        return float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{field} must be a number, got {value!r} ({type(value).__name__})")
    return float(value)


def _positive(value: object, field: str, what: str = "number") -> float:
    number = _number(value, field)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{field} must be a finite {what} > 0, got {value!r}")
    return number


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a str, got {value!r} ({type(value).__name__})")
    if not value:
        raise ValueError(f"{field} must not be empty")
    return value


def _choice(value: object, field: str, choices: tuple[str, ...]) -> str:
    if isinstance(value, str):
        upper = value.upper()
        if upper in choices:
            return upper
    wanted = " or ".join(repr(c) for c in choices)
    raise ValueError(f"{field} must be {wanted} (any case), got {value!r}")


def _toward_zero(qty: float, lot: float) -> int:
    """`qty` in whole lots, rounded toward zero (a hair of float error forgiven)."""
    return int(math.copysign(math.floor(abs(qty) / lot + 1e-9), qty))


def _lots_to_qty(lots: int, lot: float) -> float:
    # 3 * 0.1 is 0.30000000000000004: back onto the decimal grid.
    return round(abs(lots) * lot, 12)


class Strategy:
    """Subclass it and override the handlers you need; subscribe in on_start.

    Parameters are declared in a nested ``Params`` class (``fast: int = 10``), given to the
    constructor by keyword, checked, and read as ``self.params.fast``; see the user guide.
    """

    params: Any

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        params = parameters.prepare(cls)
        if params is not None:
            cls.Params = params  # type: ignore[attr-defined]

    def __init__(
        self,
        name: str | None = None,
        cache_size: int = 100_000,
        *,
        sizer: Sizer | None = None,
        **params: Any,
    ) -> None:
        """`name` defaults to the class name; `cache_size` bounds ``self.cache`` (LRU);
        `sizer` sizes ``buy(symbol)`` and ``sell(symbol)``; `params` are the values of the
        class's Params, checked against their declared types."""
        if name is not None:
            _text(name, "name")
        if sizer is not None and not isinstance(sizer, Sizer):
            raise TypeError(f"sizer must be an alphaforge.sizing.Sizer, got {sizer!r}")
        cls = type(self)
        if params and "Params" not in dir(cls):
            first = next(iter(params))
            raise TypeError(
                f"{cls.__name__} takes no parameter {first!r}: declare its parameters in a "
                "nested Params class"
            )
        self.name = name or cls.__name__
        if "Params" in dir(cls):
            self.params = parameters.build(cls, params)
            self.parameters: dict[str, Any] = {
                f: getattr(self.params, f) for f in parameters.declared(cls)
            }
        else:
            self.parameters = {}
        self.sizer = sizer
        self.cache = GenericCache(cache_size)
        self.log = _strategy_logger(self.name, self)
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
    def check_initialised(self) -> None:
        """RuntimeError, naming the class, when its __init__ skipped super().__init__()."""
        if "name" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before the "
                "strategy is added to an engine or node"
            )

    def attach(self, context: TradingContext) -> None:
        """Bind the strategy to what runs it; a strategy runs in one context at a time."""
        self.check_initialised()
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
        """Receive on_bar for each bar of `symbol`: given with add_bars, those bars resampled
        to the time span `spec` ("5min", "1h", "1D"), or built from its trades by `spec`
        ("1min", "500tick", "10volume", ...) on tick data and live."""
        _text(symbol, "symbol")
        if spec is not None:
            _text(spec, "spec")
        self._feed_sizer(symbol, spec)
        self.context.subscribe_bars(self, symbol, spec)

    def register_indicator(
        self,
        indicator: IndicatorT,
        symbol: str,
        spec: str | None = None,
        *,
        source: str | None = None,
    ) -> IndicatorT:
        """Have what runs the strategy update `indicator` (a streaming object of
        alphaforge.indicators) with every bar of `symbol`, or of its bars by `spec`, before any
        on_bar of that bar; returns it, to read ``.value`` and ``.ready`` in on_bar. An
        indicator of one series takes the bar's `source` field ("close" by default), one of
        bars (ATR, ADX, Stochastic, OBV, VWAP) the bar itself. Call it in on_start."""
        _text(symbol, "symbol")
        if spec is not None:
            _text(spec, "spec")
        if source is not None:
            _text(source, "source")
        checked = bar_source(indicator, source)
        self.context.register_indicator(self, indicator, symbol, spec, checked)
        return indicator

    def subscribe_trades(self, symbol: str) -> None:
        """Receive on_trade for each trade of `symbol`."""
        _text(symbol, "symbol")
        self.context.subscribe_trades(self, symbol)

    def subscribe_quotes(self, symbol: str) -> None:
        """Receive on_quote for each best bid and ask of `symbol`."""
        _text(symbol, "symbol")
        self.context.subscribe_quotes(self, symbol)

    def subscribe_book(self, symbol: str, depth: int = 10, every: int = 1) -> None:
        """Receive on_book with the top `depth` levels of `symbol`'s order book, after every
        `every`-th update (a BookView, valid during the call)."""
        _text(symbol, "symbol")
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
            raise ValueError(f"depth must be an int >= 1, got {depth!r}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an int >= 1, got {every!r}")
        self.context.subscribe_book(self, symbol, depth, every)

    def _feed_sizer(self, symbol: str, spec: str | None) -> None:
        """With a sizer, have the bar handler the context is about to take give the sizer each
        close first (the contexts take ``strategy.on_bar`` when subscribing): the closes of
        the first bars subscribed per symbol, so a sizer never hears one period twice."""
        sizer = self.sizer
        if sizer is None:
            return
        streams: dict[str, str | None] = self.__dict__.setdefault("_sizer_streams", {})
        streams.setdefault(symbol, None if spec is None else str(BarSpec(spec)))
        if "on_bar" in self.__dict__:
            return
        inner: Callable[[Any], None] = self.on_bar

        def on_bar(bar: Any) -> None:
            if streams.get(bar.symbol) == bar.spec:
                sizer.on_bar(bar.symbol, bar.close)
            inner(bar)

        self.__dict__["on_bar"] = on_bar

    # Orders.
    @overload
    def buy(
        self, symbol: str, qty: float, limit: float | None = None, *, reduce_only: bool = False
    ) -> int: ...
    @overload
    def buy(
        self,
        symbol: str,
        qty: None = None,
        limit: float | None = None,
        *,
        reduce_only: bool = False,
    ) -> int | None: ...
    def buy(
        self,
        symbol: str,
        qty: float | None = None,
        limit: float | None = None,
        *,
        reduce_only: bool = False,
    ) -> int | None:
        """Buy `qty` at market, or with a GTC limit at `limit`; returns the order id. Without
        `qty` the sizer gives it, and None is returned when that rounds to nothing."""
        if qty is None:
            return self._sized(symbol, "BUY", limit, reduce_only)
        return self.submit_order(symbol, "BUY", qty, limit=limit, reduce_only=reduce_only)

    @overload
    def sell(
        self, symbol: str, qty: float, limit: float | None = None, *, reduce_only: bool = False
    ) -> int: ...
    @overload
    def sell(
        self,
        symbol: str,
        qty: None = None,
        limit: float | None = None,
        *,
        reduce_only: bool = False,
    ) -> int | None: ...
    def sell(
        self,
        symbol: str,
        qty: float | None = None,
        limit: float | None = None,
        *,
        reduce_only: bool = False,
    ) -> int | None:
        """Sell `qty` at market, or with a GTC limit at `limit`; returns the order id. Without
        `qty` the sizer gives it, and None is returned when that rounds to nothing."""
        if qty is None:
            return self._sized(symbol, "SELL", limit, reduce_only)
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
        trail_amount: float | None = None,
        trail_percent: float | None = None,
        expire_time: object = None,
        oco: int | None = None,
    ) -> int:
        """Send any order type: MARKET, LIMIT, STOP or STOP_LIMIT (inferred from limit/stop),
        GTC, IOC, FOK, POST_ONLY (a limit that expires rather than take liquidity) or GTD
        (GTC until `expire_time`). `reduce_only` orders may shrink the position but never
        grow or flip it. `trail_amount` (a price distance) or `trail_percent` (a fraction)
        make a trailing STOP, its stop starting that far from the last price and following
        the market; `oco` names an open order of the same symbol: when either fills or ends,
        the other is canceled. Side, type and time in force may be given in any case; a bad
        argument raises naming it."""
        if (
            # The common order (market or limit, upper case, GTC) checked in one expression:
            # the full checks below cost more than the order itself in a bar loop.
            stop is None
            and type is None
            and trail_amount is None
            and trail_percent is None
            and expire_time is None
            and oco is None
            and reduce_only is False
            and time_in_force == "GTC"
            and (side == "BUY" or side == "SELL")
            and symbol.__class__ is str
            and symbol
            and (qty.__class__ is float or qty.__class__ is int)
            and 0 < qty < math.inf
            and (limit is None or (limit.__class__ is float and 0 < limit < math.inf))
        ):
            return self.context.submit_order(
                self.name, symbol, side, "MARKET" if limit is None else "LIMIT", float(qty),
                limit, None, "GTC", False,
            )  # fmt: skip
        _text(symbol, "symbol")
        side = _choice(side, "side", _SIDES)
        quantity = _positive(qty, "qty", "quantity")
        price = None if limit is None else _positive(limit, "limit", "price")
        stop_price = None if stop is None else _positive(stop, "stop", "price")
        if type is None:
            kind = _ORDER_TYPES[(price is not None, stop_price is not None)]
        else:
            kind = _choice(type, "type", tuple(_PRICES))
            needs_limit, needs_stop = _PRICES[kind]
            if needs_limit != (price is not None) or needs_stop != (stop_price is not None):
                raise ValueError(
                    f"a {kind} order takes {_price_words(needs_limit, needs_stop)}, "
                    f"got limit={limit!r} stop={stop!r}"
                )
        tif = _choice(time_in_force, "time_in_force", _TERM_TIFS)
        if not isinstance(reduce_only, bool):
            raise TypeError(f"reduce_only must be a bool, got {reduce_only!r}")
        terms = _terms(tif, trail_amount, trail_percent, expire_time, oco)
        if terms is None:
            return self.context.submit_order(
                self.name, symbol, side, kind, quantity, price, stop_price, tif, reduce_only
            )
        if terms.trail_amount or terms.trail_percent:
            if price is not None or stop_price is not None or kind not in ("MARKET", "STOP"):
                raise ValueError(
                    "a trailing stop takes no limit= or stop= (its stop follows the market), "
                    f"got limit={limit!r} stop={stop!r} type={type!r}"
                )
            kind = "STOP"
        return self._contingent().submit_contingent(
            self.name,
            symbol,
            side,
            kind,
            quantity,
            price,
            stop_price,
            tif,
            reduce_only,
            terms,
        )

    def buy_bracket(
        self,
        symbol: str,
        qty: float,
        *,
        stop_loss: float,
        take_profit: float,
        limit: float | None = None,
    ) -> Bracket:
        """Buy `qty` at market (or a GTC limit at `limit`); once it fills, a sell STOP at
        `stop_loss` and a sell LIMIT at `take_profit` for the filled quantity, one OCO
        group: the first to fill cancels the other, so the position never flips. When a bar
        reaches both, the stop-loss fills (backtrader's order)."""
        return self._bracket(symbol, "BUY", qty, stop_loss, take_profit, limit)

    def sell_bracket(
        self,
        symbol: str,
        qty: float,
        *,
        stop_loss: float,
        take_profit: float,
        limit: float | None = None,
    ) -> Bracket:
        """The mirror of buy_bracket: a short entry, a buy STOP above and a buy LIMIT below."""
        return self._bracket(symbol, "SELL", qty, stop_loss, take_profit, limit)

    def _bracket(
        self,
        symbol: str,
        side: str,
        qty: float,
        stop_loss: float,
        take_profit: float,
        limit: float | None,
    ) -> Bracket:
        _text(symbol, "symbol")
        quantity = _positive(qty, "qty", "quantity")
        stop_price = _positive(stop_loss, "stop_loss", "price")
        target = _positive(take_profit, "take_profit", "price")
        price = None if limit is None else _positive(limit, "limit", "price")
        entry = self._contingent().submit_bracket(
            self.name, symbol, side, quantity, price, stop_price, target
        )
        return Bracket(self, entry)

    def modify(
        self,
        order_id: int,
        *,
        price: float | None = None,
        quantity: float | None = None,
        stop: float | None = None,
    ) -> None:
        """Replace an open order's limit `price`, total `quantity` or `stop`, keeping its id.
        A smaller quantity keeps the order's place; a new price or stop (or a larger quantity)
        reaches the market as a new order would. ValueError naming the field when the order
        is not open or a value is refused; the order is then unchanged."""
        given: object = order_id
        if isinstance(given, bool) or not isinstance(given, numbers.Integral):
            raise TypeError(f"order_id must be an int, got {given!r}")
        if price is None and quantity is None and stop is None:
            raise ValueError("modify needs a new price=, quantity= or stop=")
        new_price = None if price is None else _positive(price, "price", "price")
        new_qty = None if quantity is None else _positive(quantity, "quantity", "quantity")
        new_stop = None if stop is None else _positive(stop, "stop", "price")
        self._contingent().modify_order(self.name, int(given), new_price, new_qty, new_stop)

    def cancel(self, order_id: int) -> bool:
        """Cancel one of this strategy's open orders; False when it is no longer open.
        ValueError for None, an unknown id or an order of another strategy."""
        given: object = order_id
        if given is None:
            raise ValueError("order_id is None: no order to cancel (a helper sent none?)")
        if isinstance(given, bool) or not isinstance(given, numbers.Integral):
            raise TypeError(f"order_id must be an int, got {given!r}")
        return self.context.cancel_order(self.name, int(given))

    def _contingent(self) -> ContingentContext:
        context = self.context
        if not isinstance(context, ContingentContext):
            raise ValueError(
                f"{type(context).__name__} does not take contingent orders or modify: "
                "brackets, OCO, trailing stops, GTD and modify run in BacktestEngine and "
                "TradingNode"
            )
        return context

    # Sizing.
    def order_target_quantity(self, symbol: str, qty: float) -> int | None:
        """Send the market order that brings the position in `symbol` to `qty` (signed,
        rounded toward zero to the lot), counting this strategy's open market orders in it;
        None when it is there already."""
        target = _number(qty, "qty")
        if not math.isfinite(target):
            raise ValueError(f"qty must be a finite number, got {qty!r}")
        lot, _ = self._grid(_text(symbol, "symbol"))
        return self._to_target(symbol, _toward_zero(target, lot), lot)

    def order_target_value(
        self, symbol: str, value: float, *, price: float | None = None
    ) -> int | None:
        """As order_target_quantity, to a position worth `value` (signed) at `price`, by
        default the last price known: qty = value / (price * multiplier)."""
        target = _number(value, "value")
        if not math.isfinite(target):
            raise ValueError(f"value must be a finite number, got {value!r}")
        _text(symbol, "symbol")
        at = (
            self._price(symbol, "order_target_value")
            if price is None
            else _positive(price, "price")
        )
        lot, multiplier = self._grid(symbol)
        return self._to_target(symbol, _toward_zero(target / (at * multiplier), lot), lot)

    def order_target_percent(
        self, symbol: str, fraction: float, *, price: float | None = None
    ) -> int | None:
        """As order_target_value, to `fraction` of the account's equity (0.5 for half of it,
        -0.5 for a short of half, 0 to close)."""
        share = _number(fraction, "fraction")
        if not math.isfinite(share):
            raise ValueError(f"fraction must be a finite number, got {fraction!r}")
        return self.order_target_value(symbol, share * self.equity, price=price)

    def last_price(self, symbol: str) -> float | None:
        """The price `symbol` is marked at now: its last trade (or close), else its quote mid;
        None before any."""
        price = self.context.last_price(symbol)
        return None if price is None else float(price)

    def _price(self, symbol: str, caller: str) -> float:
        price = self.last_price(symbol)
        if price is None:
            raise ValueError(
                f"{caller}: no price of {symbol!r} is known yet (no trade, bar or quote of it "
                "so far); pass price="
            )
        return price

    def _grid(self, symbol: str) -> tuple[float, float]:
        """(lot size, multiplier) from the context's instrument, else (DEFAULT_LOT, 1)."""
        info = self.context.instrument(symbol)
        if info is None:
            return DEFAULT_LOT, 1.0
        return float(info.lot_size), float(getattr(info, "multiplier", 1.0))

    def _to_target(self, symbol: str, target_lots: int, lot: float) -> int | None:
        held = self.position(symbol)
        for order in self.open_orders(symbol):
            if order.type == "MARKET":
                left = order.qty - order.filled_qty
                held += left if order.side == "BUY" else -left
        delta = target_lots - round(held / lot)
        if delta == 0:
            return None
        side = "BUY" if delta > 0 else "SELL"
        return self.submit_order(symbol, side, _lots_to_qty(delta, lot))

    def _sized(self, symbol: str, side: str, limit: float | None, reduce_only: bool) -> int | None:
        sizer = self.sizer
        if sizer is None:
            raise ValueError(
                f"{side.lower()}({symbol!r}) without qty needs a sizer: give qty, or set "
                "self.sizer (alphaforge.sizing)"
            )
        _text(symbol, "symbol")
        price = self._price(symbol, side.lower()) if limit is None else _positive(limit, "limit")
        lot, multiplier = self._grid(symbol)
        request = SizingRequest(symbol, side, price, self.equity, self.position(symbol), multiplier)
        raw = sizer.size(request)
        try:
            size = float(raw)
        except (TypeError, ValueError):  # a sizer of one's own may return anything
            size = math.nan
        if not (math.isfinite(size) and size >= 0):
            raise ValueError(f"{sizer!r} sized {symbol} at {raw!r}: a quantity must be >= 0")
        lots = _toward_zero(size, lot)
        if lots == 0:
            self.log.debug("%r sized %s %s at %g: below one lot", sizer, side, symbol, raw)
            return None
        qty = _lots_to_qty(lots, lot)
        return self.submit_order(symbol, side, qty, limit=limit, reduce_only=reduce_only)

    # The account.
    def position(self, symbol: str) -> float:
        """This strategy's signed quantity in `symbol`."""
        context = self._context
        if context is None or symbol.__class__ is not str or not symbol:
            return self.context.position(self.name, _text(symbol, "symbol"))  # names the fault
        return context.position(self.name, symbol)

    def open_orders(self, symbol: str | None = None) -> list[OrderRecord]:
        """This strategy's open orders, of `symbol` or of every symbol."""
        if symbol is not None:
            _text(symbol, "symbol")
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


def _price_words(limit: bool, stop: bool) -> str:
    if limit and stop:
        return "both limit= and stop="
    if limit:
        return "limit= and no stop="
    if stop:
        return "stop= and no limit="
    return "neither limit= nor stop="


def _terms(
    tif: str,
    trail_amount: object,
    trail_percent: object,
    expire_time: object,
    oco: object,
) -> OrderTerms | None:
    """The contingent terms of an order, or None when it has none."""
    if trail_amount is None and trail_percent is None and expire_time is None and oco is None:
        if tif == "GTD":
            raise ValueError("time_in_force 'GTD' needs expire_time=")
        return None
    if trail_amount is not None and trail_percent is not None:
        raise ValueError("give trail_amount= or trail_percent=, not both")
    if expire_time is not None and tif not in ("GTC", "GTD", "POST_ONLY"):
        raise ValueError(f"expire_time is for orders that rest, not {tif} ones")
    if tif == "GTD" and expire_time is None:
        raise ValueError("time_in_force 'GTD' needs expire_time=")
    group = 0
    if oco is not None:
        if isinstance(oco, bool) or not isinstance(oco, numbers.Integral) or int(oco) < 1:
            raise ValueError(f"oco must be the id of an open order, got {oco!r}")
        group = int(oco)
    return OrderTerms(
        expire_ns=0 if expire_time is None else expire_ns(expire_time),
        trail_amount=0.0 if trail_amount is None else trail_distance(trail_amount, "trail_amount"),
        trail_percent=(
            0.0 if trail_percent is None else trail_distance(trail_percent, "trail_percent")
        ),
        oco=group,
    )
