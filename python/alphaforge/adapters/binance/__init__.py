"""The Binance Spot adapter: market data, orders and the user data stream of one account.

``BinanceConfig.testnet(symbols=["BTCUSDT"]).clients()`` gives the market-data and the
execution client the TradingNode runs. See docs/live-binance.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alphaforge.adapters.binance.config import BinanceConfig
from alphaforge.adapters.binance.http import BinanceError, BinanceHttp, OutcomeUnknown, RateLimited

if TYPE_CHECKING:
    from alphaforge.adapters.binance.data import BinanceMarketData
    from alphaforge.adapters.binance.execution import BinanceExecution

__all__ = [
    "BinanceConfig",
    "BinanceError",
    "BinanceExecution",
    "BinanceHttp",
    "BinanceMarketData",
    "OutcomeUnknown",
    "RateLimited",
]


def __getattr__(name: str) -> Any:
    # The clients import aiohttp's WebSocket machinery; load them only when asked for.
    if name == "BinanceExecution":
        from alphaforge.adapters.binance.execution import BinanceExecution

        return BinanceExecution
    if name == "BinanceMarketData":
        from alphaforge.adapters.binance.data import BinanceMarketData

        return BinanceMarketData
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
