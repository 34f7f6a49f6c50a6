"""Figures as text for the report, the tearsheet and the printed tables."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from alphaforge.backtest.metrics import Metrics

# Ratios of money, shown as percentages.
PERCENT = {
    "total_return",
    "cagr",
    "volatility",
    "max_drawdown",
    "win_rate",
    "exposure",
    "risk_free_rate",
    "average_return",
    "benchmark_return",
    "alpha",
}
LABELS = {
    "start": "Start",
    "end": "End",
    "starting_cash": "Starting cash",
    "final_equity": "Final equity",
    "total_return": "Total return",
    "cagr": "CAGR",
    "volatility": "Volatility (annualised)",
    "sharpe": "Sharpe ratio",
    "sortino": "Sortino ratio",
    "max_drawdown": "Max drawdown",
    "max_drawdown_duration": "Max drawdown duration",
    "trades": "Trades",
    "win_rate": "Win rate",
    "profit_factor": "Profit factor",
    "exposure": "Exposure",
    "total_fees": "Total fees",
    "turnover": "Turnover",
    "periods_per_year": "Periods per year",
    "risk_free_rate": "Risk-free rate",
    "round_trips": "Round trips (FIFO)",
    "winners": "Winning round trips",
    "losers": "Losing round trips",
    "average_win": "Average win",
    "average_loss": "Average loss",
    "expectancy": "Expectancy (per round trip)",
    "average_return": "Average return (per round trip)",
    "best": "Best round trip",
    "worst": "Worst round trip",
    "average_holding": "Average holding time",
    "median_holding": "Median holding time",
    "longest_holding": "Longest holding time",
    "max_win_streak": "Longest winning streak",
    "max_loss_streak": "Longest losing streak",
    "calmar": "Calmar ratio",
    "benchmark_return": "Benchmark return",
    "alpha": "Alpha (annualised)",
    "beta": "Beta",
    "correlation": "Correlation",
    "daily_returns": "Daily returns regressed",
    "days_per_year": "Days per year",
}


def format_metric(name: str, value: object) -> str:
    """One figure as text: percentages for ratios of money, two decimals for the rest."""
    if value is pd.NaT:
        return "n/a"
    if isinstance(value, pd.Timestamp):
        return str(value.isoformat())
    if isinstance(value, pd.Timedelta):
        # Averages of times carry nanoseconds no reader needs past a minute.
        return str(value.round("s") if abs(value) >= pd.Timedelta(minutes=1) else value)
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return "n/a"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if name in PERCENT:
        return f"{number * 100:.2f} %"
    return f"{number:,.2f}"


def figure_rows(
    figures: Mapping[str, object], notes: Mapping[str, str]
) -> list[tuple[str, str, str]]:
    """(label, formatted value, note) for each figure in order; the note says why a figure
    is n/a or infinite and is empty otherwise."""
    return [
        (LABELS.get(name, name), format_metric(name, value), notes.get(name, ""))
        for name, value in figures.items()
    ]


def metric_rows(metrics: Metrics) -> list[tuple[str, str, str]]:
    """(label, formatted value, note) for every metric, in definition order."""
    return figure_rows(metrics.as_dict(), metrics.notes)
