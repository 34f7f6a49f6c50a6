"""``alphaforge bench book``: replaying an L2 depth stream through BacktestEngine with a Python
on_book, against hftbacktest 2.4 with a numba strategy and a numpy pass over the same rows; and
a market maker trading on a synthetic market with trades, a plain Python strategy on ours
against the same decisions in numba on hftbacktest."""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from alphaforge.backtest.engine import BacktestEngine
from alphaforge.benchmarks.book_maker import run_maker
from alphaforge.benchmarks.book_rounds import (
    EmptyOnBook,
    Final,
    Result,
    Round,
    ratio_text,
    si_text,
)
from alphaforge.benchmarks.book_stream import T0, TICK, BookStream, book_stream
from alphaforge.benchmarks.report import make_console
from alphaforge.records import BookView
from alphaforge.strategy import Strategy

SYMBOL = "BTCUSDT"
PEER = "hftbacktest 2.4, numba on every feed"
FLOOR = "numpy: read the columns once (floor)"
SPARSE_EVERY = 100
SPARSE_TARGET = 5_000_000.0  # rows a second with on_book once per 100 messages


class Imbalance(Strategy):
    """Reads the best prices and sizes on each call (the BookView's float fields, as
    hftbacktest's strategy reads its depth's best_bid_qty) and keeps the imbalance of the
    sizes."""

    def __init__(self, every: int) -> None:
        super().__init__()
        self.every = every
        self.calls = 0
        self.final: Final = (np.nan, np.nan, np.nan)

    def on_start(self) -> None:
        self.subscribe_book(SYMBOL, depth=1, every=self.every)

    def on_book(self, book: BookView) -> None:
        bid_size, ask_size = book.best_bid_size or 0.0, book.best_ask_size or 0.0
        imbalance = (bid_size - ask_size) / (bid_size + ask_size)
        self.final = (book.best_bid or np.nan, book.best_ask or np.nan, imbalance)
        self.calls += 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The suite's options."""
    parser.add_argument("--rows", type=int, default=1_500_000, help="level changes in the stream")
    parser.add_argument("--levels", type=int, default=50, help="snapshot levels a side")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is shown")
    parser.add_argument(
        "--maker-messages",
        type=int,
        default=200_000,
        help="book messages after the snapshot in the market maker's market",
    )


def depth_frame(stream: BookStream) -> pd.DataFrame:
    """The stream as the canonical depth frame add_book takes."""
    return pd.DataFrame(
        {
            "ts": stream.ts,
            "side": np.where(stream.is_bid, "bid", "ask"),
            "price": stream.price,
            "size": stream.size,
            "update_id": stream.update_id,
            "prev_update_id": stream.prev_update_id,
            "snapshot": stream.snapshot,
        }
    )


def ours(frame: pd.DataFrame, strategy: Strategy) -> Round:
    """One replay: engine setup (add_book) and run() timed apart."""
    start = time.perf_counter()
    engine = BacktestEngine()
    engine.add_book(SYMBOL, frame)
    engine.add_strategy(strategy)
    built = time.perf_counter()
    engine.run()
    return Round(built - start, time.perf_counter() - built)


def floor(stream: BookStream) -> tuple[Round, float]:
    """Touch every column once, vectorised: the cost of reading the data, nothing of ours."""
    start = time.perf_counter()
    notional = float(np.dot(stream.price, stream.size))
    messages = int(np.count_nonzero(np.diff(stream.update_id))) + 1
    in_order = bool(np.all(np.diff(stream.ts) >= 0))
    bids = int(np.count_nonzero(stream.is_bid))
    chained = int(np.count_nonzero(stream.prev_update_id >= 0))
    snapshot_rows = int(np.count_nonzero(stream.snapshot))
    elapsed = time.perf_counter() - start
    return Round(0.0, elapsed), notional + messages + in_order + bids + chained + snapshot_rows


