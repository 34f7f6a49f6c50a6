"""Backtests: replay market data through strategies into one portfolio; results and metrics."""

from alphaforge.backtest.engine import BacktestEngine
from alphaforge.backtest.metrics import Metrics, compute_metrics
from alphaforge.backtest.result import BacktestResult

__all__ = ["BacktestEngine", "BacktestResult", "Metrics", "compute_metrics"]
