"""A Parquet data catalog: one directory per kind, partitioned by symbol and UTC date."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from alphaforge.data.depth_frame import DEPTH_COLUMNS, empty_depth, validate_depth
from alphaforge.data.loaders import OPTIONAL, REQUIRED, Kind, from_dataframe
from alphaforge.data.timestamps import TimeLike, time_to_ns

Mode = Literal["append", "overwrite"]
# The kinds a catalog stores: the loaders' kinds and L2 depth (the canonical depth frame).
Stored = Kind | Literal["depth"]

_NS_PER_DAY = 86_400_000_000_000
_PARTITIONS = pa.schema([("symbol", pa.string()), ("date", pa.string())])


class DataCatalog:
    """Trades, quotes, bars and depth stored as ``root/<kind>/symbol=<symbol>/date=<YYYY-MM-DD>/``.

    Written and read with pyarrow.dataset; queries by symbol and time range read only the
    partitions of the dates they cover, and ``iter_batches`` streams them in timestamp order in
    chunks, so a year of ticks never has to fit in memory. `root` is a local path or any URI
    pyarrow's filesystems take (``file:///data/catalog``, ``s3://bucket/catalog``, ``gs://...``),
    so processes on other machines can read the same partitions.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        if isinstance(root, str) and "://" in root:
            self.filesystem, path = pafs.FileSystem.from_uri(root)
            self.root = Path(path)
            self.uri = root
        else:
            self.filesystem = pafs.LocalFileSystem()
            self.root = Path(root).resolve()
            self.uri = self.root.as_uri()

    def write(self, kind: Kind, symbol: str, data: pd.DataFrame, *, mode: Mode = "append") -> int:
        """Validate `data` (canonical columns) and store it; returns the rows written.

        ``append`` merges with what the touched dates already hold, in timestamp order;
        ``overwrite`` replaces those dates.
        """
        _check_write(symbol, mode)
        frame = from_dataframe(data, kind, sort=False)
        frame = frame.drop(columns=["symbol"], errors="ignore")
        frame["date"] = _dates(frame["ts_ns"].to_numpy())
        if mode == "append":
            stored = [
                self.read(kind, symbol, start=day, end=_next_day(day)).assign(date=day)
                for day in frame["date"].unique()
            ]
            existing = [f for f in stored if len(f)]
            if existing:
                frame = pd.concat([*existing, frame], ignore_index=True)
                frame = frame.sort_values("ts_ns", kind="stable", ignore_index=True)
        self._store(kind, symbol, frame)
        return len(data)

    def write_trades(self, symbol: str, data: pd.DataFrame, *, mode: Mode = "append") -> int:
        """Store trades of one symbol."""
        return self.write("trades", symbol, data, mode=mode)

    def write_quotes(self, symbol: str, data: pd.DataFrame, *, mode: Mode = "append") -> int:
        """Store quotes of one symbol."""
        return self.write("quotes", symbol, data, mode=mode)

    def write_depth(self, symbol: str, data: pd.DataFrame, *, mode: Mode = "append") -> int:
        """Store L2 depth of one symbol (the canonical depth frame); returns the rows written.

        Rows are validated as the depth loaders return them (the update-id chain is not
        checked: a day may begin with diffs whose snapshot is in the day before). ``append``
        merges with the touched dates in timestamp order, stored rows first among equal times,
        so the rows of a message stay together; ``overwrite`` replaces those dates.
        """
        _check_write(symbol, mode)
        frame = validate_depth(data)
        frame["date"] = _dates(frame["ts"].to_numpy())
        if mode == "append":
            stored = [
                self.read_depth(symbol, day, _next_day(day), from_snapshot=False).assign(date=day)
                for day in frame["date"].unique()
            ]
            existing = [f for f in stored if len(f)]
            if existing:
                frame = pd.concat([*existing, frame], ignore_index=True)
                frame = frame.sort_values("ts", kind="stable", ignore_index=True)
        self._store("depth", symbol, frame)
        return len(data)

    def read_depth(
        self,
        symbol: str,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        *,
        from_snapshot: bool = True,
    ) -> pd.DataFrame:
        """`symbol`'s depth rows with ts < end, in stored order, from a book a replay can build.

        With `from_snapshot` (the default) the rows begin at the last snapshot message at or
        before `start`, so the frame starts with a whole book and the diffs that lead up to
        `start`; when no snapshot is that early, at `start`. With ``from_snapshot=False``,
        exactly the rows with start <= ts < end.
        """
        start_ns, end_ns = _range(start, end)
        if not self._exists("depth"):
            return empty_depth()
        origin = self._last_snapshot(symbol, start_ns) if from_snapshot else None
        first_ns = start_ns if origin is None else origin
        chunks = [
            batch.to_pandas()
            for batch in self._batches("depth", "ts", symbol, first_ns, end_ns, 1_000_000)
        ]
        if not chunks:
            return empty_depth()
        frame = pd.concat(chunks, ignore_index=True)
        if origin is not None:
            frame = frame.iloc[_last_snapshot_row(frame, origin) :].reset_index(drop=True)
        return frame

    def symbols(self, kind: Stored) -> list[str]:
        """The symbols stored for `kind`, sorted."""
        return sorted({keys["symbol"] for keys in self._partition_keys(kind)})

    def dates(self, kind: Stored, symbol: str) -> list[str]:
        """The UTC dates stored for `symbol`, as YYYY-MM-DD, sorted."""
        return sorted(k["date"] for k in self._partition_keys(kind) if k["symbol"] == symbol)

    def read(
        self,
        kind: Kind,
        symbol: str,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
    ) -> pd.DataFrame:
        """All rows of `symbol` with start <= ts_ns < end, in timestamp order."""
        chunks = list(self.iter_batches(kind, symbol, start, end))
        if not chunks:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _empty_columns(kind).items()})
        return pd.concat(chunks, ignore_index=True)

    def iter_batches(
        self,
        kind: Kind,
        symbol: str,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        *,
        batch_rows: int = 1_000_000,
    ) -> Iterator[pd.DataFrame]:
        """Stream `symbol`'s rows with start <= ts_ns < end in chunks of at most batch_rows."""
        if kind not in REQUIRED:
            raise ValueError(
                f"kind must be one of {sorted(REQUIRED)} (depth: read_depth), got {kind!r}"
            )
        if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
            raise ValueError(f"batch_rows must be a positive int, got {batch_rows!r}")
        start_ns, end_ns = _range(start, end)
        if not self._exists(kind):
            return
        for batch in self._batches(kind, "ts_ns", symbol, start_ns, end_ns, batch_rows):
            yield batch.to_pandas()

    def _batches(
        self,
        kind: Stored,
        time: str,
        symbol: str,
        start_ns: int | None,
        end_ns: int | None,
        batch_rows: int,
    ) -> Iterator[Any]:
        """Record batches of `symbol` with start_ns <= `time` < end_ns, date after date."""
        dataset = self._dataset(kind)
        where = ds.field("symbol") == symbol
        rows = None
        if start_ns is not None:
            where &= ds.field("date") >= _dates(np.array([start_ns]))[0]
            rows = ds.field(time) >= start_ns
        if end_ns is not None:
            where &= ds.field("date") <= _dates(np.array([end_ns]))[0]
            below = ds.field(time) < end_ns
            rows = below if rows is None else rows & below
        fragments = sorted(
            dataset.get_fragments(filter=where),
            key=lambda f: ds.get_partition_keys(f.partition_expression)["date"],
        )
        names = DEPTH_COLUMNS if kind == "depth" else _empty_columns(kind)
        columns = [c for c in names if c in dataset.schema.names]
        for fragment in fragments:
            for batch in fragment.to_batches(filter=rows, columns=columns, batch_size=batch_rows):
                if batch.num_rows:
                    yield batch

    def _last_snapshot(self, symbol: str, at_ns: int | None) -> int | None:
        """The time of `symbol`'s last depth snapshot at or before at_ns, looking back date by
        date from at_ns's; None without at_ns or such a snapshot."""
        if at_ns is None:
            return None
        last_day = _dates(np.array([at_ns]))[0]
        rows = ds.field("snapshot") & (ds.field("ts") <= at_ns)
        dataset = self._dataset("depth")
        for day in reversed([d for d in self.dates("depth", symbol) if d <= last_day]):
            where = (ds.field("symbol") == symbol) & (ds.field("date") == day)
            times = dataset.to_table(filter=where & rows, columns=["ts"]).column("ts")
            if len(times):
                return int(pc.max(times).as_py())
        return None

    def _store(self, kind: Stored, symbol: str, frame: pd.DataFrame) -> None:
        frame["symbol"] = symbol
        ds.write_dataset(
            pa.Table.from_pandas(frame, preserve_index=False),
            self._directory(kind),
            format="parquet",
            filesystem=self.filesystem,
            partitioning=ds.partitioning(_PARTITIONS, flavor="hive"),
            existing_data_behavior="delete_matching",
            basename_template="part-{i}.parquet",
        )

    def _dataset(self, kind: str) -> Any:
        return ds.dataset(
            self._directory(kind),
            format="parquet",
            filesystem=self.filesystem,
            partitioning=ds.partitioning(_PARTITIONS, flavor="hive"),
        )

    def _partition_keys(self, kind: Stored) -> list[dict[str, str]]:
        if not self._exists(kind):
            return []
        return [
            ds.get_partition_keys(f.partition_expression)
            for f in self._dataset(kind).get_fragments()
        ]

    def _directory(self, kind: str) -> str:
        return (self.root / kind).as_posix()

    def _exists(self, kind: str) -> bool:
        info = self.filesystem.get_file_info(self._directory(kind))
        return bool(info.type == pafs.FileType.Directory)


