"""Performance metrics of a backtest, each defined exactly in docs/metrics.md."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import InitVar, asdict, dataclass, field, fields
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

_SECONDS_PER_YEAR = 365.25 * 24 * 3600
# GIPS: "returns for periods of less than one year must not be annualized". Below a year the
# CAGR would extrapolate (a 0.1 % gain in 46 seconds compounds past 1e300 a year).
MIN_YEARS_FOR_CAGR = 1.0


@dataclass(frozen=True)
class Metrics:
    """The figures of one backtest; ratios are fractions (0.05 is 5 %), money in account units.

    A figure that has no meaningful value for the run is NaN (or infinite where the docs say
    so), and ``notes[name]`` says why.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    starting_cash: float
    final_equity: float
    total_return: float
    cagr: float
    volatility: float
    sharpe: float
    sortino: float
    max_drawdown: float
    max_drawdown_duration: pd.Timedelta
    trades: int
    win_rate: float
    profit_factor: float
    exposure: float
    total_fees: float
    turnover: float
    periods_per_year: float
    risk_free_rate: float
    # Not a field: fields() and as_dict() are the figures alone (the columns of a sweep).
    reasons: InitVar[Mapping[str, str] | None] = None

    def __post_init__(self, reasons: Mapping[str, str] | None) -> None:
        # Frozen: set past the dataclass's __setattr__, as functools.cached_property does.
        self.__dict__["_notes"] = MappingProxyType(dict(reasons or {}))

    @property
    def notes(self) -> Mapping[str, str]:
        """Why a figure is NaN or infinite, by figure name; empty when every figure is finite."""
        notes: Mapping[str, str] = self.__dict__["_notes"]
        return notes

    def as_dict(self) -> dict[str, object]:
        """The metrics as a plain dict in definition order."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """The metrics as a one-column DataFrame ("value") indexed by metric name."""
        names = [f.name for f in fields(self)]
        values = [getattr(self, name) for name in names]
        return pd.DataFrame({"value": pd.Series(values, index=names, dtype=object)})


def compute_metrics(
    equity: pd.DataFrame,
    fills: pd.DataFrame,
    trades: pd.DataFrame,
    starting_cash: float,
    risk_free_rate: float = 0.0,
) -> Metrics:
    """All metrics of an equity curve, its fills and its round-trip trades; never raises for
    a curve that is short, flat or wiped out (those figures are NaN, with a note)."""
    values = equity["equity"].to_numpy(dtype=np.float64)
    index = pd.DatetimeIndex(equity.index)
    start, end = index[0], index[-1]
    span = end - start
    years = span.total_seconds() / _SECONDS_PER_YEAR
    notes: dict[str, str] = {}
    periods_per_year = (len(values) - 1) / years if years > 0 else float("nan")
    if years <= 0:
        notes["periods_per_year"] = "one equity point: the run has no span"

    final = float(values[-1])
    growth = final / starting_cash
    cagr = float("nan")
    if years < MIN_YEARS_FOR_CAGR:
        notes["cagr"] = (
            f"the run spans {_span_text(span)}, under a year: a shorter return is not "
            "annualised (see total_return)"
        )
    elif growth <= 0:
        notes["cagr"] = f"final equity is {final:,.2f}: no yearly rate leads to it"
    else:
        cagr = float(growth ** (1.0 / years) - 1.0)

    returns = np.zeros(0)
    lowest = int(np.argmin(values))
    if len(values) < 3:
        why = f"{len(values)} equity point(s) give {len(values) - 1} return(s); 2 are needed"
    elif values[lowest] <= 0:
        why = (
            f"equity is {values[lowest]:,.2f} at {index[lowest].isoformat()}: returns past a "
            "zero or negative equity are undefined"
        )
    else:
        why = ""
        returns = np.diff(values) / values[:-1]
    if why:
        notes.update(volatility=why, sharpe=why, sortino=why)
        vol = sharpe = sortino = float("nan")
    else:
        vol = volatility(returns, periods_per_year)
        sharpe = sharpe_ratio(returns, periods_per_year, risk_free_rate)
        sortino = sortino_ratio(returns, periods_per_year, risk_free_rate)
        if math.isnan(sharpe):
            notes["sharpe"] = "every period returned the same: the returns have no variance"
        if math.isnan(sortino):
            notes["sortino"] = "every period returned the risk-free rate exactly"
        elif math.isinf(sortino):
            notes["sortino"] = "no period returned below the risk-free rate: downside is zero"

    mean_equity = float(values.mean())
    drawdown, duration = max_drawdown(values, index, starting_cash)
    pnl = trades["pnl"].to_numpy(dtype=np.float64)
    notional = np.abs(fills["qty"].to_numpy(np.float64) * fills["price"].to_numpy(np.float64))
    factor = profit_factor(pnl)
    if len(pnl) == 0:
        notes["win_rate"] = notes["profit_factor"] = "no closed round-trip trades"
    elif math.isnan(factor):
        notes["profit_factor"] = "no trade won or lost"
    elif math.isinf(factor):
        notes["profit_factor"] = "no trade lost"
    if mean_equity <= 0:
        notes["turnover"] = f"mean equity is {mean_equity:,.2f}: nothing to divide by"

    return Metrics(
        start=start,
        end=end,
        starting_cash=float(starting_cash),
        final_equity=final,
        total_return=growth - 1.0,
        cagr=cagr,
        volatility=vol,
        sharpe=sharpe,
        sortino=sortino,
        max_drawdown=drawdown,
        max_drawdown_duration=duration,
        trades=len(pnl),
        win_rate=float(np.mean(pnl > 0)) if len(pnl) else float("nan"),
        profit_factor=factor,
        exposure=exposure(fills, index),
        total_fees=float(fills["fee"].sum()),
        turnover=float(notional.sum() / mean_equity) if mean_equity > 0 else float("nan"),
        periods_per_year=periods_per_year,
        risk_free_rate=float(risk_free_rate),
        reasons=notes,
    )


def _span_text(span: pd.Timedelta) -> str:
    """A span as words: 46 seconds, 3.5 hours, 120 days."""
    seconds = span.total_seconds()
    for unit, size in (("days", 86_400.0), ("hours", 3_600.0), ("minutes", 60.0)):
        if seconds >= 2 * size:
            return f"{seconds / size:,.4g} {unit}"
    return f"{seconds:,.4g} seconds"


def per_period_rate(annual_rate: float, periods_per_year: float) -> float:
    """The per-period rate that compounds to `annual_rate` over one year."""
    return float((1.0 + annual_rate) ** (1.0 / periods_per_year) - 1.0)


def volatility(returns: np.ndarray, periods_per_year: float) -> float:
    """Sample standard deviation of per-period returns, scaled by sqrt(periods per year)."""
    if len(returns) < 2:
        return float("nan")
    return float(np.std(returns, ddof=1) * math.sqrt(periods_per_year))


def sharpe_ratio(returns: np.ndarray, periods_per_year: float, risk_free_rate: float) -> float:
    """Mean excess return over its sample standard deviation, times sqrt(periods per year)."""
    if len(returns) < 2:
        return float("nan")
    excess = returns - per_period_rate(risk_free_rate, periods_per_year)
    spread = float(np.std(excess, ddof=1))
    mean = float(np.mean(excess))
    # Equal returns leave a spread of rounding noise (1e-17), which would give a Sharpe of 1e15.
    if spread <= 1e-12 * abs(mean) or spread == 0.0:
        return float("nan")
    return mean / spread * math.sqrt(periods_per_year)


def sortino_ratio(returns: np.ndarray, periods_per_year: float, risk_free_rate: float) -> float:
    """Mean excess return over the downside deviation, times sqrt(periods per year)."""
    if len(returns) < 2:
        return float("nan")
    excess = returns - per_period_rate(risk_free_rate, periods_per_year)
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    mean = float(np.mean(excess))
    if downside == 0.0:
        return math.inf if mean > 0 else float("nan")
    return mean / downside * math.sqrt(periods_per_year)


def drawdown_series(values: np.ndarray, starting_cash: float) -> np.ndarray:
    """Fractional distance below the running peak (starting cash included) at each point."""
    peaks = np.maximum.accumulate(np.maximum(values, starting_cash))
    result: np.ndarray = 1.0 - values / peaks
    return result


def max_drawdown(
    values: np.ndarray, index: pd.DatetimeIndex, starting_cash: float
) -> tuple[float, pd.Timedelta]:
    """The deepest drawdown and the time from its peak to recovery (or to the last point)."""
    drawdowns = drawdown_series(values, starting_cash)
    trough = int(np.argmax(drawdowns))
    depth = float(drawdowns[trough])
    if depth <= 0.0:
        return 0.0, pd.Timedelta(0)
    peak_value = max(float(np.max(values[: trough + 1])), starting_cash)
    at_peak = np.flatnonzero(values[: trough + 1] >= peak_value)
    # A peak that is the starting cash, never reached on the curve, dates from its first point.
    peak_ts = index[at_peak[-1]] if len(at_peak) else index[0]
    recovered = np.flatnonzero(values[trough:] >= peak_value)
    end_ts = index[trough + recovered[0]] if len(recovered) else index[-1]
    return depth, end_ts - peak_ts


def profit_factor(pnl: np.ndarray) -> float:
    """Gross profit of winning trades over the gross loss of losing trades."""
    gains = float(pnl[pnl > 0].sum())
    losses = float(-pnl[pnl < 0].sum())
    if losses == 0.0:
        return math.inf if gains > 0 else float("nan")
    return gains / losses


def exposure(fills: pd.DataFrame, index: pd.DatetimeIndex) -> float:
    """Fraction of equity points at which some (strategy, symbol) holds a non-zero position."""
    if len(fills) == 0:
        return 0.0
    held = np.zeros(len(index), dtype=bool)
    ordered = fills.sort_values("ts", kind="stable")
    stamps = index.as_unit("ns").asi8
    for _, group in ordered.groupby(["strategy", "symbol"], sort=False):
        signed = np.where(group["side"] == "BUY", 1.0, -1.0) * group["qty"].to_numpy(np.float64)
        position = np.cumsum(signed)
        scale = np.maximum.accumulate(np.abs(position)).max()
        fill_ns = pd.DatetimeIndex(group["ts"]).as_unit("ns").asi8
        # The position at an equity point is the one after every fill stamped at or before it.
        after = np.searchsorted(fill_ns, stamps, side="right") - 1
        at_point = np.where(after >= 0, position[np.maximum(after, 0)], 0.0)
        held |= np.abs(at_point) > 1e-9 * scale
    return float(held.mean())


# Round trips matched first in, first out: what the trade statistics of the tearsheet count.
ROUND_TRIP_COLUMNS = (
    "strategy",
    "symbol",
    "direction",
    "entry_ts",
    "exit_ts",
    "qty",
    "entry_price",
    "exit_price",
    "fees",
    "pnl",
    "return_pct",
    "holding",
)
# As in trades.py: a lot this small against the book's largest quantity is rounding, not a lot.
_LOT_RELATIVE = 1e-9


def fifo_round_trips(fills: pd.DataFrame) -> pd.DataFrame:
    """Round trips of `fills`, per (strategy, symbol): a fill against the open lots closes the
    oldest first; one row per (lot, closing fill) pair, ordered by exit time. Fees go with
    the quantity: each fill's fee per unit, on both the entry and the exit side."""
    rows: list[tuple[object, ...]] = []
    ordered = fills.sort_values("ts", kind="stable")
    for (strategy, symbol), book in ordered.groupby(["strategy", "symbol"], sort=True):
        rows.extend(_fifo_book(str(strategy), str(symbol), book))
    trips = pd.DataFrame(rows, columns=list(ROUND_TRIP_COLUMNS[:-1]))
    ts_dtype = fills["ts"].dtype if len(fills) else "datetime64[ns, UTC]"
    trips = trips.astype(
        {"entry_ts": ts_dtype, "exit_ts": ts_dtype, "strategy": object, "symbol": object}
    )
    trips = trips.astype({c: "float64" for c in ROUND_TRIP_COLUMNS[5:11]})
    trips["direction"] = trips["direction"].astype(object)
    trips["holding"] = trips["exit_ts"] - trips["entry_ts"]
    return trips.sort_values(["exit_ts", "entry_ts"], kind="stable").reset_index(drop=True)


