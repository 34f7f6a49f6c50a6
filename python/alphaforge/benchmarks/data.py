"""``alphaforge bench data``: bar aggregation, per-tick ingestion and the rings, against peers."""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from alphaforge._core import bench as native
from alphaforge.benchmarks.report import interleaved_rounds, make_console, print_comparison
from alphaforge.data import DataEngine, DataEngineConfig, aggregate_bars

Workload = tuple[str, str, str, Callable[[], float]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ticks", type=int, default=2_000_000, help="ticks for batch workloads")
    parser.add_argument(
        "--python-ticks", type=int, default=300_000, help="ticks pushed one at a time from Python"
    )
    parser.add_argument("--feed-ticks", type=int, default=5_000_000, help="ticks through rings")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median is shown")
    parser.add_argument("--spec", default="1min", help="time bar spec of every workload")


def synthetic_trades(count: int) -> tuple[npt.NDArray[Any], ...]:
    """A random walk of prices, one trade every 10 ms, sizes 0.1 .. 1.0."""
    rng = np.random.default_rng(7)
    ts = 1_600_000_000_000_000_000 + np.arange(count, dtype=np.int64) * 10_000_000
    price = 30_000.0 + np.cumsum(rng.normal(0.0, 1.0, count))
    size = rng.integers(1, 11, count) / 10.0
    return ts, price, size


def _rate(count: int, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def batch_workloads(ticks: int, spec: str) -> list[Workload]:
    """aggregate_bars against pandas resample on the same arrays."""
    ts, price, size = synthetic_trades(ticks)
    index = pd.DatetimeIndex(ts.astype("datetime64[ns]")).tz_localize("UTC")
    prices = pd.Series(price, index=index)
    sizes = pd.Series(size, index=index)

    def ours() -> object:
        return aggregate_bars(ts, price, size, spec)

    def pandas_resample() -> object:
        bars = prices.resample(spec).ohlc()
        bars["volume"] = sizes.resample(spec).sum()
        return bars.dropna()

    def read_once() -> object:
        # Not a peer: the memory traffic any implementation pays, each input read once.
        return np.bitwise_or.reduce(ts), np.maximum.reduce(price), np.add.reduce(size)

    workloads: list[Workload] = [
        ("batch aggregation", "alphaforge aggregate_bars", "ticks/s", lambda: _rate(ticks, ours)),
        ("batch aggregation", "pandas resample", "ticks/s", lambda: _rate(ticks, pandas_resample)),
        (
            "batch aggregation",
            "numpy: read the 3 arrays once (floor)",
            "ticks/s",
            lambda: _rate(ticks, read_once),
        ),
    ]
    if importlib.util.find_spec("polars") is not None:
        workloads.append(
            (
                "batch aggregation",
                "polars group_by_dynamic",
                "ticks/s",
                _polars_workload(ts, price, size, spec, ticks),
            )
        )
    return workloads


def _polars_workload(
    ts: npt.NDArray[Any], price: npt.NDArray[Any], size: npt.NDArray[Any], spec: str, ticks: int
) -> Callable[[], float]:
    import polars as pl  # type: ignore[import-not-found]

    every = spec.replace("min", "m")
    frame = pl.DataFrame({"ts": ts.astype("datetime64[ns]"), "price": price, "size": size})

    def run() -> object:
        return frame.group_by_dynamic("ts", every=every).agg(
            pl.col("price").first().alias("open"),
            pl.col("price").max().alias("high"),
            pl.col("price").min().alias("low"),
            pl.col("price").last().alias("close"),
            pl.col("size").sum().alias("volume"),
        )

    return lambda: _rate(ticks, run)


def single_tick_workloads(ticks: int, spec: str) -> list[Workload]:
    """process_trade called once per tick from a Python loop, against plain Python doing less."""
    ts, price, size = synthetic_trades(ticks)
    rows = list(zip(ts.tolist(), price.tolist(), size.tolist(), strict=True))
    step = int(pd.Timedelta(spec).value)

    def ours() -> float:
        engine = DataEngine(DataEngineConfig(enable_statistics=False))
        engine.subscribe_bars("BTCUSDT", spec, lambda bar: None)
        process = engine.process_trade
        start = time.perf_counter()
        for t, p, s in rows:
            process("BTCUSDT", p, s, t)
        return ticks / (time.perf_counter() - start)

    def plain_python() -> float:
        # The least a pure-Python engine must do per tick: last price and one bar update.
        last: dict[str, float] = {}
        bar: list[float] = []
        bucket_end = -1
        start = time.perf_counter()
        for t, p, s in rows:
            last["BTCUSDT"] = p
            if t >= bucket_end:
                bucket_end = t - t % step + step
                bar = [p, p, p, p, s]
            else:
                if p > bar[1]:
                    bar[1] = p
                if p < bar[2]:
                    bar[2] = p
                bar[3] = p
                bar[4] += s
        return ticks / (time.perf_counter() - start)

    return [
        ("one tick per call", "alphaforge process_trade", "ticks/s", ours),
        ("one tick per call", "plain Python dict + list", "ticks/s", plain_python),
    ]


def feed_workloads(ticks: int, spec: str) -> list[Workload]:
    """A C++ producer thread through the SPSC ring into the engine thread."""

    def feed(batch: int) -> Callable[[], float]:
        return lambda: native.data_feed_throughput(ticks, 65536, batch, spec)

    return [
        ("producer thread -> rings", f"alphaforge batch {batch}", "ticks/s", feed(batch))
        for batch in (64, 256)
    ]


def run(args: argparse.Namespace) -> None:
    console = make_console()
    console.print(
        f"[bold]Data engine[/]: {args.spec} bars, median of {args.rounds} interleaved rounds; "
        f"{args.ticks:,} ticks per batch round, {args.python_ticks:,} pushed from Python, "
        f"{args.feed_ticks:,} through the rings"
    )
    batch = interleaved_rounds(batch_workloads(args.ticks, args.spec), args.rounds)
    print_comparison("numpy batch -> bars", batch, "pandas resample", console)
    single = interleaved_rounds(single_tick_workloads(args.python_ticks, args.spec), args.rounds)
    print_comparison("ticks pushed from Python", single, "plain Python dict + list", console)
    feed = interleaved_rounds(feed_workloads(args.feed_ticks, args.spec), args.rounds)
    print_comparison("C++ producer thread through the rings", feed, "-", console)
    if importlib.util.find_spec("polars") is None:
        console.print("polars is not installed: its group_by_dynamic is left out of the table")
