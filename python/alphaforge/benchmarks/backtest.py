"""``alphaforge bench backtest``: an SMA 10/30 strategy in Python on synthetic one-minute bars,
on one-minute bars built from synthetic trades, and on every trade, against installed peers."""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd
from rich.console import Console

from alphaforge.backtest.engine import BacktestEngine
from alphaforge.backtest.sma_cross import SmaCross, TradeSmaCross
from alphaforge.benchmarks import (
    backtrader_peer,
    nautilus_peer,
    strategy_floor,
    vectorbt_peer,
)
from alphaforge.benchmarks.report import (
    Measurement,
    interleaved_rounds,
    make_console,
    print_comparison,
)
from alphaforge.benchmarks.rsi_strategies import NoRsi, PythonRsi, RegisteredRsi, UnreadRsi

OURS = "alphaforge"
# The same on_bar in a plain Python loop over the same closes: the strategy's own time.
FLOOR = "floor (on_bar alone)"
FAST, SLOW = 10, 30
ON_BARS = "SMA on 1-min bars"
ON_BUILT_BARS = "SMA on 1-min bars built from trades"
ON_TRADES = "SMA on every trade"
# alphaforge's row there has the engine update the RSI in C++ (register_indicator).
WITH_RSI = "RSI(14) read in on_bar"
RSI_IN_ON_BAR = "updated in on_bar"
RSI_NONE = "no RSI"
RSI_UNREAD = "registered, never read"
Workload = tuple[str, str, str, Callable[[], float]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bars", type=int, default=1_000_000, help="bars per round for alphaforge")
    parser.add_argument("--ticks", type=int, default=1_000_000, help="trades per round for ours")
    parser.add_argument(
        "--peer-bars", type=int, default=100_000, help="bars per round for the slower peers"
    )
    parser.add_argument(
        "--peer-ticks", type=int, default=100_000, help="trades per round for the slower peers"
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


def synthetic_trades(n: int, seed: int = 7) -> pd.DataFrame:
    """A random walk of trades on a two-decimal grid, one every 100 ms, in loader columns."""
    rng = np.random.default_rng(seed)
    price = np.round(100.0 + np.cumsum(rng.normal(0.0, 0.01, n)), 2).clip(1.0)
    start = pd.Timestamp("2020-01-01", tz="UTC").value
    ts = start + np.arange(n, dtype=np.int64) * 100_000_000
    return pd.DataFrame({"ts_ns": ts, "price": price, "size": 1.0})


def _alphaforge_bars(bars: pd.DataFrame) -> float:
    engine = BacktestEngine(cash=1e9)
    engine.add_bars("SYN", bars)
    engine.add_strategy(SmaCross("SYN", FAST, SLOW, size=1))
    started = time.perf_counter()
    engine.run_frames()
    return len(bars) / (time.perf_counter() - started)


def _floor_bars(bars: pd.DataFrame) -> float:
    strategy = SmaCross("SYN", FAST, SLOW, size=1)
    return strategy_floor.bars_per_second(strategy, bars["close"].tolist())


def _rsi_bars(bars: pd.DataFrame, strategy: type[RegisteredRsi]) -> float:
    engine = BacktestEngine(cash=1e9)
    engine.add_bars("SYN", bars)
    engine.add_strategy(strategy("SYN"))
    started = time.perf_counter()
    engine.run_frames()
    return len(bars) / (time.perf_counter() - started)


def _print_rsi_cost(measurements: list[Measurement], console: Console) -> None:
    """Each RSI's cost per bar over the run without one, from the medians."""
    rates = {m.name: m.median for m in measurements if m.group == WITH_RSI}
    base = 1e9 / rates[RSI_NONE]
    registered = 1e9 / rates[OURS] - base
    python = 1e9 / rates[RSI_IN_ON_BAR] - base
    unread = 1e9 / rates[RSI_UNREAD] - base
    console.print(
        f"RSI(14) a bar, over the same on_bar without it: registered {registered:.0f} ns "
        f"({unread:.0f} ns of it the native update), updated in on_bar {python:.0f} ns"
    )


def _alphaforge_ticks(trades: pd.DataFrame, every_trade: bool) -> float:
    engine = BacktestEngine(cash=1e9)
    engine.add_instrument("SYN", tick_size=0.01)
    engine.add_trades("SYN", trades)
    if every_trade:
        engine.add_strategy(TradeSmaCross("SYN", FAST, SLOW, size=1))
    else:
        engine.add_strategy(SmaCross("SYN", FAST, SLOW, size=1, bar_spec="1min"))
    started = time.perf_counter()
    engine.run_frames()
    return len(trades) / (time.perf_counter() - started)


def _installed(name: str, console: Console) -> bool:
    if importlib.util.find_spec(name) is None:
        console.print(f"[yellow]{name} is not installed: left out[/yellow]")
        return False
    return True


def _peer_workloads(
    bars: pd.DataFrame, peer_bars: pd.DataFrame, peer_trades: pd.DataFrame, console: Console
) -> list[Workload]:
    out: list[Workload] = []
    if _installed("backtrader", console):
        measure = partial(backtrader_peer.bars_per_second, peer_bars, FAST, SLOW)
        out.append((ON_BARS, "backtrader", "bars/s", measure))
    if _installed("nautilus_trader", console):
        nautilus = "nautilus-trader"
        measure = partial(nautilus_peer.bars_per_second, peer_bars, FAST, SLOW)
        out.append((ON_BARS, nautilus, "bars/s", measure))
        built = partial(nautilus_peer.ticks_per_second, peer_trades, FAST, SLOW, False)
        out.append((ON_BUILT_BARS, nautilus, "trades/s", built))
        every = partial(nautilus_peer.ticks_per_second, peer_trades, FAST, SLOW, True)
        out.append((ON_TRADES, nautilus, "trades/s", every))
    if _installed("vectorbt", console):
        # Its first call compiles its kernels: keep that out of the rounds.
        vectorbt_peer.bars_per_second(bars.iloc[:1000], FAST, SLOW)
        measure = partial(vectorbt_peer.bars_per_second, bars, FAST, SLOW)
        out.append((ON_BARS, "vectorbt (vectorised)", "bars/s", measure))
    return out


def run(args: argparse.Namespace) -> None:
    console = make_console()
    bars = synthetic_bars(args.bars)
    trades = synthetic_trades(args.ticks)
    peer_bars = bars.iloc[: min(args.peer_bars, args.bars)]
    peer_trades = trades.iloc[: min(args.peer_ticks, args.ticks)]
    workloads: list[Workload] = [
        (ON_BARS, OURS, "bars/s", partial(_alphaforge_bars, bars)),
        (ON_BARS, FLOOR, "bars/s", partial(_floor_bars, bars)),
        (ON_BUILT_BARS, OURS, "trades/s", partial(_alphaforge_ticks, trades, False)),
        (ON_TRADES, OURS, "trades/s", partial(_alphaforge_ticks, trades, True)),
    ]
    workloads += [
        (WITH_RSI, OURS, "bars/s", partial(_rsi_bars, bars, RegisteredRsi)),
        (WITH_RSI, RSI_IN_ON_BAR, "bars/s", partial(_rsi_bars, bars, PythonRsi)),
        (WITH_RSI, RSI_NONE, "bars/s", partial(_rsi_bars, bars, NoRsi)),
        (WITH_RSI, RSI_UNREAD, "bars/s", partial(_rsi_bars, bars, UnreadRsi)),
    ]
    workloads += _peer_workloads(bars, peer_bars, peer_trades, console)
    measurements = interleaved_rounds(workloads, args.rounds)
    title = (
        f"Backtest: {len(bars):,} bars and {len(trades):,} trades (alphaforge, vectorbt); "
        f"{len(peer_bars):,} bars and {len(peer_trades):,} trades (event-driven peers)"
    )
    print_comparison(title, measurements, OURS, console)
    _print_rsi_cost(measurements, console)
