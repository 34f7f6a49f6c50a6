"""Real market data bundled with the package, for the demo and the examples."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ORCL_CSV = Path(__file__).with_name("orcl-1995-2014.csv")


def load_yahoo_csv(path: str | Path) -> pd.DataFrame:
    """Daily bars of a Yahoo Finance CSV (Date,Open,High,Low,Close,...,Volume), UTC index."""
    frame = pd.read_csv(path, parse_dates=["Date"], index_col="Date")
    frame.index = pd.DatetimeIndex(frame.index).tz_localize("UTC").as_unit("ns")
    frame.columns = [str(c).lower() for c in frame.columns]
    return frame[["open", "high", "low", "close", "volume"]]


def orcl() -> pd.DataFrame:
    """Oracle daily bars, 1995 to 2014 (see samples/README.md for their source)."""
    return load_yahoo_csv(ORCL_CSV)
