"""``BacktestEngine``: bars of several symbols, several strategies, one portfolio."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from alphaforge._core.backtest import BarBacktest
from alphaforge.backtest.result import FILL_COLUMNS, POSITION_COLUMNS, BacktestResult
from alphaforge.strategy import Clock, Strategy

_BAR_COLUMNS = ("open", "high", "low", "close", "volume")
_ORDER_COLUMNS = [
    "order_id",
    "ts",
    "symbol",
    "side",
    "type",
    "qty",
    "price",
    "stop_price",
    "status",
    "filled_qty",
    "avg_fill_price",
    "strategy",
    "reject_reason",
]


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{field} must be a number, got {type(value).__name__}")
    return float(value)


def _utc_ns(index: pd.Index, field: str) -> np.ndarray:
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError(f"{field} must be a DatetimeIndex, got {type(index).__name__}")
    if index.tz is None:
        index = index.tz_localize("UTC")
    return np.asarray(index.tz_convert("UTC").as_unit("ns").asi8, dtype=np.int64)


def _utc_times(ns: Any) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(np.asarray(ns, dtype=np.int64), unit="ns", utc=True))


class BacktestEngine:
    """Replays bars through strategies; fills follow backtrader's default conventions."""

    def __init__(
        self,
        cash: float = 100_000.0,
        fees: float | tuple[float, float] = 0.0,
        slippage: float = 0.0,
    ) -> None:
        """`fees`: one rate on notional, or (maker, taker); `slippage`: ticks on market fills."""
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
        self._core = BarBacktest(cash, maker, taker, slippage)
        self._cash = cash
        self._strategies: dict[str, Strategy] = {}
        self._ran = False
        self.clock = Clock(self)

    def add_instrument(self, symbol: str, tick_size: float, lot_size: float = 1.0) -> None:
        """Trade `symbol` on a price and size grid (otherwise a 1e-8 grid); before its bars."""
        self._core.add_instrument(symbol, tick_size, lot_size)

    def add_bars(self, symbol: str, bars: pd.DataFrame) -> None:
        """Add a symbol's bars: columns open, high, low, close, volume; a datetime index."""
        if not isinstance(symbol, str):
            raise TypeError(f"symbol must be a str, got {type(symbol).__name__}")
        if not isinstance(bars, pd.DataFrame):
            raise TypeError(f"bars must be a pandas DataFrame, got {type(bars).__name__}")
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
        self._core.add_bars(symbol, ts, *arrays)

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
        self._core.run(on_fill=self._dispatch_fill, on_order=self._dispatch_order)
        for strategy in self._strategies.values():
            strategy.on_stop()
        return self.frames()

    def frames(self) -> dict[str, pd.DataFrame]:
        """The fills, orders, positions and equity of the run so far."""
        fills = pd.DataFrame(self._core.fills(), columns=list(FILL_COLUMNS))
        fills["ts"] = _utc_times(fills["ts"])
        orders = pd.DataFrame(self._core.orders(), columns=_ORDER_COLUMNS)
        orders["ts"] = _utc_times(orders["ts"])
        positions = pd.DataFrame(self._core.positions(), columns=list(POSITION_COLUMNS))
        ts, cash, equity = self._core.equity()
        curve = pd.DataFrame(
            {"cash": cash, "positions_value": equity - cash, "equity": equity},
            index=_utc_times(ts),
        )
        curve.index.name = "ts"
        return {"fills": fills, "orders": orders, "positions": positions, "equity": curve}

    # Used by Strategy.
    def _now_ns(self) -> int:
        return int(self._core.now)

    def _core_engine(self) -> BarBacktest:
        return self._core

    def _subscribe_bars(self, strategy: Strategy, symbol: str) -> None:
        handler: Callable[[Any], None] = strategy.on_bar
        self._core.subscribe(symbol, handler)

    def _dispatch_fill(self, fill: tuple[Any, ...]) -> None:
        record = dict(zip(FILL_COLUMNS, fill, strict=True))
        self._strategies[record["strategy"]].on_fill(record)

    def _dispatch_order(self, order: tuple[Any, ...]) -> None:
        record = dict(zip(_ORDER_COLUMNS, order, strict=True))
        self._strategies[record["strategy"]].on_order_update(record)
