"""The replay clock and the market feed: it walks the record, loop after loop, at the set pace.

One task advances replay time. At speed X > 0 replay time runs X times as fast as the wall
clock from the moment the feed starts; at speed 0 it jumps ahead a batch of market events at a
time, as fast as the subscribed clients take the frames (their sockets' backpressure paces it).
Each step hands the replayed quotes and trades to the exchange for matching and the due frames
of every subscribed stream to each connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from alphaforge.replay.connection import Connection, ws_frame
from alphaforge.replay.depth import Book
from alphaforge.replay.exchange import Exchange, MarketEvent, ReplayedTrade
from alphaforge.replay.frames import FIRST_AGG_ID, UNITS, StreamBook, units_text

BATCH_EVENTS = 4096  # market events per step at speed 0
_IDLE_WAKE_S = 0.05  # longest sleep at speed > 0, so a new subscriber is served promptly


class Subscriber:
    """A market-data connection and the streams it follows."""

    def __init__(self, connection: Connection, combined: bool) -> None:
        self.connection = connection
        self.combined = combined
        self.streams: list[str] = []
        self.depth_sent = 0  # depth diffs sent, for the gap fault


class Feed:
    """The replay's clock, its market cursor and the fan-out of stream frames."""

    def __init__(
        self,
        streams: StreamBook,
        exchange: Exchange | None,
        *,
        speed: float,
        loops: int | None,
        gap_every: int = 0,
    ) -> None:
        self.streams = streams
        self.exchange = exchange
        self.speed = speed
        self.loops = loops
        self.gap_every = gap_every
        market = streams.market
        self.subscribers: list[Subscriber] = []
        self.loop = 0
        self.time_ms = (
            market.start_ms + streams.loop_shift_ms(0) - 1
        )  # replay time processed so far
        self.next_trade = 0
        self.next_quote = 0
        self.finished = asyncio.Event()
        self.started = asyncio.Event()
        self._changed = asyncio.Event()
        self._events = np.sort(np.concatenate([market.trade_ms, market.quote_ms]))
        self._next_event = 0
        self._cache: dict[tuple[str, int], tuple[npt.NDArray[np.int64], list[bytes]]] = {}
        self._framed_cache: dict[tuple[str, int, bool], list[bytes]] = {}
        self._positions: dict[str, int] = {}

    # What the exchange reads of the market.

    def book(self) -> Book:
        """The derived book once the last replayed quote is applied (empty before any)."""
        if self.next_quote > 0:
            return self.streams.book_after(self.next_quote - 1)
        if self.loop > 0:
            return self.streams.book_after(len(self.streams.depth) - 1)
        return {}, {}

    def update_id(self) -> int:
        """The book's last update id."""
        return self.streams.update_id(self.loop, self.next_quote - 1)

    def last_price(self) -> int | None:
        """The last replayed trade price in ticks; the mid before any trade; None before both."""
        market = self.streams.market
        if self.next_trade > 0 or self.loop > 0:
            return round(float(market.price[self.next_trade - 1]) / self.streams.depth.tick_size)
        bids, asks = self.book()
        if bids and asks:
            return (max(bids) + min(asks)) // 2
        return None

    def recent_trades(self, limit: int) -> list[tuple[int, float, float, int, bool]]:
        """Up to `limit` latest replayed trades: (id, price, qty, time ms, buyer was maker)."""
        market = self.streams.market
        out: list[tuple[int, float, float, int, bool]] = []
        loop, end = self.loop, self.next_trade
        while len(out) < limit and loop >= 0:
            start = max(0, end - (limit - len(out)))
            shift_ms = self.streams.loop_shift_ms(loop)
            shift_id = loop * market.trade_id_span
            out[:0] = [
                (
                    int(market.trade_id[i]) + shift_id,
                    float(market.price[i]),
                    float(market.qty[i]),
                    int(market.trade_ms[i]) + shift_ms,
                    bool(market.buyer_maker[i]),
                )
                for i in range(start, end)
            ]
            loop, end = loop - 1, len(market.price)
        return out

    def recent_agg_trades(self, limit: int) -> list[dict[str, object]]:
        """Up to `limit` latest aggTrades as GET /api/v3/aggTrades shows them, oldest first."""
        market = self.streams.market
        firsts, lasts = self.streams.aggregates()
        out: list[dict[str, object]] = []
        loop, done = self.loop, int(np.searchsorted(lasts, self.next_trade - 1, "right"))
        while len(out) < limit and loop >= 0:
            shift_ms = self.streams.loop_shift_ms(loop)
            shift_id = loop * market.trade_id_span
            start = max(0, done - (limit - len(out)))
            out[:0] = [
                {
                    "a": FIRST_AGG_ID + g + loop * len(firsts),
                    "p": units_text(round(float(market.price[firsts[g]]) * UNITS)),
                    "q": units_text(
                        sum(round(float(q) * UNITS) for q in market.qty[firsts[g] : lasts[g] + 1])
                    ),
                    "f": int(market.trade_id[firsts[g]]) + shift_id,
                    "l": int(market.trade_id[lasts[g]]) + shift_id,
                    "T": int(market.trade_ms[firsts[g]]) + shift_ms,
                    "m": bool(market.buyer_maker[firsts[g]]),
                    "M": True,
                }
                for g in range(start, done)
            ]
            loop, done = loop - 1, len(firsts)
        return out

    # Subscriptions.

    def subscribe(self, subscriber: Subscriber, streams: Iterable[str]) -> None:
        """Add `streams` to what `subscriber` receives, from the next due frame on."""
        for stream in streams:
            if stream not in subscriber.streams:
                subscriber.streams.append(stream)
            if stream not in self._positions:
                times = self._frames(stream, self.loop)[0]
                self._positions[stream] = int(np.searchsorted(times, self.time_ms, "right"))
        if subscriber not in self.subscribers:
            self.subscribers.append(subscriber)
        self.started.set()
        self._changed.set()

    def unsubscribe(self, subscriber: Subscriber, streams: Iterable[str]) -> None:
        """Stop sending `streams` to `subscriber`."""
        for stream in streams:
            if stream in subscriber.streams:
                subscriber.streams.remove(stream)

    def remove(self, subscriber: Subscriber) -> None:
        """Forget a closed connection."""
        if subscriber in self.subscribers:
            self.subscribers.remove(subscriber)

    # The clock.

    async def run(self, start_now: bool) -> None:
        """Replay until the set number of loops is done (forever when it is None)."""
        if start_now:
            self.started.set()
        await self.started.wait()
        clock = asyncio.get_running_loop()
        wall0 = clock.time()
        replay0 = self.time_ms + 1
        while self.loops is None or self.loop < self.loops:
            loop_end = self._loop_start(self.loop + 1) - 1
            while self.time_ms < loop_end:
                if self.speed > 0:
                    due = min(self._next_due(), loop_end)
                    wait = wall0 + (due - replay0) / (1000.0 * self.speed) - clock.time()
                    if wait > 0:
                        self._changed.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._changed.wait(), min(wait, _IDLE_WAKE_S))
                    now = replay0 + int((clock.time() - wall0) * 1000.0 * self.speed)
                    target = min(max(now, self.time_ms), loop_end)
                else:
                    self._next_event = min(self._next_event + BATCH_EVENTS, len(self._events))
                    target = (
                        int(self._events[self._next_event - 1]) + self._shift(self.loop)
                        if self._next_event < len(self._events)
                        else loop_end
                    )
                await self._advance(max(target, self.time_ms))
            self._next_loop()
        self.finished.set()

    def _loop_start(self, k: int) -> int:
        return self.streams.market.start_ms + self._shift(k)

    def _shift(self, k: int) -> int:
        return self.streams.loop_shift_ms(k)

    def _next_loop(self) -> None:
        self.loop += 1
        self.next_trade = self.next_quote = self._next_event = 0
        self._positions = dict.fromkeys(self._positions, 0)
        self._cache = {k: v for k, v in self._cache.items() if k[1] >= self.loop}
        self._framed_cache = {k: v for k, v in self._framed_cache.items() if k[1] >= self.loop}

    def _next_due(self) -> int:
        market = self.streams.market
        shift = self._shift(self.loop)
        candidates = []
        if self.next_trade < len(market.trade_ms):
            candidates.append(int(market.trade_ms[self.next_trade]) + shift)
        if self.next_quote < len(market.quote_ms):
            candidates.append(int(market.quote_ms[self.next_quote]) + shift)
        for stream, position in self._positions.items():
            times = self._frames(stream, self.loop)[0]
            if position < len(times):
                candidates.append(int(times[position]))
        return min(candidates) if candidates else self._loop_start(self.loop + 1) - 1

    async def _advance(self, target: int) -> None:
        """Apply market events and send stream frames up to replay time `target`."""
        self._match(target)
        self.time_ms = target
        due: dict[str, tuple[int, int]] = {}
        for stream, position in self._positions.items():
            times = self._frames(stream, self.loop)[0]
            end = int(np.searchsorted(times, target, "right"))
            if end > position:
                due[stream] = (position, end)
            self._positions[stream] = end
        if due:
            for subscriber in list(self.subscribers):
                self._send(subscriber, due)
        live = [s.connection for s in self.subscribers if s.connection.pending]
        if live:
            await asyncio.gather(*(c.flush() for c in live))
        else:
            await asyncio.sleep(0)

    def _match(self, target: int) -> None:
        market = self.streams.market
        shift = self._shift(self.loop)
        trade_end = int(np.searchsorted(market.trade_ms, target - shift, "right"))
        quote_end = int(np.searchsorted(market.quote_ms, target - shift, "right"))
        if self.exchange is not None and (
            trade_end > self.next_trade or quote_end > self.next_quote
        ):
            if self.exchange.active:
                self.exchange.on_market(self._market_events(trade_end, quote_end))
            else:
                self.exchange.mark_stale()
        self.next_trade, self.next_quote = trade_end, quote_end

    def _market_events(self, trade_end: int, quote_end: int) -> list[MarketEvent]:
        market, depth = self.streams.market, self.streams.depth
        quotes = ((int(market.quote_ms[i]), 0, i) for i in range(self.next_quote, quote_end))
        trades = ((int(market.trade_ms[i]), 1, i) for i in range(self.next_trade, trade_end))
        events: list[MarketEvent] = []
        for _, kind, i in heapq.merge(quotes, trades):
            if kind == 0:
                events.append(self.streams.book_after(i))
            else:
                ticks = round(float(market.price[i]) / depth.tick_size)
                lots = max(1, round(float(market.qty[i]) / depth.lot_size))
                events.append(ReplayedTrade(ticks, lots, bool(market.buyer_maker[i])))
        return events

    def _send(self, subscriber: Subscriber, due: dict[str, tuple[int, int]]) -> None:
        parts = []
        for stream in subscriber.streams:
            span = due.get(stream)
            if span is None:
                continue
            times = self._frames(stream, self.loop)[0][span[0] : span[1]].tolist()
            frames = self._framed(stream, self.loop, subscriber.combined)[span[0] : span[1]]
            if self.gap_every and _is_diff(stream):
                times, frames = self._with_gaps(subscriber, times, frames)
            parts.append((times, frames))
        if len(parts) == 1:
            subscriber.connection.push_many(parts[0][1])
        elif parts:
            merged = heapq.merge(
                *(
                    zip(t, [n] * len(f), range(len(f)), f, strict=True)
                    for n, (t, f) in enumerate(parts)
                )
            )
            subscriber.connection.push_many([item[3] for item in merged])

    def _with_gaps(
        self, subscriber: Subscriber, times: list[int], frames: list[bytes]
    ) -> tuple[list[int], list[bytes]]:
        """Every gap_every-th diff left out, with its time, so streams still merge by time."""
        kept_times, kept = [], []
        for ts, frame in zip(times, frames, strict=True):
            subscriber.depth_sent += 1
            if subscriber.depth_sent % self.gap_every:
                kept_times.append(ts)
                kept.append(frame)
        return kept_times, kept

    def _frames(self, stream: str, k: int) -> tuple[npt.NDArray[np.int64], list[bytes]]:
        """Times and raw JSON payloads of `stream` in loop `k`."""
        key = (stream, k)
        cached = self._cache.get(key)
        if cached is None:
            cached = self.streams.loop(stream, k)
            self._cache[key] = cached
        return cached

    def _framed(self, stream: str, k: int, combined: bool) -> list[bytes]:
        """The WebSocket frames of `stream` in loop `k`, raw or in the combined envelope."""
        key = (stream, k, combined)
        framed = self._framed_cache.get(key)
        if framed is None:
            payloads = self._frames(stream, k)[1]
            if combined:
                head = b'{"stream":"' + stream.encode() + b'","data":'
                framed = [ws_frame(head + p + b"}") for p in payloads]
            else:
                framed = [ws_frame(p) for p in payloads]
            self._framed_cache[key] = framed
        return framed


def _is_diff(stream: str) -> bool:
    name = stream.split("@", 1)[1]
    return name in ("depth", "depth@100ms", "depth@1000ms")
