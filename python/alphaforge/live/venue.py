"""What the TradingNode needs of a venue: market data in, orders out, reports back.

A venue is a market-data client and an execution client. The Binance adapter implements both
over the exchange's wire protocol; paper trading pairs the adapter's market data with a local
fill model. Everything here runs on the node's asyncio loop: a client calls its listener from
that loop, one call at a time, in the order the venue produced the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from alphaforge.records import BookView as BookView  # re-exported: live code imports it here

if TYPE_CHECKING:
    import aiohttp

    from alphaforge.records import Balance

Channel = Literal["trades", "quotes", "book"]
SubmitStatus = Literal["ACCEPTED", "REJECTED", "UNKNOWN"]


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """A symbol's trading rules as the venue states them (exchangeInfo on Binance)."""

    symbol: str
    base: str
    quote: str
    tick_size: float
    lot_size: float
    min_qty: float = 0.0
    max_qty: float = 0.0
    min_notional: float = 0.0
    max_notional: float = 0.0


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """An order the node asks the venue to place; `client_order_id` is journaled first.

    `type` is one of MARKET, LIMIT, STOP, STOP_LIMIT and `time_in_force` one of GTC, IOC,
    FOK, POST_ONLY: the venue maps them to its own names (STOP_LOSS, LIMIT_MAKER, ...).
    """

    client_order_id: str
    symbol: str
    side: str
    type: str
    qty: float
    price: float | None = None
    stop_price: float | None = None
    time_in_force: str = "GTC"


@dataclass(frozen=True, slots=True)
class OrderReport:
    """The venue's view of one order. `status` uses AlphaForge's names: ACCEPTED,
    PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED or REJECTED."""

    symbol: str
    client_order_id: str
    venue_order_id: int
    side: str
    type: str
    status: str
    qty: float
    filled_qty: float
    price: float | None = None
    stop_price: float | None = None
    avg_price: float | None = None
    time_in_force: str = "GTC"
    reason: str = ""
    ts_ns: int = 0


@dataclass(frozen=True, slots=True)
class FillReport:
    """One execution of one order; (symbol, trade_id) identifies it at the venue."""

    symbol: str
    client_order_id: str
    venue_order_id: int
    trade_id: int
    side: str
    price: float
    qty: float
    fee: float
    fee_asset: str
    liquidity: Literal["MAKER", "TAKER"]
    ts_ns: int
    cum_filled_qty: float = 0.0


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """How a submit ended: ACCEPTED (with the venue's report), REJECTED for certain (with the
    venue's code and reason), or UNKNOWN: the order may or may not exist, and the client
    resolves it by its stream or by queries and reports the outcome to the listener."""

    status: SubmitStatus
    report: OrderReport | None = None
    code: int = 0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CancelResult:
    """How a cancel ended: CANCELED, REJECTED (the order was not open), or UNKNOWN."""

    status: Literal["CANCELED", "REJECTED", "UNKNOWN"]
    report: OrderReport | None = None
    code: int = 0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    """A connection of a client changed state; `stream` names it ("market", "user", ...)."""

    stream: str
    state: Literal["connected", "disconnected", "reconnected", "resynced"]
    detail: str = ""


class VenueListener(Protocol):
    """What venue clients call with what they receive; the node implements it."""

    def on_trade(
        self, symbol: str, ts_ns: int, price: float, size: float, trade_id: int, buyer_maker: bool
    ) -> None:
        """A trade printed on the venue."""
        ...

    def on_quote(
        self, symbol: str, ts_ns: int, bid: float, ask: float, bid_size: float, ask_size: float
    ) -> None:
        """The best bid and ask changed."""
        ...

    def on_book(self, book: BookView) -> None:
        """A local order book changed (after the venue's sequence checks)."""
        ...

    def on_order_report(self, report: OrderReport) -> None:
        """An order's status as the venue reports it (stream, query or reconciliation)."""
        ...

    def on_fill_report(self, report: FillReport) -> None:
        """An execution; the same trade may be reported more than once (stream and query)."""
        ...

    def on_balances(self, balances: dict[str, Balance], ts_ns: int) -> None:
        """Balances of the assets that changed."""
        ...

    def on_connection(self, event: ConnectionEvent) -> None:
        """A connection went down, came back, or finished resyncing."""
        ...

    def on_error(self, source: str, error: str) -> None:
        """A message that could not be parsed or a request that failed: counted, not fatal."""
        ...


@runtime_checkable
class LocalExecution(Protocol):
    """A venue inside the process (the paper venue) answers a submit or a cancel at once: the
    node places or drops the order before the next market event, as the tick backtest does."""

    def submit_now(self, intent: OrderIntent) -> SubmitResult:
        """Place an order and answer at once."""
        ...

    def cancel_now(self, symbol: str, client_order_id: str) -> CancelResult:
        """Cancel an order and answer at once."""
        ...


class MarketDataClient(Protocol):
    """Streams a venue's market data to a listener."""

    async def start(self, session: aiohttp.ClientSession, listener: VenueListener) -> None:
        """Connect; return once the streams are open."""
        ...

    async def subscribe(self, symbol: str, channels: frozenset[Channel], depth: int) -> None:
        """Stream `channels` of `symbol`; subscriptions survive reconnects."""
        ...

    async def instruments(self, symbols: list[str]) -> dict[str, InstrumentSpec]:
        """The trading rules of `symbols`; ValueError naming any symbol the venue lacks."""
        ...

    async def stop(self) -> None:
        """Close every connection."""
        ...


class ExecutionClient(Protocol):
    """Places and tracks orders, and reports executions and balances to a listener."""

    async def start(self, session: aiohttp.ClientSession, listener: VenueListener) -> None:
        """Connect and subscribe to the account's order and balance events."""
        ...

    async def submit(self, intent: OrderIntent) -> SubmitResult:
        """Place an order once; never resent by the client when its outcome is unknown."""
        ...

    async def cancel(self, symbol: str, client_order_id: str) -> CancelResult:
        """Cancel an order by its client id."""
        ...

    async def query_order(self, symbol: str, client_order_id: str) -> OrderReport | None:
        """The venue's report of an order, or None when the venue does not know it."""
        ...

    async def open_orders(self, symbol: str | None = None) -> list[OrderReport]:
        """Every open order of the account, of one symbol or all."""
        ...

    async def fills(self, symbol: str, since_ns: int) -> list[FillReport]:
        """The account's executions in `symbol` since a time, oldest first."""
        ...

    async def balances(self) -> dict[str, Balance]:
        """The account's balance per asset."""
        ...

    async def stop(self) -> None:
        """Close every connection."""
        ...