def _fifo_book(strategy: str, symbol: str, fills: pd.DataFrame) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    lots: deque[list[Any]] = deque()  # [entry ts, open qty, price, fee per unit]
    lot_sign = 0
    largest = 0.0
    for ts, side, qty, price, fee in zip(
        fills["ts"], fills["side"], fills["qty"], fills["price"], fills["fee"], strict=True
    ):
        qty, price = float(qty), float(price)
        sign = 1 if side == "BUY" else -1
        per_unit = float(fee) / qty
        largest = max(largest, qty, sum(lot[1] for lot in lots))
        tolerance = _LOT_RELATIVE * largest
        remaining = qty
        while lots and lot_sign != sign and remaining > tolerance:
            lot = lots[0]
            matched = min(lot[1], remaining)
            fees = (lot[3] + per_unit) * matched
            pnl = lot_sign * (price - lot[2]) * matched - fees
            direction = "LONG" if lot_sign > 0 else "SHORT"
            rows.append(
                (strategy, symbol, direction, lot[0], ts, matched, lot[2], price, fees, pnl,
                 pnl / (lot[2] * matched) if lot[2] else math.nan)
            )  # fmt: skip
            lot[1] -= matched
            remaining -= matched
            if lot[1] <= tolerance:
                lots.popleft()
        if remaining > tolerance:
            if not lots:
                lot_sign = sign
            lots.append([ts, remaining, price, per_unit])
    return rows


