"""A pool of worker processes on this machine, one task per worker at a time.

Written on multiprocessing's processes and pipes rather than on concurrent.futures or
multiprocessing.Pool: the parent knows which task each worker holds, so a worker that dies
(killed, out of memory, a crash in native code) costs only its own task, which runs again on
a fresh worker; a broken ProcessPoolExecutor fails every pending task instead, and Pool waits
forever for a lost one. The bars go to the workers once, through one shared-memory block.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import pickle
import signal
from collections import deque
from collections.abc import Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from alphaforge.optimize.backends.base import MAX_ATTEMPTS, OnOutcome, lost_outcome
from alphaforge.optimize.bar_data import InlineBars, SharedBars
from alphaforge.optimize.job import Job, Task, describe, run_task

# Worker -> parent messages.
_READY, _FAILED, _DONE = "ready", "failed", "done"


def _worker_main(conn: Connection, job_bytes: bytes) -> None:
    # Ctrl-C reaches the whole process group; stopping the sweep is the parent's decision.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        job: Job = pickle.loads(job_bytes)
        job.strategy.resolve()
    except BaseException as error:
        conn.send((_FAILED, describe(error)))
        return
    conn.send((_READY, None))
    while True:
        try:
            task = conn.recv()
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        conn.send((_DONE, run_task(job, task)))


def _context() -> Any:
    """Workers forked from a clean single-threaded server that has imported the engine once, so
    a worker starts in milliseconds and safely whatever threads this process runs; spawn
    where there is no fork server (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class _Worker:
    def __init__(self, context: Any, job_bytes: bytes) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_worker_main, args=(child, job_bytes), name="alphaforge-sweep", daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False
        self.task: Task | None = None

    def stop(self) -> None:
        if self.task is None and self.process.is_alive():
            with contextlib.suppress(OSError):  # it may have just died
                self.conn.send(None)
            self.process.join(timeout=5)
        if self.process.is_alive():  # busy (Ctrl-C) or not listening: end it
            self.process.terminate()
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class LocalPoolBackend:
    """`workers` processes (default: one per core), started once and kept for every run()."""

    name = "local"

    def __init__(self, job: Job, workers: int | None = None) -> None:
        count = (os.cpu_count() or 1) if workers is None else workers
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"workers must be a positive int, got {workers!r}")
        self.workers = count
        self.retried = 0
        self._block = None
        if isinstance(job.bars, InlineBars):
            shared, self._block = SharedBars.create(job.bars.columns)
            job = dataclasses.replace(job, bars=shared)
        try:
            self._job_bytes = pickle.dumps(job)
        except Exception as error:
            self._free_block()
            raise TypeError(f"the sweep cannot be sent to worker processes: {error}") from error
        self._context = _context()
        self._pool = [_Worker(self._context, self._job_bytes) for _ in range(count)]
        self._early_deaths = 0

    def run(self, tasks: Sequence[Task], on_outcome: OnOutcome) -> None:
        """Run the tasks over the pool; a task whose worker dies runs again on a new one."""
        queue = deque(tasks)
        attempts: dict[int, int] = {}
        while queue or any(w.task is not None for w in self._pool):
            for worker in self._pool:
                if worker.ready and worker.task is None and queue:
                    worker.task = queue.popleft()
                    with contextlib.suppress(OSError):  # it died: its sentinel says so below
                        worker.conn.send(worker.task)
            by_handle: dict[Any, _Worker] = {}
            for worker in self._pool:
                by_handle[worker.conn] = worker
                by_handle[worker.process.sentinel] = worker
            dead: list[_Worker] = []
            for handle in wait(list(by_handle)):
                worker = by_handle[handle]
                if handle is worker.conn and worker not in dead:
                    if not self._receive(worker, on_outcome):
                        dead.append(worker)
                elif handle is not worker.conn and worker not in dead:
                    dead.append(worker)
            for worker in dead:
                self._replace(worker, queue, attempts, on_outcome)

    def _receive(self, worker: _Worker, on_outcome: OnOutcome) -> bool:
        """Handle one message; False when the worker is gone."""
        try:
            kind, body = worker.conn.recv()
        except (EOFError, OSError):
            return False
        if kind == _FAILED:
            self.close()
            raise RuntimeError(f"worker processes could not load the sweep: {body}")
        if kind == _READY:
            worker.ready = True
        else:
            worker.task = None
            on_outcome(body)
        return True

    def _replace(
        self, worker: _Worker, queue: deque[Task], attempts: dict[int, int], on_outcome: OnOutcome
    ) -> None:
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        task = worker.task
        worker.task = None
        worker.stop()
        self._pool.remove(worker)
        if task is not None:
            attempts[task.key] = attempts.get(task.key, 0) + 1
            if attempts[task.key] < MAX_ATTEMPTS:
                queue.appendleft(task)
                self.retried += 1
            else:
                on_outcome(lost_outcome(task, attempts[task.key], f"worker exit code {code}"))
        elif not worker.ready:
            self._early_deaths += 1
            if self._early_deaths > 2 * self.workers:
                self.close()
                raise RuntimeError(
                    f"worker processes keep dying as they start (exit code {code}); a script "
                    "that starts a sweep must do so under if __name__ == '__main__':"
                )
        self._pool.append(_Worker(self._context, self._job_bytes))

    def close(self) -> None:
        """Stop every worker (ending busy ones) and free the shared bars."""
        for worker in self._pool:
            worker.stop()
        self._pool = []
        self._free_block()

    def _free_block(self) -> None:
        if self._block is not None:
            self._block.close()
            self._block.unlink()
            self._block = None
