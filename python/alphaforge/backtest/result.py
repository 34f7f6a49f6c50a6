"""What a backtest run produces: fills, orders, positions, the equity curve, and their figures."""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.backtest.metrics import (
    BenchmarkStats,
    Metrics,
    TradeStats,
    benchmark_statistics,
    compute_metrics,
    drawdown_series,
    fifo_round_trips,
    trade_statistics,
)
from alphaforge.backtest.trades import round_trips

FILL_COLUMNS = ("ts", "symbol", "side", "qty", "price", "fee", "order_id", "strategy")
ORDER_COLUMNS = (
    "order_id",
    "ts",
    "symbol",
    "side",
    "type",
    "qty",
    "price",
    "status",
    "filled_qty",
    "avg_fill_price",
    "strategy",
    "reject_reason",
)
POSITION_COLUMNS = (
    "strategy",
    "symbol",
    "qty",
    "avg_price",
    "realized_pnl",
    "unrealized_pnl",
    "fees",
)
EQUITY_COLUMNS = ("cash", "positions_value", "equity")
SIDES = ("BUY", "SELL")
FRAMES = ("fills", "orders", "positions", "equity", "prices")
SAVE_FORMAT = 1
# Parameters are shown and saved as JSON: these go as they are, anything else as its repr.
JsonScalar = bool | int | float | str | None


@dataclass(frozen=True)
class StrategySettings:
    """One strategy of a run: its name, its class and its parameters."""

    name: str
    kind: str
    parameters: Mapping[str, JsonScalar | list[JsonScalar]] = field(default_factory=dict)

    @classmethod
    def of(cls, strategy: object) -> StrategySettings:
        """The settings of `strategy`: its ``parameters`` mapping when it has a non-empty one,
        else its constructor's arguments kept as attributes of the same name."""
        given = getattr(strategy, "parameters", None)
        if isinstance(given, Mapping) and given:
            chosen = {str(k): v for k, v in given.items()}
        else:
            signature = inspect.signature(type(strategy).__init__)
            names = [
                p.name
                for p in list(signature.parameters.values())[1:]
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                and p.name not in ("name", "cache_size")  # Strategy's own, not the model's
            ]
            chosen = {n: getattr(strategy, n) for n in names if hasattr(strategy, n)}
        name = str(getattr(strategy, "name", type(strategy).__name__))
        parameters = {k: _json_value(v) for k, v in chosen.items()}
        return cls(name, type(strategy).__name__, parameters)


