"""The market maker of ``alphaforge bench book``: QuoteMaker trading on a synthetic market with
trades, a plain Python strategy on ours against the same decisions in numba on hftbacktest."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.table import Table

from alphaforge.benchmarks.book_market import (
    K_TICKS,
    LATENCY,
    MAX_LOTS,
    SYMBOL,
    BookMarket,
    book_market,
    maker_engine,
    market_engine,
)
from alphaforge.benchmarks.book_rounds import EmptyOnBook, Result, Round, ratio_text, si_text
from alphaforge.strategy import Strategy

MAKER = "alphaforge, Python QuoteMaker"
MAKER_PEER = "hftbacktest 2.4, the same maker in numba"
MAKER_EMPTY = "alphaforge, empty on_book every message"
MAKER_UNREAD = "alphaforge, no strategy (replay alone)"
MAKER_MODEL = "risk_averse"  # the queue model both engines fill alike
MAKER_WARM_UP = 500  # messages of the market numba compiles the maker on


@dataclass
class MakerResult(Result):
    """A market maker's rounds, and its quotes placed, fills and position (in lots) at the end
    of the last."""

    quotes: int = 0
    fills: int = 0
    position: float = math.nan

    @property
    def tally(self) -> tuple[int, int, float]:
        return self.quotes, self.fills, self.position


@dataclass(frozen=True)
class MakerCounts:
    """What the maker's market holds: depth rows and book messages, and trades."""

    rows: int
    book_messages: int
    trades: int

    @property
    def events(self) -> int:
        return self.rows + self.trades

    @property
    def messages(self) -> int:
        return self.book_messages + self.trades


def maker_round(market: BookMarket) -> tuple[Round, tuple[int, int, float]]:
    """One run of QuoteMaker on ours: the engine's setup (add_book, add_trades, the strategy)
    and run() timed apart; its quotes placed, fills and final position in lots."""
    start = time.perf_counter()
    engine, maker = maker_engine(market.depth, market.trades, market.tick, market.lot, MAKER_MODEL)
    built = time.perf_counter()
    engine.run()
    done = time.perf_counter()
    state = maker.state
    return Round(built - start, done - built), (len(state.placed), len(state.fills), state.lots)


def market_round(market: BookMarket, strategy: Strategy) -> Round:
    """One run of the maker's engine with `strategy`, which sends no orders."""
    start = time.perf_counter()
    engine = market_engine(market.depth, market.trades, market.tick, market.lot, MAKER_MODEL)
    engine.add_strategy(strategy)
    built = time.perf_counter()
    engine.run()
    return Round(built - start, time.perf_counter() - built)


def peer_data(hbt_maker: ModuleType, market: BookMarket) -> tuple[Any, Any]:
    """The market as hftbacktest's event rows, and the local times of its book messages."""
    feed_ns = LATENCY[0]
    events = hbt_maker.hbt_events(market.depth, market.trades, market.tick, feed_ns)
    return events, hbt_maker.book_times(market.depth, feed_ns)


def peer_round(
    hbt_maker: ModuleType, market: BookMarket, events: Any, book_ts: Any
) -> tuple[Round, tuple[int, int, float]]:
    """One run of the numba maker on hftbacktest: building the backtest over `events` and the
    run timed apart; its quotes placed, fills and final position in lots."""
    _, entry_ns, response_ns = LATENCY
    start = time.perf_counter()
    hbt = hbt_maker.build(events, market.tick, market.lot, MAKER_MODEL, entry_ns, response_ns)
    built = time.perf_counter()
    done = hbt_maker.run_maker(hbt, events, book_ts, K_TICKS, MAX_LOTS, entry_ns + response_ns)
    elapsed = time.perf_counter() - built
    hbt.close()
    tally = (len(done.placed), len(done.fills), done.position / market.lot)
    return Round(built - start, elapsed), tally


