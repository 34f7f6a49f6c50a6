"""The canonical L2 depth frame: one row per level change, rows of one venue message together.

Columns, in this order:

- ``ts`` (int64): nanoseconds since the epoch, UTC, of the message;
- ``side`` (str): ``"bid"`` or ``"ask"``;
- ``price`` (float64): the level's price;
- ``size`` (float64): the absolute size displayed at that price; 0 removes the level;
- ``update_id`` (int64): the final update id of the message the row belongs to;
- ``prev_update_id`` (int64): the update id the message follows; -1 for a snapshot;
- ``snapshot`` (bool): the row belongs to a snapshot, which replaces the whole book.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

DEPTH_COLUMNS: dict[str, str] = {
    "ts": "int64",
    "side": "object",
    "price": "float64",
    "size": "float64",
    "update_id": "int64",
    "prev_update_id": "int64",
    "snapshot": "bool",
}
SIDES = ("bid", "ask")


def empty_depth() -> pd.DataFrame:
    """A depth frame without rows."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in DEPTH_COLUMNS.items()})


def validate_depth(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as a canonical depth frame (its columns in order and dtype), or ValueError.

    Refused: a missing or extra column, a value of the wrong type, a side other than bid/ask,
    a price that is not finite and > 0, a size that is not finite and >= 0, timestamps that
    go back, and the rows of one message (one update id) at different times. The update-id
    chain is check_depth_chain's work.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"depth must be a pandas DataFrame, got {type(frame).__name__}")
    present = [str(c) for c in frame.columns]
    missing = [c for c in DEPTH_COLUMNS if c not in present]
    if missing:
        raise ValueError(f"missing depth column {missing[0]!r} (data has {present})")
    extra = [c for c in present if c not in DEPTH_COLUMNS]
    if extra:
        raise ValueError(f"unknown depth column {extra[0]!r}; use only {list(DEPTH_COLUMNS)}")
    out = {
        "ts": _integers(frame["ts"], "ts"),
        "side": _sides(frame["side"]),
        "price": _floats(frame["price"], "price"),
        "size": _floats(frame["size"], "size"),
        "update_id": _integers(frame["update_id"], "update_id"),
        "prev_update_id": _integers(frame["prev_update_id"], "prev_update_id"),
        "snapshot": _bools(frame["snapshot"]),
    }
    _first_bad("price", out["price"], ~(np.isfinite(out["price"]) & (out["price"] > 0)), "> 0")
    _first_bad("size", out["size"], ~(np.isfinite(out["size"]) & (out["size"] >= 0)), ">= 0")
    ts = out["ts"]
    back = np.flatnonzero(ts[1:] < ts[:-1])
    if back.size:
        row = int(back[0]) + 1
        raise ValueError(
            f"ts[{row}] = {ts[row]}: earlier than row {row - 1} ({ts[row - 1]}); "
            "timestamps must not decrease"
        )
    uid, snapshot = out["update_id"], out["snapshot"]
    same_message = (uid[1:] == uid[:-1]) & (snapshot[1:] == snapshot[:-1])
    split = np.flatnonzero(same_message & (ts[1:] != ts[:-1]))
    if split.size:
        row = int(split[0]) + 1
        raise ValueError(
            f"ts[{row}] = {ts[row]}: differs from the row above ({ts[row - 1]}) in the same "
            f"message (update_id {uid[row]}); the rows of a message share its time"
        )
    return pd.DataFrame(out)


def _integers(series: pd.Series, field: str) -> Any:
    if series.dtype.kind not in "iu":
        raise TypeError(f"depth column {field} must hold integers, got dtype {series.dtype}")
    return series.to_numpy(dtype=np.int64)


def _floats(series: pd.Series, field: str) -> Any:
    if series.dtype.kind not in "iuf":
        raise TypeError(f"depth column {field} must hold numbers, got dtype {series.dtype}")
    return series.to_numpy(dtype=np.float64)


def _bools(series: pd.Series) -> Any:
    if series.dtype.kind != "b":
        raise TypeError(f"depth column snapshot must hold bools, got dtype {series.dtype}")
    return series.to_numpy(dtype=np.bool_)


def _sides(series: pd.Series) -> Any:
    values = series.astype(object).to_numpy()
    bad = np.flatnonzero(~np.isin(values, SIDES))
    if bad.size:
        row = int(bad[0])
        raise ValueError(f"side[{row}] = {values[row]!r}: must be 'bid' or 'ask'")
    return values


def _first_bad(field: str, values: Any, bad: Any, rule: str) -> None:
    rows = np.flatnonzero(bad)
    if rows.size:
        row = int(rows[0])
        raise ValueError(f"{field}[{row}] = {values[row]}: must be a finite number {rule}")


def fold_before(frame: pd.DataFrame, start_ns: int) -> pd.DataFrame:
    """The rows from `start_ns` on, with the rows before it (a snapshot and the diffs after
    it) folded into one snapshot stamped `start_ns`: the book they build, so a replay starts
    from the book as it stood at `start_ns` without handing out the messages before it. A
    frame that does not open with a snapshot, or has no row before `start_ns`, is returned as
    it is."""
    ts = frame["ts"].to_numpy()
    before = int(np.searchsorted(ts, start_ns, side="left"))
    if before == 0 or not bool(frame["snapshot"].iloc[0]):
        return frame
    head = frame.iloc[:before]
    # Each level's last row before start holds its size then; size 0 means it had left.
    book = head.drop_duplicates(subset=["side", "price"], keep="last")
    book = book[book["size"] > 0.0].copy()
    book["ts"] = start_ns
    book["update_id"] = int(head["update_id"].iloc[-1])
    book["prev_update_id"] = -1
    book["snapshot"] = True
    folded = pd.concat([book, frame.iloc[before:]], ignore_index=True)
    return validate_depth(folded)
