"""The market streams of a replay, encoded once: raw JSON payloads per stream and loop.

Each stream is built as a loop-invariant table (event times, a bytes template per event and
the integers that go into it); a loop formats the template with its times, trade ids and
update ids shifted, which costs one ``%`` per event. The first loop differs from later ones
only in its first book update (later loops diff against the previous loop's last book), so
the tables come in two variants.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alphaforge.replay.depth import Book, DerivedDepth, diff
from alphaforge.replay.market import MarketData, loop_period_ms

UNITS = 100_000_000  # prices and sizes are printed with Binance's 8 decimals
FIRST_UPDATE_ID = 1
FIRST_AGG_ID = 1
KLINE_PUSH_MS = 2000
KLINE_MS = 60_000
# What each integer placeholder of a template is shifted by from one loop to the next.
TIME, TRADE_ID, AGG_ID, UPDATE_ID = range(4)


def units_text(units: int) -> str:
    """An amount in 1e-8 units as Binance prints it, e.g. ``39432.48000000``."""
    sign = "-" if units < 0 else ""
    units = abs(units)
    return f"{sign}{units // UNITS}.{units % UNITS:08d}"


@dataclass(frozen=True, slots=True)
class Table:
    """One stream of one loop variant: times, templates and their integer arguments."""

    times: npt.NDArray[np.int64]
    templates: list[bytes]
    args: npt.NDArray[np.int64]  # shape (events, placeholders)
    kinds: tuple[int, ...]  # TIME, TRADE_ID, AGG_ID or UPDATE_ID per placeholder

    def render(
        self, shifts: tuple[int, int, int, int]
    ) -> tuple[npt.NDArray[np.int64], list[bytes]]:
        """The times and payloads with every placeholder shifted by its kind's amount."""
        offset = np.array([shifts[k] for k in self.kinds], dtype=np.int64)
        rows = (self.args + offset).tolist() if len(self.kinds) else [()] * len(self.templates)
        frames = [t % tuple(r) for t, r in zip(self.templates, rows, strict=True)]
        return self.times + shifts[TIME], frames


def _table(
    times: list[int], templates: list[bytes], args: Sequence[Sequence[int]], kinds: tuple[int, ...]
) -> Table:
    array = np.array(args, dtype=np.int64).reshape(len(templates), len(kinds))
    return Table(np.array(times, dtype=np.int64), templates, array, kinds)