@dataclass(frozen=True)
class RunSettings:
    """What a run was given, as far as it is known (None where it is not): its strategies,
    the symbols, the kind of data, fee rates (maker, taker) on notional, slippage as a price
    distance and in basis points, the entry, response and feed latencies in seconds (or
    whether a recorded latency series set the first two), the queue model of a run with
    depth, the account kind and currency."""

    strategies: tuple[StrategySettings, ...] = ()
    symbols: tuple[str, ...] = ()
    data: str | None = None
    fees: tuple[float, float] | None = None
    slippage_price: float | None = None
    slippage_bps: float | None = None
    latency: float | None = None
    response_latency: float | None = None
    feed_latency: float | None = None
    latency_series: bool = False
    queue_model: str | None = None
    account: str | None = None
    currency: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready values."""
        return {
            "strategies": [
                {"name": s.name, "kind": s.kind, "parameters": dict(s.parameters)}
                for s in self.strategies
            ],
            "symbols": list(self.symbols),
            "data": self.data,
            "fees": None if self.fees is None else list(self.fees),
            "slippage_price": self.slippage_price,
            "slippage_bps": self.slippage_bps,
            "latency": self.latency,
            "response_latency": self.response_latency,
            "feed_latency": self.feed_latency,
            "latency_series": self.latency_series,
            "queue_model": self.queue_model,
            "account": self.account,
            "currency": self.currency,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> RunSettings:
        """The settings that `to_dict` gave."""
        fees = values.get("fees")
        return cls(
            strategies=tuple(
                StrategySettings(s["name"], s["kind"], s.get("parameters", {}))
                for s in values.get("strategies", ())
            ),
            symbols=tuple(values.get("symbols", ())),
            data=values.get("data"),
            fees=None if fees is None else (float(fees[0]), float(fees[1])),
            slippage_price=values.get("slippage_price"),
            slippage_bps=values.get("slippage_bps"),
            latency=values.get("latency"),
            response_latency=values.get("response_latency"),
            feed_latency=values.get("feed_latency"),
            latency_series=bool(values.get("latency_series", False)),
            queue_model=values.get("queue_model"),
            account=values.get("account"),
            currency=values.get("currency"),
        )


def _json_value(value: object) -> JsonScalar | list[JsonScalar]:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (tuple, list)):
        return [_json_scalar(v.item() if isinstance(v, np.generic) else v) for v in value]
    return _json_scalar(value)


def _json_scalar(value: object) -> JsonScalar:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return repr(value)


# eq=False: DataFrames have no single truth value, so results compare by identity.
@dataclass(frozen=True, eq=False)
class BacktestResult:
    """The record of one backtest run; the inputs are checked once, the metrics computed once."""

    fills: pd.DataFrame
    orders: pd.DataFrame
    positions: pd.DataFrame
    equity: pd.DataFrame
    starting_cash: float
    risk_free_rate: float = field(default=0.0, kw_only=True)
    # Prices of the traded symbols (a column each, UTC index): the default benchmark and the
    # price chart of the tearsheet. None when the run did not record them.
    prices: pd.DataFrame | None = field(default=None, kw_only=True)
    settings: RunSettings | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        _check_number("starting_cash", self.starting_cash, positive=True)
        _check_number("risk_free_rate", self.risk_free_rate, positive=False)
        if self.risk_free_rate <= -1.0:
            raise ValueError(f"risk_free_rate must be greater than -1, got {self.risk_free_rate!r}")
        _check_frame("fills", self.fills, FILL_COLUMNS)
        _check_frame("orders", self.orders, ORDER_COLUMNS)
        _check_frame("positions", self.positions, POSITION_COLUMNS)
        _check_frame("equity", self.equity, EQUITY_COLUMNS)
        _check_fills(self.fills)
        _check_equity(self.equity)
        if self.prices is not None:
            _check_prices(self.prices)
        if self.settings is not None and not isinstance(self.settings, RunSettings):
            raise TypeError(f"settings must be a RunSettings, got {type(self.settings).__name__}")

    @property
    def final_equity(self) -> float:
        """Cash plus marked positions at the last point of the equity curve."""
        return float(self.equity["equity"].iloc[-1])

    @cached_property
    def trades(self) -> pd.DataFrame:
        """Closed round-trip trades per (strategy, symbol), PnL net of fees."""
        return round_trips(self.fills)

    @cached_property
    def metrics(self) -> Metrics:
        """Every performance figure of the run (see docs/metrics.md for the definitions)."""
        return compute_metrics(
            self.equity, self.fills, self.trades, self.starting_cash, self.risk_free_rate
        )

    @cached_property
    def drawdown(self) -> pd.Series:
        """Fractional distance below the running peak of equity at every point."""
        values = self.equity["equity"].to_numpy(dtype=np.float64)
        return pd.Series(
            drawdown_series(values, self.starting_cash), index=self.equity.index, name="drawdown"
        )

    @cached_property
    def round_trips(self) -> pd.DataFrame:
        """Round trips matched first in, first out per (strategy, symbol), for trade_stats."""
        return fifo_round_trips(self.fills)

    @cached_property
    def trade_stats(self) -> TradeStats:
        """Figures of the FIFO round trips and the Calmar ratio (see docs/metrics.md)."""
        return trade_statistics(self.round_trips, self.metrics)

    def benchmark(self, benchmark: pd.Series | None = None) -> pd.Series | None:
        """`benchmark` checked, or by default buying and holding the traded symbols from the
        recorded prices (an equal share of each); None when there is neither."""
        if benchmark is not None:
            _check_benchmark(benchmark)
            return benchmark.astype(np.float64)
        if self.prices is None or self.prices.shape[1] == 0:
            return None
        traded = [s for s in pd.unique(self.fills["symbol"]) if s in self.prices.columns]
        symbols = traded or list(self.prices.columns)
        prices = self.prices[symbols].ffill()
        growth = prices / prices.bfill().iloc[0]
        held = growth.mean(axis=1).dropna()
        held.name = "buy and hold " + ", ".join(map(str, symbols))
        return held

    def benchmark_stats(self, benchmark: pd.Series | None = None) -> BenchmarkStats:
        """Alpha, beta and correlation on daily returns against `benchmark` (see benchmark)."""
        series = self.benchmark(benchmark)
        if series is None:
            series = pd.Series([], index=pd.DatetimeIndex([], tz="UTC"), dtype=np.float64)
        return benchmark_statistics(self.equity["equity"], series, self.risk_free_rate)

    def save(self, path: str | Path) -> Path:
        """Write every frame as Parquet and the run's settings as JSON into the directory
        `path` (made if missing); return its path. `BacktestResult.load` reads it back."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        frames: dict[str, dict[str, str]] = {}
        for name in FRAMES:
            frame = getattr(self, name)
            if frame is None:
                continue
            frame.to_parquet(folder / f"{name}.parquet")
            frames[name] = {str(c): str(t) for c, t in frame.dtypes.items()}
        record = {
            "format": SAVE_FORMAT,
            "starting_cash": float(self.starting_cash),
            "risk_free_rate": float(self.risk_free_rate),
            "settings": None if self.settings is None else self.settings.to_dict(),
            "dtypes": frames,
        }
        (folder / "result.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, path: str | Path) -> BacktestResult:
        """The result that `save` wrote into the directory `path`."""
        folder = Path(path)
        record_path = folder / "result.json"
        if not record_path.is_file():
            raise FileNotFoundError(f"{record_path} not found: not a saved backtest result")
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("format") != SAVE_FORMAT:
            raise ValueError(
                f"{record_path}: format must be {SAVE_FORMAT}, got {record.get('format')!r}"
            )
        frames: dict[str, pd.DataFrame] = {}
        for name, dtypes in record["dtypes"].items():
            frame = pd.read_parquet(folder / f"{name}.parquet")
            # Parquet keeps strings, not whether pandas held them as object or as str.
            changed = {c: t for c, t in dtypes.items() if str(frame[c].dtype) != t}
            frames[name] = frame.astype(changed) if changed else frame
        settings = record.get("settings")
        return cls(
            frames["fills"],
            frames["orders"],
            frames["positions"],
            frames["equity"],
            record["starting_cash"],
            risk_free_rate=record["risk_free_rate"],
            prices=frames.get("prices"),
            settings=None if settings is None else RunSettings.from_dict(settings),
        )

    def metrics_frame(self) -> pd.DataFrame:
        """The metrics as a one-column DataFrame for printing."""
        return self.metrics.to_frame()

    def plot(self, path: str | Path) -> Path:
        """Write a PNG of the equity curve, drawdown and trade markers; return its path."""
        from alphaforge.backtest.report import write_png

        return write_png(self, path)

    def to_html(
        self,
        path: str | Path,
        benchmark: pd.Series | None = None,
        docs_url: str | None = None,
    ) -> Path:
        """Write the tearsheet, one self-contained HTML file, against `benchmark` (prices or
        values; by default buying and holding the traded symbols); return its path."""
        from alphaforge.backtest.report import write_html

        return write_html(self, path, benchmark=benchmark, docs_url=docs_url)


def _check_number(name: str, value: object, *, positive: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")


def _check_frame(name: str, frame: object, columns: Iterable[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {', '.join(map(repr, missing))}")


def _check_utc(name: str, dtype: Any) -> None:
    if not isinstance(dtype, pd.DatetimeTZDtype) or str(dtype.tz) != "UTC":
        raise ValueError(f"{name} must be datetime64[ns, UTC], got {dtype}")


def _check_finite(name: str, series: pd.Series) -> None:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise ValueError(
            f"{name} must be finite numbers, got {_plain(series.iloc[bad[0]])!r}"
            f" at {series.index[bad[0]]}"
        )


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds, so messages read 1.5, not np.float64(1.5)."""
    return value.item() if isinstance(value, np.generic) else value


def _check_fills(fills: pd.DataFrame) -> None:
    if len(fills) == 0:
        return
    _check_utc("fills column 'ts'", fills["ts"].dtype)
    if fills["ts"].isna().any():
        raise ValueError("fills column 'ts' has missing timestamps")
    for column in ("symbol", "strategy"):
        missing = fills[column].isna()
        if missing.any():
            row = fills.index[missing.to_numpy()][0]
            raise ValueError(f"fills column {column!r} has a missing value at {row}")
    bad_side = ~fills["side"].isin(SIDES)
    if bad_side.any():
        row = fills.index[bad_side.to_numpy()][0]
        side = _plain(fills["side"][row])
        raise ValueError(f"fills column 'side' must be 'BUY' or 'SELL', got {side!r} at {row}")
    for column in ("qty", "price", "fee"):
        _check_finite(f"fills column {column!r}", fills[column])
    not_positive = fills["qty"] <= 0
    if not_positive.any():
        row = fills.index[not_positive.to_numpy()][0]
        qty = _plain(fills["qty"][row])
        raise ValueError(f"fills column 'qty' must be positive, got {qty!r} at {row}")


def _check_equity(equity: pd.DataFrame) -> None:
    if len(equity) == 0:
        raise ValueError("equity has no rows: a run produces at least one point")
    if not isinstance(equity.index, pd.DatetimeIndex):
        raise ValueError(f"equity must be indexed by timestamps, got {type(equity.index).__name__}")
    _check_utc("equity index", equity.index.dtype)
    if not equity.index.is_monotonic_increasing or not equity.index.is_unique:
        stamps = equity.index
        at = next(i for i in range(1, len(stamps)) if not stamps[i] > stamps[i - 1])
        raise ValueError(
            f"equity index must be strictly increasing, but {stamps[at]} follows {stamps[at - 1]}"
        )
    for column in EQUITY_COLUMNS:
        _check_finite(f"equity column {column!r}", equity[column])


def _check_timeline(name: str, index: object) -> None:
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(f"{name} must be indexed by timestamps, got {type(index).__name__}")
    _check_utc(f"{name} index", index.dtype)
    if not index.is_monotonic_increasing:
        at = next(i for i in range(1, len(index)) if index[i] < index[i - 1])
        raise ValueError(
            f"{name} index must be increasing, but {index[at]} follows {index[at - 1]}"
        )


def _check_prices(prices: object) -> None:
    if not isinstance(prices, pd.DataFrame):
        raise TypeError(f"prices must be a pandas DataFrame, got {type(prices).__name__}")
    _check_timeline("prices", prices.index)
    for column in prices.columns:
        values = prices[column].dropna()
        _check_finite(f"prices column {column!r}", values)
        bad = values <= 0
        if bad.any():
            at = values.index[bad.to_numpy()][0]
            raise ValueError(
                f"prices column {column!r} must be positive, got {_plain(values[at])!r} at {at}"
            )


def _check_benchmark(benchmark: object) -> None:
    if not isinstance(benchmark, pd.Series):
        raise TypeError(f"benchmark must be a pandas Series, got {type(benchmark).__name__}")
    _check_timeline("benchmark", benchmark.index)
    if len(benchmark) == 0:
        raise ValueError("benchmark has no values")
    _check_finite("benchmark", benchmark)
    bad = (benchmark <= 0).to_numpy()
    if bad.any():
        at = benchmark.index[bad][0]
        value = _plain(benchmark.iloc[int(np.flatnonzero(bad)[0])])
        raise ValueError(f"benchmark must be positive prices or values, got {value!r} at {at}")
