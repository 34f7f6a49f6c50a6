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
from alphaforge.data.columns import (
    ALIASES,
    HEADERLESS,
    OPTIONAL,
    REQUIRED,
    TIME_NAMES,
    VENDOR_EXTRAS,
    known_names,
    normal_name,
)
from alphaforge.data.timestamps import read_times

# The canonical columns by kind live in columns.py; the catalog reads them from here too.
__all__ = ["OPTIONAL", "REQUIRED", "Kind", "from_dataframe", "load_csv", "load_parquet"]

Kind = Literal["trades", "quotes", "bars"]
Unknown = Literal["error", "drop"]

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
    Names match case-blind, with the vendors' names of alphaforge.data.columns (Yahoo's
    Date/Open/.../Adj Close, Binance's open_time/qty/is_buyer_maker, ...); the time comes from
    the one time column, else a DatetimeIndex or an integer index with a time name. Columns
    that are neither known nor mapped raise unless ``unknown="drop"``.
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
    mapping = _vendor_names(frame, kind, dict(columns or {}), known)
    if "ts_ns" not in mapping.values():
        frame = _time_from_index(frame)
        if "ts_ns" in frame.columns:
            mapping["ts_ns"] = "ts_ns"
    renamed = _renamed(frame, kind, mapping, known, unknown)

    source = next((s for s, t in mapping.items() if t == "ts_ns"), "ts_ns")
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
    sep: str = ",",
) -> pd.DataFrame:
    """Read a CSV file (gzip and other compressions by extension) with pyarrow, then normalise.

    `sep` is the one character between fields: ``";"`` and ``"\\t"`` for the semicolon- and
    tab-separated files some vendors export. A file without a header row is read by the layout
    of its vendor (Binance's klines, trades and aggTrades, TrueFX quotes), known from `kind`
    and the number of columns.
    """
    if not isinstance(sep, str) or len(sep) != 1 or sep in '\r\n"':
        raise ValueError(f"sep must be one character other than a quote or newline, got {sep!r}")
    parse = pa_csv.ParseOptions(delimiter=sep)
    table = pa_csv.read_csv(os.fspath(path), parse_options=parse)
    layout = _headerless_layout(table.column_names, kind, path)
    if layout is not None:
        options = pa_csv.ReadOptions(column_names=list(layout))
        table = pa_csv.read_csv(os.fspath(path), read_options=options, parse_options=parse)
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


def _headerless_layout(names: list[str], kind: str, path: object) -> tuple[str, ...] | None:
    """The column names of a file whose first row is data, not a header; None for a header."""
    if kind not in REQUIRED or set(map(normal_name, names)) & known_names(kind):
        return None
    if not any(_is_number(n) for n in names):
        return None
    found = HEADERLESS.get((kind, len(names)))
    if found is None:
        layouts = [f"{v[0]} ({n} columns)" for (k, n), v in HEADERLESS.items() if k == kind]
        raise ValueError(
            f"{path}: no header row, and {len(names)} columns match no known {kind} layout "
            f"({', '.join(layouts) or 'none'}); add a header row"
        )
    return found[1]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _vendor_names(
    frame: pd.DataFrame, kind: str, mapping: dict[str, str], known: tuple[str, ...]
) -> dict[str, str]:
    """`mapping` completed with the columns whose normal name is canonical or a vendor's."""
    if kind not in REQUIRED:
        return mapping
    derived = {n: n for n in DERIVED if DERIVED[n] in known}
    aliases = {**{n: n for n in known}, **ALIASES[kind], **derived}
    given = set(mapping.values())
    times: list[str] = []
    for column in frame.columns:
        source, name = str(column), normal_name(column)
        if source in mapping:
            continue
        if name in TIME_NAMES:
            times.append(source)
        elif name in aliases and aliases[name] not in given:
            target = aliases[name]
            other = next((s for s, t in mapping.items() if t == target), None)
            if other is not None:
                raise ValueError(
                    f"columns {other!r} and {source!r} both read as {target!r}; "
                    f"map the one to use with columns={{{other!r}: {target!r}}}"
                )
            mapping[source] = target
    if "ts_ns" not in given and times:
        canonical = [t for t in times if normal_name(t) == "ts_ns"]
        if canonical:
            times = canonical[:1]
        if len(times) > 1:
            raise ValueError(
                f"several time columns {times}; name the one to use with "
                f"columns={{{times[0]!r}: 'ts_ns'}}"
            )
        mapping[times[0]] = "ts_ns"
    return mapping


def _time_from_index(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its index as the ts_ns column when the index holds times: a
    DatetimeIndex, or integers with a time name (an unnamed integer index is row labels)."""
    index = frame.index
    named = index.dtype.kind in "iu" and normal_name(index.name) in TIME_NAMES
    if (isinstance(index, pd.DatetimeIndex) or named) and "ts_ns" not in frame.columns:
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
        if target not in known and target not in DERIVED:
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
    extra = [c for c in renamed.columns if c not in known and normal_name(c) not in VENDOR_EXTRAS]
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
