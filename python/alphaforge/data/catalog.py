"""A Parquet data catalog: one directory per kind, partitioned by symbol and UTC date."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from alphaforge.data.loaders import OPTIONAL, REQUIRED, Kind, from_dataframe
from alphaforge.data.timestamps import TimeLike, time_to_ns

Mode = Literal["append", "overwrite"]

_NS_PER_DAY = 86_400_000_000_000
_PARTITIONS = pa.schema([("symbol", pa.string()), ("date", pa.string())])


class DataCatalog:
    """Trades, quotes and bars stored as ``root/<kind>/symbol=<symbol>/date=<YYYY-MM-DD>/``.

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
        if not isinstance(symbol, str) or not symbol:
            raise ValueError(f"symbol must be a non-empty string, got {symbol!r}")
        if mode not in ("append", "overwrite"):
            raise ValueError(f"mode must be 'append' or 'overwrite', got {mode!r}")
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
        return len(data)

    def write_trades(self, symbol: str, data: pd.DataFrame, *, mode: Mode = "append") -> int:
        """Store trades of one symbol."""
        return self.write("trades", symbol, data, mode=mode)

    def write_quotes(self, symbol: str, data: pd.DataFrame, *, mode: Mode = "append") -> int:
        """Store quotes of one symbol."""
        return self.write("quotes", symbol, data, mode=mode)

    def symbols(self, kind: Kind) -> list[str]:
        """The symbols stored for `kind`, sorted."""
        return sorted({keys["symbol"] for keys in self._partition_keys(kind)})

    def dates(self, kind: Kind, symbol: str) -> list[str]:
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
            raise ValueError(f"kind must be one of {sorted(REQUIRED)}, got {kind!r}")
        if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
            raise ValueError(f"batch_rows must be a positive int, got {batch_rows!r}")
        start_ns = None if start is None else time_to_ns(start, "start")
        end_ns = None if end is None else time_to_ns(end, "end")
        if start_ns is not None and end_ns is not None and end_ns < start_ns:
            raise ValueError(f"end ({end!r}) is before start ({start!r})")
        if not self._exists(kind):
            return
        dataset = self._dataset(kind)
        where = ds.field("symbol") == symbol
        rows = None
        if start_ns is not None:
            where &= ds.field("date") >= _dates(np.array([start_ns]))[0]
            rows = ds.field("ts_ns") >= start_ns
        if end_ns is not None:
            where &= ds.field("date") <= _dates(np.array([end_ns]))[0]
            below = ds.field("ts_ns") < end_ns
            rows = below if rows is None else rows & below
        fragments = sorted(
            dataset.get_fragments(filter=where),
            key=lambda f: ds.get_partition_keys(f.partition_expression)["date"],
        )
        columns = [c for c in _empty_columns(kind) if c in dataset.schema.names]
        for fragment in fragments:
            for batch in fragment.to_batches(filter=rows, columns=columns, batch_size=batch_rows):
                if batch.num_rows:
                    yield batch.to_pandas()

    def _dataset(self, kind: str) -> Any:
        return ds.dataset(
            self._directory(kind),
            format="parquet",
            filesystem=self.filesystem,
            partitioning=ds.partitioning(_PARTITIONS, flavor="hive"),
        )

    def _partition_keys(self, kind: Kind) -> list[dict[str, str]]:
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


def _dates(ts_ns: Any) -> Any:
    days = np.floor_divide(ts_ns, _NS_PER_DAY).astype("datetime64[D]")
    return np.datetime_as_string(days, unit="D")


def _next_day(day: str) -> int:
    return (int(np.datetime64(day, "D").astype(np.int64)) + 1) * _NS_PER_DAY


def _empty_columns(kind: str) -> dict[str, str]:
    types = {"ts_ns": "int64", "aggressor": "int8", "trade_id": "int64"}
    names = REQUIRED[kind] + tuple(c for c in OPTIONAL[kind] if c != "symbol")
    return {name: types.get(name, "float64") for name in names}
