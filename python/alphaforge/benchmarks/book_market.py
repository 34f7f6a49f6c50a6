"""A seeded synthetic L2 market with trades, and a market maker that quotes on it: the
workload of ``alphaforge bench book``'s market maker, which runs the same decisions on
hftbacktest 2.4 (``alphaforge.benchmarks.hftbacktest_maker``) and must make the same fills.

The market: a book of `levels` price levels a side on a tick grid, sizes in whole lots, the
spread mostly one to four ticks (trades that empty the best level widen it; new levels inside
it narrow it). Each message is one of: a trade at the best bid (a seller took) or the best ask
(a buyer took) followed by the book's update for it (the level shrinks, or leaves and the
side's next level becomes the best), a new level inside the spread, the best level of one side
cancelled, or a few size changes near the top. The best prices wander as a random walk from
these. Every timestamp is a whole microsecond and no two events share one; with latencies that
are whole microseconds except the response latency (which has a nanosecond part), a notice of
a fill can never reach the strategy at the same instant as a book message, so no engine has to
choose which of the two it hands out first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphaforge.backtest.engine import BacktestEngine
from alphaforge.records import BookView, FillRecord
from alphaforge.strategy import Strategy

T0 = 1_700_000_000_000_000_000  # ns
US = 1_000  # ns
MID0 = 2_000  # ticks
SYMBOL = "X"
# (feed, entry, response) latencies in ns. Every event of the market is on a whole microsecond
# and only the response latency has a nanosecond part, so a fill notice never reaches the
# strategy at the instant of a book message.
LATENCY = (30_000, 800_000, 150_001)
MAKER_FEE, TAKER_FEE = 0.0002, 0.0005
K_TICKS, MAX_LOTS = 1, 5  # quotes k ticks off the mid; the position stays within max_lots


@dataclass(frozen=True)
class BookMarket:
    """The canonical depth frame, a trades frame (ts_ns, price, size, side: the taker's side,
    "BUY" or "SELL"), and the grid they are on."""

    depth: pd.DataFrame
    trades: pd.DataFrame
    tick: float
    lot: float


def book_market(
    messages: int = 50_000, levels: int = 5, seed: int = 7, tick: float = 0.5
) -> BookMarket:
    """About `messages` messages after a snapshot of `levels` levels a side (sizes 1..40)."""
    if messages < 1:
        raise ValueError(f"messages must be >= 1, got {messages}")
    if levels < 2:
        raise ValueError(f"levels must be >= 2, got {levels}")
    rng = np.random.default_rng(seed)
    bids = {MID0 - 1 - i: int(rng.integers(1, 41)) for i in range(levels)}
    asks = {MID0 + 1 + i: int(rng.integers(1, 41)) for i in range(levels)}
    rows: list[tuple[int, str, int, int, int, int, bool]] = []
    trades: list[tuple[int, int, int, str]] = []
    ts = T0
    update_id = 1
    for tick_, size in bids.items():
        rows.append((ts, "bid", tick_, size, update_id, -1, True))
    for tick_, size in asks.items():
        rows.append((ts, "ask", tick_, size, update_id, -1, True))

    def send(changes: list[tuple[str, int, int]]) -> None:
        nonlocal update_id
        for side, tick_, size in changes:
            rows.append((ts, side, tick_, size, update_id + 1, update_id, False))
        update_id += 1

    def refill_far(book: dict[int, int], side: str) -> tuple[str, int, int]:
        # Keep `levels` levels: a new one beyond the far end.
        far = min(book) - 1 if side == "bid" else max(book) + 1
        book[far] = int(rng.integers(1, 41))
        return (side, far, book[far])

    def drop_far(book: dict[int, int], side: str) -> tuple[str, int, int]:
        far = min(book) if side == "bid" else max(book)
        del book[far]
        return (side, far, 0)

    for _ in range(messages):
        ts += max(1, round(rng.exponential(1_000.0))) * US  # about 1 ms apart
        best_bid, best_ask = max(bids), min(asks)
        spread = best_ask - best_bid
        kind = rng.random()
        side = "bid" if rng.random() < 0.5 else "ask"
        book = bids if side == "bid" else asks
        best = best_bid if side == "bid" else best_ask
        if kind < 0.3:
            # A trade at the best of `side`: sellers hit the bid, buyers lift the ask.
            qty = min(book[best], int(rng.geometric(0.3)))
            trades.append((ts, best, qty, "SELL" if side == "bid" else "BUY"))
            ts += max(1, round(rng.exponential(50.0))) * US
            if qty < book[best]:
                book[best] -= qty
                send([(side, best, book[best])])
            else:
                del book[best]
                send([(side, best, 0), refill_far(book, side)])
        elif kind < 0.45 and spread >= 2:
            inside = best + 1 if side == "bid" else best - 1
            book[inside] = int(rng.integers(1, 21))
            send([(side, inside, book[inside]), drop_far(book, side)])
        elif kind < 0.55 and spread <= 3:
            del book[best]
            send([(side, best, 0), refill_far(book, side)])
        else:
            changes = []
            for _ in range(int(rng.integers(1, 4))):
                side = "bid" if rng.random() < 0.5 else "ask"
                book = bids if side == "bid" else asks
                near = sorted(book, reverse=side == "bid")[: min(3, len(book))]
                level = int(near[int(rng.integers(0, len(near)))])
                book[level] = int(rng.integers(1, 41))
                changes.append((side, level, book[level]))
            send(changes)

    frame = pd.DataFrame(
        rows, columns=["ts", "side", "price", "size", "update_id", "prev_update_id", "snapshot"]
    )
    frame["price"] = frame["price"] * tick
    frame["size"] = frame["size"].astype(np.float64)
    tape = pd.DataFrame(trades, columns=["ts_ns", "price", "size", "side"])
    tape["price"] = tape["price"] * tick
    tape["size"] = tape["size"].astype(np.float64)
    return BookMarket(frame, tape, tick, 1.0)


Fill = tuple[int, str, float, float, str]  # (ts_ns, side, price, qty, MAKER/TAKER)


@dataclass
class Quoting:
    """A one-lot quote a side: the order id, its price in ticks, when it was sent."""

    order_id: int
    price_tick: int
    sent_ns: int


@dataclass
class MakerState:
    fills: list[Fill] = field(default_factory=list)
    placed: list[tuple[int, str, int]] = field(default_factory=list)  # (ns, side, price tick)
    lots: int = 0  # the position


class QuoteMaker(Strategy):
    """Quotes one lot at floor(mid) - k ticks and one at ceil(mid) + k ticks; when the mid
    moves it cancels a quote whose price is stale (once the order's acknowledgement is back,
    `ack_ns` after it was sent) and quotes the new price at once. A side is not quoted while
    the position would pass `max_lots` were it filled. It decides on every book message and on
    every fill notice, and counts its position in lots from its fills."""

    def __init__(
        self, symbol: str, tick: float, lot: float, k: int, max_lots: int, ack_ns: int
    ) -> None:
        super().__init__()
        self.symbol, self.tick, self.lot, self.k = symbol, tick, lot, k
        self.max_lots, self.ack_ns = max_lots, ack_ns
        self.quotes: dict[str, Quoting | None] = {"BUY": None, "SELL": None}
        self.best: tuple[int, int] | None = None
        self.state = MakerState()

    def on_start(self) -> None:
        self.subscribe_book(self.symbol, depth=1)

    def on_book(self, book: BookView) -> None:
        if book.best_bid is not None and book.best_ask is not None:
            self.best = (round(book.best_bid / self.tick), round(book.best_ask / self.tick))
        self.decide()

    def on_fill(self, fill: FillRecord) -> None:
        self.state.fills.append(
            (fill.ts.value, fill.side, fill.price, fill.qty, fill.liquidity.upper())
        )
        lots = round(fill.qty / self.lot)
        self.state.lots += lots if fill.side == "BUY" else -lots
        quote = self.quotes[fill.side]
        if quote is not None and quote.order_id == fill.order_id:
            self.quotes[fill.side] = None  # a one-lot order fills whole
        self.decide()

    def decide(self) -> None:
        if self.best is None:
            return
        now = self.context.now_ns()
        bid, ask = self.best
        targets = {"BUY": (bid + ask) // 2 - self.k, "SELL": -((-(bid + ask)) // 2) + self.k}
        for side, target in targets.items():
            quote = self.quotes[side]
            if quote is not None and quote.price_tick != target:
                if now - quote.sent_ns < self.ack_ns:
                    continue
                self.cancel(quote.order_id)
                self.quotes[side] = None
            if self.quotes[side] is None:
                if abs(self.state.lots + (1 if side == "BUY" else -1)) > self.max_lots:
                    continue
                price = target * self.tick
                order_id = self.submit_order(self.symbol, side, self.lot, limit=price)
                self.quotes[side] = Quoting(order_id, target, now)
                self.state.placed.append((now, side, target))


def with_aggressor(trades: pd.DataFrame) -> pd.DataFrame:
    """Trades for add_trades: the taker's side ("BUY"/"SELL", or absent) as `aggressor`."""
    if "side" not in trades.columns:
        return trades
    aggressor = np.where(trades["side"] == "BUY", 1, 2).astype(np.int8)
    return trades[["ts_ns", "price", "size"]].assign(aggressor=aggressor)


