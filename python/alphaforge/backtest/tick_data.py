"""Market data for the replays: columns of bars, trades and quotes from DataFrames and from a
DataCatalog."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from alphaforge.data.catalog import DataCatalog
from alphaforge.data.depth_frame import fold_before
from alphaforge.data.loaders import from_dataframe
from alphaforge.data.timestamps import TimeLike, time_to_ns

TickKind = Literal["trades", "quotes"]
CatalogKind = Literal["trades", "quotes", "depth"]
MarketKind = Literal["trades", "quotes", "bars"]
_COLUMNS: dict[str, tuple[str, ...]] = {
    "trades": ("price", "size"),
    "quotes": ("bid", "ask", "bid_size", "ask_size"),
    "bars": ("open", "high", "low", "close", "volume"),
}


def market_columns(
    symbol: str, frame: pd.DataFrame, kind: MarketKind
) -> tuple[npt.NDArray[Any], ...]:
    """(ts_ns, value columns...) of `frame`, normalised and checked as the loaders do.

    Columns and times are read as from_dataframe reads them (any case, vendors' names, a time
    column, a DatetimeIndex or an integer index with a time name, epoch numbers in the unit of
    their magnitude); other columns the replay does not use are ignored.
    """
    return _columns(_normal(symbol, frame, kind), kind)


def trade_columns(
    symbol: str, frame: pd.DataFrame
) -> tuple[tuple[npt.NDArray[Any], ...], npt.NDArray[Any] | None]:
    """market_columns of trades, and their takers' sides (0 none, 1 buyer, 2 seller) when
    the frame records them (an ``aggressor`` or ``buyer_maker`` column), else None."""
    normal = _normal(symbol, frame, "trades")
    sides = None
    if "aggressor" in normal.columns:
        sides = np.ascontiguousarray(normal["aggressor"].to_numpy(np.int8))
    return _columns(normal, "trades"), sides


def _normal(symbol: str, frame: pd.DataFrame, kind: MarketKind) -> pd.DataFrame:
    if not isinstance(symbol, str):
        raise TypeError(f"symbol must be a str, got {type(symbol).__name__}")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{kind} must be a pandas DataFrame, got {type(frame).__name__}")
    try:
        return from_dataframe(frame, kind, unknown="drop")
    except ValueError as error:
        raise ValueError(f"{kind} of {symbol}: {error}") from None


def _columns(normal: pd.DataFrame, kind: MarketKind) -> tuple[npt.NDArray[Any], ...]:
    ts = np.ascontiguousarray(normal["ts_ns"].to_numpy(dtype=np.int64))
    return (ts, *(np.ascontiguousarray(normal[c].to_numpy(np.float64)) for c in _COLUMNS[kind]))


def catalog_frames(
    catalog: DataCatalog, symbol: str, start: TimeLike | None, end: TimeLike | None
) -> dict[CatalogKind, pd.DataFrame]:
    """The trades, quotes and depth `catalog` holds for `symbol` in [start, end), by kind; the
    depth opens with the book as it stood at `start` (fold_before)."""
    if not isinstance(catalog, DataCatalog):
        raise TypeError(f"catalog must be a DataCatalog, got {type(catalog).__name__}")
    frames: dict[CatalogKind, pd.DataFrame] = {}
    for kind in ("trades", "quotes"):
        if symbol in catalog.symbols(kind):
            frame = catalog.read(kind, symbol, start, end)
            if len(frame):
                frames[kind] = frame
    if symbol in catalog.symbols("depth"):
        depth = catalog.read_depth(symbol, start, end)
        if start is not None:
            depth = fold_before(depth, time_to_ns(start, "start"))
        if len(depth):
            frames["depth"] = depth
    if not frames:
        raise ValueError(f"the catalog has no trades, quotes or depth of {symbol} in that range")
    return frames
