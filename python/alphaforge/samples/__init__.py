"""Real market data bundled with the package, for the demo and the examples."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alphaforge.data.loaders import load_csv, load_parquet

ORCL_CSV = Path(__file__).with_name("orcl-1995-2014.csv")
BTCUSDT_TRADES = Path(__file__).with_name("btcusdt-trades.parquet")
BTCUSDT_QUOTES = Path(__file__).with_name("btcusdt-quotes.parquet")
BTC_PERP_1M = Path(__file__).with_name("btc-perp-1m.csv.gz")


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


def btc_perp_1m() -> pd.DataFrame:
    """BTC perpetual one-minute bars, 2021-12-31 23:01 to 2022-02-01 UTC (45,031 bars, no gap),
    in loader columns (ts_ns, open, high, low, close, volume). The timestamps are as the file
    gives them; the engine reads each as the start of its bar."""
    return load_csv(BTC_PERP_1M, "bars")