def _longest_run(flags: np.ndarray) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


@dataclass(frozen=True)
class TradeStats:
    """Figures of the FIFO round trips (money in account units, returns as fractions) and the
    run's Calmar ratio; a figure with no value is NaN (NaT for times), ``notes`` says why."""

    round_trips: int
    winners: int
    losers: int
    average_win: float
    average_loss: float
    expectancy: float
    average_return: float
    best: float
    worst: float
    average_holding: pd.Timedelta
    median_holding: pd.Timedelta
    longest_holding: pd.Timedelta
    max_win_streak: int
    max_loss_streak: int
    calmar: float
    notes: Mapping[str, str] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, object]:
        """The figures as a plain dict in definition order, without the notes."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "notes"}


def trade_statistics(trips: pd.DataFrame, metrics: Metrics) -> TradeStats:
    """Trade statistics of FIFO round trips (see fifo_round_trips) and the Calmar ratio."""
    pnl = trips["pnl"].to_numpy(dtype=np.float64)
    holding = pd.TimedeltaIndex(trips["holding"])
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    notes: dict[str, str] = {}
    nan = float("nan")
    if len(pnl) == 0:
        for name in ("expectancy", "average_return", "best", "worst"):
            notes[name] = "no closed round trips"
        for name in ("average_holding", "median_holding", "longest_holding"):
            notes[name] = "no closed round trips"
    if len(wins) == 0:
        notes["average_win"] = "no round trip won"
    if len(losses) == 0:
        notes["average_loss"] = "no round trip lost"
    calmar = nan
    if math.isnan(metrics.cagr):
        notes["calmar"] = f"CAGR is n/a: {metrics.notes.get('cagr', '')}"
    elif metrics.max_drawdown <= 0.0:
        notes["calmar"] = "the equity never fell below its peak: no drawdown to divide by"
    else:
        calmar = metrics.cagr / metrics.max_drawdown
    returns = trips["return_pct"].to_numpy(dtype=np.float64)
    some = len(pnl) > 0
    return TradeStats(
        round_trips=len(pnl),
        winners=len(wins),
        losers=len(losses),
        average_win=float(wins.mean()) if len(wins) else nan,
        average_loss=float(losses.mean()) if len(losses) else nan,
        expectancy=float(pnl.mean()) if some else nan,
        average_return=float(returns.mean()) if some else nan,
        best=float(pnl.max()) if some else nan,
        worst=float(pnl.min()) if some else nan,
        average_holding=holding.mean() if some else pd.NaT,
        median_holding=holding.median() if some else pd.NaT,
        longest_holding=holding.max() if some else pd.NaT,
        max_win_streak=_longest_run(pnl > 0),
        max_loss_streak=_longest_run(pnl < 0),
        calmar=calmar,
        notes=MappingProxyType(notes),
    )


@dataclass(frozen=True)
class BenchmarkStats:
    """The run against a benchmark on daily returns: the benchmark's return over the run, the
    annualised alpha, the beta and the correlation; NaN with a note when undefined."""

    benchmark_return: float
    alpha: float
    beta: float
    correlation: float
    daily_returns: int
    days_per_year: float
    notes: Mapping[str, str] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, object]:
        """The figures as a plain dict in definition order, without the notes."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "notes"}


