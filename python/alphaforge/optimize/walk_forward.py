"""Walk-forward analysis: choose parameters on a training span, trade them on the span after it.

Windows are laid from the first bar: train [t, t + train), test [t + train, t + train + test),
then t moves on by `test`, so test spans follow each other without overlap and each one starts
where its own training data ends. ``anchored=True`` keeps every training span starting at the
first bar. Each test run starts flat with the engine's cash, and its indicators start cold.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from alphaforge.backtest.metrics import compute_metrics
from alphaforge.optimize.api import (
    Data,
    Setup,
    Study,
    metric_of,
    prepare,
    run_studies,
    sweep_result,
)
from alphaforge.optimize.backends import open_backend
from alphaforge.optimize.backends.base import Backend
from alphaforge.optimize.job import METRICS, Outcome, Task
from alphaforge.optimize.progress import SweepProgress
from alphaforge.optimize.results import SweepResult, best_row, results_frame
from alphaforge.optimize.search import SearchName, make_search
from alphaforge.optimize.space import Constraint
from alphaforge.strategy import Strategy

Span: TypeAlias = "str | pd.DateOffset | dt.timedelta"
_SPAN = re.compile(r"^\s*(\d+)\s*(Y|M|W|D|h|min|s)\s*$")
_UNITS = {"Y": "years", "M": "months", "W": "weeks", "D": "days", "h": "hours", "min": "minutes"}
# Figures of the stitched curve that mean something across windows that each start flat.
SUMMARY = (
    "start",
    "end",
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "max_drawdown_duration",
)


def parse_span(value: Span, field: str) -> pd.DateOffset:
    """'3Y', '6M', '2W', '30D', '12h', '90min', '30s', a DateOffset or a timedelta."""
    if isinstance(value, pd.DateOffset):
        return value
    if isinstance(value, dt.timedelta):
        return pd.DateOffset(seconds=pd.Timedelta(value).total_seconds())
    match = _SPAN.match(value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) == 0:
        raise ValueError(
            f"{field} must be a positive span such as '3Y', '6M', '30D' or '12h', got {value!r}"
        )
    count, unit = int(match.group(1)), match.group(2)
    return pd.DateOffset(**{_UNITS.get(unit, "seconds"): count})


@dataclass(frozen=True)
class Window:
    """One fold: train on [train_start, train_end), trade on [test_start, test_end)."""

    index: int
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp

    def span(self, part: str) -> tuple[int, int]:
        """[start_ns, end_ns) of "train" or "test"."""
        start, end = getattr(self, f"{part}_start"), getattr(self, f"{part}_end")
        return int(start.value), int(end.value)


def lay_windows(
    timestamps: np.ndarray, train: pd.DateOffset, test: pd.DateOffset, anchored: bool
) -> list[Window]:
    """Consecutive folds over the bars' time span; the last test span may end past the data."""
    if len(timestamps) == 0:
        raise ValueError("no bars to walk forward over")
    first = pd.Timestamp(int(timestamps[0]), tz="UTC")
    last = pd.Timestamp(int(timestamps[-1]), tz="UTC")
    windows: list[Window] = []
    start = first
    while True:
        train_end = start + train
        test_end = train_end + test
        if train_end >= last:  # no bar left to test on
            break
        train_start = first if anchored else start
        windows.append(Window(len(windows), train_start, train_end, train_end, test_end))
        start = start + test
    if not windows:
        raise ValueError(
            f"the bars span {first} to {last}: too short for one training span of {train}"
        )
    return windows


@dataclass(frozen=True, eq=False)
class WalkForwardResult:
    """Per-window choices and out-of-sample figures, and the stitched out-of-sample curve."""

    windows: pd.DataFrame
    equity: pd.DataFrame
    sweeps: list[SweepResult]  # the training sweep of each window
    summary: pd.Series
    metric: str
    complete: bool

    def plot(self, path: str | Path) -> Path:
        """Write the stitched out-of-sample equity with the test windows marked, as a PNG."""
        from alphaforge.optimize.plot import write_walk_forward_png

        return write_walk_forward_png(self, path)


def walk_forward(
    strategy: type[Strategy],
    data: Data,
    symbol: str,
    params: Mapping[str, Any],
    *,
    train: Span,
    test: Span,
    anchored: bool = False,
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
) -> WalkForwardResult:
    """Sweep each training window, trade its best parameters on the test window after it, and
    stitch the test runs into one out-of-sample equity curve; arguments as optimize's."""
    setup = prepare(
        strategy, data, symbol, params, constraint, metric, maximize, engine, instrument
    )
    folds = lay_windows(
        setup.timestamps, parse_span(train, "train"), parse_span(test, "test"), anchored
    )
    studies = [
        Study(
            make_search(
                search,
                setup.space,
                n_trials=n_trials,
                seed=seed,
                maximize=setup.maximize,
                batch_size=batch_size,
            ),
            fold.span("train"),
        )
        for fold in folds
    ]
    started = time.perf_counter()
    tested: dict[int, Outcome] = {}
    with (
        open_backend(backend, setup.job, workers=workers, address=address) as running,
        SweepProgress(metric, setup.maximize, progress, "training") as bar,
    ):
        complete = run_studies(running, studies, bar, metric)
        chosen = [_choice(setup, s) for s in studies]
        if complete:
            complete = _run_tests(running, folds, chosen, tested, bar, metric)
        retried = running.retried
    seconds = time.perf_counter() - started
    sweeps = [sweep_result(setup, s, complete, retried, backend, seconds) for s in studies]
    return _result(setup, folds, sweeps, chosen, tested, complete)


