"""Every task in this process, one after another: the reference the other backends match."""

from __future__ import annotations

from collections.abc import Sequence

from alphaforge.optimize.backends.base import OnOutcome
from alphaforge.optimize.job import Job, Task, run_task


class SequentialBackend:
    """No worker processes: for debugging, for strategies defined interactively, and as the
    one-core baseline of the benchmark."""

    name = "sequential"
    workers = 1
    retried = 0

    def __init__(self, job: Job) -> None:
        self.job = job

    def run(self, tasks: Sequence[Task], on_outcome: OnOutcome) -> None:
        """Run the tasks in order."""
        for task in tasks:
            on_outcome(run_task(self.job, task))

    def close(self) -> None:
        """Nothing to stop."""
