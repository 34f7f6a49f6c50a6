"""The Ray backend on a real 2-CPU Ray cluster this module starts in its own process and joins
by address, as a user joins a cluster: results equal to the other backends, faults survived."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# A one-machine cluster: Ray's processes then address each other on the loopback interface.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
# The head (a new local cluster) requires Ray's token; a driver joining it must send it.
os.environ.setdefault("RAY_AUTH_MODE", "token")

import pandas as pd
import pytest

import alphaforge as af
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.benchmarks.backtest import synthetic_bars
from alphaforge.data import DataCatalog
from alphaforge.optimize import SweepResult

ray = pytest.importorskip("ray", reason='the Ray backend needs pip install "alphaforge[ray]"')

pytestmark = pytest.mark.ray

BARS = synthetic_bars(3000)
GRID = {"fast": [5, 10, 20], "slow": [30, 60]}
HEAD = """
import sys, ray
context = ray.init(num_cpus=2, include_dashboard=False)
print(context.address_info["gcs_address"], flush=True)
sys.stdin.read()  # until the test closes it
ray.shutdown()
"""


class Fragile(SmaCross):
    """Refuses one fast value."""

    def __init__(self, symbol: str, fast: int, slow: int) -> None:
        if fast == 10:
            raise ValueError("fast=10 is not supported")
        super().__init__(symbol, fast, slow, size=1)


class Watched(SmaCross):
    """Leaves a file named by its process id while it runs, and takes a while."""

    def __init__(self, symbol: str, fast: int, slow: int, signals: str) -> None:
        super().__init__(symbol, fast, slow, size=1)
        self.signals = Path(signals)

    def on_start(self) -> None:
        (self.signals / f"running-{os.getpid()}").touch()
        time.sleep(0.15)
        super().on_start()


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    with subprocess.Popen(
        [sys.executable, "-c", HEAD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as head:
        assert head.stdout is not None
        assert head.stdin is not None
        try:
            yield head.stdout.readline().strip()
        finally:
            head.stdin.close()  # the head shuts its cluster down and exits
            try:
                head.wait(timeout=60)
            except subprocess.TimeoutExpired:
                head.kill()


def sweep(address: str | None, **kwargs: Any) -> SweepResult:
    arguments: dict[str, Any] = {
        "data": BARS,
        "symbol": "SYN",
        "params": GRID,
        "engine": {"cash": 1e6, "fees": 0.001},
        "backend": "ray" if address else "sequential",
        "address": address,
        "progress": False,
    }
    arguments.update(kwargs)
    return af.optimize(arguments.pop("strategy", SmaCross), **arguments)


def test_ray_gives_exactly_the_results_of_the_other_backends(address: str) -> None:
    on_ray = sweep(address)
    pd.testing.assert_frame_equal(on_ray.results, sweep(None).results, check_exact=True)
    pooled = sweep(None, backend="local", workers=2)
    pd.testing.assert_frame_equal(on_ray.results, pooled.results, check_exact=True)
    assert on_ray.backend == "ray"
    assert not ray.is_initialized()  # it disconnected; the cluster is still up


def test_a_raising_parameter_set_is_a_row_on_ray(address: str) -> None:
    result = sweep(address, strategy=Fragile)
    assert result.errors["fast"].tolist() == [10, 10]
    assert result.errors["error"].eq("ValueError: fast=10 is not supported").all()
    assert result.results["error"].isna().sum() == 4


def test_a_ray_worker_killed_mid_backtest_loses_nothing(address: str, tmp_path: Path) -> None:
    params = {**GRID, "signals": str(tmp_path)}
    killed: list[int] = []

    def kill_the_first_busy_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            running = sorted(tmp_path.glob("running-*"))
            if running:
                pid = int(running[0].name.split("-")[1])
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_the_first_busy_worker)
    killer.start()
    result = sweep(address, strategy=Watched, params=params)
    killer.join()
    assert killed, "no Ray worker was seen running"
    assert result.retried == 1
    assert result.complete
    reference = sweep(None, strategy=Watched, params=params)
    pd.testing.assert_frame_equal(result.results, reference.results, check_exact=True)


def test_ray_workers_read_their_partitions_of_a_catalog(address: str, tmp_path: Path) -> None:
    DataCatalog(tmp_path.as_uri()).write("bars", "SYN", BARS.reset_index(names="ts_ns"))
    from_catalog = sweep(address, data=tmp_path.as_uri())
    pd.testing.assert_frame_equal(from_catalog.results, sweep(None).results, check_exact=True)
    frames = {"train": "12h", "test": "12h", "params": GRID}
    on_ray = af.walk_forward(
        SmaCross,
        tmp_path.as_uri(),
        "SYN",
        backend="ray",
        address=address,
        progress=False,
        **frames,
    )
    here = af.walk_forward(SmaCross, BARS, "SYN", backend="sequential", progress=False, **frames)
    pd.testing.assert_frame_equal(on_ray.windows, here.windows, check_exact=True)
    pd.testing.assert_frame_equal(on_ray.equity, here.equity, check_exact=True)
