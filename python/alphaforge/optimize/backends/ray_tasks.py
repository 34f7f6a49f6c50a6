"""Ray tasks, on a local Ray or on the cluster ``ray.init(address=...)`` joins.

The job (strategy, engine settings, bars) is put in Ray's object store once; each task carries
a reference to it, and each worker process fetches and unpacks it once. Tasks run without
Ray's own retries so that a task lost with its worker (killed, out of memory, its node gone)
is counted and sent again here, up to MAX_ATTEMPTS, exactly as the local pool does.
"""

from __future__ import annotations

import contextlib
import site
import sys
import sysconfig
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from alphaforge.optimize.backends.base import MAX_ATTEMPTS, OnOutcome, lost_outcome
from alphaforge.optimize.job import Job, Outcome, Task, describe, run_task

try:
    import ray
    import ray.exceptions
except ImportError as missing:  # pragma: no cover - exercised where ray is absent
    raise ImportError('backend="ray" needs Ray: pip install "alphaforge[ray]"') from missing

# Per worker process: the jobs already fetched, by object id.
_JOBS: dict[str, Job] = {}
# Failures of the machinery rather than of the task: the task runs again.
_LOST = (
    ray.exceptions.WorkerCrashedError,
    ray.exceptions.NodeDiedError,
    ray.exceptions.ObjectLostError,
    ray.exceptions.LocalRayletDiedError,
)


def _run(job_box: list[Any], task: Task) -> Outcome:
    # The reference travels inside a list so Ray does not fetch the job again for every task.
    ref = job_box[0]
    key = ref.hex()
    if key not in _JOBS:
        _JOBS.clear()
        _JOBS[key] = ray.get(ref)
    return run_task(_JOBS[key], task)


_remote_run = ray.remote(num_cpus=1, max_retries=0, retry_exceptions=False)(_run)


class RayBackend:
    """Joins the cluster at `address` (or starts a local Ray) unless Ray is already initialised;
    disconnects at close only if it connected."""

    name = "ray"

    def __init__(self, job: Job, workers: int | None = None, address: str | None = None) -> None:
        self._started = False
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False)
            self._started = True
        elif address is not None:
            raise ValueError("Ray is already initialised in this process: leave out address")
        cpus = int(ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        self.workers = workers if workers is not None else cpus
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"workers must be a positive int, got {workers!r}")
        self.retried = 0
        with _shipped_by_value(job):
            self._job_box = [ray.put(job)]
        self._running: dict[Any, Task] = {}

    def run(self, tasks: Sequence[Task], on_outcome: OnOutcome) -> None:
        """Submit the tasks, keeping twice the workers in flight; lost tasks go again."""
        queue = list(reversed(tasks))
        attempts: dict[int, int] = {}
        while queue or self._running:
            while queue and len(self._running) < 2 * self.workers:
                task = queue.pop()
                self._running[_remote_run.remote(self._job_box, task)] = task
            done, _ = ray.wait(list(self._running), num_returns=1)
            for ref in done:
                task = self._running.pop(ref)
                try:
                    outcome = ray.get(ref)
                except _LOST as error:
                    attempts[task.key] = attempts.get(task.key, 0) + 1
                    if attempts[task.key] < MAX_ATTEMPTS:
                        queue.append(task)
                        self.retried += 1
                        continue
                    outcome = lost_outcome(task, attempts[task.key], type(error).__name__)
                except ray.exceptions.RayError as error:
                    outcome = Outcome(task.key, None, describe(error))
                on_outcome(outcome)

    def close(self) -> None:
        """Cancel what is still running; disconnect if this backend connected."""
        for ref in self._running:
            ray.cancel(ref, force=True)
        self._running.clear()
        self._job_box.clear()
        if self._started:
            ray.shutdown()


@contextlib.contextmanager
def _shipped_by_value(job: Job) -> Iterator[None]:
    """Pickle the strategy's module by value while the job is put, unless workers can import
    it: it belongs to an installed distribution (or to alphaforge)."""
    module = _local_module(job.strategy.cls)
    if module is None:
        yield
        return
    ray.cloudpickle.register_pickle_by_value(module)  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        ray.cloudpickle.unregister_pickle_by_value(module)  # type: ignore[no-untyped-call]


def _local_module(cls: type | None) -> ModuleType | None:
    if cls is None or cls.__module__ == "__main__":  # cloudpickle ships __main__ by value
        return None
    module = sys.modules.get(cls.__module__)
    path = getattr(module, "__file__", None)
    if module is None or path is None or cls.__module__.partition(".")[0] == "alphaforge":
        return None
    installed = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    installed.update(site.getsitepackages())
    resolved = Path(path).resolve()
    if any(resolved.is_relative_to(Path(p).resolve()) for p in installed):
        return None
    return module