def call_s(on_book: Callable[[BookView], None], calls: int) -> float:
    """Seconds a call of `on_book` takes when C calls it (map over a repeat) `calls` times
    with one BookView of one level a side: the Python call and body alone, no replay."""
    one = np.ones(1)
    view = BookView(SYMBOL, T0, 1, one * 100.0, one * 2.0, one * 100.01, one)
    start = time.perf_counter()
    deque(map(on_book, repeat(view, calls)), maxlen=0)
    return (time.perf_counter() - start) / calls


@dataclass
class CallCosts:
    """Seconds a call from C, with no replay, of an empty on_book and of Imbalance's, a round."""

    empty: list[float]
    imbalance: list[float]


def call_costs(calls: int, rounds: int) -> CallCosts:
    """The median of `rounds` rounds of `calls` calls, each of both on_books."""
    costs = CallCosts([], [])
    for _ in range(rounds):
        costs.empty.append(call_s(EmptyOnBook(SYMBOL).on_book, calls))
        costs.imbalance.append(call_s(Imbalance(1).on_book, calls))
    return costs


def measure(rows: int, levels: int, rounds: int) -> tuple[BookStream, list[Result], int]:
    """Every implementation on the same stream, interleaved round after round.

    Returns the stream, the results and how many feeds hftbacktest handed its strategy."""
    stream = book_stream(rows, levels)
    frame = depth_frame(stream)
    every = Result("alphaforge, Python on_book every message", [])
    sparse = Result(f"alphaforge, Python on_book every {SPARSE_EVERY} messages", [])
    empty = Result("alphaforge, empty on_book every message", [])
    unread = Result("alphaforge, no book subscriber (replay alone)", [])
    numpy_pass = Result(FLOOR, [])
    results = [every, sparse, empty, unread]
    peer_feeds = 0
    try:
        from alphaforge.benchmarks import hftbacktest_peer as hbt
    except ImportError:
        hbt = None  # type: ignore[assignment]
    peer = Result(PEER, [])
    if hbt is not None:
        events = hbt.events(stream)
        # numba's compile stays out of the timing: the snapshot and a few diffs compile it.
        hbt.compile_strategy(events[: int(np.count_nonzero(stream.snapshot)) + 16])
        results.append(peer)
    results.append(numpy_pass)
    for _ in range(rounds):
        on_each = Imbalance(1)
        every.rounds.append(ours(frame, on_each))
        every.final = on_each.final  # the sparse one's last call comes before the last message
        sparse.rounds.append(ours(frame, Imbalance(SPARSE_EVERY)))
        empty.rounds.append(ours(frame, EmptyOnBook(SYMBOL)))
        unread.rounds.append(ours(frame, Strategy()))
        if hbt is not None:
            setup_s, run_s, (peer_feeds, bid, ask, imbalance) = hbt.replay(events)
            peer.rounds.append(Round(setup_s, run_s))
            peer.final = (bid, ask, imbalance)
        numpy_pass.rounds.append(floor(stream)[0])
    return stream, results, peer_feeds


def run(args: argparse.Namespace) -> None:
    """Measure, check every replay ended on the same book, print the table and the targets."""
    console = make_console()
    stream, results, peer_feeds = measure(args.rows, args.levels, args.rounds)
    console.print(
        f"[bold]Order-book replay[/]: {stream.rows:,} level changes in {stream.messages:,} "
        f"messages ({args.levels} levels a side in the snapshot), median of {args.rounds} "
        "interleaved rounds; setup (add_book, or building hftbacktest's backtest) is left out "
        "of the rates, numba's compile is done before the first round"
    )
    print_book_table(stream, results, console)
    print_breakdown(stream, results, call_costs(stream.messages, args.rounds), console)
    for result in results:
        if result.final is not None:
            bid, ask, imbalance = result.final
            console.print(
                f"{result.name}: last best bid {bid}, best ask {ask}, imbalance {imbalance:.6f}"
            )
    if peer_feeds:
        same = same_book(results[0].final, next(r.final for r in results if r.name == PEER))
        console.print(
            f"hftbacktest handed its strategy {peer_feeds:,} feeds; both ended on the same "
            f"book: {'yes' if same else 'NO'}"
        )
    print_targets(stream, results, console)
    run_maker(args.maker_messages, args.rounds, console)


