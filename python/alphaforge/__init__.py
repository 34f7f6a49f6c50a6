"""AlphaForge: write a trading strategy once in Python, run it on a native C++ core."""

from alphaforge._core import __version__
from alphaforge.backtest import BacktestEngine
from alphaforge.contingent import Bracket
from alphaforge.optimize import optimize, walk_forward
from alphaforge.strategy import Strategy

__all__ = ["BacktestEngine", "Bracket", "Strategy", "__version__", "optimize", "walk_forward"]
