"""Best bid and ask quotes as a one-level book, for running the market maker of
``alphaforge.benchmarks.book_market`` on recorded quotes in both engines."""

from __future__ import annotations

import pandas as pd


def quotes_as_depth(quotes: pd.DataFrame) -> pd.DataFrame:
    """Best bid and ask quotes (ts_ns, bid, ask, bid_size, ask_size) as a one-level book in
    the canonical depth frame: the first quote a snapshot, then each change of a side one
    message, which sets the new best and removes the old best price when it moved. Quotes of
    one timestamp make one message (the last of them stands), as hftbacktest, which has no
    messages, applies every row of a timestamp before the strategy sees the book."""
    last_of_each_time = quotes.drop_duplicates("ts_ns", keep="last")
    rows: list[tuple[int, str, float, float, int, int, bool]] = []
    last: dict[str, tuple[float, float]] = {}
    update_id = 0
    for ts, bid, ask, bid_size, ask_size in last_of_each_time[
        ["ts_ns", "bid", "ask", "bid_size", "ask_size"]
    ].itertuples(index=False):
        now = {"bid": (float(bid), float(bid_size)), "ask": (float(ask), float(ask_size))}
        changes: list[tuple[str, float, float]] = []
        for side in ("bid", "ask"):
            if side in last and last[side] == now[side]:
                continue
            if side in last and last[side][0] != now[side][0]:
                changes.append((side, last[side][0], 0.0))
            changes.append((side, *now[side]))
        if not changes:
            continue
        first = not last
        update_id += 1
        previous = -1 if first else update_id - 1
        rows += [(int(ts), side, p, q, update_id, previous, first) for side, p, q in changes]
        last = now
    return pd.DataFrame(
        rows, columns=["ts", "side", "price", "size", "update_id", "prev_update_id", "snapshot"]
    )