def measure_maker(messages: int, rounds: int) -> tuple[MakerCounts, list[MakerResult]]:
    """QuoteMaker on ours and, when hftbacktest is installed, its numba twin on hftbacktest, on
    one market of `messages` messages, interleaved round after round."""
    market = book_market(messages)
    counts = MakerCounts(
        len(market.depth), int(market.depth["update_id"].nunique()), len(market.trades)
    )
    ours = MakerResult(MAKER, [])
    empty = MakerResult(MAKER_EMPTY, [])
    unread = MakerResult(MAKER_UNREAD, [])
    results = [ours, empty, unread]
    try:
        import alphaforge.benchmarks.hftbacktest_maker as hbt_maker
    except ImportError:
        hbt_maker = None  # type: ignore[assignment]
    peer = MakerResult(MAKER_PEER, [])
    if hbt_maker is not None:
        results.append(peer)
        # The event rows are made once, as the depth replay's are; numba compiles the maker on
        # a short market of the same kind before anything is timed.
        warm = book_market(MAKER_WARM_UP)
        peer_round(hbt_maker, warm, *peer_data(hbt_maker, warm))
        data = peer_data(hbt_maker, market)
    for _ in range(rounds):
        one, (ours.quotes, ours.fills, ours.position) = maker_round(market)
        ours.rounds.append(one)
        empty.rounds.append(market_round(market, EmptyOnBook(SYMBOL)))
        unread.rounds.append(market_round(market, Strategy()))
        if hbt_maker is not None:
            one, (peer.quotes, peer.fills, peer.position) = peer_round(hbt_maker, market, *data)
            peer.rounds.append(one)
    return counts, results


def run_maker(messages: int, rounds: int, console: Console) -> None:
    """Measure the market maker, print its table and the check that both engines made the same
    number of quotes and fills and ended at the same position."""
    counts, results = measure_maker(messages, rounds)
    feed_ns, entry_ns, response_ns = LATENCY
    console.print(
        f"[bold]Market maker[/]: one-lot quotes {K_TICKS} tick off the mid, position within "
        f"{MAX_LOTS} lots, {MAKER_MODEL} queue positions, partial fills; latencies feed "
        f"{feed_ns / 1e3:g} us, entry {entry_ns / 1e3:g} us, response {response_ns / 1e3:g} us; "
        f"{counts.events:,} events ({counts.rows:,} depth rows and {counts.trades:,} trades) in "
        f"{counts.messages:,} messages ({counts.book_messages:,} book messages and the trades), "
        f"median of {rounds} interleaved rounds; setup (the engine with add_book and "
        "add_trades, or building hftbacktest's backtest over event rows made once) is left "
        "out of the rates, numba's compile is done before the first round"
    )
    ours = results[0]
    peer = next((r for r in results if r.name == MAKER_PEER), None)
    if peer is None:
        console.print(
            "[yellow]hftbacktest is not installed: the market maker runs on alphaforge alone, "
            "with nothing to check its fills against[/yellow]"
        )
    table = Table(title="Market maker: events (depth rows and trades) and messages per second")
    columns = ("implementation", "events/s", "messages/s", "setup", "quotes", "fills", "lots held")
    for column in (*columns, "vs peer"):
        table.add_column(column, justify="left" if column == "implementation" else "right")
    for result in results:
        rate = result.rate(counts.events)
        tally = (f"{result.quotes:,}", f"{result.fills:,}", f"{result.position:+g}")
        if result.name in (MAKER_EMPTY, MAKER_UNREAD):  # they send no orders
            tally = ("-", "-", "-")
        table.add_row(
            result.name,
            si_text(rate),
            si_text(result.rate(counts.messages)),
            f"{result.setup_s:.3f} s",
            *tally,
            ratio_text(rate, peer, counts.events),
        )
    console.print(table)
    if peer is not None:
        console.print(
            f"market maker: alphaforge {ours.quotes:,} quotes, {ours.fills:,} fills, position "
            f"{ours.position:+g} lots; hftbacktest {peer.quotes:,} quotes, {peer.fills:,} fills, "
            f"position {peer.position:+g} lots; both placed the same number of quotes, made the "
            "same number of fills and ended at the same position: "
            f"{'yes' if ours.tally == peer.tally else 'NO'}"
        )
