"""BookSync, the documented local order book procedure, on scripted event sequences.

The diffs and snapshots are written here as the docs describe them; the reference is a plain
dict book that the test applies by hand. The same machine runs against the replay exchange in
test_binance_data.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from alphaforge.adapters.binance.book_sync import BookSync, snapshot_limit
from alphaforge.adapters.binance.http import TransportError
from alphaforge.adapters.binance.schemas import DepthSnapshot, DepthUpdate
from alphaforge.live.venue import BookView, ConnectionEvent, FillReport, OrderReport
from alphaforge.records import Balance
from replay_helpers import run

Side = dict[float, float]


class Seen:
    """A VenueListener keeping the books, connection events and errors it is told of."""

    def __init__(self) -> None:
        self.books: list[tuple[int, int, list[tuple[float, float]], list[tuple[float, float]]]] = []
        self.events: list[ConnectionEvent] = []
        self.errors: list[str] = []

    def on_book(self, book: BookView) -> None:
        bids = list(zip(book.bid_prices.tolist(), book.bid_sizes.tolist(), strict=True))
        asks = list(zip(book.ask_prices.tolist(), book.ask_sizes.tolist(), strict=True))
        self.books.append((book.update_id, book.ts_ns, bids, asks))

    def on_connection(self, event: ConnectionEvent) -> None:
        self.events.append(event)

    def on_error(self, source: str, error: str) -> None:
        self.errors.append(f"{source}: {error}")

    def on_trade(self, *args: object) -> None:
        raise AssertionError("no trades here")

    def on_quote(self, *args: object) -> None:
        raise AssertionError("no quotes here")

    def on_order_report(self, report: OrderReport) -> None:
        raise AssertionError(report)

    def on_fill_report(self, report: FillReport) -> None:
        raise AssertionError(report)

    def on_balances(self, balances: dict[str, Balance], ts_ns: int) -> None:
        raise AssertionError(balances)


class Snapshots:
    """Snapshots handed out in order, each once the test releases it; raises what it is given."""

    def __init__(self, *answers: DepthSnapshot | Exception) -> None:
        self.answers = list(answers)
        self.limits: list[int] = []
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, limit: int) -> DepthSnapshot:
        self.limits.append(limit)
        await self.release.wait()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def diff(
    first: int, last: int, bids: Side | None = None, asks: Side | None = None, t: int = 1
) -> DepthUpdate:
    """A depthUpdate event for update ids first..last."""
    return DepthUpdate(
        event_time=t,
        first_id=first,
        last_id=last,
        bids=sorted((bids or {}).items()),
        asks=sorted((asks or {}).items()),
    )


def snap(update_id: int, bids: Side, asks: Side) -> DepthSnapshot:
    """A REST snapshot as of `update_id`."""
    return DepthSnapshot(update_id, sorted(bids.items()), sorted(asks.items()))


def make(snapshots: Snapshots, seen: Seen, depth: int = 10) -> BookSync:
    """A BookSync on tick 0.5, retrying failed snapshots at once."""
    return BookSync("XYZUSDT", 0.5, depth, seen, snapshots, lambda attempt: 0.0)


def apply(book: tuple[Side, Side], event: DepthUpdate) -> None:
    """The reference: absolute sizes, 0 removes."""
    for side, levels in zip(book, (event.bids, event.asks), strict=True):
        for price, size in levels:
            if size == 0:
                side.pop(price, None)
            else:
                side[price] = size


def levels(book: tuple[Side, Side]) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """The reference book as a BookView shows it: best first."""
    return sorted(book[0].items(), reverse=True), sorted(book[1].items())


async def settle(condition: Callable[[], bool] = lambda: True) -> None:
    """Let the sync's task run until `condition` holds."""
    for _ in range(100):
        await asyncio.sleep(0)
        if condition():
            return
    raise AssertionError("the sync did not get there")


def test_the_snapshot_size_follows_the_depth() -> None:
    assert [snapshot_limit(d) for d in (1, 1000, 1001, 5000)] == [1000, 1000, 5000, 5000]


