"""``alphaforge bench indicators``: the vectorised indicators on a million bars against TA-Lib,
pandas-ta and plain pandas/numpy, and a streaming update per bar from Python."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from typing import Protocol

import numpy as np
from rich.console import Console

from alphaforge import indicators as ind
from alphaforge.benchmarks import indicator_peers as peers
from alphaforge.benchmarks.report import interleaved_rounds, make_console, print_comparison

OURS = "alphaforge"
FLOOR = "numpy: read the inputs once (floor)"
Workload = tuple[str, str, str, Callable[[], float]]

OUR_WORKLOADS: dict[str, peers.Compute] = {
    "SMA(20)": lambda b: ind.sma(b.close, 20),
    "EMA(20)": lambda b: ind.ema(b.close, 20),
    "WMA(20)": lambda b: ind.wma(b.close, 20),
    "RSI(14)": lambda b: ind.rsi(b.close, 14),
    "MACD(12, 26, 9)": lambda b: ind.macd(b.close, 12, 26, 9),
    "Bollinger(20, 2)": lambda b: ind.bollinger(b.close, 20, 2.0),
    "rolling std(20)": lambda b: ind.rolling_std(b.close, 20),
    "z-score(20)": lambda b: ind.zscore(b.close, 20),
    "ATR(14)": lambda b: ind.atr(b.high, b.low, b.close, 14),
    "stochastic(5, 3, 3)": lambda b: ind.stochastic(b.high, b.low, b.close),
    "ADX(14)": lambda b: ind.adx(b.high, b.low, b.close, 14),
    "OBV": lambda b: ind.obv(b.close, b.volume),
    "VWAP": lambda b: ind.vwap(b.high, b.low, b.close, b.volume),
}
BAR_INPUTS = {"ATR(14)", "stochastic(5, 3, 3)", "ADX(14)"}
VOLUME_INPUTS = {"OBV": ("close", "volume"), "VWAP": ("high", "low", "close", "volume")}
STREAM_GROUP = "streaming update per bar, from Python"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bars", type=int, default=1_000_000, help="bars per vectorised call")
    parser.add_argument(
        "--peer-bars", type=int, default=100_000, help="bars per call for pandas-ta"
    )
    parser.add_argument(
        "--stream-bars", type=int, default=200_000, help="bars fed one at a time from Python"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median is shown")


def _rate(bars: int, compute: peers.Compute, data: peers.BenchBars) -> float:
    """Bars per second over calls adding up to about 50 ms: one call alone is timed as much by
    the page faults of its fresh output array, which the memory the previous workload left
    behind decides, as by the indicator."""
    started = time.perf_counter()
    compute(data)
    calls, elapsed = 1, time.perf_counter() - started
    while elapsed < 0.05:
        compute(data)
        calls, elapsed = calls + 1, time.perf_counter() - started
    return calls * bars / elapsed


def _read_once(columns: tuple[str, ...], data: peers.BenchBars) -> object:
    # Not a peer: the memory traffic any implementation pays, each input read once.
    return [np.add.reduce(getattr(data, c)) for c in columns]


def _inputs(name: str) -> tuple[str, ...]:
    if name in BAR_INPUTS:
        return ("high", "low", "close")
    return VOLUME_INPUTS.get(name, ("close",))


def vectorised_workloads(
    data: peers.BenchBars, peer_data: peers.BenchBars, console: Console
) -> list[Workload]:
    """Every indicator by every implementation installed, in bars per second."""
    rows = len(data.close)
    implementations: list[tuple[str, dict[str, peers.Compute], peers.BenchBars]] = [
        (OURS, OUR_WORKLOADS, data)
    ]
    if peers.installed("talib"):
        implementations.append(("TA-Lib", peers.talib_workloads(), data))
    else:
        console.print("[yellow]TA-Lib is not installed: left out[/yellow]")
    if peers.installed("pandas_ta"):
        implementations.append(
            ("pandas-ta (pandas, no TA-Lib)", peers.pandas_ta_workloads(), peer_data)
        )
    else:
        console.print("[yellow]pandas-ta is not installed: left out[/yellow]")
    implementations.append(("pandas / numpy", peers.pandas_workloads(), data))
    workloads: list[Workload] = []
    for name in OUR_WORKLOADS:
        for label, table, bars in implementations:
            if name in table:
                measure = partial(_rate, len(bars.close), table[name], bars)
                workloads.append((name, label, "bars/s", measure))
        floor = partial(_read_once, _inputs(name))
        workloads.append((name, FLOOR, "bars/s", partial(_rate, rows, floor, data)))
    return workloads


class _PythonRsi:
    """Wilder's RSI as a plain Python class: the streaming peer."""

    def __init__(self, period: int) -> None:
        self.period, self.seen = period, 0
        self.previous = self.gain = self.loss = 0.0
        self.value = float("nan")

    def update(self, price: float) -> float:
        if self.seen == 0:
            self.seen, self.previous = 1, price
            return self.value
        change, self.previous = price - self.previous, price
        gain, loss = max(change, 0.0), max(-change, 0.0)
        n = self.period
        if self.seen <= n:
            self.gain += gain / n
            self.loss += loss / n
            self.seen += 1
            if self.seen <= n:
                return self.value
        else:
            self.gain = (self.gain * (n - 1) + gain) / n
            self.loss = (self.loss * (n - 1) + loss) / n
        total = self.gain + self.loss
        self.value = 100.0 * self.gain / total if total else 0.0
        return self.value


class _NoOp:
    def update(self, price: float) -> float:
        return price


class _Streaming(Protocol):
    def update(self, value: float, /) -> float: ...


def _stream_rate(make: Callable[[], _Streaming], closes: list[float]) -> float:
    update = make().update
    started = time.perf_counter()
    for price in closes:
        update(price)
    return len(closes) / (time.perf_counter() - started)


def streaming_workloads(data: peers.BenchBars, bars: int) -> list[Workload]:
    """RSI(14).update per bar against the same in plain Python and a no-op call (the floor)."""
    closes = data.close[:bars].tolist()
    return [
        (
            STREAM_GROUP,
            OURS + " RSI(14)",
            "bars/s",
            partial(_stream_rate, lambda: ind.RSI(14), closes),
        ),
        (
            STREAM_GROUP,
            "Python class RSI(14)",
            "bars/s",
            partial(_stream_rate, lambda: _PythonRsi(14), closes),
        ),
        (
            STREAM_GROUP,
            "Python no-op update (floor)",
            "bars/s",
            partial(_stream_rate, _NoOp, closes),
        ),
    ]


def run(args: argparse.Namespace) -> None:
    console = make_console()
    data = peers.synthetic_bars(args.bars)
    peer_data = data if args.peer_bars >= args.bars else peers.synthetic_bars(args.peer_bars)
    vectorised = interleaved_rounds(vectorised_workloads(data, peer_data, console), args.rounds)
    title = f"Indicators, vectorised: {args.bars:,} bars (pandas-ta: {len(peer_data.close):,})"
    print_comparison(title, vectorised, OURS, console)
    streamed = interleaved_rounds(streaming_workloads(data, args.stream_bars), args.rounds)
    print_comparison(
        f"Indicators, streaming: {min(args.stream_bars, args.bars):,} bars",
        streamed,
        OURS + " RSI(14)",
        console,
    )
