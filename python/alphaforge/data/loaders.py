"""Loaders for trades, quotes and bars from CSV (pyarrow's reader), Parquet and pandas.

Every loader returns a DataFrame with the canonical columns of its kind, timestamps as int64
nanoseconds since the epoch (UTC) in ``ts_ns``, and rows validated: a bad row raises ValueError
naming its row and column before anything is returned.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from alphaforge._core import data as _native
from alphaforge._core.data import AggressorSide
from alphaforge.data.timestamps import read_times

Kind = Literal["trades", "quotes", "bars"]
Unknown = Literal["error", "drop"]

REQUIRED: dict[str, tuple[str, ...]] = {
    "trades": ("ts_ns", "price", "size"),
    "quotes": ("ts_ns", "bid", "ask"),
    "bars": ("ts_ns", "open", "high", "low", "close", "volume"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "trades": ("aggressor", "trade_id", "symbol"),
    "quotes": ("bid_size", "ask_size", "symbol"),
    "bars": ("symbol",),
}
# Quote sources without sizes (many FX feeds) load with sizes of 0.0, meaning "not given".
DEFAULT_ZERO = ("bid_size", "ask_size")
# Source columns with a fixed meaning that are turned into a canonical one.
DERIVED = {"buyer_maker": "aggressor"}

_SIDES = {
    "buy": AggressorSide.BUYER,
    "buyer": AggressorSide.BUYER,
    "sell": AggressorSide.SELLER,
    "seller": AggressorSide.SELLER,
    "none": AggressorSide.NONE,
    "": AggressorSide.NONE,
}


def from_dataframe(
    frame: pd.DataFrame,
    kind: Kind = "trades",
    *,
    columns: Mapping[str, str] | None = None,
    ts_unit: str | None = None,
    tz: str = "UTC",
    sort: bool = False,
    unknown: Unknown = "error",
) -> pd.DataFrame:
    """Normalise and validate trades, quotes or bars held in a DataFrame.

    `columns` maps source names to canonical ones, e.g. ``{"timestamp": "ts_ns", "quantity":
    "size"}``. Epoch numbers are read in `ts_unit`, or in the unit their magnitude shows when it
    is None (a mixture of units raises; data before 1980 warns); naive datetimes and strings in
    time zone `tz`. Unsorted timestamps raise with the first offending row unless ``sort=True``.
    Columns that are neither canonical nor mapped raise unless ``unknown="drop"``.
    """
    if kind not in REQUIRED:
        raise ValueError(f"kind must be one of {sorted(REQUIRED)}, got {kind!r}")
    if unknown not in ("error", "drop"):
        raise ValueError(f"unknown must be 'error' or 'drop', got {unknown!r}")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if len(frame) == 0:
        raise ValueError("empty data: no rows to load")
    known = REQUIRED[kind] + OPTIONAL[kind]
    mapping = dict(columns or {})
    if "ts_ns" not in frame.columns and "ts_ns" not in mapping.values():
        frame = _time_from_index(frame)
    renamed = _renamed(frame, kind, mapping, known, unknown)

    source = next((s for s, t in (columns or {}).items() if t == "ts_ns"), "ts_ns")
    out: dict[str, Any] = {"ts_ns": read_times(renamed["ts_ns"], source, tz=tz, unit=ts_unit)}
    for name in REQUIRED[kind][1:]:
        out[name] = _numbers(renamed[name], name)
    if kind == "quotes":
        for name in DEFAULT_ZERO:
            out[name] = _numbers(renamed[name], name) if name in renamed else 0.0
    if "aggressor" in renamed:
        out["aggressor"] = _aggressor(renamed["aggressor"])
    if "trade_id" in renamed:
        out["trade_id"] = _integers(renamed["trade_id"], "trade_id")
    if "symbol" in renamed:
        out["symbol"] = renamed["symbol"].astype(str).to_numpy()
    result = pd.DataFrame(out)
    if sort:
        result = result.sort_values("ts_ns", kind="stable", ignore_index=True)
    _validate(result, kind)
    return result


def load_csv(
    path: str | os.PathLike[str],
    kind: Kind = "trades",
    *,
    columns: Mapping[str, str] | None = None,
    ts_unit: str | None = None,
    tz: str = "UTC",
    sort: bool = False,
    unknown: Unknown = "error",
) -> pd.DataFrame:
    """Read a CSV file (gzip and other compressions by extension) with pyarrow, then normalise."""
    table = pa_csv.read_csv(os.fspath(path))
    return from_dataframe(
        table.to_pandas(), kind, columns=columns, ts_unit=ts_unit, tz=tz, sort=sort, unknown=unknown
    )


def load_parquet(
    path: str | os.PathLike[str],
    kind: Kind = "trades",
    *,
    columns: Mapping[str, str] | None = None,
    ts_unit: str | None = None,
    tz: str = "UTC",
    sort: bool = False,
    unknown: Unknown = "error",
) -> pd.DataFrame:
    """Read a Parquet file with pyarrow, then normalise."""
    table = pq.read_table(os.fspath(path))
    return from_dataframe(
        table.to_pandas(), kind, columns=columns, ts_unit=ts_unit, tz=tz, sort=sort, unknown=unknown
    )


def _time_from_index(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its index as the ts_ns column when the index holds times: a
    DatetimeIndex, or integers named ts_ns (an unnamed integer index is row labels)."""
    index = frame.index
    if isinstance(index, pd.DatetimeIndex) or (index.dtype.kind in "iu" and index.name == "ts_ns"):
        return frame.reset_index(names="ts_ns")
    return frame


