"""The settings of the order-book fill model: how resting orders move up their queue, and the
latencies between the strategy and the venue."""

from __future__ import annotations

import datetime as dt
import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

QUEUE_MODELS = ("risk_averse", "power", "power2", "power3", "log", "log2")
LATENCY_COLUMNS = ("ts", "entry_ns", "response_ns")


def duration_ns(value: object, field: str) -> int:
    """Seconds (a number) or a timedelta as whole nanoseconds, >= 0."""
    if isinstance(value, dt.timedelta):  # pandas.Timedelta is one
        ns = int(pd.Timedelta(value).value)
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{field} must be seconds or a timedelta, got {value!r}")
    elif not math.isfinite(float(value)):
        raise ValueError(f"{field} must be finite, got {value!r}")
    else:
        ns = round(float(value) * 1e9)
    if ns < 0:
        raise ValueError(f"{field} must be >= 0, got {value!r}")
    return ns


def latency_columns(series: pd.DataFrame) -> dict[str, np.ndarray[Any, Any]]:
    """A recorded latency series: columns ts (datetimes or ns since the epoch), entry_ns and
    response_ns (int ns), as the three int64 arrays the replay interpolates."""
    if not isinstance(series, pd.DataFrame):
        raise TypeError(f"latency_series must be a DataFrame, got {type(series).__name__}")
    missing = [c for c in LATENCY_COLUMNS if c not in series.columns]
    if missing:
        raise ValueError(f"latency_series lacks the column(s) {', '.join(missing)}")
    ts = series["ts"]
    if isinstance(ts.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(ts):
        stamps = pd.DatetimeIndex(ts)
        stamps = stamps.tz_localize("UTC") if stamps.tz is None else stamps.tz_convert("UTC")
        ts_ns = stamps.asi8.astype(np.int64)
    else:
        ts_ns = _int_column(ts, "ts")
    return {
        "latency_ts": ts_ns,
        "latency_entry_ns": _int_column(series["entry_ns"], "entry_ns"),
        "latency_response_ns": _int_column(series["response_ns"], "response_ns"),
    }


def _int_column(values: pd.Series, field: str) -> np.ndarray[Any, Any]:
    if not pd.api.types.is_integer_dtype(values):
        raise TypeError(f"latency_series[{field!r}] must hold integers (ns), got {values.dtype}")
    column: np.ndarray[Any, Any] = values.to_numpy(np.int64)
    return column


def book_fill_settings(
    response_latency: float | dt.timedelta,
    feed_latency: float | dt.timedelta,
    queue_model: str,
    queue_n: object,
    latency_series: pd.DataFrame | None,
) -> dict[str, Any]:
    """The order-book replay's keyword settings, each checked, naming the field it refuses."""
    if queue_model not in QUEUE_MODELS:
        raise ValueError(
            f"queue_model must be one of {', '.join(QUEUE_MODELS)}, got {queue_model!r}"
        )
    if isinstance(queue_n, bool) or not isinstance(queue_n, numbers.Real):
        raise TypeError(f"queue_n must be a number, got {queue_n!r}")
    if not (math.isfinite(float(queue_n)) and float(queue_n) > 0.0):
        raise ValueError(f"queue_n must be finite and > 0, got {queue_n!r}")
    settings: dict[str, Any] = {
        "response_latency_ns": duration_ns(response_latency, "response_latency"),
        "feed_latency_ns": duration_ns(feed_latency, "feed_latency"),
        "queue_model": queue_model,
        "queue_n": float(queue_n),
    }
    if latency_series is not None:
        settings.update(latency_columns(latency_series))
    return settings
