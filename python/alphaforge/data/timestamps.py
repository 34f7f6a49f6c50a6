"""Timestamps as int64 nanoseconds since the Unix epoch, UTC."""

from __future__ import annotations

import datetime as dt
import os
import sys
import warnings
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from alphaforge.data.notices import TimestampWarning

UNITS = ("s", "ms", "us", "ns")
_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}
# One instant in the four units differs by a factor of 1000 a step, so a magnitude picks the
# unit: below 1e11 is seconds, below 1e14 milliseconds, below 1e17 microseconds, the rest
# nanoseconds. Every boundary is 1973-03-03T09:46:40Z read in the finer unit and the year 5138
# read in the coarser one, so any time from 1973-03-04 to 2262 (the end of int64 nanoseconds)
# is read right in any unit; only data within about three years of 1970 is ambiguous.
_CEILINGS = ((10**11, "s"), (10**14, "ms"), (10**17, "us"))
EARLIEST_PLAUSIBLE_NS = 315_532_800_000_000_000  # 1980-01-01T00:00:00Z
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

# pandas.Timestamp is a datetime.datetime.
TimeLike: TypeAlias = "int | str | dt.datetime | np.datetime64"


def iso(ns: int) -> str:
    """UTC nanoseconds as an ISO 8601 text ending in Z."""
    return str(pd.Timestamp(int(ns), unit="ns", tz="UTC").isoformat()).replace("+00:00", "Z")


def infer_unit(values: npt.NDArray[Any], field: str) -> str:
    """The unit (s, ms, us, ns) of epoch numbers from their magnitude; a mixture raises.

    The ValueError names `field`, each unit found, how many rows have it and example rows.
    """
    numbers = np.asarray(values)
    # Integers compare exactly: 10**17 - 1 as a float is 1e17.
    exact = numbers.dtype.kind in "iu"
    magnitude = np.abs(numbers.astype(np.int64 if exact else np.float64))
    ceilings = np.array([c for c, _ in _CEILINGS], dtype=np.int64 if exact else np.float64)
    codes = np.searchsorted(ceilings, magnitude, side="right")
    present = np.unique(codes)
    if present.size > 1:
        parts = []
        for code in present:
            rows = np.flatnonzero(codes == code)
            shown = ", ".join(f"row {r}: {_number(values[r])}" for r in rows[:3])
            plural = "s" if rows.size > 1 else ""
            parts.append(f"{_UNIT_NAMES[UNITS[code]]} in {rows.size:,} row{plural} ({shown})")
        raise ValueError(
            f"{field}: epoch numbers of more than one unit: {'; '.join(parts)}; "
            f"fix the data or give ts_unit (one of {', '.join(UNITS)})"
        )
    return UNITS[int(present[0])] if present.size else "ns"


def to_epoch_ns(
    values: Any, field: str, *, tz: str = "UTC", unit: str | None = "ns"
) -> npt.NDArray[Any]:
    """Epoch numbers (in `unit`, from their magnitude when None), datetimes or texts as UTC ns.

    Naive datetimes and texts are read in time zone `tz`; aware ones are converted to UTC.
    """
    ns: npt.NDArray[Any] = _converted(values, field, tz, unit)[0]
    return ns


def read_times(
    values: Any, field: str, *, tz: str = "UTC", unit: str | None = None
) -> npt.NDArray[Any]:
    """As `to_epoch_ns`, unit inferred by default, with a TimestampWarning for epoch numbers
    that put the data before 1980 (a wrong unit, most often)."""
    ns: npt.NDArray[Any]
    ns, how = _converted(values, field, tz, unit)
    if how and ns.size:
        row = int(np.argmin(ns))
        if int(ns[row]) < EARLIEST_PLAUSIBLE_NS:
            warnings.warn(
                f"{field} starts at {iso(int(ns[row]))} (row {row}), before 1980: its numbers "
                f"were {how}; give ts_unit if that is not their unit",
                TimestampWarning,
                stacklevel=_caller_level(),
            )
    return ns


