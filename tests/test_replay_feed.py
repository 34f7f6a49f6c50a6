"""The replayed streams, checked against the record they come from (no server)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from alphaforge.replay.depth import DerivedDepth
from alphaforge.replay.frames import StreamBook
from alphaforge.replay.market import load_market

TICK, LOT = 0.01, 0.000001


def stream_book(seed: int = 0, offset_ms: int = 0) -> StreamBook:
    market = load_market(None, None, "BTCUSDT", TICK)
    return StreamBook(market, DerivedDepth(market, TICK, LOT, 20, seed), "BTCUSDT", offset_ms)


def payloads(book: StreamBook, stream: str, loop: int) -> list[dict[str, object]]:
    return [json.loads(p) for p in book.loop(stream, loop)[1]]


def test_the_derived_book_keeps_the_recorded_top_and_depends_on_the_seed_only_below_it() -> None:
    a, b, again = stream_book(1), stream_book(2), stream_book(1)
    market = a.market
    for i in (0, 100, 450):
        bids, asks = a.book_after(i)
        assert max(bids) * TICK == np.round(market.bid[i], 2)
        assert bids[max(bids)] == round(market.bid_size[i] / LOT)
        assert min(asks) * TICK == np.round(market.ask[i], 2)
        assert len(bids) == len(asks) == 20
        assert a.book_after(i) == again.book_after(i)
        assert a.book_after(i) != b.book_after(i)
        assert set(bids) == set(b.book_after(i)[0])  # the grid does not depend on the seed


def test_depth_diffs_chain_across_loops_and_rebuild_the_book() -> None:
    book = stream_book()
    local: tuple[dict[str, str], dict[str, str]] = ({}, {})
    last_u = None
    for loop in range(3):
        for event in payloads(book, "btcusdt@depth@100ms", loop):
            if last_u is not None:
                assert event["U"] == last_u + 1
            assert event["U"] <= event["u"]  # type: ignore[operator]
            last_u = event["u"]
            for side, key in ((0, "b"), (1, "a")):
                for price, qty in event[key]:  # type: ignore[attr-defined]
                    if float(qty) == 0:
                        local[side].pop(price, None)
                    else:
                        local[side][price] = qty
        bids, asks = book.book_after(len(book.depth) - 1)
        assert {round(float(p) / TICK): round(float(q) / LOT) for p, q in local[0].items()} == bids
        assert {round(float(p) / TICK): round(float(q) / LOT) for p, q in local[1].items()} == asks
        assert last_u == book.update_id(loop, len(book.depth) - 1)


def test_trades_keep_the_record_and_times_and_ids_rise_across_loops() -> None:
    book = stream_book()
    market = book.market
    first, second = payloads(book, "btcusdt@trade", 0), payloads(book, "btcusdt@trade", 1)
    assert [t["t"] for t in first] == market.trade_id.tolist()
    assert [float(t["p"]) for t in first] == market.price.tolist()  # type: ignore[arg-type]
    assert [t["m"] for t in first] == market.buyer_maker.tolist()
    assert second[0]["t"] == first[-1]["t"] + 1  # type: ignore[operator]
    assert second[0]["T"] == first[0]["T"] + book.period_ms  # type: ignore[operator]
    assert second[0]["T"] > first[-1]["T"]  # type: ignore[operator]


def test_agg_trades_add_up_to_the_trades() -> None:
    book = stream_book()
    aggs = payloads(book, "btcusdt@aggTrade", 0)
    assert aggs[0]["f"] == book.market.trade_id[0]
    assert aggs[-1]["l"] == book.market.trade_id[-1]
    assert sum(a["l"] - a["f"] + 1 for a in aggs) == len(book.market.price)  # type: ignore[operator]
    total = sum(round(float(a["q"]) * 1e8) for a in aggs)  # type: ignore[arg-type]
    assert total == sum(round(q * 1e8) for q in book.market.qty)


def test_closed_klines_match_pandas_ohlcv_of_the_trades() -> None:
    book = stream_book()
    market = book.market
    closed = [k["k"] for k in payloads(book, "btcusdt@kline_1m", 0) if k["k"]["x"]]  # type: ignore[index]
    frame = pd.DataFrame(
        {"price": market.price, "qty": market.qty}, index=pd.to_datetime(market.trade_ms, unit="ms")
    )
    reference = frame.resample("1min").agg(
        {"price": ["first", "max", "min", "last", "count"], "qty": "sum"}
    )
    assert len(closed) == len(reference)
    for kline, (_, row) in zip(closed, reference.iterrows(), strict=True):
        assert float(kline["o"]) == row[("price", "first")]  # type: ignore[index]
        assert float(kline["h"]) == row[("price", "max")]  # type: ignore[index]
        assert float(kline["l"]) == row[("price", "min")]  # type: ignore[index]
        assert float(kline["c"]) == row[("price", "last")]  # type: ignore[index]
        assert kline["n"] == row[("price", "count")]  # type: ignore[index]
        assert abs(float(kline["v"]) - row[("qty", "sum")]) < 1e-8  # type: ignore[index]


def test_rebased_times_start_at_the_offset_and_klines_stay_on_minute_boundaries() -> None:
    offset = 1_800_000_000_000 - 1_610_064_000_278 + 12_345
    book = stream_book(offset_ms=offset)
    trades = payloads(book, "btcusdt@trade", 0)
    assert trades[0]["T"] == book.market.trade_ms[0] + offset
    for loop in (0, 1):
        for kline in payloads(book, "btcusdt@kline_1m", loop):
            assert kline["k"]["t"] % 60_000 == 0  # type: ignore[index]
    last_close = payloads(book, "btcusdt@kline_1m", 0)[-1]["E"]
    assert last_close < payloads(book, "btcusdt@trade", 1)[0]["T"]  # type: ignore[operator]
