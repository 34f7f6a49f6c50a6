"""The market maker of ``alphaforge.benchmarks.book_market`` on hftbacktest 2.4: the market as
hftbacktest event rows and ``QuoteMaker``'s decisions in a numba loop over ``wait_next_feed``.

With one-lot quotes every fill is a whole order, so hftbacktest's own answers (which report
only an order's latest fill) show every fill, and its position and balance count all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from hftbacktest import (  # type: ignore[import-untyped,unused-ignore]
    BUY_EVENT,
    DEPTH_EVENT,
    EXCH_EVENT,
    GTC,
    LIMIT,
    LOCAL_EVENT,
    SELL_EVENT,
    TRADE_EVENT,
    BacktestAsset,
    HashMapMarketDepthBacktest,
    event_dtype,
)
from numba import njit

from alphaforge.benchmarks.book_market import MAKER_FEE, TAKER_FEE

FILLED = 3  # hftbacktest's order status
FAR = 1 << 62  # a wait_next_feed timeout no stream reaches
NO_BID, NO_ASK = -2147483648, 2147483647  # hftbacktest's best ticks of an empty side
# The engine's queue models by name, as hftbacktest's.
QUEUE_MODELS: dict[str, Callable[[Any], Any]] = {
    "risk_averse": lambda a: a.risk_adverse_queue_model(),
    "power": lambda a: a.power_prob_queue_model(3.0),
    "power2": lambda a: a.power_prob_queue_model2(3.0),
    "power3": lambda a: a.power_prob_queue_model3(3.0),
    "log": lambda a: a.log_prob_queue_model(),
    "log2": lambda a: a.log_prob_queue_model2(),
}


def hbt_events(
    depth: pd.DataFrame, trades: pd.DataFrame | None, tick: float, feed_ns: int
) -> np.ndarray[Any, Any]:
    """Depth rows and trades as hftbacktest 2.4 event rows, seen locally `feed_ns` after the
    exchange time. A trade's side is its taker's ("BUY" or "SELL"). The first message must be
    the snapshot, and the only one (it goes in as depth rows on the empty book); at one time,
    depth rows come before trades."""
    snapshot = depth["snapshot"].to_numpy(dtype=bool)
    first = depth["update_id"].to_numpy()[0]
    later = np.flatnonzero(snapshot & (depth["update_id"].to_numpy() != first))
    if later.size:
        raise ValueError(f"snapshot[{int(later[0])}]: only the first message may be a snapshot")
    d = np.zeros(len(depth), event_dtype)
    is_bid = depth["side"].to_numpy() == "bid"
    d["ev"] = DEPTH_EVENT | EXCH_EVENT | LOCAL_EVENT | np.where(is_bid, BUY_EVENT, SELL_EVENT)
    d["exch_ts"] = depth["ts"].to_numpy(np.int64)
    d["px"] = np.round(depth["price"].to_numpy(np.float64) / tick) * tick
    d["qty"] = depth["size"].to_numpy(np.float64)
    parts = [d]
    if trades is not None and len(trades):
        t = np.zeros(len(trades), event_dtype)
        buy = trades["side"].to_numpy() == "BUY"
        t["ev"] = TRADE_EVENT | EXCH_EVENT | LOCAL_EVENT | np.where(buy, BUY_EVENT, SELL_EVENT)
        t["exch_ts"] = trades["ts_ns"].to_numpy(np.int64)
        t["px"] = trades["price"].to_numpy(np.float64)
        t["qty"] = trades["size"].to_numpy(np.float64)
        parts.append(t)
    events = np.concatenate(parts)
    # Stable: depth rows (first in the concatenation) before trades at one time.
    events = events[np.argsort(events["exch_ts"], kind="stable")]
    events["local_ts"] = events["exch_ts"] + feed_ns
    return events


def book_times(depth: pd.DataFrame, feed_ns: int) -> npt.NDArray[np.int64]:
    """The local times of the book's messages: when the maker decides on the book."""
    return np.unique(depth["ts"].to_numpy(np.int64)) + feed_ns


def build(
    events: np.ndarray[Any, Any],
    tick: float,
    lot: float,
    model: str,
    entry_ns: int,
    response_ns: int,
) -> Any:
    """A HashMapMarketDepthBacktest over `events` with partial fills, `model`'s queue
    positions, constant entry and response latencies and the maker and taker fees.

    hftbacktest reads `events` in place without holding a reference: keep it alive meanwhile."""
    asset = (
        BacktestAsset()
        .data(events)
        .linear_asset(1.0)
        .constant_order_latency(entry_ns, response_ns)
        .partial_fill_exchange()
        .trading_value_fee_model(MAKER_FEE, TAKER_FEE)
        .tick_size(tick)
        .lot_size(lot)
    )
    return HashMapMarketDepthBacktest([QUEUE_MODELS[model](asset)])


