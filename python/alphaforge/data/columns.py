"""Column names exchanges and vendors export, and the canonical ones the loaders give.

Names are compared after ``normal_name``: lower case, spaces and dashes as underscores, so
``Adj Close``, ``adj-close`` and ``adj_close`` are one name.
"""

from __future__ import annotations

REQUIRED: dict[str, tuple[str, ...]] = {
    "trades": ("ts_ns", "price", "size"),
    "quotes": ("ts_ns", "bid", "ask"),
    "bars": ("ts_ns", "open", "high", "low", "close", "volume"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "trades": ("aggressor", "trade_id", "symbol"),
    "quotes": ("bid_size", "ask_size", "symbol"),
    "bars": ("symbol",),
}

# Names of a time column. A file with two of them is refused rather than guessed at (a kline's
# close_time is a vendor extra: bars are labelled by their open).
TIME_NAMES = (
    "ts_ns",
    "ts",
    "timestamp",
    "timestamp_utc",
    "datetime",
    "date_time",
    "open_time",
    "time",
    "transact_time",
    "trade_time",
    "date",
)

# Source names for the canonical columns other than time, per kind.
ALIASES: dict[str, dict[str, str]] = {
    "trades": {
        "px": "price",
        "trade_price": "price",
        "qty": "size",
        "quantity": "size",
        "amount": "size",
        "volume": "size",
        "id": "trade_id",
        "tradeid": "trade_id",
        "agg_trade_id": "trade_id",
        "is_buyer_maker": "buyer_maker",
        "isbuyermaker": "buyer_maker",
        "ticker": "symbol",
    },
    "quotes": {
        "bid_price": "bid",
        "best_bid": "bid",
        "best_bid_price": "bid",
        "bid_px": "bid",
        "ask_price": "ask",
        "best_ask": "ask",
        "best_ask_price": "ask",
        "ask_px": "ask",
        "offer": "ask",
        "bid_qty": "bid_size",
        "best_bid_qty": "bid_size",
        "bid_volume": "bid_size",
        "ask_qty": "ask_size",
        "best_ask_qty": "ask_size",
        "ask_volume": "ask_size",
        "ticker": "symbol",
    },
    "bars": {
        "vol": "volume",
        "base_volume": "volume",
        "ticker": "symbol",
    },
}

# Columns vendors add beside the canonical ones that the loaders know and leave out: Yahoo's
# adjusted close, the kline's close time and counters, Binance trades' quote quantity.
VENDOR_EXTRAS = frozenset(
    {
        "adj_close",
        "close_time",
        "quote_volume",
        "quote_asset_volume",
        "count",
        "number_of_trades",
        "taker_buy_volume",
        "taker_buy_base_asset_volume",
        "taker_buy_quote_volume",
        "taker_buy_quote_asset_volume",
        "ignore",
        "quote_qty",
        "quote_quantity",
        "is_best_match",
        "first_trade_id",
        "last_trade_id",
    }
)

# Header-less CSV layouts by (kind, number of columns): the vendors' own files, never a guess
# at an order. Binance's spot archive (data.binance.vision) has no header row.
HEADERLESS: dict[tuple[str, int], tuple[str, tuple[str, ...]]] = {
    ("bars", 12): (
        "Binance klines",
        (
            "open_time",
            "open",
            "high",
            "low",
            "close",
            "volume",
            "close_time",
            "quote_volume",
            "count",
            "taker_buy_volume",
            "taker_buy_quote_volume",
            "ignore",
        ),
    ),
    ("trades", 7): (
        "Binance spot trades",
        ("trade_id", "price", "size", "quote_qty", "ts_ns", "buyer_maker", "is_best_match"),
    ),
    ("trades", 8): (
        "Binance spot aggTrades",
        (
            "trade_id",
            "price",
            "size",
            "first_trade_id",
            "last_trade_id",
            "ts_ns",
            "buyer_maker",
            "is_best_match",
        ),
    ),
    ("quotes", 4): ("TrueFX", ("symbol", "ts_ns", "bid", "ask")),
}


def normal_name(name: object) -> str:
    """A column name compared case-blind, with spaces and dashes as underscores."""
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def known_names(kind: str) -> frozenset[str]:
    """Every normal name the loaders recognise for `kind`."""
    return frozenset(
        (*REQUIRED[kind], *OPTIONAL[kind], *TIME_NAMES, *ALIASES[kind], *VENDOR_EXTRAS)
    ) | (frozenset({"buyer_maker"}) if kind == "trades" else frozenset())
