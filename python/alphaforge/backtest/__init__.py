"""Backtesting: the result of a run, its metrics and its report."""

from alphaforge.backtest.metrics import Metrics, compute_metrics
from alphaforge.backtest.result import BacktestResult

__all__ = ["BacktestResult", "Metrics", "compute_metrics"]
