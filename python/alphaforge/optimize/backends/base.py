"""What every backend offers the sweep driver."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from alphaforge.optimize.job import Outcome, Task

OnOutcome = Callable[[Outcome], None]
# A task whose worker process dies is run again, up to this many attempts in all.
MAX_ATTEMPTS = 3


class Backend(Protocol):
    """Runs tasks of one job; Ctrl-C (KeyboardInterrupt) leaves run() with what has finished."""

    name: str
    workers: int
    retried: int  # tasks run again because the process running them died

    def run(self, tasks: Sequence[Task], on_outcome: OnOutcome) -> None:
        """Run every task, calling `on_outcome` in this thread as each one finishes."""
        ...

    def close(self) -> None:
        """Stop the workers this backend started and free what it shared with them."""
        ...


def lost_outcome(task: Task, attempts: int, cause: str) -> Outcome:
    """The row of a task whose worker died on every attempt."""
    return Outcome(task.key, None, f"WorkerLost: {cause} on all {attempts} attempts")
