"""``alphaforge bench backtest``: an SMA 10/30 strategy in Python on synthetic one-minute bars."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.backtest.engine import BacktestEngine
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.benchmarks.report import interleaved_rounds, make_console, print_comparison

OURS = "alphaforge"
FAST, SLOW = 10, 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bars", type=int, default=1_000_000, help="bars per round for alphaforge")
    parser.add_argument(
        "--peer-bars", type=int, default=100_000, help="bars per round for the slower peers"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is shown")


def synthetic_bars(n: int, seed: int = 7) -> pd.DataFrame:
    """A random walk of one-minute bars with a two-decimal grid."""
    rng = np.random.default_rng(seed)
    close = np.round(100.0 + np.cumsum(rng.normal(0.0, 0.05, n)), 2).clip(1.0)
    open_ = np.concatenate(([close[0]], close[:-1]))
    spread = np.round(np.abs(rng.normal(0.0, 0.03, n)), 2)
    high = np.maximum(open_, close) + spread
    low = np.maximum(np.minimum(open_, close) - spread, 0.5)
    index = pd.date_range("2020-01-01", periods=n, freq="1min", tz="UTC")
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": 1.0}, index=index
    )


def _alphaforge(bars: pd.DataFrame) -> float:
    engine = BacktestEngine(cash=1e9)
    engine.add_bars("SYN", bars)
    engine.add_strategy(SmaCross("SYN", FAST, SLOW, size=1))
    started = time.perf_counter()
    engine.run_frames()
    return len(bars) / (time.perf_counter() - started)


def _backtrader(bars: pd.DataFrame) -> float:
    bt: Any = importlib.import_module("backtrader")
    base: Any = bt.Strategy

    class Sma(base):  # type: ignore[misc]
        def __init__(self) -> None:
            self.closes: deque[float] = deque(maxlen=SLOW)
            self.fast_sum = 0.0
            self.slow_sum = 0.0
            self.above: bool | None = None

        def next(self) -> None:
            close = self.data.close[0]
            closes = self.closes
            if len(closes) == SLOW:
                self.slow_sum -= closes[0]
            if len(closes) >= FAST:
                self.fast_sum -= closes[-FAST]
            closes.append(close)
            self.fast_sum += close
            self.slow_sum += close
            if len(closes) < SLOW:
                return
            gap = self.fast_sum * SLOW - self.slow_sum * FAST
            above = gap > 1e-10 * self.slow_sum * FAST
            crossed = self.above is not None and above != self.above
            self.above = above
            if not crossed:
                return
            held = self.position.size
            if above and held == 0:
                self.buy(size=1)
            elif not above and held > 0:
                self.sell(size=held)

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.broker.setcash(1e9)
    cerebro.adddata(bt.feeds.PandasData(dataname=bars.tz_convert(None)))
    cerebro.addstrategy(Sma)
    started = time.perf_counter()
    cerebro.run()
    return len(bars) / (time.perf_counter() - started)


def run(args: argparse.Namespace) -> None:
    console = make_console()
    bars = synthetic_bars(args.bars)
    peer_bars = bars.iloc[: min(args.peer_bars, args.bars)]
    workloads: list[tuple[str, str, str, Callable[[], float]]] = [
        ("SMA 10/30 on bars", OURS, "bars/s", lambda: _alphaforge(bars))
    ]
    peers: dict[str, Callable[[pd.DataFrame], float]] = {"backtrader": _backtrader}
    for name, measure in peers.items():
        if importlib.util.find_spec(name) is None:
            console.print(f"[yellow]{name} is not installed: left out[/yellow]")
            continue
        workloads.append(("SMA 10/30 on bars", name, "bars/s", _bound(measure, peer_bars)))
    for name in ("nautilus_trader", "vectorbt"):
        if importlib.util.find_spec(name) is None:
            console.print(f"[yellow]{name} is not installed: left out[/yellow]")
        else:
            console.print(f"[yellow]{name} is installed but not measured by this suite[/yellow]")
    measurements = interleaved_rounds(workloads, args.rounds)
    title = f"Backtest: {len(bars):,} bars (alphaforge), {len(peer_bars):,} bars (peers)"
    print_comparison(title, measurements, OURS, console)


def _bound(measure: Callable[[pd.DataFrame], float], bars: pd.DataFrame) -> Callable[[], float]:
    def call() -> float:
        return measure(bars)

    return call
