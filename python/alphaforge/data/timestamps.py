"""Timestamps as int64 nanoseconds since the Unix epoch, UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}

# pandas.Timestamp is a datetime.datetime.
TimeLike: TypeAlias = "int | str | dt.datetime | np.datetime64"


def to_epoch_ns(values: Any, field: str, *, tz: str = "UTC", unit: str = "ns") -> npt.NDArray[Any]:
    """Integers (in `unit`), datetimes or ISO strings as an int64 array of UTC nanoseconds.

    Naive datetimes and strings are read in time zone `tz`; aware ones are converted to UTC.
    """
    if unit not in _UNIT_NS:
        raise ValueError(f"ts_unit must be one of {sorted(_UNIT_NS)}, got {unit!r}")
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return _scaled(values, unit, field)
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    kind = series.dtype.kind
    if kind in "iu":
        return _scaled(series.to_numpy(), unit, field)
    if kind == "f":
        raise TypeError(
            f"{field} holds floats ({series.dtype}); timestamps must be integers or datetimes"
        )
    if kind not in "M" and not isinstance(series.dtype, pd.DatetimeTZDtype):
        parsed = pd.to_datetime(series, errors="coerce", format="ISO8601")
        bad = parsed.isna() & series.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(f"{field}[{row}] = {series.iloc[row]!r}: not a timestamp")
        series = parsed
    if series.isna().any():
        row = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise ValueError(f"{field}[{row}] is missing (NaT)")
    if series.dt.tz is None:
        try:
            series = series.dt.tz_localize(tz)
        except Exception as error:  # pytz/zoneinfo raise several types for a bad zone or time
            raise ValueError(f"cannot read {field} in time zone {tz!r}: {error}") from error
    utc = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return np.asarray(utc.to_numpy(dtype="datetime64[ns]").view(np.int64), dtype=np.int64)


def _scaled(values: npt.NDArray[Any], unit: str, field: str) -> npt.NDArray[Any]:
    factor = _UNIT_NS[unit]
    ints = values.astype(np.int64, copy=False)
    if factor == 1:
        return ints
    limit = np.iinfo(np.int64).max // factor
    if factor > 1 and ints.size and int(np.abs(ints).max()) > limit:
        raise ValueError(f"{field} overflows int64 nanoseconds at ts_unit={unit!r}")
    return ints * factor


def time_to_ns(value: TimeLike, field: str) -> int:
    """One point in time as UTC nanoseconds; ints are taken as nanoseconds already."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{field} = {value!r}: not a point in time") from error
    if stamp is pd.NaT:
        raise ValueError(f"{field} = {value!r}: not a point in time")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value)
