"""Real market data bundled with the package, for the demo and the examples."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alphaforge.data.loaders import load_parquet

ORCL_CSV = Path(__file__).with_name("orcl-1995-2014.csv")
BTCUSDT_TRADES = Path(__file__).with_name("btcusdt-trades.parquet")
BTCUSDT_QUOTES = Path(__file__).with_name("btcusdt-quotes.parquet")


def load_yahoo_csv(path: str | Path) -> pd.DataFrame:
    """Daily bars of a Yahoo Finance CSV (Date,Open,High,Low,Close,...,Volume), UTC index."""
    frame = pd.read_csv(path, parse_dates=["Date"], index_col="Date")
    frame.index = pd.DatetimeIndex(frame.index).tz_localize("UTC").as_unit("ns")
    frame.columns = [str(c).lower() for c in frame.columns]
    return frame[["open", "high", "low", "close", "volume"]]


def orcl() -> pd.DataFrame:
    """Oracle daily bars, 1995 to 2014 (see samples/README.md for their source)."""
    return load_yahoo_csv(ORCL_CSV)


def btcusdt_trades() -> pd.DataFrame:
    """Binance BTCUSDT spot trades, 2021-01-08 00:00:00 to 00:00:46, in loader columns."""
    return load_parquet(
        BTCUSDT_TRADES, "trades", columns={"timestamp": "ts_ns", "quantity": "size"}
    )


def btcusdt_quotes() -> pd.DataFrame:
    """Binance BTCUSDT best bid and ask over the same 46 seconds, in loader columns."""
    return load_parquet(BTCUSDT_QUOTES, "quotes", columns={"timestamp": "ts_ns"})
