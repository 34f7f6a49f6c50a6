"""One symbol's local order book, kept in step with Binance's diff-depth stream.

The documented procedure (web-socket-streams.md, "How to manage a local order book correctly"):
buffer the stream's events, fetch a REST snapshot (again while its lastUpdateId is below the
first buffered U), drop the buffered events with u <= lastUpdateId, then apply events in
order: the first must straddle the snapshot (U <= lastUpdateId + 1 <= u) and each next one
must start right after the previous (U == previous u + 1). Anything else means events were
missed, and the book is rebuilt from a new snapshot. Sizes are absolute; 0 removes a level.
The levels live in the C++ DepthBook.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import msgspec

from alphaforge.adapters.binance.http import BinanceError, TransportError
from alphaforge.adapters.binance.schemas import DepthSnapshot, DepthUpdate, Level
from alphaforge.data import DepthBook
from alphaforge.live.venue import BookView, ConnectionEvent, VenueListener

MAX_BUFFERED = 10_000  # diffs kept while a snapshot is awaited (17 min at 100 ms)
SNAPSHOT_BEHIND_RETRY_S = 0.25  # wait before asking again for a snapshot older than the stream
_NS_PER_MS = 1_000_000

Fetch = Callable[[int], Awaitable[DepthSnapshot]]


def snapshot_limit(depth: int) -> int:
    """The REST snapshot size for a book offering `depth` levels: 1000 (weight 50) or 5000."""
    return 1000 if depth <= 1000 else 5000


class BookSync:
    """The local book of `symbol`: fed diffs by :meth:`on_diff`, published as BookViews.

    `fetch(limit)` returns a REST snapshot. `retry_s(attempt)` is the wait after a failed one.
    """

    def __init__(
        self,
        symbol: str,
        tick_size: float,
        depth: int,
        listener: VenueListener,
        fetch: Fetch,
        retry_s: Callable[[int], float],
    ) -> None:
        self.symbol = symbol
        self.depth = depth
        self.book = DepthBook(symbol, tick_size)
        self._listener = listener
        self._fetch = fetch
        self._retry_s = retry_s
        self._live = False
        self._first = False  # the next event is the first after the snapshot
        self._buffer: list[DepthUpdate] = []
        self._task: asyncio.Task[None] | None = None
        self._cause: str | None = None  # why the book is being rebuilt (None: first build)
        self.gaps = 0
        self.syncs = 0
        self.snapshots = 0

    def __repr__(self) -> str:
        state = "live" if self._live else f"syncing, {len(self._buffer)} buffered"
        return f"BookSync({self.symbol}, update_id={self.book.update_id}, {state})"

    @property
    def live(self) -> bool:
        """Whether the book is in step with the stream."""
        return self._live

    def on_diff(self, event: DepthUpdate) -> None:
        """Take one diff event of the stream, in the order it arrived."""
        if self._live:
            if self._step(event):
                self._publish()
            return
        self._buffer.append(event)
        if len(self._buffer) > MAX_BUFFERED:
            del self._buffer[: MAX_BUFFERED // 2]
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._sync())

    def reset(self, cause: str) -> None:
        """Forget the book (its stream was replaced); the next diffs rebuild it."""
        self._restart(cause)
        self._buffer.clear()

    async def close(self) -> None:
        """Cancel a snapshot under way."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _restart(self, cause: str) -> None:
        self._live = False
        self._cause = cause
        self.book.clear()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _sync(self) -> None:
        snapshot = await self._snapshot()
        self._task = None
        book = self.book
        book.clear()
        self._apply(snapshot.bids, snapshot.asks)
        book.update_id = snapshot.last_update_id
        book.ts_ns = self._buffer[-1].event_time * _NS_PER_MS
        self._live, self._first = True, True
        buffered, self._buffer = self._buffer, []
        # Buffered events are history: they are applied, and only the book they end in is shown.
        for event in buffered:
            if self._live:
                self._step(event)
            else:
                self.on_diff(event)  # a gap inside the buffer restarted the sync
        if not self._live:
            return
        self.syncs += 1
        self._publish()
        if self._cause is not None:
            self._listener.on_connection(
                ConnectionEvent(
                    "market",
                    "resynced",
                    f"{self.symbol} book rebuilt from snapshot {snapshot.last_update_id} "
                    f"after {self._cause}",
                )
            )
            self._cause = None

    def _step(self, event: DepthUpdate) -> bool:
        """Apply one event to the live book by the sequence rules; whether it was applied."""
        book = self.book
        if event.last_id <= book.update_id:
            return False  # already in the book
        expected = book.update_id + 1
        if event.first_id != expected and (event.first_id > expected or not self._first):
            self.gaps += 1
            self._restart(f"a gap (expected U={expected}, got U={event.first_id})")
            self.on_diff(event)  # the first event of the rebuild
            return False
        self._apply(event.bids, event.asks)
        self._first = False
        book.update_id = event.last_id
        book.ts_ns = event.event_time * _NS_PER_MS
        return True

    async def _snapshot(self) -> DepthSnapshot:
        """A snapshot no older than the first buffered event, retried until one comes."""
        failures = 0
        while True:
            try:
                snapshot = await self._fetch(snapshot_limit(self.depth))
            except (TransportError, BinanceError, msgspec.DecodeError) as error:
                failures += 1
                self._listener.on_error("market", f"{self.symbol} depth snapshot failed: {error}")
                await asyncio.sleep(self._retry_s(failures))
                continue
            self.snapshots += 1
            if snapshot.last_update_id >= self._buffer[0].first_id:
                return snapshot
            await asyncio.sleep(SNAPSHOT_BEHIND_RETRY_S)

    def _apply(self, bids: list[Level], asks: list[Level]) -> None:
        if bids:
            self.book.apply_bids([p for p, _ in bids], [q for _, q in bids])
        if asks:
            self.book.apply_asks([p for p, _ in asks], [q for _, q in asks])

    def _publish(self) -> None:
        book = self.book
        bid_px, bid_sz, ask_px, ask_sz = book.top(self.depth)
        self._listener.on_book(
            BookView(self.symbol, book.ts_ns, book.update_id, bid_px, bid_sz, ask_px, ask_sz)
        )
