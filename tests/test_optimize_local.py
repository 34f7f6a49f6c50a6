"""Sweeps in this process and on the local process pool: results, searches, faults, bad input."""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.benchmarks.backtest import synthetic_bars
from alphaforge.data import DataCatalog
from alphaforge.optimize import SweepResult
from alphaforge.optimize.backends.pool import LocalPoolBackend
from alphaforge.optimize.bar_data import InlineBars, normalise_bars
from alphaforge.optimize.job import Job, Task
from alphaforge.optimize.strategy_ref import StrategyRef

BARS = synthetic_bars(3000)
GRID = {"fast": [5, 10, 20], "slow": [30, 60]}
ENGINE = {"cash": 1e6, "fees": 0.001}


class Fragile(SmaCross):
    """SmaCross that refuses one fast value, as a strategy with a bug in one corner would."""

    def __init__(self, symbol: str, fast: int, slow: int) -> None:
        if fast == 10:
            raise ValueError("fast=10 is not supported")
        super().__init__(symbol, fast, slow, size=1)


class Watched(SmaCross):
    """SmaCross that leaves a file named by its process id while it runs, and takes a while,
    so a test can kill the worker process in the middle of a backtest."""

    def __init__(self, symbol: str, fast: int, slow: int, signals: str) -> None:
        super().__init__(symbol, fast, slow, size=1)
        self.signals = Path(signals)

    def on_start(self) -> None:
        (self.signals / f"running-{os.getpid()}").touch()
        time.sleep(0.15)
        super().on_start()


class Poison(SmaCross):
    """Kills the process it runs in for one parameter set, every time."""

    def __init__(self, symbol: str, fast: int, slow: int) -> None:
        if (fast, slow) == (20, 60):
            os.kill(os.getpid(), signal.SIGKILL)
        super().__init__(symbol, fast, slow, size=1)


def sweep(**kwargs: Any) -> SweepResult:
    arguments: dict[str, Any] = {
        "data": BARS,
        "symbol": "SYN",
        "params": GRID,
        "engine": ENGINE,
        "backend": "sequential",
        "progress": False,
    }
    arguments.update(kwargs)
    strategy = arguments.pop("strategy", SmaCross)
    return af.optimize(strategy, **arguments)


def single_backtest(fast: int, slow: int) -> dict[str, object]:
    engine = af.BacktestEngine(**ENGINE)
    engine.add_bars("SYN", BARS)
    engine.add_strategy(SmaCross("SYN", fast, slow))
    return engine.run().metrics.as_dict()


def test_each_row_is_the_backtest_of_its_parameters() -> None:
    result = sweep()
    assert result.results[["fast", "slow"]].values.tolist() == [
        [5, 30], [5, 60], [10, 30], [10, 60], [20, 30], [20, 60]
    ]  # fmt: skip
    for _, row in result.results.iterrows():
        expected = single_backtest(int(row["fast"]), int(row["slow"]))
        for name, value in expected.items():
            # NaN where a metric is undefined (CAGR of a span under a year) on both sides.
            assert row[name] == value or (pd.isna(row[name]) and pd.isna(value)), name
    assert result.results["error"].isna().all()
    best = result.results["sharpe"].idxmax()
    assert result.best == {
        "fast": int(result.results.loc[best, "fast"]),
        "slow": int(result.results.loc[best, "slow"]),
    }
    assert result.best_value == result.results["sharpe"].max()
    assert result.complete
    assert result.retried == 0


def test_the_pool_gives_exactly_the_sequential_results() -> None:
    here = sweep()
    pooled = sweep(backend="local", workers=2)
    pd.testing.assert_frame_equal(here.results, pooled.results, check_exact=True)
    assert pooled.best == here.best
    assert pooled.backend == "local"


def test_a_catalog_uri_gives_the_same_results(tmp_path: Path) -> None:
    catalog = DataCatalog(tmp_path.as_uri())
    catalog.write("bars", "SYN", BARS.reset_index(names="ts_ns"))
    from_catalog = sweep(data=tmp_path.as_uri(), backend="local", workers=2)
    pd.testing.assert_frame_equal(from_catalog.results, sweep().results, check_exact=True)


def test_the_constraint_and_a_minimised_metric() -> None:
    result = sweep(
        params={"fast": range(5, 35, 5), "slow": range(10, 40, 10)},
        constraint=lambda p: p["fast"] < p["slow"],
        metric="max_drawdown",
    )
    assert (result.results["fast"] < result.results["slow"]).all()
    assert len(result.results) == sum(f < s for f in range(5, 35, 5) for s in range(10, 40, 10))
    assert not result.maximize
    assert result.best_value == result.results["max_drawdown"].min()


def test_a_raising_parameter_set_is_a_row_with_its_error() -> None:
    for backend in ("sequential", "local"):
        result = sweep(strategy=Fragile, backend=backend)
        failed = result.errors
        assert failed["fast"].tolist() == [10, 10]
        assert failed["error"].eq("ValueError: fast=10 is not supported").all()
        assert failed["sharpe"].isna().all()
        assert result.results["error"].isna().sum() == 4
        assert result.best["fast"] != 10


