"""L2 depth from the files users have, told apart by their form: Binance depth CSVs (a
snapshot and its updates), Bybit orderbook WebSocket captures, or the canonical depth frame as
Parquet or CSV."""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from alphaforge.data.depth_frame import DEPTH_COLUMNS, validate_depth
from alphaforge.data.depth_loaders import load_binance_depth, load_bybit_depth

BYBIT_SUFFIXES = (".zip", ".data", ".json", ".jsonl")


def read_depth_files(
    paths: Sequence[str | os.PathLike[str]], ts_unit: str | None = None
) -> pd.DataFrame:
    """The canonical depth frame of `paths`, their update-id chain not checked (the replay
    does that, and bridges gaps when asked). Binance CSVs may come several (snapshot, then
    updates); a Bybit capture or a canonical frame comes alone. ValueError naming the file
    that is none of them."""
    if not paths:
        raise ValueError("no depth file given")
    kinds = {str(p): _kind(Path(p)) for p in paths}
    if len(set(kinds.values())) > 1 or (len(paths) > 1 and "binance" not in kinds.values()):
        described = ", ".join(f"{p} ({k})" for p, k in kinds.items())
        raise ValueError(f"depth files: give Binance CSVs, or one other file, not {described}")
    kind = next(iter(kinds.values()))
    if kind == "binance":
        return load_binance_depth(*paths, ts_unit=ts_unit, check_chain=False)
    if kind == "bybit":
        return load_bybit_depth(paths[0], check_chain=False)
    path = Path(paths[0])
    if path.suffix == ".parquet":
        return validate_depth(pd.read_parquet(path))
    frame = pd.read_csv(path, dtype={"side": str})
    if frame["snapshot"].dtype != bool:
        frame["snapshot"] = (
            frame["snapshot"].astype(str).str.lower().map({"true": True, "false": False})
        )
    return validate_depth(frame)


def _kind(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(BYBIT_SUFFIXES):
        return "bybit"
    if name.endswith(".parquet"):
        return "frame"
    if not name.endswith(".csv"):
        raise ValueError(f"{path}: not a depth file (CSV, Parquet or a Bybit capture)")
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt") as handle:
        header = {c.strip() for c in handle.readline().split(",")}
    if {"first_update_id", "last_update_id"} <= header:
        return "binance"
    if set(DEPTH_COLUMNS) <= header:
        return "frame"
    raise ValueError(
        f"{path}: a CSV neither of Binance depth (first_update_id, last_update_id, ...) nor of "
        f"the depth frame's columns {list(DEPTH_COLUMNS)}"
    )