def day_ends(values: pd.Series) -> pd.Series:
    """The last value of each UTC calendar day that has one, at its own timestamp."""
    index = pd.DatetimeIndex(values.index)
    last = ~index.normalize().duplicated(keep="last")
    return values[last]


def days_per_year(stamps: pd.DatetimeIndex) -> float:
    """Daily returns per year in the data: (days - 1) over the span of the days in years."""
    days = stamps.normalize()
    years = (days[-1] - days[0]).total_seconds() / _SECONDS_PER_YEAR if len(days) else 0.0
    return (len(days) - 1) / years if years > 0 else float("nan")


def alpha_beta(
    returns: np.ndarray, benchmark: np.ndarray, periods_per_year: float, risk_free_rate: float
) -> tuple[float, float]:
    """Least squares of excess returns on the benchmark's, x - rf = a + b (y - rf): the alpha
    compounded to a year, (1 + a)^P - 1, and the beta b. NaN when the benchmark is constant."""
    rf = per_period_rate(risk_free_rate, periods_per_year)
    x, y = benchmark - rf, returns - rf
    spread = float(np.mean((x - x.mean()) ** 2))
    if len(x) < 2 or spread <= 1e-24:
        return float("nan"), float("nan")
    beta = float(np.mean((x - x.mean()) * (y - y.mean()))) / spread
    intercept = float(y.mean() - beta * x.mean())
    return float((1.0 + intercept) ** periods_per_year - 1.0), beta


