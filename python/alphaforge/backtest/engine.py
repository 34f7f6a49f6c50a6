"""``BacktestEngine``: bars or ticks of several symbols, several strategies, one portfolio."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import fields
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from alphaforge._core.backtest import BacktestSettings, BarBacktest, TickBacktest
from alphaforge._core.data import BarSpec
from alphaforge._core.execution import Fees, Instrument, RiskLimits, SelfTradePrevention
from alphaforge.backtest.book_fills import book_fill_settings, duration_ns
from alphaforge.backtest.depth_data import depth_columns
from alphaforge.backtest.result import (
    POSITION_COLUMNS,
    BacktestResult,
    RunSettings,
    StrategySettings,
)
from alphaforge.backtest.tick_data import catalog_frames, market_columns, trade_columns
from alphaforge.bar_indicators import Indicator, IndicatorT
from alphaforge.contingent import OrderTerms
from alphaforge.data.catalog import DataCatalog
from alphaforge.data.timestamps import TimeLike
from alphaforge.records import (
    AccountRecord,
    Balance,
    FillRecord,
    OrderRecord,
    PositionRecord,
)
from alphaforge.strategy import Strategy

Mode = Literal["bars", "ticks"]
AccountKind = Literal["cash", "spot", "margin", "unlimited"]
# The native replays hand out records with the fields of these, in order.
_FILL_FIELDS = tuple(f.name for f in fields(FillRecord))
_ORDER_FIELDS = tuple(f.name for f in fields(OrderRecord))


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{field} must be a number, got {type(value).__name__}")
    return float(value)


def _time_step_ns(spec: str, field: str) -> int:
    parsed = BarSpec(spec)
    if parsed.kind != "time" or parsed.step_ns is None:
        raise ValueError(f"{field} must be a time span such as '1min', got {spec!r}")
    return int(parsed.step_ns)


def _utc_timestamp(ns: int) -> pd.Timestamp:
    return pd.Timestamp(ns, unit="ns", tz="UTC")


def _utc_times(ns: Any) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]"), tz="UTC")


class BacktestEngine:
    """Replays bars, or trades and quotes, through strategies sharing one portfolio.

    Bars fill by backtrader's default conventions; ticks fill against the first event after
    the latency (see the user guide for both fill models). Every order goes through the
    account's buying-power rules and the risk limits when it is sent, and again when it fills.
    """

    def __init__(
        self,
        cash: float = 100_000.0,
        fees: float | tuple[float, float] = 0.0,
        *,
        slippage_price: float = 0.0,
        slippage_bps: float = 0.0,
        latency: float | dt.timedelta = 0.0,
        equity_interval: str = "1min",
        account: AccountKind = "cash",
        allow_short: bool = True,
        leverage: float = 1.0,
        maintenance_margin: float = 0.0,
        currency: str = "USD",
        balances: dict[str, float] | None = None,
        risk: RiskLimits | None = None,
        self_trade_prevention: str = "EXPIRE_MAKER",
        response_latency: float | dt.timedelta = 0.0,
        feed_latency: float | dt.timedelta = 0.0,
        latency_series: pd.DataFrame | None = None,
        queue_model: str = "risk_averse",
        queue_n: float = 3.0,
    ) -> None:
        """`fees`: one rate on notional, or (maker, taker). Market and stop fills slip against
        the order by `slippage_price` (a price distance, whole ticks of every instrument) plus
        `slippage_bps` basis points of the price.

        `account`: "cash" (backtrader's default broker: an order that opens or grows a position
        must be paid for in cash; shorts allowed unless `allow_short=False`), "spot" (a balance
        per asset, as Binance Spot: `balances` plus `cash` in `currency`), or "margin"
        (`leverage`, and a margin call below `maintenance_margin`). `risk` takes the
        ExecutionEngine's pre-trade limits. `latency` (seconds or a timedelta) delays orders
        on tick data; `equity_interval` is the spacing of the equity curve on tick data.

        Tick data only: `response_latency` delays what the strategy learns of its orders
        (updates and fills); `feed_latency` is how late the strategy sees market data, so what
        it sends reaches the venue feed_latency + latency after the event (at most the
        response latency); `latency_series` (columns ts, entry_ns, response_ns) replaces the
        constant entry and response latencies by ones interpolated in time. `queue_model`
        ("risk_averse", "power", "power2", "power3", "log", "log2", with exponent `queue_n`)
        moves resting orders up their queue on symbols with depth (see the order-book guide).
        """
        cash = _number(cash, "cash")
        if not math.isfinite(cash) or cash < 0.0 or (cash == 0.0 and account != "spot"):
            raise ValueError(f"cash must be a positive finite number, got {cash}")
        if isinstance(fees, tuple):
            if len(fees) != 2:
                raise ValueError(f"fees must be a rate or (maker, taker), got {fees!r}")
            maker, taker = _number(fees[0], "fees[0]"), _number(fees[1], "fees[1]")
        else:
            maker = taker = _number(fees, "fees")
        if risk is not None and not isinstance(risk, RiskLimits):
            raise TypeError(f"risk must be an alphaforge.execution.RiskLimits, got {risk!r}")
        stp = getattr(SelfTradePrevention, str(self_trade_prevention), None)
        if not isinstance(stp, SelfTradePrevention):
            raise ValueError(
                "self_trade_prevention must be NONE, EXPIRE_TAKER, EXPIRE_MAKER or EXPIRE_BOTH, "
                f"got {self_trade_prevention!r}"
            )
        slippage_price = _number(slippage_price, "slippage_price")
        slippage_bps = _number(slippage_bps, "slippage_bps")
        settings = BacktestSettings(
            cash=cash,
            maker_fee=maker,
            taker_fee=taker,
            slippage_price=slippage_price,
            slippage_bps=slippage_bps,
            account=account,
            allow_short=allow_short,
            leverage=_number(leverage, "leverage"),
            maintenance_margin=_number(maintenance_margin, "maintenance_margin"),
            currency=currency,
            balances={k: _number(v, f"balances[{k!r}]") for k, v in (balances or {}).items()},
            risk=risk,
            self_trade_prevention=stp,
        )
        latency_ns = duration_ns(latency, "latency")
        interval_ns = _time_step_ns(equity_interval, "equity_interval")
        book_fills = book_fill_settings(
            response_latency, feed_latency, queue_model, queue_n, latency_series
        )
        self._bars = BarBacktest(settings)
        self._ticks = TickBacktest(settings, latency_ns, interval_ns, **book_fills)
        self._mode: Mode | None = None
        self._strategies: dict[str, Strategy] = {}
        self._subscriptions: set[tuple[str, str, str, str | None]] = set()
        self._currency = currency
        self._account = account
        # What the result's settings and tearsheet report: the run's own terms and prices.
        self._fees = (maker, taker)
        self._slippage = (slippage_price, slippage_bps)
        self._latency_s = latency_ns / 1e9
        self._book_fills = book_fills
        self._has_depth = False
        self._interval_ns = interval_ns
        self._prices: dict[str, tuple[Any, Any]] = {}  # symbol -> (ts_ns, price) arrays
        self._instruments: dict[str, Instrument] = {}
        self._ran = False
        self._owners: dict[int, str] = {}
        self._fill_handlers: dict[str, Callable[[Any], None]] = {}
        self._order_handlers: dict[str, Callable[[Any], None]] = {}
        self._indicators: dict[int, Indicator] = {}  # registered, by id: each fed once

    def add_instrument(
        self,
        symbol: str,
        tick_size: float,
        lot_size: float = 1.0,
        *,
        multiplier: float = 1.0,
        fees: tuple[float, float] | None = None,
        min_qty: float = 0.0,
        min_notional: float = 0.0,
        base: str = "",
        quote: str = "",
    ) -> Instrument:
        """Trade `symbol` on a price and size grid (otherwise a 1e-8 grid); before its data.

        `multiplier` turns price times quantity into money (125,000 for a 6E future); `fees`
        (maker, taker) replace the engine's for this symbol; `base` and `quote` name the
        assets a spot account exchanges. Returns the Instrument, whose ``round_price`` brings
        a computed price onto the grid.
        """
        instrument = Instrument(
            symbol,
            tick_size,
            lot_size,
            min_qty,
            min_notional,
            multiplier=multiplier,
            fees=None if fees is None else Fees(maker=fees[0], taker=fees[1]),
            base=base,
            quote=quote,
        )
        # Until data decides the mode both replays take it; they check it alike.
        if self._mode != "ticks":
            self._bars.add_instrument(instrument)
        if self._mode != "bars":
            self._ticks.add_instrument(instrument)
        self._instruments[symbol] = instrument
        return instrument

    def add_bars(self, symbol: str, bars: pd.DataFrame) -> None:
        """Add a symbol's bars: columns open, high, low, close, volume, and a ts_ns column or a
        datetime index (what load_csv and load_parquet give). Prices are taken as recorded."""
        self._claim("bars")
        ts, *columns = market_columns(symbol, bars, "bars")
        self._bars.add_bars(symbol, ts, *columns)
        self._prices[symbol] = (ts, columns[3])
        self._mode = "bars"

    def add_trades(self, symbol: str, trades: pd.DataFrame) -> None:
        """Add a symbol's trades: ts_ns (or a datetime index), price, size; as loaders give.
        An ``aggressor`` column (1 buyer, 2 seller, 0 unknown; or Binance's ``buyer_maker``)
        tells the book fill model which of our resting orders a trade can reach."""
        (ts, price, size), aggressor = trade_columns(symbol, trades)
        self._claim("ticks")
        self._ticks.add_trades(symbol, ts, price, size, aggressor)
        self._prices[symbol] = (ts, price)
        self._mode = "ticks"

    def add_quotes(self, symbol: str, quotes: pd.DataFrame) -> None:
        """Add a symbol's best bid and ask: ts_ns (or a datetime index), bid, ask, sizes."""
        ts, bid, ask, bid_size, ask_size = market_columns(symbol, quotes, "quotes")
        self._claim("ticks")
        self._ticks.add_quotes(symbol, ts, bid, ask, bid_size, ask_size)
        self._mode = "ticks"

    def add_book(
        self,
        symbol: str,
        depth: pd.DataFrame | None = None,
        *,
        ts: npt.ArrayLike | None = None,
        side: npt.ArrayLike | None = None,
        price: npt.ArrayLike | None = None,
        size: npt.ArrayLike | None = None,
        update_id: npt.ArrayLike | None = None,
        prev_update_id: npt.ArrayLike | None = None,
        snapshot: npt.ArrayLike | None = None,
        bridge_gaps: bool = False,
    ) -> None:
        """Add a symbol's L2 depth: the canonical depth frame (what load_binance_depth and
        load_bybit_depth give), or its columns as arrays. The update-id chain is checked by
        check_depth_chain (a gap raises ValueError naming the row unless `bridge_gaps`); the
        replay applies the kept rows message by message to the symbol's book."""
        columns = depth_columns(
            symbol,
            depth,
            {"ts": ts, "side": side, "price": price, "size": size, "update_id": update_id,
             "prev_update_id": prev_update_id, "snapshot": snapshot},
            bridge_gaps=bridge_gaps,
        )  # fmt: skip
        self._claim("ticks")
        self._ticks.add_depth(symbol, *columns)
        self._has_depth = True
        self._mode = "ticks"

    def add_catalog(
        self,
        catalog: DataCatalog,
        symbol: str,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
    ) -> None:
        """Add the trades, quotes and depth a DataCatalog holds for `symbol` in [start, end);
        the depth starts from the book as it stood at `start`, built from the last snapshot
        before it."""
        for kind, frame in catalog_frames(catalog, symbol, start, end).items():
            if kind == "trades":
                self.add_trades(symbol, frame)
            elif kind == "quotes":
                self.add_quotes(symbol, frame)
            else:
                self.add_book(symbol, frame)

    def _claim(self, mode: Mode) -> None:
        if self._ran:
            raise RuntimeError("this engine already ran; build a new one for another run")
        if self._mode is not None and self._mode != mode:
            raise ValueError(
                f"this engine replays {self._mode}; bars and ticks do not mix in one run "
                "(subscribe_bars(symbol, spec) builds bars from trades)"
            )

    def add_strategy(self, strategy: Strategy) -> None:
        """Add a strategy; every strategy trades the same cash."""
        if not isinstance(strategy, Strategy):
            raise TypeError(
                f"strategy must be an alphaforge.Strategy, got {type(strategy).__name__}"
            )
        strategy.check_initialised()
        if strategy.name in self._strategies:
            raise ValueError(f"a strategy named {strategy.name!r} was already added")
        strategy.attach(self)
        self._strategies[strategy.name] = strategy

    def run(self) -> BacktestResult:
        """Run every strategy over every bar; returns the BacktestResult."""
        frames = self.run_frames()
        # A spot account starts with the value of its balances at the first prices.
        start = self._core().account().starting_cash
        if self._account == "spot" and len(frames["equity"]):
            start = float(frames["equity"]["equity"].iloc[0])
        return BacktestResult(
            **frames,
            starting_cash=start,
            prices=self._price_frame(),
            settings=RunSettings(
                strategies=tuple(StrategySettings.of(s) for s in self._strategies.values()),
                symbols=tuple(
                    sorted({k[2] for k in self._subscriptions} | set(frames["fills"]["symbol"]))
                ),
                data=self._mode,
                account=self._account,
                currency=self._currency,
                fees=self._fees,
                slippage_price=self._slippage[0],
                slippage_bps=self._slippage[1],
                **self._latency_settings(),
            ),
        )

    def _latency_settings(self) -> dict[str, Any]:
        """The run settings' latencies and queue model: tick runs have them, bar runs not."""
        if self._mode != "ticks":
            return {}
        terms = self._book_fills
        return {
            "latency": self._latency_s,
            "response_latency": terms["response_latency_ns"] / 1e9,
            "feed_latency": terms["feed_latency_ns"] / 1e9,
            "latency_series": "latency_ts" in terms,
            "queue_model": terms["queue_model"] if self._has_depth else None,
        }

    def _price_frame(self) -> pd.DataFrame | None:
        """Each symbol's closes (bars) or last trade price per equity interval (ticks)."""
        if not self._prices:
            return None
        columns = {}
        for symbol, (ts, price) in self._prices.items():
            series = pd.Series(np.asarray(price, dtype=np.float64), index=_utc_times(ts))
            if self._mode == "ticks" or not series.index.is_unique:
                series = series.resample(pd.Timedelta(self._interval_ns, "ns")).last().dropna()
            columns[symbol] = series
        frame = pd.DataFrame(columns)
        frame.index.name = "ts"
        return frame

    def run_frames(self) -> dict[str, pd.DataFrame]:
        """Run, and return the fills, orders, positions and equity DataFrames."""
        if self._ran:
            raise RuntimeError("this engine already ran; build a new one for another run")
        if not self._strategies:
            raise ValueError("no strategy: call add_strategy first")
        self._ran = True
        for strategy in self._strategies.values():
            strategy.on_start()
        # Records are made only for the strategies that handle them: a strategy without
        # on_fill or on_order_update costs nothing per fill.
        self._fill_handlers = _overridden(self._strategies, "on_fill")
        self._order_handlers = _overridden(self._strategies, "on_order_update")
        self._core().run(
            on_fill=self._dispatch_fill if self._fill_handlers else None,
            on_order=self._dispatch_order if self._order_handlers else None,
        )
        for strategy in self._strategies.values():
            strategy.on_stop()
        return self.frames()

    def frames(self) -> dict[str, pd.DataFrame]:
        """The fills, orders, positions and equity of the run so far."""
        core = self._core()
        fills = pd.DataFrame(core.fill_columns(), columns=list(_FILL_FIELDS))
        fills["ts"] = _utc_times(fills["ts"])
        orders = pd.DataFrame(core.order_columns(), columns=list(_ORDER_FIELDS))
        orders["ts"] = _utc_times(orders["ts"])
        positions = pd.DataFrame(core.positions(), columns=list(POSITION_COLUMNS))
        ts, cash, equity = core.equity()
        curve = pd.DataFrame(
            {"cash": cash, "positions_value": equity - cash, "equity": equity},
            index=_utc_times(ts),
        )
        curve.index.name = "ts"
        return {"fills": fills, "orders": orders, "positions": positions, "equity": curve}

    # The TradingContext the strategies talk to.
    def now_ns(self) -> int:
        """Nanoseconds since the epoch of the event being replayed."""
        return int(self._core().now)

    def _core(self) -> BarBacktest | TickBacktest:
        if self._mode is None:
            raise ValueError("no market data: call add_bars, add_trades or add_quotes first")
        return self._bars if self._mode == "bars" else self._ticks

    def _first_subscription(
        self, strategy: Strategy, kind: str, symbol: str, spec: str | None
    ) -> bool:
        # A second identical subscription is a no-op, never a second stream of the same events.
        key = (strategy.name, kind, symbol, spec)
        if key in self._subscriptions:
            return False
        self._subscriptions.add(key)
        return True

    def subscribe_bars(self, strategy: Strategy, symbol: str, spec: str | None) -> None:
        """Hand `strategy` the bars of `symbol`: as added or resampled to `spec` (bar data),
        or built from trades by `spec` (tick data)."""
        if not self._first_subscription(strategy, "bars", symbol, spec):
            return
        handler: Callable[[Any], None] = strategy.on_bar
        if self._mode == "ticks":
            if spec is None:
                raise ValueError(
                    f"bars of {symbol} are built from its trades: give a spec such as '1min'"
                )
            self._ticks.subscribe_bars(symbol, BarSpec(spec), handler)
        else:
            self._bars.subscribe(symbol, handler, None if spec is None else BarSpec(spec))

    def register_indicator(
        self,
        strategy: Strategy,
        indicator: IndicatorT,
        symbol: str,
        spec: str | None,
        source: str | None,
    ) -> None:
        """Have the native loop update `indicator` with every bar of `symbol` (resampled to,
        or built from trades by, `spec`) before the bar's handlers; no Python runs for it."""
        if id(indicator) in self._indicators:
            raise ValueError(f"{indicator!r} is already registered: register each object once")
        if self._mode == "ticks":
            if spec is None:
                raise ValueError(
                    f"bars of {symbol} are built from its trades: give a spec such as '1min'"
                )
            self._ticks.add_indicator(symbol, BarSpec(spec), indicator, source)
        else:
            self._bars.add_indicator(
                symbol, None if spec is None else BarSpec(spec), indicator, source
            )
        self._indicators[id(indicator)] = indicator

    def subscribe_trades(self, strategy: Strategy, symbol: str) -> None:
        """Hand `strategy` every trade of `symbol` (tick data)."""
        self._subscribe_ticks(symbol, "trades")
        if self._first_subscription(strategy, "trades", symbol, None):
            self._ticks.subscribe_trades(symbol, strategy.on_trade)

    def subscribe_quotes(self, strategy: Strategy, symbol: str) -> None:
        """Hand `strategy` every best bid and ask of `symbol` (tick data)."""
        self._subscribe_ticks(symbol, "quotes")
        if self._first_subscription(strategy, "quotes", symbol, None):
            self._ticks.subscribe_quotes(symbol, strategy.on_quote)

    def subscribe_book(self, strategy: Strategy, symbol: str, depth: int, every: int = 1) -> None:
        """Hand `strategy` a BookView of the top `depth` levels of `symbol` after every
        `every`-th depth message (tick data with add_book)."""
        if self._mode != "ticks":
            raise ValueError(f"subscribe_book needs depth data: call add_book for {symbol}")
        if self._first_subscription(strategy, "book", symbol, f"{depth}/{every}"):
            self._ticks.subscribe_book(symbol, depth, every, strategy.on_book)

    def _subscribe_ticks(self, symbol: str, kind: str) -> None:
        if self._mode != "ticks":
            raise ValueError(f"subscribe_{kind} needs tick data: call add_{kind} for {symbol}")

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
        """Send `strategy`'s order to the simulated venue; returns its order id."""
        order_id = int(
            self._core().submit(
                symbol, strategy, side, type, qty, price, stop_price, time_in_force, reduce_only
            )
        )
        self._owners[order_id] = strategy
        return order_id

    def cancel_order(self, strategy: str, order_id: int) -> bool:
        """Cancel one of `strategy`'s open orders; False when it is no longer open."""
        self._check_owner(strategy, order_id)
        return bool(self._core().cancel(order_id))

    def _check_owner(self, strategy: str, order_id: int) -> None:
        owner = self._owners.get(order_id)
        if owner is None:
            # A bracket's children are placed by the replay itself.
            try:
                owner = str(self._core().order(order_id)[11]) if order_id > 0 else None
            except ValueError:
                owner = None
            if owner is None:
                raise ValueError(f"order_id {order_id} is unknown")
            self._owners[order_id] = owner
        if owner != strategy:
            raise ValueError(f"order {order_id} belongs to strategy {owner!r}, not {strategy!r}")

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
        """submit_order with an expiry, a trailing stop or an OCO group."""
        if terms.oco:
            self._check_owner(strategy, terms.oco)
        order_id = int(
            self._core().submit_contingent(
                symbol, strategy, side, type, qty, price, stop_price, time_in_force,
                reduce_only, expire_ns=terms.expire_ns, trail_amount=terms.trail_amount,
                trail_percent=terms.trail_percent, oco=terms.oco,
            )
        )  # fmt: skip
        self._owners[order_id] = strategy
        return order_id

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
        """Send a bracket's entry; the replay places its children when it fills."""
        order_id = int(
            self._core().submit_bracket(symbol, strategy, side, qty, price, stop_loss, take_profit)
        )
        self._owners[order_id] = strategy
        return order_id

    def bracket_children(self, strategy: str, entry_id: int) -> tuple[int | None, int | None]:
        """(stop-loss id, take-profit id) of a bracket; None before they are placed."""
        self._check_owner(strategy, entry_id)
        stop, target = self._core().bracket_children(entry_id)
        return (stop or None, target or None)

    def modify_order(
        self,
        strategy: str,
        order_id: int,
        price: float | None,
        qty: float | None,
        stop_price: float | None,
    ) -> None:
        """Replace an open order's terms under its id."""
        self._check_owner(strategy, order_id)
        self._core().modify(order_id, price, qty, stop_price)

    def position(self, strategy: str, symbol: str) -> float:
        """`strategy`'s signed quantity in `symbol`."""
        return self._core().position(symbol, strategy)

    def last_price(self, symbol: str) -> float | None:
        """The price the account marks `symbol` at now; None before its first event."""
        return self._core().last_price(symbol)

    def instrument(self, symbol: str) -> Instrument | None:
        """The instrument added for `symbol`, or None (the default grid)."""
        return self._instruments.get(symbol)

    def open_orders(self, strategy: str, symbol: str | None) -> list[OrderRecord]:
        """`strategy`'s open orders, of one symbol or all, oldest first."""
        records = [_order_record(o) for o in self._core().open_orders(strategy)]
        return [r for r in records if symbol is None or r.symbol == symbol]

    def portfolio(self, strategy: str) -> dict[str, PositionRecord]:
        """`strategy`'s positions by symbol, marked at the last prices."""
        return {row[1]: PositionRecord(*row[1:]) for row in self._core().positions(strategy)}

    def account(self) -> AccountRecord:
        """Cash, equity and buying power of the account."""
        state = self._core().account()
        return AccountRecord(state.cash, state.equity, state.buying_power, state.margin_used)

    def balances(self) -> dict[str, Balance]:
        """The balance per asset: a spot account's assets, else the cash in its currency."""
        rows = self._core().balances()
        if rows:
            return {asset: Balance(free, locked) for asset, free, locked in rows}
        state = self._core().account()
        return {self._currency: Balance(state.buying_power, state.cash - state.buying_power)}

    def _dispatch_fill(self, fill: tuple[Any, ...]) -> None:
        handler = self._fill_handlers.get(fill[7])
        if handler is not None:
            handler(FillRecord(_utc_timestamp(fill[0]), *fill[1:]))

    def _dispatch_order(self, order: tuple[Any, ...]) -> None:
        handler = self._order_handlers.get(order[11])
        if handler is not None:
            handler(_order_record(order))


def _overridden(strategies: dict[str, Strategy], name: str) -> dict[str, Callable[[Any], None]]:
    """The `name` handlers of the strategies whose class overrides Strategy's no-op."""
    default = getattr(Strategy, name)
    return {
        key: getattr(strategy, name)
        for key, strategy in strategies.items()
        if getattr(type(strategy), name) is not default
    }


def _order_record(order: tuple[Any, ...]) -> OrderRecord:
    return OrderRecord(order[0], _utc_timestamp(order[1]), *order[2:])