def test_a_worker_killed_mid_backtest_loses_nothing(tmp_path: Path) -> None:
    params = {"fast": [5, 10, 20], "slow": [30, 60], "signals": str(tmp_path)}
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
    result = sweep(strategy=Watched, params=params, backend="local", workers=2)
    killer.join()
    assert killed, "no worker was seen running"
    assert result.retried == 1
    assert result.complete
    reference = sweep(strategy=Watched, params=params)
    pd.testing.assert_frame_equal(result.results, reference.results, check_exact=True)


def test_a_set_that_always_kills_its_worker_ends_as_an_error_row() -> None:
    result = sweep(strategy=Poison, backend="local", workers=2)
    lost = result.errors
    assert lost[["fast", "slow"]].values.tolist() == [[20, 60]]
    assert lost["error"].iloc[0] == "WorkerLost: worker exit code -9 on all 3 attempts"
    assert result.results["error"].isna().sum() == 5
    assert result.retried == 2


def test_the_pool_sends_the_bars_once_through_shared_memory() -> None:
    columns = normalise_bars("SYN", synthetic_bars(200_000))
    job = Job(StrategyRef.of(SmaCross), "SYN", InlineBars(columns), dict(ENGINE))
    assert len(pickle.dumps(job)) > 9_000_000  # the bars themselves
    pool = LocalPoolBackend(job, workers=1)
    try:
        assert len(pool._job_bytes) < 2_000  # what each worker receives: a block name
        outcomes: list[Any] = []
        pool.run([Task(0, {"fast": 10, "slow": 30})], outcomes.append)
        assert outcomes[0].error is None
        assert outcomes[0].metrics["trades"] > 0
    finally:
        pool.close()


def test_random_search_draws_distinct_sets_reproducibly() -> None:
    params = {"fast": range(2, 30), "slow": range(31, 120)}
    first = sweep(params=params, search="random", n_trials=8, seed=3)
    again = sweep(params=params, search="random", n_trials=8, seed=3, backend="local")
    other = sweep(params=params, search="random", n_trials=8, seed=4)
    pd.testing.assert_frame_equal(first.results, again.results, check_exact=True)
    chosen = list(zip(first.results["fast"], first.results["slow"], strict=True))
    assert len(set(chosen)) == 8
    assert all(f in params["fast"] and s in params["slow"] for f, s in chosen)
    assert chosen != list(zip(other.results["fast"], other.results["slow"], strict=True))


def test_optuna_search_is_reproducible_and_stays_in_the_space() -> None:
    pytest.importorskip("optuna")
    params = {"fast": range(2, 30, 2), "slow": range(30, 150, 10)}
    first = sweep(params=params, search="optuna", n_trials=12, seed=1, batch_size=4)
    pooled = sweep(
        params=params, search="optuna", n_trials=12, seed=1, batch_size=4, backend="local"
    )
    pd.testing.assert_frame_equal(first.results, pooled.results, check_exact=True)
    assert len(first.results) == 12
    assert first.results["fast"].isin(params["fast"]).all()
    assert first.results["slow"].isin(params["slow"]).all()
    assert len(first.results.drop_duplicates(["fast", "slow"])) == 12


def test_the_heatmap_and_the_line(tmp_path: Path) -> None:
    two = sweep().plot(tmp_path / "heatmap.png")
    one = sweep(params={"fast": [5, 10, 20], "slow": 60}).plot(tmp_path / "line.png")
    for path in (two, one):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="nothing to plot"):
        sweep(params={"fast": 5, "slow": 60}).plot(tmp_path / "none.png")
    out = tmp_path / "results.parquet"
    result = sweep()
    result.to_parquet(out)
    pd.testing.assert_frame_equal(pd.read_parquet(out), result.results)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"params": {"fsat": [1, 2]}}, "SmaCross takes no parameter 'fsat'"),
        ({"params": {}}, "params must be a non-empty mapping"),
        ({"params": {"fast": []}}, r"params\['fast'\] has no values"),
        ({"params": {"symbol": ["X"]}}, "'symbol' is given by the symbol argument"),
        ({"metric": "shrape"}, "metric must be one of"),
        ({"backend": "spark"}, "backend must be one of"),
        ({"address": "127.0.0.1:1"}, "address is for backend='ray'"),
        ({"engine": {"cash": -1.0}}, "engine settings: cash must be a positive"),
        ({"constraint": lambda p: False}, "none of the 6 parameter sets passes"),
        ({"search": "random"}, "search='random' needs n_trials"),
        ({"n_trials": 3}, "n_trials is for search='random'"),
        ({"symbol": ""}, "symbol must be a non-empty string"),
        ({"data": BARS.iloc[:0]}, "bars of SYN: empty data"),
    ],
)
def test_bad_input_is_refused_before_any_backtest(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sweep(**change)


def test_data_of_the_wrong_type_and_a_bad_constraint() -> None:
    with pytest.raises(TypeError, match="data must be a pandas DataFrame"):
        sweep(data=np.zeros(3))
    with pytest.raises(ValueError, match="constraint raised on"):
        sweep(constraint=lambda p: p["missing"] > 0)
    with pytest.raises(TypeError, match="strategy must be a Strategy subclass"):
        sweep(strategy=dict)
