"""Loaders of recorded L2 depth: Binance depth rows (CSV) and raw Bybit v5 orderbook messages.

Both return the canonical depth frame of alphaforge.data.depth_frame, sorted by time with the
rows of one message together, and by default keep only the rows check_depth_chain lets a
replay apply (a gap raises, or with ``bridge_gaps=True`` is bridged to the next snapshot).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow.csv as pa_csv

from alphaforge.data.columns import normal_name
from alphaforge.data.depth_chain import check_depth_chain
from alphaforge.data.depth_frame import validate_depth
from alphaforge.data.notices import DepthMessageWarning
from alphaforge.data.timestamps import _caller_level, read_times

__all__ = ["load_binance_depth", "load_bybit_depth"]

# Binance depth rows: the normal column names, and what they read as.
_BINANCE_REQUIRED = (
    "timestamp",
    "first_update_id",
    "last_update_id",
    "side",
    "update_type",
    "price",
    "size",
)
_BINANCE_ALIASES = {"qty": "size", "quantity": "size", "pu": "pu", "symbol": "symbol"}
_BINANCE_SIDES = {"b": "bid", "bid": "bid", "a": "ask", "ask": "ask"}
_BINANCE_TYPES = {"snap": True, "set": False}
# Messages of Bybit's WebSocket that carry no book: replies to subscribe and ping.
_BYBIT_CONTROL = ("op", "success")
_SHOWN = 3  # skipped lines quoted in the warning
_NO_LEVELS = np.zeros((0, 2), dtype=np.float64)
_NOT_LEVELS = "data.b and data.a must be lists of [price, size] numbers"


def load_binance_depth(
    *paths: str | os.PathLike[str],
    ts_unit: str | None = None,
    bridge_gaps: bool = False,
    check_chain: bool = True,
) -> pd.DataFrame:
    """Binance depth rows from CSV files (gzip by extension), e.g. a snapshot and its updates.

    Columns: ``timestamp, first_update_id, last_update_id, side (b/a), update_type (snap/set),
    price, qty``, optionally ``pu`` and ``symbol`` (one symbol across all files). Each file's
    timestamps are read in `ts_unit`, or the unit their magnitude shows (Binance writes ms, its
    newer archives us). ``update_id`` is last_update_id; ``prev_update_id`` is -1 for a
    snapshot, ``pu`` for a futures diff, and first_update_id - 1 where pu is absent or -1
    (spot's U/u events), so both follow the same chain rule. Rows are ordered by time, a
    snapshot before diffs of the same time, then by update id, file order breaking ties.
    `check_chain` keeps only the rows check_depth_chain accepts.
    """
    if not paths:
        raise TypeError("load_binance_depth needs at least one file")
    frames = [_binance_file(path, ts_unit) for path in paths]
    symbols = sorted({s for f in frames for s in f.pop("symbol").dropna().unique()})
    if len(symbols) > 1:
        raise ValueError(f"symbol: the files hold more than one symbol {symbols}; load one")
    frame = pd.concat(frames, ignore_index=True)
    order = np.lexsort((frame["update_id"], ~frame["snapshot"], frame["ts"]))
    return _finished(frame.iloc[order], check_chain, bridge_gaps)


def load_bybit_depth(
    path: str | os.PathLike[str], *, bridge_gaps: bool = False, check_chain: bool = True
) -> pd.DataFrame:
    """Raw Bybit v5 ``orderbook.<depth>.<symbol>`` WebSocket messages, one JSON object a line.

    The file may be plain, gzip (``.gz``) or a zip archive (its files read in name order).
    ``ts`` is the message's ``ts`` (ms); ``update_id`` its ``data.u``. A snapshot replaces the
    book (prev_update_id -1); Bybit numbers messages consecutively, so a delta follows
    ``u - 1``, and a delta whose predecessor is missing shows as a gap. A delta without levels
    advances the chain without rows. A line that is not a readable orderbook message is
    skipped and counted in one DepthMessageWarning; replies to subscribe and ping are skipped
    without a word; a second topic in the file raises.
    """
    # Per message with rows: its levels (price, size), bids first, and how many are bids.
    levels: list[npt.NDArray[np.float64]] = []
    bid_counts: list[int] = []
    stamps: list[int] = []
    uids: list[int] = []
    prevs: list[int] = []
    snaps: list[bool] = []
    skipped: list[str] = []
    topic: str | None = None
    last_u = anchor = None  # the last message's u, and the last one's with rows
    lines = 0
    for number, line in _lines(path):
        lines += 1
        try:
            message = json.loads(line)
        except json.JSONDecodeError as error:
            skipped.append(f"line {number}: not JSON ({error.msg}, character {error.pos})")
            continue
        if isinstance(message, dict) and any(k in message for k in _BYBIT_CONTROL):
            continue
        try:
            parsed = _bybit_message(message)
        except KeyError as error:
            skipped.append(f"line {number}: no field {error}")
            continue
        except (ValueError, TypeError) as error:
            skipped.append(f"line {number}: {error}")
            continue
        kind, stamp, name, u, rows, bids = parsed
        if topic is None:
            topic = name
        elif name != topic:
            raise ValueError(f"{path} line {number}: topic {name!r} after {topic!r}; one a file")
        if kind == "snapshot":
            if not len(rows):
                skipped.append(f"line {number}: a snapshot without levels")
                continue
            prev = -1
        else:
            # Empty deltas in between leave no rows: follow the last message with rows.
            prev = anchor if last_u == u - 1 and anchor is not None else u - 1
        last_u = u
        if not len(rows):
            continue
        anchor = u
        levels.append(rows)
        bid_counts.append(bids)
        stamps.append(stamp)
        uids.append(u)
        prevs.append(prev)
        snaps.append(kind == "snapshot")
    if skipped:
        shown = "; ".join(skipped[:_SHOWN]) + ("; ..." if len(skipped) > _SHOWN else "")
        warnings.warn(
            f"{path}: {len(skipped)} of {lines} line(s) skipped, not readable as orderbook "
            f"messages: {shown}",
            DepthMessageWarning,
            stacklevel=_caller_level(),
        )
    if not uids:
        raise ValueError(f"{path}: no orderbook message with levels")
    counts = np.array([len(r) for r in levels])
    bid = np.array(bid_counts)
    # Bids then asks in each message: runs of bid/ask codes of these lengths.
    runs = np.column_stack([bid, counts - bid]).ravel()
    sides = np.repeat(np.tile(np.array(["bid", "ask"], dtype=object), len(counts)), runs)
    table = np.concatenate(levels)
    frame = pd.DataFrame(
        {
            "ts": read_times(np.repeat(np.array(stamps, dtype=np.int64), counts), "ts", unit="ms"),
            "side": sides,
            "price": table[:, 0],
            "size": table[:, 1],
            "update_id": np.repeat(np.array(uids, dtype=np.int64), counts),
            "prev_update_id": np.repeat(np.array(prevs, dtype=np.int64), counts),
            "snapshot": np.repeat(np.array(snaps, dtype=np.bool_), counts),
        }
    )
    order = np.argsort(frame["ts"].to_numpy(), kind="stable")
    return _finished(frame.iloc[order], check_chain, bridge_gaps)


def _finished(frame: pd.DataFrame, check_chain: bool, bridge_gaps: bool) -> pd.DataFrame:
    depth = validate_depth(frame.reset_index(drop=True))
    if not check_chain:
        return depth
    keep = check_depth_chain(
        depth["update_id"], depth["prev_update_id"], depth["snapshot"], bridge_gaps=bridge_gaps
    )
    return depth[keep].reset_index(drop=True)


def _binance_file(path: str | os.PathLike[str], ts_unit: str | None) -> pd.DataFrame:
    raw = pa_csv.read_csv(os.fspath(path)).to_pandas()
    names = {}
    for column in raw.columns:
        name = normal_name(column)
        target = _BINANCE_ALIASES.get(name, name)
        if target not in _BINANCE_REQUIRED and target not in _BINANCE_ALIASES.values():
            raise ValueError(
                f"{path}: unknown column {column!r} for Binance depth; expected "
                f"{list(_BINANCE_REQUIRED[:-1])} + qty, and optionally pu and symbol"
            )
        names[column] = target
    frame = raw.rename(columns=names)
    missing = [c for c in _BINANCE_REQUIRED if c not in frame.columns]
    if missing:
        shown = "qty" if missing[0] == "size" else missing[0]
        raise ValueError(f"{path}: missing column {shown!r} (file has {list(raw.columns)})")
    if len(frame) == 0:
        raise ValueError(f"{path}: no rows")
    kinds = frame["update_type"].astype(str).str.strip().str.lower()
    snapshot = kinds.map(_BINANCE_TYPES)
    _refuse_unknown(path, "update_type", frame["update_type"], snapshot, list(_BINANCE_TYPES))
    side = frame["side"].astype(str).str.strip().str.lower().map(_BINANCE_SIDES)
    _refuse_unknown(path, "side", frame["side"], side, ["b", "a"])
    first = _ids(frame["first_update_id"], path, "first_update_id")
    last = _ids(frame["last_update_id"], path, "last_update_id")
    back = np.flatnonzero(first > last)
    if back.size:
        row = int(back[0])
        raise ValueError(
            f"{path}: first_update_id[{row}] = {first[row]} is above last_update_id ({last[row]})"
        )
    is_snapshot = snapshot.to_numpy(dtype=np.bool_)
    pu = _ids(frame["pu"], path, "pu") if "pu" in frame.columns else np.full(len(frame), -1)
    prev = np.where(is_snapshot, -1, np.where(pu >= 0, pu, first - 1))
    return pd.DataFrame(
        {
            "ts": read_times(frame["timestamp"], "timestamp", unit=ts_unit),
            "side": side.to_numpy(dtype=object),
            "price": _numbers(frame["price"], path, "price"),
            "size": _numbers(frame["size"], path, "qty"),
            "update_id": last,
            "prev_update_id": prev.astype(np.int64),
            "snapshot": is_snapshot,
            "symbol": frame["symbol"].astype(str) if "symbol" in frame.columns else None,
        }
    )


def _refuse_unknown(
    path: object, field: str, raw: pd.Series, mapped: pd.Series, allowed: list[str]
) -> None:
    bad = np.flatnonzero(mapped.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise ValueError(f"{path}: {field}[{row}] = {raw.iloc[row]!r}: must be one of {allowed}")


def _ids(series: pd.Series, path: object, field: str) -> Any:
    if series.dtype.kind not in "iu":
        raise TypeError(f"{path}: {field} must hold integers, got dtype {series.dtype}")
    return series.to_numpy(dtype=np.int64)


def _numbers(series: pd.Series, path: object, field: str) -> Any:
    values = pd.to_numeric(series, errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise ValueError(f"{path}: {field}[{row}] = {series.iloc[row]!r}: not a number")
    return values.to_numpy(dtype=np.float64)


def _lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a plain, gzip or zip file, numbered from 1 within each file."""
    name = os.fspath(path)
    if zipfile.is_zipfile(name):
        with zipfile.ZipFile(name) as archive:
            for member in sorted(i.filename for i in archive.infolist() if not i.is_dir()):
                with archive.open(member) as handle:
                    yield from _numbered(io.TextIOWrapper(handle, encoding="utf-8"))
        return
    if name.endswith(".gz"):
        with gzip.open(name, "rt", encoding="utf-8") as handle:
            yield from _numbered(handle)
        return
    with open(name, encoding="utf-8") as handle:
        yield from _numbered(handle)


def _numbered(handle: Any) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(handle, start=1):
        if line.strip():
            yield number, line.strip()


def _bybit_message(
    message: Any,
) -> tuple[str, int, str, int, npt.NDArray[np.float64], int]:
    """(type, ts in ms, topic, u, levels as rows of (price, size) with bids first, the number
    of bids) of one orderbook message."""
    if not isinstance(message, dict):
        raise TypeError(f"a JSON {type(message).__name__}, not an object")
    topic, kind, stamp, data = message["topic"], message["type"], message["ts"], message["data"]
    if not isinstance(topic, str) or not topic.startswith("orderbook."):
        raise ValueError(f"topic {topic!r} is not an orderbook topic")
    if kind not in ("snapshot", "delta"):
        raise ValueError(f"type {kind!r}: expected 'snapshot' or 'delta'")
    if not isinstance(data, dict):
        raise TypeError(f"data is a {type(data).__name__}, not an object")
    u = data["u"]
    for field, value in (("ts", stamp), ("u", u)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{field} = {value!r}: expected a positive integer")
    bids, asks = data["b"], data["a"]
    for key, entries in (("b", bids), ("a", asks)):
        if not isinstance(entries, list):
            raise TypeError(f"data.{key} is a {type(entries).__name__}, not a list")
    entries = bids + asks
    try:
        rows = np.array(entries, dtype=np.float64) if entries else _NO_LEVELS
    except (ValueError, TypeError):
        raise ValueError(_NOT_LEVELS) from None
    if rows.shape != (len(entries), 2):
        raise ValueError(_NOT_LEVELS)
    bad = np.flatnonzero(~(np.isfinite(rows).all(axis=1) & (rows[:, 0] > 0) & (rows[:, 1] >= 0)))
    if bad.size:
        row = int(bad[0])
        key = "b" if row < len(bids) else "a"
        raise ValueError(f"data.{key} entry {entries[row]!r}: price must be > 0, size >= 0")
    return kind, stamp, topic, u, rows, len(bids)