@run
async def test_the_documented_procedure_drops_old_events_and_applies_the_straddling_one() -> None:
    bids, asks = {100.0: 1.0, 99.5: 2.0}, {101.0: 3.0, 101.5: 4.0}
    snapshots = Snapshots(snap(105, bids, asks))
    snapshots.release.clear()
    seen = Seen()
    sync = make(snapshots, seen)
    events = [
        diff(100, 102, {100.0: 9.0}),  # u <= lastUpdateId: in the snapshot already
        diff(103, 105, asks={101.0: 9.0}),
        diff(104, 107, {99.5: 0.0}, {102.0: 5.0}, t=7),  # U <= 106 <= u: the first applied
        diff(108, 110, {98.0: 1.5}, t=10),
    ]
    for event in events:
        sync.on_diff(event)
    await settle(lambda: bool(snapshots.limits))
    assert seen.books == []
    assert snapshots.limits == [1000]
    snapshots.release.set()
    await settle(lambda: sync.live)
    reference = ({**bids}, {**asks})
    for event in events[2:]:
        apply(reference, event)
    # Buffered events are history: one view, of the book they end in.
    assert seen.books == [(110, 10_000_000, *levels(reference))]
    later = diff(111, 111, asks={101.5: 0.0}, t=11)
    sync.on_diff(later)
    apply(reference, later)
    assert seen.books[-1] == (111, 11_000_000, *levels(reference))
    assert (sync.syncs, sync.gaps, seen.events, seen.errors) == (1, 0, [], [])


@run
async def test_a_snapshot_older_than_the_first_buffered_event_is_fetched_again() -> None:
    snapshots = Snapshots(snap(90, {1.0: 1.0}, {2.0: 1.0}), snap(101, {1.0: 2.0}, {2.0: 1.0}))
    seen = Seen()
    sync = make(snapshots, seen)
    sync.on_diff(diff(100, 102, {1.5: 1.0}))
    await settle(lambda: len(snapshots.limits) == 1)
    await asyncio.sleep(0.3)  # the wait before asking again
    await settle(lambda: sync.live)
    assert len(snapshots.limits) == 2
    assert seen.books == [(102, 1_000_000, [(1.5, 1.0), (1.0, 2.0)], [(2.0, 1.0)])]


@run
async def test_a_gap_in_the_stream_rebuilds_the_book_from_a_new_snapshot() -> None:
    snapshots = Snapshots(snap(10, {1.0: 1.0}, {3.0: 1.0}), snap(20, {1.5: 4.0}, {3.0: 2.0}))
    seen = Seen()
    sync = make(snapshots, seen)
    sync.on_diff(diff(10, 11, {1.0: 2.0}))
    await settle(lambda: sync.live)
    sync.on_diff(diff(12, 12, asks={2.5: 1.0}))
    assert [b[0] for b in seen.books] == [11, 12]
    sync.on_diff(diff(15, 18, {1.0: 7.0}))  # 13 and 14 were missed
    assert not sync.live
    sync.on_diff(diff(19, 21, asks={3.0: 0.0, 3.5: 1.0}))
    await settle(lambda: sync.live)
    assert sync.gaps == 1
    assert seen.books[-1] == (21, 1_000_000, [(1.5, 4.0)], [(3.5, 1.0)])
    assert seen.events == [
        ConnectionEvent(
            "market",
            "resynced",
            "XYZUSDT book rebuilt from snapshot 20 after a gap (expected U=13, got U=15)",
        )
    ]
    assert sync.book.update_id == 21


@run
async def test_only_the_first_event_after_a_snapshot_may_overlap_it() -> None:
    snapshots = Snapshots(snap(10, {1.0: 1.0}, {3.0: 1.0}), snap(12, {1.0: 1.0}, {3.0: 1.0}))
    seen = Seen()
    sync = make(snapshots, seen)
    sync.on_diff(diff(9, 11))  # straddles 11: applied
    await settle(lambda: sync.live)
    sync.on_diff(diff(11, 12))  # overlaps a live book: not how the stream goes
    assert not sync.live
    assert sync.gaps == 1
    await settle(lambda: sync.live)
    assert "after a gap (expected U=12, got U=11)" in seen.events[0].detail