def market_engine(
    depth: pd.DataFrame,
    trades: pd.DataFrame | None,
    tick: float,
    lot: float,
    model: str,
    latency: tuple[int, int, int] = LATENCY,
) -> BacktestEngine:
    """A BacktestEngine on the book (and trades, with their taker's side), the (feed, entry,
    response) latencies in ns, the maker and taker fees and `model`'s queue positions; no
    strategy yet."""
    feed_ns, entry_ns, response_ns = latency
    engine = BacktestEngine(
        cash=1_000_000.0,
        fees=(MAKER_FEE, TAKER_FEE),
        latency=entry_ns / 1e9,
        response_latency=response_ns / 1e9,
        feed_latency=feed_ns / 1e9,
        queue_model=model,
        account="unlimited",
    )
    engine.add_instrument(SYMBOL, tick_size=tick, lot_size=lot)
    engine.add_book(SYMBOL, depth)
    if trades is not None:
        engine.add_trades(SYMBOL, with_aggressor(trades))
    return engine


def maker_engine(
    depth: pd.DataFrame,
    trades: pd.DataFrame | None,
    tick: float,
    lot: float,
    model: str,
    latency: tuple[int, int, int] = LATENCY,
) -> tuple[BacktestEngine, QuoteMaker]:
    """market_engine's engine with a QuoteMaker of K_TICKS and MAX_LOTS, ready to run."""
    engine = market_engine(depth, trades, tick, lot, model, latency)
    maker = QuoteMaker(SYMBOL, tick, lot, K_TICKS, MAX_LOTS, latency[1] + latency[2])
    engine.add_strategy(maker)
    return engine, maker
