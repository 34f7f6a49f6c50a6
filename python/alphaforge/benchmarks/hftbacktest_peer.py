"""hftbacktest 2.4 replaying the benchmark's book stream, with a numba strategy on every feed."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from hftbacktest import (  # type: ignore[import-untyped,unused-ignore]
    BUY_EVENT,
    DEPTH_EVENT,
    EXCH_EVENT,
    LOCAL_EVENT,
    SELL_EVENT,
    BacktestAsset,
    HashMapMarketDepthBacktest,
    event_dtype,
)
from numba import njit

from alphaforge.benchmarks.book_stream import LOT, TICK, BookStream

FAR_FUTURE = 1 << 62  # a wait_next_feed timeout no stream reaches


def events(stream: BookStream) -> np.ndarray[Any, Any]:
    """The stream as hftbacktest depth events, seen locally when the exchange sends them.

    The snapshot goes in as depth events on the empty book, which sets the same levels."""
    out = np.zeros(stream.rows, event_dtype)
    side = np.where(stream.is_bid, BUY_EVENT, SELL_EVENT)
    out["ev"] = DEPTH_EVENT | EXCH_EVENT | LOCAL_EVENT | side
    out["exch_ts"] = stream.ts
    out["local_ts"] = stream.ts
    out["px"] = stream.price
    out["qty"] = stream.size
    return out


@njit
def _imbalance_each_feed(hbt: Any) -> tuple[int, float, float, float]:
    """On every feed: the best prices and the imbalance of the best sizes, as ours computes.

    The call that reports the end of the data has applied the last message: read once more."""
    feeds = 0
    while True:
        status = hbt.wait_next_feed(False, FAR_FUTURE)
        depth = hbt.depth(0)
        bid, ask = depth.best_bid, depth.best_ask
        bq, aq = depth.best_bid_qty, depth.best_ask_qty
        imbalance = (bq - aq) / (bq + aq)
        feeds += 1
        if status != 2:
            return feeds, bid, ask, imbalance


def build(data: np.ndarray[Any, Any]) -> Any:
    """A HashMapMarketDepthBacktest over `data`, the exchange set up but never traded on.

    hftbacktest reads `data` in place without holding a reference: keep it alive meanwhile."""
    asset = (
        BacktestAsset()
        .data(data)
        .linear_asset(1.0)
        .constant_order_latency(0, 0)
        .risk_adverse_queue_model()
        .no_partial_fill_exchange()
        .trading_value_fee_model(0.0, 0.0)
        .tick_size(TICK)
        .lot_size(LOT)
    )
    return HashMapMarketDepthBacktest([asset])


def compile_strategy(data: np.ndarray[Any, Any]) -> None:
    """Run the strategy once on `data` (a short head of the stream holding both sides) so
    numba compiles it before anything is timed."""
    head = np.ascontiguousarray(data)
    hbt = build(head)
    _imbalance_each_feed(hbt)
    hbt.close()


def replay(data: np.ndarray[Any, Any]) -> tuple[float, float, tuple[int, float, float, float]]:
    """(setup seconds, loop seconds, (feeds, best bid, best ask, imbalance) at the end)."""
    start = time.perf_counter()
    hbt = build(data)
    built = time.perf_counter()
    final = _imbalance_each_feed(hbt)
    done = time.perf_counter()
    hbt.close()
    return built - start, done - built, final
