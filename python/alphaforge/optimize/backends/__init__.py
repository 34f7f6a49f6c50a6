"""Where a sweep's backtests run: in this process, on a local process pool, or on Ray."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from alphaforge.optimize.backends.base import Backend
from alphaforge.optimize.job import Job

BACKENDS = ("local", "ray", "sequential")


@contextlib.contextmanager
def open_backend(
    backend: str, job: Job, *, workers: int | None = None, address: str | None = None
) -> Iterator[Backend]:
    """The named backend serving `job`, closed (workers stopped, shared data freed) on exit."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    if address is not None and backend != "ray":
        raise ValueError(f"address is for backend='ray', not backend={backend!r}")
    opened: Backend
    if backend == "sequential":
        from alphaforge.optimize.backends.sequential import SequentialBackend

        opened = SequentialBackend(job)
    elif backend == "local":
        from alphaforge.optimize.backends.pool import LocalPoolBackend

        opened = LocalPoolBackend(job, workers)
    else:
        from alphaforge.optimize.backends.ray_tasks import RayBackend

        opened = RayBackend(job, workers, address)
    try:
        yield opened
    finally:
        opened.close()
