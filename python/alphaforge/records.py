"""The records a strategy receives and reads, identical in a backtest and live."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One of a strategy's orders as it stands after a change of status or fill."""

    order_id: int
    ts: pd.Timestamp
    symbol: str
    side: str
    type: str
    qty: float
    price: float | None
    stop_price: float | None
    status: str
    filled_qty: float
    avg_fill_price: float | None
    strategy: str
    reject_reason: str
    time_in_force: str = "GTC"
    reduce_only: bool = False
    client_order_id: str = ""

    @property
    def is_open(self) -> bool:
        """Whether the order may still fill."""
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class FillRecord:
    """One execution of a strategy's order; `trade_id` is unique per symbol."""

    ts: pd.Timestamp
    symbol: str
    side: str
    qty: float
    price: float
    fee: float
    order_id: int
    strategy: str
    liquidity: str
    trade_id: int


@dataclass(frozen=True, slots=True)
class PositionRecord:
    """A strategy's position in one symbol, marked at the last known price."""

    symbol: str
    qty: float
    avg_price: float
    realized_pnl: float
    unrealized_pnl: float
    fees: float


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """The account the strategies trade: cash, equity and what may still be bought."""

    cash: float
    equity: float
    buying_power: float
    margin_used: float = 0.0


@dataclass(frozen=True, slots=True)
class Balance:
    """One asset's balance: `free` may be used by new orders, `locked` is held by open ones."""

    free: float
    locked: float

    @property
    def total(self) -> float:
        """Free and locked together."""
        return self.free + self.locked


@dataclass(frozen=True, slots=True)
class BookView:
    """The top levels of an order book, best first, valid during the handler call only.

    ``best_bid`` and ``best_ask`` are the first bid and ask prices, ``best_bid_size`` and
    ``best_ask_size`` the sizes shown there, None for an empty side: plain floats, cheaper
    to read than an element of the arrays.
    A backtest hands each subscription one BookView whose fields and arrays it refreshes in
    place for each update, while the strategy keeps no reference to it (one that does keeps
    its values: the next update comes in a new BookView). The arrays are views on buffers
    that the next update overwrites: copy them (``book.bid_prices.copy()``) to keep them past
    the call without the BookView.
    """

    symbol: str
    ts_ns: int
    update_id: int
    bid_prices: np.ndarray
    bid_sizes: np.ndarray
    ask_prices: np.ndarray
    ask_sizes: np.ndarray
    best_bid: float | None = field(init=False, compare=False)
    best_ask: float | None = field(init=False, compare=False)
    best_bid_size: float | None = field(init=False, compare=False)
    best_ask_size: float | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        bids, asks = len(self.bid_prices) > 0, len(self.ask_prices) > 0
        object.__setattr__(self, "best_bid", float(self.bid_prices[0]) if bids else None)
        object.__setattr__(self, "best_ask", float(self.ask_prices[0]) if asks else None)
        object.__setattr__(self, "best_bid_size", float(self.bid_sizes[0]) if bids else None)
        object.__setattr__(self, "best_ask_size", float(self.ask_sizes[0]) if asks else None)


OPEN_STATUSES = frozenset({"NEW", "SUBMITTED", "ACCEPTED", "PARTIALLY_FILLED"})
