"""Vectorised bar aggregation: numpy arrays in, a pandas DataFrame of OHLCV bars out."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from alphaforge._core import data as _native
from alphaforge._core.data import BarSpec
from alphaforge.data.timestamps import to_epoch_ns

BAR_COLUMNS = ("open", "high", "low", "close", "volume", "trade_count", "ts_close")
_UTC = pd.DatetimeTZDtype("ns", "UTC")


def aggregate_bars(
    ts_ns: npt.ArrayLike,
    price: npt.ArrayLike,
    size: npt.ArrayLike,
    spec: BarSpec | str,
    *,
    fill_gaps: bool = False,
) -> pd.DataFrame:
    """OHLCV bars of one symbol's sorted trades, computed in one C++ pass.

    Time bars are labelled by the start of their bucket and include it: bucket ``[t, t + step)``,
    as ``resample(step, closed="left", label="left", origin="epoch")``; for steps that divide a day
    (1s, 1min, 5min, 1h, 1d) that equals pandas' default origin. Buckets without trades give no
    row unless ``fill_gaps=True`` (then a flat bar at the previous close with zero volume). Tick
    and volume bars are labelled by their first trade, and ``ts_close`` is their last trade.
    """
    bar_spec = spec if isinstance(spec, BarSpec) else BarSpec(spec)
    bars = _native.aggregate_bars_array(
        to_epoch_ns(ts_ns, "ts_ns"), price, size, bar_spec, fill_gaps
    )
    return bars_to_frame(bars)


def bars_to_frame(bars: npt.NDArray[Any]) -> pd.DataFrame:
    """A BAR_DTYPE array as a DataFrame indexed by the bar's opening time (UTC)."""
    return pd.DataFrame(
        {
            "open": bars["open"],
            "high": bars["high"],
            "low": bars["low"],
            "close": bars["close"],
            "volume": bars["volume"],
            "trade_count": bars["trade_count"],
            "ts_close": _utc_index(bars["ts_close_ns"]),
        },
        index=_utc_index(bars["ts_open_ns"], "ts_open"),
        copy=False,
    )


def _utc_index(epoch_ns: npt.NDArray[Any], name: str | None = None) -> pd.DatetimeIndex:
    # Straight from int64 nanoseconds: no parsing, no time zone arithmetic (UTC is the epoch's).
    return pd.DatetimeIndex(epoch_ns.view("datetime64[ns]"), dtype=_UTC, name=name)


def empty_bars() -> pd.DataFrame:
    """A DataFrame with the columns of aggregate_bars() and no rows."""
    return bars_to_frame(np.zeros(0, dtype=_native.BAR_DTYPE))
