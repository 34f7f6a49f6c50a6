"""Bars as workers receive them: once per process, from shared memory, a catalog or Ray's store.

The parent turns the user's bars into one of the handles below; a worker turns a handle into a
DataFrame once, caches it, and slices it per walk-forward window by timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any, Protocol

import numpy as np
import pandas as pd

from alphaforge.data.catalog import DataCatalog
from alphaforge.data.loaders import from_dataframe

COLUMNS = ("open", "high", "low", "close", "volume")
Window = tuple[int, int]  # [start_ns, end_ns)
# Per process: frames already built from a handle, by the handle's key.
_FRAMES: dict[tuple[Any, ...], pd.DataFrame] = {}


class BarSource(Protocol):
    """Where a worker gets the bars of the swept symbol."""

    def key(self) -> tuple[Any, ...]:
        """Identifies the data, for the per-process cache."""
        ...

    def load(self, window: Window | None) -> pd.DataFrame:
        """The bars in `window` (all of them when None), as add_bars takes them."""
        ...


def normalise_bars(symbol: str, bars: pd.DataFrame) -> dict[str, np.ndarray]:
    """ts_ns and OHLCV columns of `bars`, checked as the loaders check them."""
    if not isinstance(bars, pd.DataFrame):
        kind = type(bars).__name__
        raise TypeError(f"data must be a pandas DataFrame or a DataCatalog, got {kind}")
    frame = bars
    if "ts_ns" not in frame.columns and isinstance(frame.index, pd.DatetimeIndex):
        frame = frame.reset_index(names="ts_ns")
    frame = frame.rename(columns={c: c.lower() for c in frame.columns if isinstance(c, str)})
    try:
        normal = from_dataframe(frame, "bars", unknown="drop")
    except ValueError as error:
        raise ValueError(f"bars of {symbol}: {error}") from None
    out = {"ts_ns": np.ascontiguousarray(normal["ts_ns"].to_numpy(np.int64))}
    for column in COLUMNS:
        out[column] = np.ascontiguousarray(normal[column].to_numpy(np.float64))
    return out


def frame_of(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The DataFrame add_bars takes, from normalised columns (copied, so it owns its memory)."""
    return pd.DataFrame({name: np.array(values) for name, values in columns.items()})


def in_window(frame: pd.DataFrame, window: Window | None) -> pd.DataFrame:
    """The rows with start <= ts_ns < end."""
    if window is None:
        return frame
    ts = frame["ts_ns"].to_numpy()
    lo, hi = np.searchsorted(ts, window, side="left")
    return frame.iloc[lo:hi]


def _cached(source: BarSource, build: Any) -> pd.DataFrame:
    key = source.key()
    if key not in _FRAMES:
        _FRAMES[key] = build()
    return _FRAMES[key]


@dataclass(frozen=True)
class InlineBars:
    """The columns themselves: for the sequential backend, in the process that holds them."""

    columns: dict[str, np.ndarray]

    def key(self) -> tuple[Any, ...]:
        return ("inline", id(self.columns))

    def load(self, window: Window | None) -> pd.DataFrame:
        return in_window(_cached(self, lambda: frame_of(self.columns)), window)


@dataclass(frozen=True)
class SharedBars:
    """The columns in one shared-memory block the parent owns: int64 ts_ns, then float64 OHLCV."""

    name: str
    rows: int

    @classmethod
    def create(
        cls, columns: dict[str, np.ndarray]
    ) -> tuple[SharedBars, shared_memory.SharedMemory]:
        """Copy `columns` into a new block; the caller closes and unlinks the block."""
        rows = len(columns["ts_ns"])
        block = shared_memory.SharedMemory(create=True, size=max(1, 8 * rows * (1 + len(COLUMNS))))
        handle = cls(block.name, rows)
        for name, view in handle._views(block).items():
            view[:] = columns[name]
        return handle, block

    def _views(self, block: shared_memory.SharedMemory) -> dict[str, np.ndarray]:
        views = {"ts_ns": np.ndarray(self.rows, np.int64, block.buf, 0)}
        for i, name in enumerate(COLUMNS, start=1):
            views[name] = np.ndarray(self.rows, np.float64, block.buf, 8 * self.rows * i)
        return views

    def key(self) -> tuple[Any, ...]:
        return ("shm", self.name)

    def load(self, window: Window | None) -> pd.DataFrame:
        return in_window(_cached(self, self._copy_out), window)

    def _copy_out(self) -> pd.DataFrame:
        block = shared_memory.SharedMemory(name=self.name)
        try:
            views = self._views(block)
            frame = frame_of(views)
            del views  # the block cannot close while arrays still point into it
        finally:
            block.close()
        return frame


@dataclass(frozen=True)
class CatalogBars:
    """A symbol's bars in a DataCatalog (any pyarrow filesystem URI): each worker reads the
    date partitions of its own window."""

    uri: str
    symbol: str

    def key(self) -> tuple[Any, ...]:
        return ("catalog", self.uri, self.symbol)

    def load(self, window: Window | None) -> pd.DataFrame:
        cache_key = (*self.key(), window)
        if cache_key not in _FRAMES:
            start, end = window if window is not None else (None, None)
            frame = DataCatalog(self.uri).read("bars", self.symbol, start, end)
            _FRAMES[cache_key] = frame[["ts_ns", *COLUMNS]].reset_index(drop=True)
        return _FRAMES[cache_key]

    def timestamps(self) -> np.ndarray:
        """Every bar timestamp, for the parent to lay out walk-forward windows."""
        stamps: np.ndarray = self.load(None)["ts_ns"].to_numpy(np.int64)
        return stamps
