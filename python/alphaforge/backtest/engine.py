"""``BacktestEngine``: bars or ticks of several symbols, several strategies, one portfolio."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from alphaforge._core.backtest import BarBacktest, TickBacktest
from alphaforge._core.data import BarSpec
from alphaforge.backtest.result import (
    FILL_COLUMNS,
    ORDER_COLUMNS,
    POSITION_COLUMNS,
    BacktestResult,
)
from alphaforge.backtest.tick_data import catalog_frames, tick_columns
from alphaforge.data.catalog import DataCatalog
from alphaforge.data.timestamps import TimeLike
from alphaforge.strategy import Clock, Strategy

_BAR_COLUMNS = ("open", "high", "low", "close", "volume")
# The engine's fills carry who provided liquidity, beyond the columns a result requires.
_FILL_FIELDS = (*FILL_COLUMNS, "liquidity")
Mode = Literal["bars", "ticks"]
# The engine's orders carry their stop price too, beside the limit price.
_AFTER_PRICE = ORDER_COLUMNS.index("price") + 1
_ORDER_FIELDS = (*ORDER_COLUMNS[:_AFTER_PRICE], "stop_price", *ORDER_COLUMNS[_AFTER_PRICE:])


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{field} must be a number, got {type(value).__name__}")
    return float(value)


def _duration_ns(value: object, field: str) -> int:
    if isinstance(value, dt.timedelta):  # pandas.Timedelta is one
        ns = int(pd.Timedelta(value).value)
    else:
        ns = round(_number(value, field) * 1e9)
    if ns < 0:
        raise ValueError(f"{field} must be >= 0, got {value!r}")
    return ns


def _time_step_ns(spec: str, field: str) -> int:
    parsed = BarSpec(spec)
    if parsed.kind != "time" or parsed.step_ns is None:
        raise ValueError(f"{field} must be a time span such as '1min', got {spec!r}")
    return int(parsed.step_ns)


def _utc_ns(index: pd.Index, field: str) -> np.ndarray:
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(f"{field} must be a DatetimeIndex, got {type(index).__name__}")
    if index.tz is None:
        index = index.tz_localize("UTC")
    return np.asarray(index.tz_convert("UTC").as_unit("ns").asi8, dtype=np.int64)


def _utc_times(ns: Any) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(np.asarray(ns, dtype=np.int64), unit="ns", utc=True))


class BacktestEngine:
    """Replays bars, or trades and quotes, through strategies sharing one portfolio.

    Bars fill by backtrader's default conventions; ticks fill against the first event after
    the latency (see the user guide for both fill models).
    """

    def __init__(
        self,
        cash: float = 100_000.0,
        fees: float | tuple[float, float] = 0.0,
        slippage: float = 0.0,
        latency: float | dt.timedelta = 0.0,
        equity_interval: str = "1min",
    ) -> None:
        """`fees`: one rate on notional, or (maker, taker); `slippage`: ticks on market fills.

        `latency` (seconds or a timedelta) delays orders on tick data; `equity_interval` is the
        spacing of the equity curve on tick data.
        """
        cash = _number(cash, "cash")
        if not math.isfinite(cash) or cash <= 0.0:
            raise ValueError(f"cash must be a positive finite number, got {cash}")
        if isinstance(fees, tuple):
            if len(fees) != 2:
                raise ValueError(f"fees must be a rate or (maker, taker), got {fees!r}")
            maker, taker = _number(fees[0], "fees[0]"), _number(fees[1], "fees[1]")
        else:
            maker = taker = _number(fees, "fees")
        slippage = _number(slippage, "slippage")
        latency_ns = _duration_ns(latency, "latency")
        interval_ns = _time_step_ns(equity_interval, "equity_interval")
        self._bars = BarBacktest(cash, maker, taker, slippage)
        self._ticks = TickBacktest(cash, maker, taker, slippage, latency_ns, interval_ns)
        self._mode: Mode | None = None
        self._cash = cash
        self._strategies: dict[str, Strategy] = {}
        self._ran = False
        self.clock = Clock(self)

    def add_instrument(self, symbol: str, tick_size: float, lot_size: float = 1.0) -> None:
        """Trade `symbol` on a price and size grid (otherwise a 1e-8 grid); before its data."""
        # Until data decides the mode both replays take it; they check it alike.
        if self._mode != "ticks":
            self._bars.add_instrument(symbol, tick_size, lot_size)
        if self._mode != "bars":
            self._ticks.add_instrument(symbol, tick_size, lot_size)

    def add_bars(self, symbol: str, bars: pd.DataFrame) -> None:
        """Add a symbol's bars: columns open, high, low, close, volume; a datetime index."""
        if not isinstance(symbol, str):
            raise TypeError(f"symbol must be a str, got {type(symbol).__name__}")
        if not isinstance(bars, pd.DataFrame):
            raise TypeError(f"bars must be a pandas DataFrame, got {type(bars).__name__}")
        self._claim("bars")
        columns = {str(c).lower(): c for c in bars.columns}
        missing = [c for c in _BAR_COLUMNS if c not in columns]
        if missing:
            raise ValueError(f"bars of {symbol} lack the columns {missing}")
        ts = _utc_ns(bars.index, "bars.index")
        arrays = []
        for name in _BAR_COLUMNS:
            values = np.asarray(bars[columns[name]], dtype=np.float64)
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                raise ValueError(
                    f"{name} of {symbol} at row {int(bad[0])} is {values[bad[0]]}, not a number"
                )
            arrays.append(values)
        self._bars.add_bars(symbol, ts, *arrays)
        self._mode = "bars"

    def add_trades(self, symbol: str, trades: pd.DataFrame) -> None:
        """Add a symbol's trades: ts_ns (or a datetime index), price, size; as loaders give."""
        ts, price, size = tick_columns(symbol, trades, "trades")
        self._claim("ticks")
        self._ticks.add_trades(symbol, ts, price, size)
        self._mode = "ticks"

    def add_quotes(self, symbol: str, quotes: pd.DataFrame) -> None:
        """Add a symbol's best bid and ask: ts_ns (or a datetime index), bid, ask, sizes."""
        ts, bid, ask, bid_size, ask_size = tick_columns(symbol, quotes, "quotes")
        self._claim("ticks")
        self._ticks.add_quotes(symbol, ts, bid, ask, bid_size, ask_size)
        self._mode = "ticks"

    def add_catalog(
        self,
        catalog: DataCatalog,
        symbol: str,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
    ) -> None:
        """Add the trades and quotes a DataCatalog holds for `symbol` in [start, end)."""
        for kind, frame in catalog_frames(catalog, symbol, start, end).items():
            if kind == "trades":
                self.add_trades(symbol, frame)
            else:
                self.add_quotes(symbol, frame)

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
        if strategy.name in self._strategies:
            raise ValueError(f"a strategy named {strategy.name!r} was already added")
        if strategy._engine is not None:
            raise ValueError(f"strategy {strategy.name!r} is already added to an engine")
        strategy._engine = self
        self._strategies[strategy.name] = strategy

    def run(self) -> BacktestResult:
        """Run every strategy over every bar; returns the BacktestResult."""
        return BacktestResult(**self.run_frames(), starting_cash=self._cash)

    def run_frames(self) -> dict[str, pd.DataFrame]:
        """Run, and return the fills, orders, positions and equity DataFrames."""
        if self._ran:
            raise RuntimeError("this engine already ran; build a new one for another run")
        if not self._strategies:
            raise ValueError("no strategy: call add_strategy first")
        self._ran = True
        for strategy in self._strategies.values():
            strategy.on_start()
        self._core().run(on_fill=self._dispatch_fill, on_order=self._dispatch_order)
        for strategy in self._strategies.values():
            strategy.on_stop()
        return self.frames()

    def frames(self) -> dict[str, pd.DataFrame]:
        """The fills, orders, positions and equity of the run so far."""
        core = self._core()
        fills = pd.DataFrame(core.fills(), columns=list(_FILL_FIELDS))
        fills["ts"] = _utc_times(fills["ts"])
        orders = pd.DataFrame(core.orders(), columns=list(_ORDER_FIELDS))
        orders["ts"] = _utc_times(orders["ts"])
        positions = pd.DataFrame(core.positions(), columns=list(POSITION_COLUMNS))
        ts, cash, equity = core.equity()
        curve = pd.DataFrame(
            {"cash": cash, "positions_value": equity - cash, "equity": equity},
            index=_utc_times(ts),
        )
        curve.index.name = "ts"
        return {"fills": fills, "orders": orders, "positions": positions, "equity": curve}

    # Used by Strategy.
    def _now_ns(self) -> int:
        return int(self._core().now)

    def _core(self) -> BarBacktest | TickBacktest:
        if self._mode is None:
            raise ValueError("no market data: call add_bars, add_trades or add_quotes first")
        return self._bars if self._mode == "bars" else self._ticks

    def _subscribe_bars(self, strategy: Strategy, symbol: str, spec: str | None) -> None:
        handler: Callable[[Any], None] = strategy.on_bar
        if self._mode == "ticks":
            if spec is None:
                raise ValueError(
                    f"bars of {symbol} are built from its trades: give a spec such as '1min'"
                )
            self._ticks.subscribe_bars(symbol, BarSpec(spec), handler)
        elif spec is not None:
            raise ValueError(
                f"bars of {symbol} come from add_bars; spec={spec!r} is for bars built from ticks"
            )
        else:
            self._bars.subscribe(symbol, handler)

    def _subscribe_ticks(self, strategy: Strategy, symbol: str, kind: str) -> None:
        if self._mode != "ticks":
            raise ValueError(f"subscribe_{kind} needs tick data: call add_{kind} for {symbol}")
        if kind == "trades":
            self._ticks.subscribe_trades(symbol, strategy.on_trade)
        else:
            self._ticks.subscribe_quotes(symbol, strategy.on_quote)

    def _dispatch_fill(self, fill: tuple[Any, ...]) -> None:
        record = dict(zip(_FILL_FIELDS, fill, strict=True))
        self._strategies[record["strategy"]].on_fill(record)

    def _dispatch_order(self, order: tuple[Any, ...]) -> None:
        record = dict(zip(_ORDER_FIELDS, order, strict=True))
        self._strategies[record["strategy"]].on_order_update(record)
