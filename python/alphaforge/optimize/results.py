"""What a sweep returns: one row per parameter set, the best of them, a plot, a Parquet file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.optimize.job import METRICS, Outcome
from alphaforge.optimize.space import Params

_TIMES = ("start", "end")
_DURATIONS = ("max_drawdown_duration",)


def results_frame(
    names: list[str], trials: dict[int, Params], outcomes: Iterable[Outcome]
) -> pd.DataFrame:
    """Rows in trial order: the parameters, every metric (NaN when it failed), the error."""
    rows = sorted(outcomes, key=lambda o: o.key)
    data: dict[str, Any] = {n: [trials[o.key][n] for o in rows] for n in names}
    for metric in METRICS:
        values = [None if o.metrics is None else o.metrics[metric] for o in rows]
        if metric in _TIMES:
            data[metric] = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        elif metric in _DURATIONS:
            data[metric] = pd.to_timedelta(pd.Series(values, dtype=object))
        else:
            data[metric] = np.array([np.nan if v is None else v for v in values], np.float64)
    data["error"] = pd.Series([o.error for o in rows], dtype=object)
    frame = pd.DataFrame(data)
    frame.index = pd.Index([o.key for o in rows], name="trial")
    return frame


def best_row(results: pd.DataFrame, metric: str, maximize: bool) -> pd.Series | None:
    """The row with the best finite-or-infinite (never NaN) value; ties go to the first trial."""
    values = results[metric]
    scored = values[values.notna()]
    if scored.empty:
        return None
    label = scored.idxmax() if maximize else scored.idxmin()
    return results.loc[label]


@dataclass(frozen=True, eq=False)
class SweepResult:
    """The backtests of a sweep: `results` has one row per parameter set run."""

    results: pd.DataFrame
    params: list[str]
    metric: str
    maximize: bool
    complete: bool  # False when Ctrl-C stopped the sweep early
    retried: int  # tasks run again because their worker process died
    backend: str
    seconds: float
    trials: dict[int, Params]  # the parameter sets by trial number, as the strategy got them

    @property
    def best(self) -> Params:
        """The parameter set with the best metric."""
        return dict(self.trials[int(self._best().name)])

    @property
    def best_value(self) -> float:
        """The best metric value."""
        return float(self._best()[self.metric])

    @property
    def errors(self) -> pd.DataFrame:
        """The rows whose backtest failed."""
        return self.results[self.results["error"].notna()]

    def top(self, n: int = 10) -> pd.DataFrame:
        """The `n` best rows by the metric, failed rows left out."""
        scored = self.results[self.results[self.metric].notna()]
        return scored.sort_values(self.metric, ascending=not self.maximize, kind="stable").head(n)

    def plot(self, path: str | Path, x: str | None = None, y: str | None = None) -> Path:
        """Write a heatmap of the metric over two parameters (a line for one) as a PNG."""
        from alphaforge.optimize.plot import write_sweep_png

        return write_sweep_png(self, path, x, y)

    def to_parquet(self, path: str | Path) -> Path:
        """Write `results` as Parquet; returns the path."""
        target = Path(path)
        self.results.to_parquet(target)
        return target

    def _best(self) -> pd.Series:
        row = best_row(self.results, self.metric, self.maximize)
        if row is None:
            raise ValueError(f"no parameter set produced a {self.metric}: see .errors")
        return row

    def __repr__(self) -> str:
        done = len(self.results)
        state = "" if self.complete else ", interrupted"
        try:
            best = f", best {self.metric}={self.best_value:.4g} at {self.best}"
        except ValueError:
            best = ""
        return f"SweepResult({done} sets on {self.backend}{state}{best})"
