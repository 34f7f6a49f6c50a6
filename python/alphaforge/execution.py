"""Orders, the order book and the execution engine.

Prices are held as integer ticks and sizes as integer lots of an ``Instrument``; floats are
converted once, on the way in, and refused when they are off the grid. ``OrderBook`` is a
price-time priority book; ``ExecutionEngine`` runs pre-trade risk checks, a simulated venue
per symbol, fills, positions per strategy and symbol, and the account.
"""

from __future__ import annotations

from typing import Protocol

from alphaforge._core.execution import (
    Account,
    BookFill,
    BookResult,
    ExecutionEngine,
    ExecutionStatistics,
    Fees,
    Fill,
    IllegalTransition,
    Instrument,
    Liquidity,
    Order,
    OrderBook,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    RiskLimits,
    SelfTradePrevention,
    TimeInForce,
)


class PriceSource(Protocol):
    """What ``ExecutionEngine(data_engine=...)`` reads market prices from."""

    def last_price(self, symbol: str) -> float | None:
        """The last trade price of `symbol`, or None when none is known."""
        ...

    def best_bid_ask(self, symbol: str) -> tuple[float, float] | None:
        """(bid, ask) of `symbol`, or None when no quote is known."""
        ...


__all__ = [
    "Account",
    "BookFill",
    "BookResult",
    "ExecutionEngine",
    "ExecutionStatistics",
    "Fees",
    "Fill",
    "IllegalTransition",
    "Instrument",
    "Liquidity",
    "Order",
    "OrderBook",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "Position",
    "PriceSource",
    "RiskLimits",
    "SelfTradePrevention",
    "TimeInForce",
]