@run
async def test_a_first_event_past_the_snapshot_is_a_gap() -> None:
    snapshots = Snapshots(snap(10, {1.0: 1.0}, {3.0: 1.0}), snap(14, {1.0: 1.0}, {3.0: 1.0}))
    seen = Seen()
    sync = make(snapshots, seen)
    snapshots.release.clear()
    sync.on_diff(diff(9, 10))
    sync.on_diff(diff(13, 14))  # 11 and 12 are nowhere: the buffer itself has a hole
    snapshots.release.set()
    await settle(lambda: sync.live and sync.syncs == 1)
    assert sync.gaps == 1
    assert sync.book.update_id == 14
    assert len(snapshots.limits) == 2


@run
async def test_old_events_on_a_live_book_are_ignored() -> None:
    seen = Seen()
    sync = make(Snapshots(snap(10, {1.0: 1.0}, {3.0: 1.0})), seen)
    sync.on_diff(diff(10, 12, {1.0: 2.0}))
    await settle(lambda: sync.live)
    sync.on_diff(diff(11, 12, {1.0: 9.0}))
    assert len(seen.books) == 1
    assert sync.book.bid_size_at(1.0) == 2.0
    assert sync.gaps == 0


@run
async def test_a_failed_snapshot_is_reported_and_asked_again() -> None:
    snapshots = Snapshots(TransportError("GET /api/v3/depth: timed out"), snap(5, {}, {2.0: 1.0}))
    seen = Seen()
    sync = make(snapshots, seen)
    sync.on_diff(diff(5, 6, {1.0: 1.0}))
    await settle(lambda: sync.live)
    assert seen.errors == ["market: XYZUSDT depth snapshot failed: GET /api/v3/depth: timed out"]
    assert seen.books == [(6, 1_000_000, [(1.0, 1.0)], [(2.0, 1.0)])]


@run
async def test_reset_forgets_the_book_and_the_next_diffs_rebuild_it() -> None:
    snapshots = Snapshots(snap(10, {1.0: 1.0}, {3.0: 1.0}), snap(50, {2.0: 1.0}, {3.0: 1.0}))
    seen = Seen()
    sync = make(snapshots, seen)
    sync.on_diff(diff(10, 11))
    await settle(lambda: sync.live)
    sync.reset("a reconnect")
    assert not sync.live
    assert len(sync.book) == 0
    sync.on_diff(diff(49, 51, asks={3.0: 0.0, 4.0: 2.0}))
    await settle(lambda: sync.live)
    assert seen.books[-1] == (51, 1_000_000, [(2.0, 1.0)], [(4.0, 2.0)])
    assert seen.events[-1].detail == "XYZUSDT book rebuilt from snapshot 50 after a reconnect"


@run
async def test_close_cancels_a_snapshot_under_way() -> None:
    snapshots = Snapshots(snap(10, {}, {}))
    snapshots.release.clear()
    sync = make(snapshots, Seen())
    sync.on_diff(diff(10, 11))
    await settle(lambda: bool(snapshots.limits))
    await sync.close()
    assert not sync.live
    assert [
        t
        for t in asyncio.all_tasks()
        if getattr(t.get_coro(), "__qualname__", "") == "BookSync._sync"
    ] == []
    assert "syncing, 1 buffered" in repr(sync)


@run
async def test_the_view_shows_depth_levels_and_deeper_ones_wait_in_the_book() -> None:
    bids = {100.0 - i / 2: 1.0 + i for i in range(8)}
    asks = {101.0 + i / 2: 1.0 + i for i in range(8)}
    seen = Seen()
    sync = make(Snapshots(snap(1, bids, asks)), seen, depth=3)
    sync.on_diff(diff(1, 2, {100.0: 0.0}))
    await settle(lambda: sync.live)
    _, _, shown_bids, shown_asks = seen.books[-1]
    assert shown_bids == [(99.5, 2.0), (99.0, 3.0), (98.5, 4.0)]
    assert shown_asks == [(101.0, 1.0), (101.5, 2.0), (102.0, 3.0)]
    assert (sync.book.bid_depth, sync.book.ask_depth) == (7, 8)
