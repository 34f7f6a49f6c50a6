"""The series the tearsheet draws: daily, monthly and yearly returns, rolling figures, the
benchmark scaled to the run, and which fills enter or leave a position."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from alphaforge.backtest.metrics import day_ends, days_per_year, per_period_rate

# Six months of trading days, as pyfolio and quantstats roll their Sharpe ratio.
ROLLING_DAYS = 126
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def daily_returns(equity: pd.Series) -> pd.Series:
    """Returns from one UTC day's last value to the next day's that has one."""
    ends = day_ends(equity.astype(np.float64))
    if (ends <= 0).any():
        return ends.iloc[:0]
    return ends.pct_change().iloc[1:]


def period_returns(equity: pd.Series, starting_cash: float) -> pd.DataFrame:
    """Monthly returns (columns Jan..Dec) and the year's (column Year), a row per calendar
    year: each period's last equity over the previous period's last (the starting cash before
    the first); NaN for a month without points. Chained, they give the total return."""
    values = equity.astype(np.float64)
    index = pd.DatetimeIndex(values.index).tz_convert("UTC").tz_localize(None)
    rows: dict[int, list[float]] = {}
    for freq, column in (("M", None), ("Y", 12)):
        periods = index.to_period(freq)
        ends = values.groupby(periods).last()
        before = np.concatenate([[starting_cash], ends.to_numpy()[:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = ends.to_numpy() / before - 1.0
        # A base at or below zero has no return to show.
        growth[before <= 0] = math.nan
        for period, value in zip(ends.index, growth, strict=True):
            row = rows.setdefault(period.year, [math.nan] * 13)
            row[period.month - 1 if column is None else column] = float(value)
    return pd.DataFrame.from_dict(rows, orient="index", columns=[*MONTHS, "Year"])


def rolling_figures(
    daily: pd.Series, per_year: float, risk_free_rate: float, window: int = ROLLING_DAYS
) -> pd.DataFrame:
    """Sharpe ratio and volatility of the last `window` daily returns at each day, both
    annualised with `per_year` days (the formulas of the run's own Sharpe and volatility)."""
    excess = daily - per_period_rate(risk_free_rate, per_year)
    scale = math.sqrt(per_year)
    spread = excess.rolling(window).std(ddof=1)
    sharpe = excess.rolling(window).mean() / spread.where(spread > 0) * scale
    volatility = daily.rolling(window).std(ddof=1) * scale
    return pd.DataFrame({"sharpe": sharpe, "volatility": volatility}).dropna(how="all")


def daily_per_year(equity: pd.Series) -> float:
    """Daily returns per year in the run (see metrics.days_per_year)."""
    return days_per_year(pd.DatetimeIndex(day_ends(equity).index))


def scaled_benchmark(benchmark: pd.Series, equity: pd.Series) -> pd.Series:
    """The benchmark as of each equity stamp, rescaled to start where the equity starts."""
    index = pd.DatetimeIndex(equity.index)
    levels = pd.Series(benchmark.asof(index).to_numpy(dtype=np.float64), index=index)
    known = levels.dropna()
    if len(known) == 0:
        return known
    return levels / known.iloc[0] * float(equity.loc[known.index[0]])


def entries(fills: pd.DataFrame) -> np.ndarray:
    """For each fill (in the frame's order), whether it opens or adds to a position of its
    (strategy, symbol) rather than reducing or closing it; a flip counts as an entry."""
    opening = np.zeros(len(fills), dtype=bool)
    if len(fills) == 0:
        return opening
    signed = np.where(fills["side"] == "BUY", 1.0, -1.0) * fills["qty"].to_numpy(np.float64)
    order = np.argsort(fills["ts"].to_numpy(), kind="stable")
    books = fills.iloc[order].groupby(["strategy", "symbol"], sort=False).indices
    for rows in books.values():
        positions = order[rows]
        after = np.cumsum(signed[positions])
        before = after - signed[positions]
        flipped = np.sign(after) * np.sign(before) < 0
        opening[positions] = (np.abs(after) > np.abs(before)) | flipped
    return opening
