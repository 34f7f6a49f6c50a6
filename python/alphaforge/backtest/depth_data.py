"""The depth rows a tick backtest replays: checked columns of the canonical depth frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from alphaforge.data.depth_chain import check_depth_chain

DEPTH_COLUMNS = ("ts", "side", "price", "size", "update_id", "prev_update_id", "snapshot")


def depth_columns(
    symbol: str,
    frame: pd.DataFrame | None,
    arrays: dict[str, npt.ArrayLike | None],
    *,
    bridge_gaps: bool,
) -> tuple[npt.NDArray[Any], ...]:
    """(ts, is_bid, price, size, update_id, snapshot) of the rows the replay applies.

    From `frame` (the canonical depth frame) or from `arrays` (the same columns as keywords),
    not both. Raises ValueError or TypeError naming the column and row of bad values, and a
    gap in the update-id chain unless `bridge_gaps` (see check_depth_chain).
    """
    given = {name: value for name, value in arrays.items() if value is not None}
    if frame is not None:
        if given:
            raise ValueError(f"add_book({symbol!r}): give a depth frame or columns, not both")
        missing = [c for c in DEPTH_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"depth of {symbol} lacks the column(s) {missing}")
        given = {name: frame[name].to_numpy() for name in DEPTH_COLUMNS}
    else:
        missing = [c for c in DEPTH_COLUMNS if c not in given]
        if missing:
            raise ValueError(f"add_book({symbol!r}) needs a depth frame or the columns {missing}")
    cols = {name: np.asarray(given[name]) for name in DEPTH_COLUMNS}
    lengths = {name: a.shape for name, a in cols.items()}
    if any(len(shape) != 1 for shape in lengths.values()) or len(set(lengths.values())) > 1:
        raise ValueError(
            f"depth columns of {symbol} must be one-dimensional of one length: {lengths}"
        )
    ts = _timestamps(cols["ts"])
    side = cols["side"]
    is_bid = side == "bid"
    bad = np.flatnonzero(~is_bid & (side != "ask"))
    if bad.size:
        raise ValueError(f"side[{bad[0]}] = {side[bad[0]]!r}: must be 'bid' or 'ask'")
    price = _floats(cols["price"], "price")
    size = _floats(cols["size"], "size")
    _first_bad("price", price, ~(np.isfinite(price) & (price > 0.0)), "must be finite and > 0")
    _first_bad("size", size, ~(np.isfinite(size) & (size >= 0.0)), "must be finite and >= 0")
    _first_bad("ts", ts, np.r_[False, ts[1:] < ts[:-1]], "is before the row above")
    keep = check_depth_chain(cols["update_id"], cols["prev_update_id"], cols["snapshot"],
                             bridge_gaps=bridge_gaps)  # fmt: skip
    uid = cols["update_id"].astype(np.int64)
    snapshot = cols["snapshot"].astype(np.bool_)
    same_message = np.r_[False, (uid[1:] == uid[:-1]) & (snapshot[1:] == snapshot[:-1])]
    _first_bad(
        "ts", ts, same_message & np.r_[False, ts[1:] != ts[:-1]],
        "differs from the row above in the same message",
    )  # fmt: skip
    return (
        ts[keep],
        is_bid[keep].astype(np.uint8),
        price[keep],
        size[keep],
        uid[keep],
        snapshot[keep].astype(np.uint8),
    )


def _timestamps(values: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    if values.dtype.kind == "M":
        return values.astype("datetime64[ns]").view(np.int64)
    if values.size and values.dtype.kind not in "iu":
        raise TypeError(f"ts must hold int64 nanoseconds or datetime64, got dtype {values.dtype}")
    return values.astype(np.int64)


def _floats(values: npt.NDArray[Any], name: str) -> npt.NDArray[np.float64]:
    if values.size and values.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers, got dtype {values.dtype}")
    return values.astype(np.float64)


def _first_bad(name: str, values: npt.NDArray[Any], bad: npt.NDArray[np.bool_], why: str) -> None:
    rows = np.flatnonzero(bad)
    if rows.size:
        row = int(rows[0])
        raise ValueError(f"{name}[{row}] = {values[row]}: {why}")