class StreamBook:
    """The streams of one symbol's record: what they are called and how each loop is built."""

    def __init__(
        self, market: MarketData, depth: DerivedDepth, symbol: str, offset_ms: int = 0
    ) -> None:
        self.market = market
        self.offset_ms = offset_ms
        self.period_ms = loop_period_ms(market, offset_ms)
        self.depth = depth
        self.symbol = symbol
        self.prefix = symbol.lower() + "@"
        self.tick_units = round(depth.tick_size * UNITS)
        self.lot_units = round(depth.lot_size * UNITS)
        self._price = [units_text(round(p * UNITS)).encode() for p in market.price]
        self._qty = [units_text(round(q * UNITS)).encode() for q in market.qty]
        self._agg_first, self._agg_last = _aggregate(market)
        # Book updates: quotes whose derived book changed get consecutive update ids.
        books = [depth.book(i) for i in range(len(depth))]
        self._books = books
        first = [diff(({}, {}), books[0])] + [
            diff(books[i - 1], books[i]) for i in range(1, len(books))
        ]
        later = [diff(books[-1], books[0]), *first[1:]]
        self._diffs = (first, later)
        self._cum = tuple(
            np.cumsum([1 if (d[0] or d[1]) else 0 for d in diffs]) for diffs in self._diffs
        )
        self.updates_first = int(self._cum[0][-1])
        self.updates_later = int(self._cum[1][-1])
        self._builders: dict[str, Callable[[int], Table]] = {
            "trade": self._trades,
            "aggTrade": self._agg_trades,
            "bookTicker": self._book_ticker,
            "kline_1m": self._klines,
        }
        for name, interval in (("depth", 1000), ("depth@1000ms", 1000), ("depth@100ms", 100)):
            self._builders[name] = self._depth_builder(interval, None)
        for levels in (5, 10, 20):
            for suffix, interval in (("", 1000), ("@1000ms", 1000), ("@100ms", 100)):
                self._builders[f"depth{levels}{suffix}"] = self._depth_builder(interval, levels)
        self._tables: dict[tuple[str, int], Table] = {}

    def names(self) -> list[str]:
        """Every stream name this record serves, e.g. ``btcusdt@trade``."""
        return [self.prefix + name for name in self._builders]

    def has(self, stream: str) -> bool:
        """Whether `stream` is one of :meth:`names`."""
        return stream.startswith(self.prefix) and stream[len(self.prefix) :] in self._builders

    def loop(self, stream: str, k: int) -> tuple[npt.NDArray[np.int64], list[bytes]]:
        """Times (ms) and raw JSON payloads of `stream` in loop `k`."""
        name = stream[len(self.prefix) :]
        variant = 0 if k == 0 else 1
        key = (name, variant)
        if key not in self._tables:
            self._tables[key] = self._builders[name](variant)
        later = max(k - 1, 0)
        shifts = (
            later * self.period_ms,
            later * self.market.trade_id_span,
            later * len(self._agg_first),
            later * self.updates_later,
        )
        return self._tables[key].render(shifts)

    def aggregates(self) -> tuple[list[int], list[int]]:
        """First and last trade index of each aggTrade of a loop (its id is FIRST_AGG_ID + i)."""
        return self._agg_first, self._agg_last

    def loop_shift_ms(self, k: int) -> int:
        """How far loop `k`'s times are from the record's."""
        return self.offset_ms + k * self.period_ms

    def update_id(self, k: int, quote: int) -> int:
        """The book's last update id once quote `quote` of loop `k` is applied (0 before any)."""
        if quote < 0:
            return self.update_id(k - 1, len(self.depth) - 1) if k > 0 else 0
        return (
            self._update_base(k) + int(self._cum[0 if k == 0 else 1][quote]) - 1 + FIRST_UPDATE_ID
        )

    def book_after(self, quote: int) -> Book:
        """The derived book once quote `quote` is applied."""
        return self._books[quote]

    def _update_base(self, k: int) -> int:
        return 0 if k == 0 else self.updates_first + (k - 1) * self.updates_later

    def _first_loop_shifts(self, variant: int) -> tuple[int, int, int, int]:
        if variant == 0:
            return self.offset_ms, 0, 0, 0
        return (
            self.offset_ms + self.period_ms,
            self.market.trade_id_span,
            len(self._agg_first),
            self.updates_first,
        )

    def _trades(self, variant: int) -> Table:
        m = self.market
        shift = self._first_loop_shifts(variant)
        head = b'{"e":"trade","E":%d,"s":"' + self.symbol.encode() + b'","t":%d,"p":"'
        templates = [
            head
            + self._price[i]
            + b'","q":"'
            + self._qty[i]
            + b'","T":%d,"m":'
            + (b"true" if m.buyer_maker[i] else b"false")
            + b',"M":true}'
            for i in range(len(m.price))
        ]
        times = (m.trade_ms + shift[TIME]).tolist()
        ids = (m.trade_id + shift[TRADE_ID]).tolist()
        args = [(t, i, t) for t, i in zip(times, ids, strict=True)]
        return _table(times, templates, args, (TIME, TRADE_ID, TIME))

    def _agg_trades(self, variant: int) -> Table:
        m = self.market
        shift = self._first_loop_shifts(variant)
        head = b'{"e":"aggTrade","E":%d,"s":"' + self.symbol.encode() + b'","a":%d,"p":"'
        templates, times, args = [], [], []
        for g, (f, last) in enumerate(zip(self._agg_first, self._agg_last, strict=True)):
            qty = sum(round(q * UNITS) for q in m.qty[f : last + 1])
            templates.append(
                head
                + self._price[f]
                + b'","q":"'
                + units_text(qty).encode()
                + b'","f":%d,"l":%d,"T":%d,"m":'
                + (b"true" if m.buyer_maker[f] else b"false")
                + b',"M":true}'
            )
            t = int(m.trade_ms[f]) + shift[TIME]
            times.append(t)
            args.append(
                (
                    t,
                    FIRST_AGG_ID + g + shift[AGG_ID],
                    int(m.trade_id[f]) + shift[TRADE_ID],
                    int(m.trade_id[last]) + shift[TRADE_ID],
                    t,
                )
            )
        return _table(times, templates, args, (TIME, AGG_ID, TRADE_ID, TRADE_ID, TIME))

    def _book_ticker(self, variant: int) -> Table:
        m = self.market
        shift = self._first_loop_shifts(variant)
        symbol = self.symbol.encode()
        templates, args = [], []
        for i in range(len(m.bid)):
            bids, asks = self._books[i]
            bid = int(self.depth.bid_ticks[i])
            ask = int(self.depth.ask_ticks[i])
            templates.append(
                b'{"u":%d,"s":"'
                + symbol
                + b'","b":"'
                + self._tick_text(bid)
                + b'","B":"'
                + self._lot_text(bids[bid])
                + b'","a":"'
                + self._tick_text(ask)
                + b'","A":"'
                + self._lot_text(asks[ask])
                + b'"}'
            )
            args.append(
                (self.update_id(variant, i) - self._update_base(variant) + shift[UPDATE_ID],)
            )
        times = (m.quote_ms + shift[TIME]).tolist()
        return _table(times, templates, args, (UPDATE_ID,))

    def _depth_builder(self, interval: int, levels: int | None) -> Callable[[int], Table]:
        def build(variant: int) -> Table:
            return self._depth(variant, interval, levels)

        return build

    def _depth(self, variant: int, interval: int, levels: int | None) -> Table:
        """Diff batches (levels None) or top-N snapshots, one per interval with a change."""
        m = self.market
        shift = self._first_loop_shifts(variant)
        diffs = self._diffs[variant]
        symbol = self.symbol.encode()
        templates: list[bytes] = []
        times: list[int] = []
        args: list[tuple[int, ...]] = []
        i, n = 0, len(diffs)
        while i < n:
            bucket = (int(m.quote_ms[i]) + shift[TIME]) // interval
            j = i
            merged: Book = ({}, {})
            first_id = last_id = None
            while j < n and (int(m.quote_ms[j]) + shift[TIME]) // interval == bucket:
                bids, asks = diffs[j]
                if bids or asks:
                    merged[0].update(bids)
                    merged[1].update(asks)
                    uid = self.update_id(variant, j) - self._update_base(variant)
                    first_id = uid if first_id is None else first_id
                    last_id = uid
                j += 1
            if first_id is not None and last_id is not None:
                t = (bucket + 1) * interval
                times.append(t)
                if levels is None:
                    templates.append(
                        b'{"e":"depthUpdate","E":%d,"s":"'
                        + symbol
                        + b'","U":%d,"u":%d,"b":'
                        + self._levels(merged[0], True)
                        + b',"a":'
                        + self._levels(merged[1], False)
                        + b"}"
                    )
                    args.append((t, first_id + shift[UPDATE_ID], last_id + shift[UPDATE_ID]))
                else:
                    bids, asks = self._books[j - 1]
                    templates.append(
                        b'{"lastUpdateId":%d,"bids":'
                        + self._levels(bids, True, levels)
                        + b',"asks":'
                        + self._levels(asks, False, levels)
                        + b"}"
                    )
                    args.append((last_id + shift[UPDATE_ID],))
            i = j
        kinds = (TIME, UPDATE_ID, UPDATE_ID) if levels is None else (UPDATE_ID,)
        return _table(times, templates, args, kinds)

    def _klines(self, variant: int) -> Table:
        """The 1m kline as it stands every 2 s with trades, and closed at the minute's end."""
        m = self.market
        shift = self._first_loop_shifts(variant)
        symbol = self.symbol.encode()
        templates: list[bytes] = []
        times: list[int] = []
        args: list[tuple[int, ...]] = []
        n = len(m.price)
        i = 0
        while i < n:
            minute = (int(m.trade_ms[i]) + shift[TIME]) // KLINE_MS
            start = minute * KLINE_MS
            state = _Kline(i)
            while i < n and (int(m.trade_ms[i]) + shift[TIME]) // KLINE_MS == minute:
                push = (int(m.trade_ms[i]) + shift[TIME]) // KLINE_PUSH_MS
                while i < n and (int(m.trade_ms[i]) + shift[TIME]) // KLINE_PUSH_MS == push:
                    state.add(
                        i, round(m.price[i] * UNITS), round(m.qty[i] * UNITS), m.buyer_maker[i]
                    )
                    i += 1
                closing = i >= n or (int(m.trade_ms[i]) + shift[TIME]) // KLINE_MS != minute
                event = min((push + 1) * KLINE_PUSH_MS, start + KLINE_MS - 1)
                if not closing or event < start + KLINE_MS - 1:
                    templates.append(state.template(symbol, False))
                    times.append(event)
                    args.append(state.args(event, start, m, shift))
                if closing:
                    close = start + KLINE_MS
                    templates.append(state.template(symbol, True))
                    times.append(close)
                    args.append(state.args(close, start, m, shift))
        return _table(times, templates, args, (TIME, TIME, TIME, TRADE_ID, TRADE_ID))

    def _levels(self, side: dict[int, int], bids: bool, limit: int | None = None) -> bytes:
        prices = sorted(side, reverse=bids)
        if limit is not None:
            prices = prices[:limit]
        inner = b",".join(
            b'["' + self._tick_text(p) + b'","' + self._lot_text(side[p]) + b'"]' for p in prices
        )
        return b"[" + inner + b"]"

    def _tick_text(self, ticks: int) -> bytes:
        return units_text(ticks * self.tick_units).encode()

    def _lot_text(self, lots: int) -> bytes:
        return units_text(lots * self.lot_units).encode()