def same_book(ours: Final | None, peer: Final | None) -> bool:
    """Best prices equal on the tick grid (hftbacktest rebuilds them as tick * tick_size)
    and the imbalance equal to rounding."""
    if ours is None or peer is None:
        return False
    ticks = [round(price / TICK) for price in (*ours[:2], *peer[:2])]
    return ticks[:2] == ticks[2:] and math.isclose(ours[2], peer[2], rel_tol=1e-12)


def print_book_table(stream: BookStream, results: list[Result], console: Console) -> None:
    by_name = {r.name: r for r in results}
    table = Table(title="Depth rows (level changes) and messages replayed per second")
    for column in ("implementation", "rows/s", "messages/s", "setup", "vs peer", "vs floor"):
        table.add_column(column, justify="left" if column == "implementation" else "right")
    for result in results:
        rate = result.rate(stream.rows)
        table.add_row(
            result.name,
            si_text(rate),
            si_text(result.rate(stream.messages)),
            "-" if result.name == FLOOR else f"{result.setup_s:.3f} s",
            ratio_text(rate, by_name.get(PEER), stream.rows),
            ratio_text(rate, by_name.get(FLOOR), stream.rows),
        )
    console.print(table)


def print_breakdown(
    stream: BookStream, results: list[Result], costs: CallCosts, console: Console
) -> None:
    """Where a message's time goes: differences of the replays' medians, and the on_books
    called from C with no replay."""
    every, _, empty, unread = results[:4]
    ns = {r.name: 1e9 / r.rate(stream.messages) for r in results}
    bare = 1e9 * statistics.median(costs.empty)
    hand_off = ns[empty.name] - ns[unread.name]
    rows = [
        ("the replay alone (no book subscriber)", ns[unread.name]),
        ("handing the book to an empty on_book (empty minus replay alone)", hand_off),
        ("  of it, a bare call of the empty method from C, no replay", bare),
        ("  of it, refreshing the BookView (the rest)", hand_off - bare),
        ("the strategy's reads and arithmetic (every message minus empty)",
         ns[every.name] - ns[empty.name]),
        ("  its on_book called from C on one BookView, less the bare call",
         1e9 * statistics.median(costs.imbalance) - bare),
    ]  # fmt: skip
    if PEER in ns:
        rows.append((f"{PEER}: the whole message", ns[PEER]))
    table = Table(title="Where a message's time goes (ns, from the medians)")
    table.add_column("part")
    table.add_column("ns", justify="right")
    for part, value in rows:
        table.add_row(part, f"{value:.0f}")
    console.print(table)


def print_targets(stream: BookStream, results: list[Result], console: Console) -> None:
    every, sparse = results[0], results[1]
    peer = next((r for r in results if r.name == PEER), None)
    if peer is not None:
        ours_rate, peer_rate = every.rate(stream.rows), peer.rate(stream.rows)
        console.print(
            "target: Python on_book on every message at least the peer's event rate: "
            f"{si_text(ours_rate)} rows/s against {si_text(peer_rate)} "
            f"({ours_rate / peer_rate:.2f}x): {'met' if ours_rate >= peer_rate else 'missed'}"
        )
    sparse_rate = sparse.rate(stream.rows)
    console.print(
        f"target: at least {si_text(SPARSE_TARGET)} book rows/s with on_book every {SPARSE_EVERY} "
        f"messages: {si_text(sparse_rate)} rows/s: "
        f"{'met' if sparse_rate >= SPARSE_TARGET else 'missed'}"
    )
