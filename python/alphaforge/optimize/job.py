"""One backtest of a sweep: what every worker holds once (the job) and what each task adds."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from alphaforge.backtest.engine import BacktestEngine
from alphaforge.backtest.metrics import Metrics
from alphaforge.optimize.bar_data import BarSource, Window
from alphaforge.optimize.strategy_ref import StrategyRef, construct_strategy

METRICS = tuple(f.name for f in fields(Metrics))


@dataclass(frozen=True)
class Job:
    """Everything a worker needs once per sweep: the strategy, the engine settings, the bars."""

    strategy: StrategyRef
    symbol: str
    bars: BarSource
    engine: dict[str, Any] = field(default_factory=dict)
    instrument: dict[str, Any] | None = None


@dataclass(frozen=True)
class Task:
    """One parameter set on one span of the bars; `key` orders the results."""

    key: int
    params: dict[str, Any]
    window: Window | None = None
    keep_equity: bool = False


@dataclass(frozen=True)
class Outcome:
    """The metrics of a task's backtest, or the error that stopped it."""

    key: int
    metrics: dict[str, Any] | None
    error: str | None = None
    # (ts_ns, equity) of the run, for walk-forward's out-of-sample curve.
    equity: tuple[np.ndarray, np.ndarray] | None = None
    starting_cash: float = 0.0


def run_task(job: Job, task: Task) -> Outcome:
    """Backtest one parameter set; a strategy that raises gives an Outcome with its error."""
    try:
        bars = job.bars.load(task.window)
        if len(bars) == 0:
            raise ValueError(f"no bars of {job.symbol} in the window {task.window}")
        engine = BacktestEngine(**job.engine)
        if job.instrument is not None:
            engine.add_instrument(job.symbol, **job.instrument)
        engine.add_bars(job.symbol, bars)
        engine.add_strategy(construct_strategy(job.strategy.resolve(), job.symbol, task.params))
        result = engine.run()
        metrics = result.metrics.as_dict()
    except Exception as error:
        return Outcome(task.key, None, describe(error))
    equity = None
    if task.keep_equity:
        curve = result.equity
        equity = (curve.index.as_unit("ns").asi8.copy(), curve["equity"].to_numpy(np.float64))
    return Outcome(task.key, metrics, None, equity, result.starting_cash)


def describe(error: BaseException) -> str:
    """An exception as one line: its type and message."""
    return f"{type(error).__name__}: {error}"
