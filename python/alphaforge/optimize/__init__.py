"""Parameter sweeps and walk-forward analysis of a strategy, on a process pool or on Ray."""

from alphaforge.optimize.api import optimize
from alphaforge.optimize.results import SweepResult
from alphaforge.optimize.walk_forward import WalkForwardResult, walk_forward

__all__ = ["SweepResult", "WalkForwardResult", "optimize", "walk_forward"]