def _renamed(
    frame: pd.DataFrame,
    kind: str,
    mapping: dict[str, str],
    known: tuple[str, ...],
    unknown: Unknown,
) -> pd.DataFrame:
    present = [str(c) for c in frame.columns]
    for source, target in mapping.items():
        if source not in present:
            raise ValueError(f"column {source!r} named in columns= is not in the data {present}")
        if target not in known:
            raise ValueError(
                f"columns={{{source!r}: {target!r}}}: {target!r} is not a {kind} column; "
                f"use one of {list(known)}"
            )
    renamed = frame.rename(columns={**{c: c for c in present}, **mapping})
    for source, target in DERIVED.items():
        if source in renamed.columns and target in known and target not in renamed.columns:
            if source == "buyer_maker":
                # The buyer was the resting order, so the seller crossed the spread.
                flag = renamed[source].astype(str).str.lower().isin(("true", "1"))
                renamed[target] = np.where(
                    flag, AggressorSide.SELLER.value, AggressorSide.BUYER.value
                )
            renamed = renamed.drop(columns=[source])
    missing = [c for c in REQUIRED[kind] if c not in renamed.columns]
    if missing:
        index = (
            ""
            if missing[0] != "ts_ns"
            else (
                f", or give a DatetimeIndex or an integer index named ts_ns (not a "
                f"{type(frame.index).__name__})"
            )
        )
        raise ValueError(
            f"missing column {missing[0]!r} for {kind} (data has {present}); map yours with "
            f"columns={{'your_name': {missing[0]!r}}}{index}"
        )
    extra = [c for c in renamed.columns if c not in known]
    if extra and unknown == "error":
        raise ValueError(
            f"unknown column {extra[0]!r} for {kind} (data has {present}); map it with "
            f"columns={{...}} to one of {list(known)} or pass unknown='drop'"
        )
    return renamed[[c for c in known if c in renamed.columns]]


def _numbers(series: pd.Series, field: str) -> Any:
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() & series.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{field}[{row}] = {series.iloc[row]!r}: not a number")
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _integers(series: pd.Series, field: str) -> Any:
    if series.dtype.kind not in "iu":
        raise TypeError(f"{field} must hold integers, got dtype {series.dtype}")
    return series.to_numpy(dtype=np.int64)


def _aggressor(series: pd.Series) -> Any:
    if series.dtype.kind in "iu":
        values = series.to_numpy(dtype=np.int64)
        bad = np.flatnonzero((values < 0) | (values > 2))
        if bad.size:
            row = int(bad[0])
            raise ValueError(f"aggressor[{row}] = {values[row]}: must be 0 (none), 1 or 2")
        return values.astype(np.int8)
    out = np.empty(len(series), dtype=np.int8)
    for row, value in enumerate(series.astype(str).str.lower()):
        side = _SIDES.get(value)
        if side is None:
            raise ValueError(f"aggressor[{row}] = {value!r}: expected one of {sorted(_SIDES)}")
        out[row] = side.value
    return out


def _validate(frame: pd.DataFrame, kind: str) -> None:
    ts = frame["ts_ns"].to_numpy()
    if kind == "trades":
        _native.check_trades(ts, frame["price"].to_numpy(), frame["size"].to_numpy())
    elif kind == "quotes":
        _native.check_quotes(
            ts,
            frame["bid"].to_numpy(),
            frame["ask"].to_numpy(),
            frame["bid_size"].to_numpy(),
            frame["ask_size"].to_numpy(),
        )
    else:
        _validate_bars(frame)


def _validate_bars(frame: pd.DataFrame) -> None:
    ts = frame["ts_ns"].to_numpy()
    back = np.flatnonzero(ts[1:] < ts[:-1])
    if back.size:
        row = int(back[0]) + 1
        raise ValueError(
            f"ts_ns[{row}] = {ts[row]}: earlier than row {row - 1} ({ts[row - 1]}); "
            "timestamps must not decrease"
        )
    o, h, low, c, v = (frame[n].to_numpy() for n in ("open", "high", "low", "close", "volume"))
    checks = [
        ("open", ~(np.isfinite(o) & (o > 0)), "must be a finite number > 0"),
        ("high", ~(np.isfinite(h) & (h > 0)), "must be a finite number > 0"),
        ("low", ~(np.isfinite(low) & (low > 0)), "must be a finite number > 0"),
        ("close", ~(np.isfinite(c) & (c > 0)), "must be a finite number > 0"),
        ("volume", ~(np.isfinite(v) & (v >= 0)), "must be a finite number >= 0"),
        ("high", h < np.maximum(np.maximum(o, c), low), "below the open, close or low"),
        ("low", low > np.minimum(o, c), "above the open or close"),
    ]
    for field, bad, rule in checks:
        rows = np.flatnonzero(bad)
        if rows.size:
            row = int(rows[0])
            value = frame[field].iloc[row]
            raise ValueError(f"{field}[{row}] = {value}: {rule}")