def _choice(setup: Setup, study: Study) -> dict[str, Any] | None:
    """The best parameter set of a training study, None when none produced the metric."""
    trials = {k: study.trials[k] for k in study.outcomes}
    frame = results_frame(setup.space.names, trials, study.outcomes.values())
    row = best_row(frame, setup.metric, setup.maximize)
    return None if row is None else trials[int(row.name)]


def _run_tests(
    backend: Backend,
    folds: list[Window],
    chosen: list[dict[str, Any] | None],
    tested: dict[int, Outcome],
    bar: SweepProgress,
    metric: str,
) -> bool:
    """Run each window's chosen parameters on its test span; False when Ctrl-C stopped it."""
    tasks = [
        Task(fold.index, params, fold.span("test"), keep_equity=True)
        for fold, params in zip(folds, chosen, strict=True)
        if params is not None
    ]
    bar.expect(len(tasks), "testing")
    by_key = {task.key: task for task in tasks}

    def finished(outcome: Outcome) -> None:
        tested[outcome.key] = outcome
        bar.done(by_key[outcome.key].params, metric_of(outcome, metric))

    try:
        backend.run(tasks, finished)
    except KeyboardInterrupt:
        return False
    return True


def _result(
    setup: Setup,
    folds: list[Window],
    sweeps: list[SweepResult],
    chosen: list[dict[str, Any] | None],
    tested: dict[int, Outcome],
    complete: bool,
) -> WalkForwardResult:
    rows = []
    for fold, sweep, params in zip(folds, sweeps, chosen, strict=True):
        outcome = tested.get(fold.index)
        row: dict[str, Any] = {
            "window": fold.index,
            "train_start": fold.train_start,
            "train_end": fold.train_end,
            "test_start": fold.test_start,
            "test_end": fold.test_end,
        }
        row.update({n: None if params is None else params[n] for n in setup.space.names})
        row[f"train_{setup.metric}"] = np.nan if params is None else sweep.best_value
        metrics = None if outcome is None else outcome.metrics
        row.update({m: np.nan if metrics is None else metrics[m] for m in METRICS})
        if params is None:
            row["error"] = f"no parameter set produced a {setup.metric} in training"
        else:
            row["error"] = None if outcome is None else outcome.error
        rows.append(row)
    windows = pd.DataFrame(rows).set_index("window")
    runs = [tested[f.index] for f in folds if f.index in tested]
    equity = _stitch([r for r in runs if r.equity is not None])
    summary = _summary(equity, runs)
    return WalkForwardResult(windows, equity, sweeps, summary, setup.metric, complete)


def _stitch(runs: list[Outcome]) -> pd.DataFrame:
    """Chain the test runs' returns: each curve is rescaled to start where the one before ended."""
    parts = []
    level = None
    for run in runs:
        assert run.equity is not None
        ts, values = run.equity
        level = run.starting_cash if level is None else level
        curve = values * (level / run.starting_cash)
        level = float(curve[-1])
        index = pd.DatetimeIndex(pd.to_datetime(ts, unit="ns", utc=True), name="ts")
        parts.append(pd.DataFrame({"equity": curve, "window": run.key}, index=index))
    if not parts:
        empty = pd.DatetimeIndex([], tz="UTC", name="ts")
        return pd.DataFrame({"equity": [], "window": []}, index=empty)
    return pd.concat(parts)


def _summary(equity: pd.DataFrame, runs: list[Outcome]) -> pd.Series:
    """The figures of the stitched curve that hold across windows that each start flat."""
    if len(equity) < 2:
        return pd.Series({name: np.nan for name in SUMMARY}, dtype=object)
    no_fills = pd.DataFrame(
        {c: pd.Series(dtype=float) for c in ("qty", "price", "fee")}
        | {"ts": pd.Series(dtype="datetime64[ns, UTC]")}
        | {c: pd.Series(dtype=object) for c in ("side", "strategy", "symbol")}
    )
    no_trades = pd.DataFrame({"pnl": pd.Series(dtype=float)})
    figures = compute_metrics(equity[["equity"]], no_fills, no_trades, runs[0].starting_cash)
    summary = {name: getattr(figures, name) for name in SUMMARY}
    summary["trades"] = sum(r.metrics["trades"] for r in runs if r.metrics is not None)
    return pd.Series(summary, dtype=object)
