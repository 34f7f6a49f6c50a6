"""exchangeInfo and the market views of REST: the symbol's rules, its book and tickers."""

from __future__ import annotations

from decimal import Decimal

from alphaforge.replay.accounts import amount_text
from alphaforge.replay.depth import Book
from alphaforge.replay.exchange import MAX_NOTIONAL, MAX_PRICE, Exchange
from alphaforge.replay.frames import UNITS, units_text
from alphaforge.replay.orders import STP_MODE

ORDER_TYPES = [
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
]


def symbol_info(exchange: Exchange) -> dict[str, object]:
    """The symbol's entry of exchangeInfo, with its filters."""
    return {
        "symbol": exchange.symbol,
        "status": "TRADING",
        "baseAsset": exchange.base,
        "baseAssetPrecision": 8,
        "quoteAsset": exchange.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": ORDER_TYPES,
        "icebergAllowed": False,
        "ocoAllowed": False,
        "otoAllowed": False,
        "opoAllowed": False,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": False,
        "amendAllowed": False,
        "pegInstructionsAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": amount_text(exchange.tick),
                "maxPrice": amount_text(MAX_PRICE),
                "tickSize": amount_text(exchange.tick),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": amount_text(exchange.step),
                "maxQty": amount_text(exchange.max_qty),
                "stepSize": amount_text(exchange.step),
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": amount_text(exchange.min_notional),
                "applyMinToMarket": True,
                "maxNotional": amount_text(MAX_NOTIONAL),
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": STP_MODE,
        "allowedSelfTradePreventionModes": [STP_MODE],
    }


def book_levels(
    book: Book, tick: Decimal, step: Decimal, limit: int
) -> tuple[list[list[str]], list[list[str]]]:
    """The top `limit` levels of each side as Binance prints them: [[price, qty], ...]."""
    tick_units, step_units = int(tick * UNITS), int(step * UNITS)
    bids, asks = book
    return (
        [
            [units_text(p * tick_units), units_text(bids[p] * step_units)]
            for p in sorted(bids, reverse=True)[:limit]
        ],
        [
            [units_text(p * tick_units), units_text(asks[p] * step_units)]
            for p in sorted(asks)[:limit]
        ],
    )


def book_ticker(symbol: str, book: Book, tick: Decimal, step: Decimal) -> dict[str, object]:
    """The best bid and ask with their sizes (GET /api/v3/ticker/bookTicker)."""
    bids, asks = book_levels(book, tick, step, 1)
    zero = [units_text(0), units_text(0)]
    bid, ask = (bids or [zero])[0], (asks or [zero])[0]
    return {
        "symbol": symbol,
        "bidPrice": bid[0],
        "bidQty": bid[1],
        "askPrice": ask[0],
        "askQty": ask[1],
    }
