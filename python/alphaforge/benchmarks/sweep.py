"""``alphaforge bench sweep``: backtests per minute of one SMA grid run sequentially, on the local
process pool, on a local Ray and with backtrader's optimiser (on a subset of the grid)."""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import os
import time
from collections.abc import Callable, Sequence
from functools import partial

import pandas as pd
from rich.console import Console
from rich.table import Table

from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.benchmarks.backtest import synthetic_bars
from alphaforge.benchmarks.report import (
    Measurement,
    interleaved_rounds,
    make_console,
    print_comparison,
)
from alphaforge.optimize.api import optimize

SEQUENTIAL = "sequential (one core)"
POOL = "local process pool"
RAY = "local Ray"
# Ten fast and twenty slow lengths: the 200 parameter sets of the grid.
FAST = range(5, 55, 5)
SLOW = range(60, 260, 10)
Workload = tuple[str, str, str, Callable[[], float]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bars", type=int, default=100_000, help="one-minute bars per backtest")
    parser.add_argument("--sets", type=int, default=200, help="parameter sets of the grid")
    parser.add_argument(
        "--peer-sets", type=int, default=4, help="sets backtrader's optimiser runs (a full grid)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is shown")


def grid(sets: int) -> list[tuple[int, int]]:
    """The first `sets` (fast, slow) pairs of the grid, fast varying slowest."""
    pairs = list(itertools.product(FAST, SLOW))
    if not 1 <= sets <= len(pairs):
        raise ValueError(f"--sets must be between 1 and {len(pairs)}, got {sets}")
    return pairs[:sets]


def peer_grid(sets: int) -> list[tuple[int, int]]:
    """A full sub-grid of about `sets` pairs (optstrategy takes value lists, not pairs)."""
    fasts = max(1, int(sets**0.5))
    slows = max(1, sets // fasts)
    return list(itertools.product(FAST[:fasts], SLOW[:slows]))


def _ours(bars: pd.DataFrame, pairs: list[tuple[int, int]], backend: str, workers: int) -> float:
    wanted = set(pairs)
    started = time.perf_counter()
    result = optimize(
        SmaCross,
        bars,
        "SYN",
        {"fast": FAST, "slow": SLOW, "size": 1},
        constraint=lambda p: (p["fast"], p["slow"]) in wanted,
        engine={"cash": 1e9},
        backend=backend,
        workers=workers,
        progress=False,
    )
    elapsed = time.perf_counter() - started
    if len(result.results) != len(pairs) or len(result.errors):
        raise RuntimeError(f"{backend}: {len(result.errors)} of the backtests failed")
    return len(pairs) * 60.0 / elapsed


def _start_ray(workers: int, console: Console) -> bool:
    if importlib.util.find_spec("ray") is None:
        console.print('[yellow]ray is not installed (pip install "alphaforge[ray]"): left out')
        return False
    # One machine: Ray's processes address each other on the loopback interface.
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    import ray

    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    return True


def _rows(bars: pd.DataFrame, args: argparse.Namespace, console: Console) -> list[Workload]:
    pairs = grid(args.sets)
    group = f"SMA grid on {len(bars):,} bars"
    rows: list[Workload] = [
        (group, SEQUENTIAL, "backtests/min", partial(_ours, bars, pairs, "sequential", 1)),
        (group, POOL, "backtests/min", partial(_ours, bars, pairs, "local", args.workers)),
    ]
    if _start_ray(args.workers, console):
        # A standing cluster keeps its workers: warm them before the clock, once.
        _ours(bars.iloc[:2000], pairs[: 2 * args.workers], "ray", args.workers)
        rows.append((group, RAY, "backtests/min", partial(_ours, bars, pairs, "ray", args.workers)))
    if importlib.util.find_spec("backtrader") is None:
        console.print("[yellow]backtrader is not installed: left out")
    else:
        from alphaforge.benchmarks import backtrader_optimizer

        subset = peer_grid(args.peer_sets)
        name = f"backtrader optstrategy, {len(subset)} of the sets"
        measure = partial(backtrader_optimizer.backtests_per_minute, bars, subset, args.workers)
        rows.append((group, name, "backtests/min", measure))
    return rows


def run(args: argparse.Namespace) -> None:
    console = make_console()
    bars = synthetic_bars(args.bars)
    rows = _rows(bars, args, console)
    try:
        measurements = interleaved_rounds(rows, args.rounds)
    finally:
        if any(name == RAY for _, name, _, _ in rows):
            import ray

            ray.shutdown()
    title = (
        f"Sweep: SMA crossover on {len(bars):,} one-minute bars, {args.sets} parameter sets, "
        f"{args.workers} workers; medians of {args.rounds} rounds"
    )
    print_comparison(title, measurements, SEQUENTIAL, console)
    console.print(target_table(measurements))


def target_table(measurements: Sequence[Measurement]) -> Table:
    """The ratios the targets name, from the medians of this run."""
    by_name = {m.name: m.median for m in measurements}
    peer = next((m.median for m in measurements if m.name.startswith("backtrader")), None)
    table = Table(title="Targets (ratios of medians from this run)")
    for column in ("ratio", "measured", "target"):
        table.add_column(column, justify="right" if column != "ratio" else "left")
    table.add_row("pool / sequential", f"{by_name[POOL] / by_name[SEQUENTIAL]:.2f}x", ">= 1.8x")
    if RAY in by_name:
        gap = by_name[RAY] / by_name[POOL] - 1
        table.add_row("Ray vs pool", f"{gap:+.1%}", "within -15%")
    if peer is not None:
        table.add_row("pool / backtrader optstrategy", f"{by_name[POOL] / peer:.0f}x", ">= 50x")
    return table
