"""Backtests: replay market data through strategies, one portfolio, exact fills."""

from alphaforge.backtest.engine import BacktestEngine

__all__ = ["BacktestEngine"]