@njit
def _collect(hbt: Any, fills: Any, n: int, live: Any, lot: float) -> tuple[int, bool]:
    """Record the FILLED answers received (one order, one fill: a lot each), free the side a
    filled order quoted, and drop the orders that ended."""
    found = False
    values = hbt.orders(0).values()
    while values.has_next():
        order = values.get()
        if order.status == FILLED:
            fills[n, 0] = order.exch_timestamp
            fills[n, 1] = order.side
            fills[n, 2] = order.exec_price_tick
            fills[n, 3] = round(order.exec_qty / lot)
            fills[n, 4] = 1 if order.arr[0].maker else 0
            n += 1
            found = True
            s = 0 if order.side == 1 else 1
            if live[s, 0] == order.order_id:
                live[s, 0] = 0
    hbt.clear_inactive_orders(0)
    return n, found


@njit
def _quote_maker(
    hbt: Any,
    book_ts: Any,
    k: int,
    max_lots: int,
    ack_ns: int,
    fills: Any,
    placed: Any,
) -> tuple[int, int]:
    """QuoteMaker's decisions on hftbacktest: wake on every feed and answer, decide when the
    wake-up holds a book message (its local time is in `book_ts`) or a fill."""
    live = np.zeros((2, 3), np.int64)  # per side: order id (0: none), price tick, sent at
    n = n_placed = seen = 0
    next_id = 1
    position = 0
    depth = hbt.depth(0)
    tick, lot = depth.tick_size, depth.lot_size
    while True:
        status = hbt.wait_next_feed(True, FAR)
        first = n
        n, found = _collect(hbt, fills, n, live, lot)
        for i in range(first, n):
            position += fills[i, 3] * fills[i, 1]
        end = status != 2 and status != 3
        if end:
            # The call that reports the end has applied the last rows too, and leaves the
            # clock where it was: the last book message, if it came with them, is seen then.
            if seen == len(book_ts):
                return n, n_placed
            now, seen, book = book_ts[-1], len(book_ts), True
        else:
            now = hbt.current_timestamp
            book = False
            while seen < len(book_ts) and book_ts[seen] <= now:
                seen += 1
                book = True
        if not (book or found):
            continue
        depth = hbt.depth(0)
        bid, ask = depth.best_bid_tick, depth.best_ask_tick
        if bid == NO_BID or ask == NO_ASK:
            continue
        for s in range(2):
            target = (bid + ask) // 2 - k if s == 0 else -(-(bid + ask) // 2) + k
            if live[s, 0] != 0 and live[s, 1] != target:
                if now - live[s, 2] < ack_ns:
                    continue
                hbt.cancel(0, live[s, 0], False)
                live[s, 0] = 0
            if live[s, 0] == 0:
                if abs(position + (1 if s == 0 else -1)) > max_lots:
                    continue
                if n_placed == len(placed):
                    return n, -1
                if s == 0:
                    hbt.submit_buy_order(0, next_id, target * tick, lot, GTC, LIMIT, False)
                else:
                    hbt.submit_sell_order(0, next_id, target * tick, lot, GTC, LIMIT, False)
                live[s, 0], live[s, 1], live[s, 2] = next_id, target, now
                placed[n_placed, 0] = now
                placed[n_placed, 1] = 1 - 2 * s
                placed[n_placed, 2] = target
                n_placed += 1
                next_id += 1
        if end:
            return n, n_placed


@dataclass(frozen=True)
class MakerRun:
    """What the maker did on hftbacktest: its fills (exchange time, side +1 buy / -1 sell,
    price tick, lots, 1 maker / 0 taker) and quotes placed (local time, side, price tick) in
    the order it saw them, and hftbacktest's own account at the end."""

    fills: npt.NDArray[np.int64]
    placed: npt.NDArray[np.int64]
    position: float
    balance: float
    fee: float
    num_trades: int


def run_maker(
    hbt: Any,
    events: np.ndarray[Any, Any],
    book_ts: npt.NDArray[np.int64],
    k: int,
    max_lots: int,
    ack_ns: int,
) -> MakerRun:
    """Run the maker of `k` ticks and `max_lots` (a stale quote is cancelled once `ack_ns` has
    passed since it was sent) on `hbt`, built over `events`, to the end of its data, deciding
    at the book messages' local times `book_ts`."""
    # Each order fills once (one lot), so there are never more fills than quotes.
    placed = np.zeros((2 * (len(book_ts) + len(events)), 3), np.int64)
    fills = np.zeros((len(placed), 5), np.int64)
    n, n_placed = _quote_maker(hbt, book_ts, k, max_lots, ack_ns, fills, placed)
    if n_placed < 0:
        raise RuntimeError(f"more than {len(placed)} quotes: size the buffers up")
    state = hbt.state_values(0)
    return MakerRun(
        fills[:n], placed[:n_placed], state.position, state.balance, state.fee, state.num_trades
    )