def _check_write(symbol: object, mode: object) -> None:
    if not isinstance(symbol, str) or not symbol:
        raise ValueError(f"symbol must be a non-empty string, got {symbol!r}")
    if mode not in ("append", "overwrite"):
        raise ValueError(f"mode must be 'append' or 'overwrite', got {mode!r}")


def _range(start: TimeLike | None, end: TimeLike | None) -> tuple[int | None, int | None]:
    start_ns = None if start is None else time_to_ns(start, "start")
    end_ns = None if end is None else time_to_ns(end, "end")
    if start_ns is not None and end_ns is not None and end_ns < start_ns:
        raise ValueError(f"end ({end!r}) is before start ({start!r})")
    return start_ns, end_ns


def _last_snapshot_row(frame: pd.DataFrame, at_ns: int) -> int:
    """The first row of the last snapshot message with ts == at_ns in `frame`."""
    uid, prev, snap = (frame[c].to_numpy() for c in ("update_id", "prev_update_id", "snapshot"))
    ts = frame["ts"].to_numpy()
    new = np.r_[True, (uid[1:] != uid[:-1]) | (prev[1:] != prev[:-1]) | (snap[1:] != snap[:-1])]
    return int(np.flatnonzero(new & snap & (ts == at_ns))[-1])


def _dates(ts_ns: Any) -> Any:
    days = np.floor_divide(ts_ns, _NS_PER_DAY).astype("datetime64[D]")
    return np.datetime_as_string(days, unit="D")


def _next_day(day: str) -> int:
    return (int(np.datetime64(day, "D").astype(np.int64)) + 1) * _NS_PER_DAY


def _empty_columns(kind: str) -> dict[str, str]:
    types = {"ts_ns": "int64", "aggressor": "int8", "trade_id": "int64"}
    names = REQUIRED[kind] + tuple(c for c in OPTIONAL[kind] if c != "symbol")
    return {name: types.get(name, "float64") for name in names}