def _converted(values: Any, field: str, tz: str, unit: str | None) -> tuple[Any, str]:
    """The nanoseconds, and how epoch numbers were read ("" for datetimes and date texts)."""
    if unit is not None and unit not in _UNIT_NS:
        raise ValueError(f"ts_unit must be one of {list(UNITS)}, got {unit!r}")
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        return _scaled(values, unit, field)
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if series.dtype.kind in "iuf":
        return _scaled(series.to_numpy(), unit, field)
    if series.dtype.kind != "M" and not isinstance(series.dtype, pd.DatetimeTZDtype):
        text = series.astype("string").str.strip()
        if len(text) and text.notna().all() and text.str.fullmatch(r"-?\d+").all():
            # Epoch numbers that arrived as text, e.g. a column its exporter quoted.
            return _scaled(text.astype("int64").to_numpy(), unit, field)
        series = _parsed(series, text, field)
    if series.isna().any():
        row = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise ValueError(f"{field}[{row}] is missing (NaT)")
    if series.dt.tz is None:
        try:
            series = series.dt.tz_localize(tz)
        except Exception as error:  # pytz/zoneinfo raise several types for a bad zone or time
            raise ValueError(f"cannot read {field} in time zone {tz!r}: {error}") from error
    utc = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return np.asarray(utc.to_numpy(dtype="datetime64[ns]").view(np.int64), dtype=np.int64), ""


def _parsed(series: pd.Series, text: pd.Series, field: str) -> pd.Series:
    """Texts as datetimes: ISO 8601, else the one format the first text shows (20130101 22:00)."""
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if (parsed.notna() | text.isna()).all():
        return parsed
    first = text.dropna()
    guessed = guess_datetime_format(str(first.iloc[0])) if len(first) else None
    if guessed is not None:
        parsed = pd.to_datetime(text, errors="coerce", format=guessed)
    bad = parsed.isna() & text.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{field}[{row}] = {series.iloc[row]!r}: not a timestamp")
    return parsed


def _scaled(values: npt.NDArray[Any], unit: str | None, field: str) -> tuple[Any, str]:
    floats = values.dtype.kind == "f"
    if floats:
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            row = int(bad[0])
            raise ValueError(f"{field}[{row}] = {values[row]}: not a finite timestamp")
    chosen = unit if unit is not None else infer_unit(values, field)
    how = f"read as {_UNIT_NAMES[chosen]}" + (
        f" (ts_unit={chosen!r})" if unit is not None else " (inferred from their magnitude)"
    )
    if floats and chosen == "ns":
        # A double holds 15 to 16 digits; today's epoch in nanoseconds has 19.
        raise TypeError(
            f"{field} holds floats ({values.dtype}) {how}: a float cannot hold epoch "
            "nanoseconds exactly; give integers, or floats in s, ms or us"
        )
    factor = _UNIT_NS[chosen]
    if values.size:
        row = int(np.argmax(np.abs(values.astype(np.float64))))
        if abs(float(values[row])) * factor >= 2.0**63:
            raise ValueError(
                f"{field}[{row}] = {_number(values[row])} {how} is past 2262, beyond int64 "
                "nanoseconds; give ts_unit if that is not their unit"
            )
    if floats:
        # Whole units and the fraction apart, so 1609459200.25 s is 1609459200250000000 ns.
        whole = np.floor(values)
        fraction = np.rint((values - whole) * factor).astype(np.int64)
        return whole.astype(np.int64) * factor + fraction, how
    return values.astype(np.int64, copy=False) * factor, how


def _number(value: Any) -> str:
    """A numpy scalar as plain text (1609459200000, not np.int64(1609459200000))."""
    return repr(value.item()) if isinstance(value, np.generic) else repr(value)


def _caller_level() -> int:
    """The stacklevel of the first frame outside this package, so a warning names user code."""
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    return level


def time_to_ns(value: TimeLike, field: str) -> int:
    """One point in time as UTC nanoseconds; an integer's unit comes from its magnitude."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(_scaled(np.array([value], dtype=np.int64), None, field)[0][0])
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{field} = {value!r}: not a point in time") from error
    if stamp is pd.NaT:
        raise ValueError(f"{field} = {value!r}: not a point in time")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value)