class _Kline:
    """The running OHLCV of one minute, in 1e-8 units."""

    def __init__(self, first: int) -> None:
        self.first = first
        self.last = first
        self.open = self.high = self.low = self.close = 0
        self.volume = self.quote = self.taker_volume = self.taker_quote = 0
        self.count = 0

    def add(self, i: int, price: int, qty: int, buyer_maker: bool) -> None:
        if self.count == 0:
            self.open = self.high = self.low = price
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.last = i
        self.count += 1
        self.volume += qty
        quote = price * qty // UNITS
        self.quote += quote
        if not buyer_maker:
            self.taker_volume += qty
            self.taker_quote += quote

    def template(self, symbol: bytes, closed: bool) -> bytes:
        fields = (
            b'"o":"%s","c":"%s","h":"%s","l":"%s","v":"%s","n":%d,"x":%s,"q":"%s","V":"%s","Q":"%s"'
            % (
                units_text(self.open).encode(),
                units_text(self.close).encode(),
                units_text(self.high).encode(),
                units_text(self.low).encode(),
                units_text(self.volume).encode(),
                self.count,
                b"true" if closed else b"false",
                units_text(self.quote).encode(),
                units_text(self.taker_volume).encode(),
                units_text(self.taker_quote).encode(),
            )
        )
        return (
            b'{"e":"kline","E":%d,"s":"'
            + symbol
            + b'","k":{"t":%d,"T":%d,"s":"'
            + symbol
            + b'","i":"1m","f":%d,"L":%d,'
            + fields.replace(b"%", b"%%")
            + b',"B":"0"}}'
        )

    def args(
        self, event: int, start: int, m: MarketData, shift: tuple[int, int, int, int]
    ) -> tuple[int, ...]:
        return (
            event,
            start,
            start + KLINE_MS - 1,
            int(m.trade_id[self.first]) + shift[TRADE_ID],
            int(m.trade_id[self.last]) + shift[TRADE_ID],
        )


def _aggregate(market: MarketData) -> tuple[list[int], list[int]]:
    """First and last trade index of each aggregate: same time, price and taker side."""
    n = len(market.price)
    if n == 0:
        return [], []
    same = (
        (np.diff(market.trade_ms) == 0)
        & (np.diff(market.price) == 0)
        & (market.buyer_maker[1:] == market.buyer_maker[:-1])
    )
    starts = np.concatenate([[0], np.flatnonzero(~same) + 1])
    ends = np.concatenate([starts[1:] - 1, [n - 1]])
    return starts.tolist(), ends.tolist()
