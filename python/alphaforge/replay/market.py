"""The recorded market a replay exchange plays: trades and quotes of one symbol, in milliseconds.

Data comes from the bundled BTCUSDT sample, a trades file (CSV or Parquet; a quotes file beside
it is used when present) or a DataCatalog directory. The record is played in loops: loop k is the
record shifted by k periods in time and by k spans of trade ids, so times and ids keep rising.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from alphaforge.data.catalog import DataCatalog
from alphaforge.data.loaders import load_csv, load_parquet
from alphaforge.samples import btcusdt_quotes, btcusdt_trades

# The columns of Binance's own trade dumps, mapped onto the loaders' canonical names.
_BINANCE_TRADE_COLUMNS = {"timestamp": "ts_ns", "quantity": "size"}
_BINANCE_QUOTE_COLUMNS = {"timestamp": "ts_ns"}
_NS_PER_MS = 1_000_000


@dataclass(frozen=True, slots=True)
class MarketData:
    """Trades and best quotes of one symbol, times in ms since the epoch, sorted."""

    trade_ms: npt.NDArray[np.int64]
    trade_id: npt.NDArray[np.int64]
    price: npt.NDArray[np.float64]
    qty: npt.NDArray[np.float64]
    buyer_maker: npt.NDArray[np.bool_]
    quote_ms: npt.NDArray[np.int64]
    bid: npt.NDArray[np.float64]
    ask: npt.NDArray[np.float64]
    bid_size: npt.NDArray[np.float64]
    ask_size: npt.NDArray[np.float64]

    @property
    def start_ms(self) -> int:
        """Time of the first event of the record."""
        return int(min(self.trade_ms[0], self.quote_ms[0]))

    @property
    def end_ms(self) -> int:
        """Time of the last event of the record."""
        return int(max(self.trade_ms[-1], self.quote_ms[-1]))

    @property
    def trade_id_span(self) -> int:
        """How far trade ids are shifted per loop."""
        return int(self.trade_id[-1] - self.trade_id[0] + 1)


def loop_period_ms(market: MarketData, offset_ms: int) -> int:
    """How far each loop is shifted: whole minutes, reaching past the record's last minute.

    Whole minutes keep 100 ms depth batches, 1 s batches and 1 m klines on the same boundaries
    in every loop, so a loop's derived streams are the first loop's, shifted; reaching past the
    last minute's close (with times shifted by `offset_ms`) keeps every event of a loop,
    klines included, before the next loop's first.
    """
    start = market.start_ms + offset_ms
    last_close = -(-(market.end_ms + offset_ms + 1) // 60_000) * 60_000
    return int(-(-(last_close - start) // 60_000) * 60_000)


def load_market(
    data: Path | None, quotes: Path | None, symbol: str, tick_size: float
) -> MarketData:
    """Read the record named by `data` (None for the bundled sample) for `symbol`."""
    if data is None:
        trades, quote_frame = btcusdt_trades(), btcusdt_quotes()
    elif data.is_dir():
        catalog = DataCatalog(data)
        trades = catalog.read("trades", symbol)
        quote_frame = catalog.read("quotes", symbol)
        if len(trades) == 0:
            raise ValueError(f"data: the catalog {str(data)!r} holds no trades of {symbol}")
    else:
        trades = _read(data, "trades", _BINANCE_TRADE_COLUMNS)
        beside = quotes if quotes is not None else _quotes_beside(data)
        quote_frame = (
            _read(beside, "quotes", _BINANCE_QUOTE_COLUMNS) if beside is not None else None
        )
    if quote_frame is None or len(quote_frame) == 0:
        quote_frame = quotes_from_trades(trades, tick_size)
    return _market(trades, quote_frame)


def quotes_from_trades(trades: pd.DataFrame, tick_size: float) -> pd.DataFrame:
    """A one-tick market around each trade, for records that hold trades only.

    A buyer-initiated trade lifted the ask, so the ask is at its price and the bid a tick
    below; a seller-initiated one hit the bid, so the bid is at its price.
    """
    price = trades["price"].to_numpy(dtype=np.float64)
    seller = _buyer_maker(trades)
    bid = np.where(seller, price, price - tick_size)
    ask = np.where(seller, price + tick_size, price)
    size = trades["size"].to_numpy(dtype=np.float64)
    return pd.DataFrame(
        {"ts_ns": trades["ts_ns"], "bid": bid, "ask": ask, "bid_size": size, "ask_size": size}
    )


def _market(trades: pd.DataFrame, quotes: pd.DataFrame) -> MarketData:
    trade_ms = trades["ts_ns"].to_numpy(dtype=np.int64) // _NS_PER_MS
    if "trade_id" in trades.columns:
        trade_id = trades["trade_id"].to_numpy(dtype=np.int64)
        if np.any(np.diff(trade_id) <= 0):
            raise ValueError("trades: trade_id must increase from row to row")
    else:
        trade_id = np.arange(1, len(trades) + 1, dtype=np.int64)
    bid = quotes["bid"].to_numpy(dtype=np.float64)
    ask = quotes["ask"].to_numpy(dtype=np.float64)
    crossed = np.flatnonzero(bid >= ask)
    if crossed.size:
        row = int(crossed[0])
        raise ValueError(f"quotes[{row}]: bid {bid[row]} is not below ask {ask[row]}")
    return MarketData(
        trade_ms=trade_ms,
        trade_id=trade_id,
        price=trades["price"].to_numpy(dtype=np.float64),
        qty=trades["size"].to_numpy(dtype=np.float64),
        buyer_maker=_buyer_maker(trades),
        quote_ms=quotes["ts_ns"].to_numpy(dtype=np.int64) // _NS_PER_MS,
        bid=bid,
        ask=ask,
        bid_size=quotes["bid_size"].to_numpy(dtype=np.float64),
        ask_size=quotes["ask_size"].to_numpy(dtype=np.float64),
    )


def _buyer_maker(trades: pd.DataFrame) -> npt.NDArray[np.bool_]:
    if "aggressor" not in trades.columns:
        # No side recorded: call a trade seller-initiated when it did not tick up.
        price = trades["price"].to_numpy(dtype=np.float64)
        return np.concatenate([[False], np.diff(price) <= 0])
    return np.asarray(trades["aggressor"].to_numpy() == 2, dtype=np.bool_)


def _read(path: Path, kind: str, binance_columns: dict[str, str]) -> pd.DataFrame:
    reader = load_parquet if path.suffix == ".parquet" else load_csv
    names = _column_names(path)
    columns = {k: v for k, v in binance_columns.items() if k in names and v not in names}
    frame = reader(path, kind, columns=columns, unknown="drop", sort=True)  # type: ignore[arg-type]
    return frame


def _column_names(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    import pyarrow.csv as pa_csv

    return list(pa_csv.read_csv(path).column_names)


def _quotes_beside(trades: Path) -> Path | None:
    if "trades" not in trades.name:
        return None
    candidate = trades.with_name(trades.name.replace("trades", "quotes"))
    return candidate if candidate.exists() else None
