"""The progress bar of a sweep: sets done, failures, and the best value so far with its set."""

from __future__ import annotations

import math
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from alphaforge.optimize.space import Params


class SweepProgress:
    """A rich progress bar on stderr; silent when `enabled` is False."""

    def __init__(self, metric: str, maximize: bool, enabled: bool, title: str = "sweep") -> None:
        self.metric, self.maximize = metric, maximize
        self.best: float | None = None
        self.best_params: Params | None = None
        self.failed = 0
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[status]}"),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self._task: TaskID = self._progress.add_task(title, total=0, status="")

    def __enter__(self) -> SweepProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def expect(self, count: int, title: str | None = None) -> None:
        """`count` more backtests are on their way."""
        total = self._progress.tasks[0].total or 0
        self._progress.update(self._task, total=total + count, description=title)

    def done(self, params: Params, value: float | None) -> None:
        """One backtest finished with `value` of the metric (None when it failed; NaN when
        the metric is undefined, as a Sharpe ratio without trades)."""
        if value is None:
            self.failed += 1
        elif math.isnan(value):
            pass
        elif self.best is None or (value > self.best if self.maximize else value < self.best):
            self.best, self.best_params = value, params
        status = f"[red]{self.failed} failed[/red]  " if self.failed else ""
        if self.best is not None:
            shown = ", ".join(f"{k}={v}" for k, v in (self.best_params or {}).items())
            status += f"best {self.metric} {self.best:.4g} ({shown})"
        self._progress.update(self._task, advance=1, status=status)