def benchmark_statistics(
    equity: pd.Series, benchmark: pd.Series, risk_free_rate: float = 0.0
) -> BenchmarkStats:
    """`equity` against `benchmark` (prices or values, any stamps): the benchmark is read at
    each equity stamp as its last value at or before it, both are taken at each day's last
    stamp, and their daily returns regressed (see alpha_beta)."""
    index = pd.DatetimeIndex(equity.index)
    levels = pd.Series(benchmark.asof(index).to_numpy(dtype=np.float64), index=index)
    known = levels.dropna()
    ends = day_ends(equity.astype(np.float64))
    pairs = pd.DataFrame({"run": ends, "benchmark": levels[ends.index]}).dropna()
    returns = pairs.pct_change().iloc[1:]
    per_year = days_per_year(pd.DatetimeIndex(ends.index))
    nan = float("nan")
    total = alpha = beta = correlation = nan
    why = ""
    if len(known) == 0:
        why = "the benchmark has no value at or before any point of the run"
    elif (pairs <= 0).any().any():
        total = float(known.iloc[-1] / known.iloc[0] - 1.0)
        why = "a daily value at or below zero: its return is undefined"
    elif len(returns) < 2:
        total = float(known.iloc[-1] / known.iloc[0] - 1.0)
        why = f"{len(returns)} daily return(s) beside the benchmark's; 2 are needed"
    else:
        total = float(known.iloc[-1] / known.iloc[0] - 1.0)
        run, bench = returns["run"].to_numpy(), returns["benchmark"].to_numpy()
        alpha, beta = alpha_beta(run, bench, per_year, risk_free_rate)
        if math.isnan(beta):
            why = "the benchmark's daily returns have no variance"
        elif float(np.std(run)) > 0.0:
            correlation = float(np.corrcoef(run, bench)[0, 1])
    notes = {name: why for name in ("alpha", "beta", "correlation") if why}
    if len(known) == 0:
        notes["benchmark_return"] = why
    if not notes and math.isnan(correlation):
        notes["correlation"] = "the run's daily returns have no variance"
    if math.isnan(per_year):
        notes["days_per_year"] = "the run's points fall on one day"
    return BenchmarkStats(
        benchmark_return=total,
        alpha=alpha,
        beta=beta,
        correlation=correlation,
        daily_returns=len(returns) if len(known) else 0,
        days_per_year=per_year,
        notes=MappingProxyType(notes),
    )
