"""``optimize``: backtest a strategy over a parameter space on a backend; the shared driver."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from alphaforge.backtest.engine import BacktestEngine
from alphaforge.data.catalog import DataCatalog
from alphaforge.optimize.backends import open_backend
from alphaforge.optimize.backends.base import Backend
from alphaforge.optimize.bar_data import BarSource, CatalogBars, InlineBars, Window, normalise_bars
from alphaforge.optimize.job import Job, Outcome, Task
from alphaforge.optimize.progress import SweepProgress
from alphaforge.optimize.results import SweepResult, results_frame
from alphaforge.optimize.search import DIRECTIONS, Search, SearchName, make_search
from alphaforge.optimize.space import Constraint, Params, ParamSpace
from alphaforge.optimize.strategy_ref import StrategyRef, check_parameters
from alphaforge.strategy import Strategy

Data: TypeAlias = "pd.DataFrame | DataCatalog | str"


@dataclass
class Study:
    """One search over one span of the bars, and what came back."""

    search: Search
    window: Window | None
    trials: dict[int, Params] = field(default_factory=dict)  # by local trial number
    outcomes: dict[int, Outcome] = field(default_factory=dict)


@dataclass(frozen=True)
class Setup:
    """The checked arguments common to a sweep and a walk-forward."""

    job: Job
    space: ParamSpace
    metric: str
    maximize: bool
    timestamps: np.ndarray


def prepare(
    strategy: type[Strategy],
    data: Data,
    symbol: str,
    params: Mapping[str, Any],
    constraint: Constraint | None,
    metric: str,
    maximize: bool | None,
    engine: Mapping[str, Any] | None,
    instrument: Mapping[str, Any] | None,
) -> Setup:
    """Check everything a worker would trip on, before any worker starts."""
    if not isinstance(symbol, str) or not symbol:
        raise ValueError(f"symbol must be a non-empty string, got {symbol!r}")
    if metric not in DIRECTIONS:
        raise ValueError(f"metric must be one of {sorted(DIRECTIONS)}, got {metric!r}")
    if maximize is not None and not isinstance(maximize, bool):
        raise TypeError(f"maximize must be a bool or None, got {maximize!r}")
    space = ParamSpace(params, constraint)
    ref = StrategyRef.of(strategy)
    check_parameters(strategy, space.values)
    settings = dict(engine or {})
    instrument_settings = None if instrument is None else dict(instrument)
    try:
        probe = BacktestEngine(**settings)
        if instrument_settings is not None:
            probe.add_instrument(symbol, **instrument_settings)
    except (TypeError, ValueError) as error:
        raise type(error)(f"engine settings: {error}") from error
    bars, timestamps = _bar_source(data, symbol)
    job = Job(ref, symbol, bars, settings, instrument_settings)
    direction = DIRECTIONS[metric] if maximize is None else maximize
    return Setup(job, space, metric, direction, timestamps)


def _bar_source(data: Data, symbol: str) -> tuple[BarSource, np.ndarray]:
    if isinstance(data, (str, DataCatalog)):
        catalog = data if isinstance(data, DataCatalog) else DataCatalog(data)
        if symbol not in catalog.symbols("bars"):
            raise ValueError(f"the catalog at {catalog.uri} has no bars of {symbol!r}")
        source = CatalogBars(catalog.uri, symbol)
        return source, source.timestamps()
    columns = normalise_bars(symbol, data)
    return InlineBars(columns), columns["ts_ns"]


def run_studies(
    backend: Backend, studies: list[Study], progress: SweepProgress, metric: str
) -> bool:
    """Run every study's batches together on `backend` until all searches end; False when
    Ctrl-C stopped it (what finished is kept in the studies)."""
    owners: dict[int, tuple[Study, int]] = {}
    try:
        while True:
            tasks: list[Task] = []
            for study in studies:
                for params in study.search.next_batch():
                    local = len(study.trials)
                    study.trials[local] = params
                    owners[len(owners)] = (study, local)
                    tasks.append(Task(len(owners) - 1, params, study.window))
            if not tasks:
                return True
            progress.expect(len(tasks))

            def finished(outcome: Outcome) -> None:
                study, local = owners[outcome.key]
                study.outcomes[local] = dataclasses.replace(outcome, key=local)
                progress.done(study.trials[local], metric_of(outcome, metric))

            backend.run(tasks, finished)
            for task in tasks:
                study, local = owners[task.key]
                value = metric_of(study.outcomes[local], metric)
                study.search.tell(task.params, float("nan") if value is None else value)
    except KeyboardInterrupt:
        return False


def metric_of(outcome: Outcome, metric: str) -> float | None:
    """The outcome's metric as a float; None when the backtest failed."""
    if outcome.metrics is None:
        return None
    return float(outcome.metrics[metric])


def optimize(
    strategy: type[Strategy],
    data: Data,
    symbol: str,
    params: Mapping[str, Any],
    *,
    constraint: Constraint | None = None,
    metric: str = "sharpe",
    maximize: bool | None = None,
    search: SearchName = "grid",
    n_trials: int | None = None,
    seed: int | None = None,
    batch_size: int = 16,
    engine: Mapping[str, Any] | None = None,
    instrument: Mapping[str, Any] | None = None,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    progress: bool = True,
) -> SweepResult:
    """Backtest `strategy` (built as ``strategy(symbol, **params)``) on `data` for every
    parameter set the search proposes, on `backend`; see docs/optimize.md.

    `data`: bars as a DataFrame, or a DataCatalog (or its path or URI) holding the symbol's
    bars. `engine`: BacktestEngine keyword arguments; `instrument`: add_instrument's.
    """
    setup = prepare(
        strategy, data, symbol, params, constraint, metric, maximize, engine, instrument
    )
    finder = make_search(
        search,
        setup.space,
        n_trials=n_trials,
        seed=seed,
        maximize=setup.maximize,
        batch_size=batch_size,
    )
    study = Study(finder, None)
    started = time.perf_counter()
    with (
        open_backend(backend, setup.job, workers=workers, address=address) as running,
        SweepProgress(metric, setup.maximize, progress) as bar,
    ):
        complete = run_studies(running, [study], bar, metric)
        retried = running.retried
    return sweep_result(setup, study, complete, retried, backend, time.perf_counter() - started)


def sweep_result(
    setup: Setup, study: Study, complete: bool, retried: int, backend: str, seconds: float
) -> SweepResult:
    """The SweepResult of a finished (or interrupted) study."""
    done = {k: study.trials[k] for k in study.outcomes}
    frame = results_frame(setup.space.names, done, study.outcomes.values())
    return SweepResult(
        frame,
        setup.space.names,
        setup.metric,
        setup.maximize,
        complete,
        retried,
        backend,
        seconds,
        done,
    )
