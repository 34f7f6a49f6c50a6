"""Binance Spot messages as frozen msgspec Structs, with their decoders built once at import.

Field names follow the wire (single letters in stream events, renamed to words here). Numbers
Binance sends as strings decode into floats (decoders run with ``strict=False``) except the
exchange filters, which stay Decimal so that grid checks are exact. Parsing is kept apart from
transport: every decoder takes the raw bytes of one message.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec

# --- user data and REST ---


class ErrorBody(msgspec.Struct, frozen=True):
    """An error answer: ``{"code": -2010, "msg": "..."}``."""

    code: int = 0
    msg: str = ""


class ServerTime(msgspec.Struct, frozen=True):
    """GET /api/v3/time."""

    serverTime: int


class SymbolFilter(msgspec.Struct, frozen=True):
    """One entry of a symbol's `filters`; only the fields its `filterType` has are set."""

    filterType: str
    minPrice: Decimal = Decimal(0)
    maxPrice: Decimal = Decimal(0)
    tickSize: Decimal = Decimal(0)
    minQty: Decimal = Decimal(0)
    maxQty: Decimal = Decimal(0)
    stepSize: Decimal = Decimal(0)
    minNotional: Decimal = Decimal(0)
    maxNotional: Decimal = Decimal(0)
    applyToMarket: bool = True  # MIN_NOTIONAL
    applyMinToMarket: bool = True  # NOTIONAL
    applyMaxToMarket: bool = False


class SymbolInfo(msgspec.Struct, frozen=True):
    """One symbol of exchangeInfo."""

    symbol: str
    baseAsset: str
    quoteAsset: str
    status: str = "TRADING"
    orderTypes: list[str] = []
    filters: list[SymbolFilter] = []

    def filter(self, name: str) -> SymbolFilter | None:
        """The filter of type `name`, or None when the symbol has none."""
        return next((f for f in self.filters if f.filterType == name), None)


class RateLimit(msgspec.Struct, frozen=True):
    """One of exchangeInfo's `rateLimits`."""

    rateLimitType: str
    interval: str
    intervalNum: int
    limit: int


class ExchangeInfo(msgspec.Struct, frozen=True):
    """GET /api/v3/exchangeInfo."""

    symbols: list[SymbolInfo] = []
    rateLimits: list[RateLimit] = []


class OrderFill(msgspec.Struct, frozen=True):
    """One entry of a FULL order response's `fills`."""

    price: float
    qty: float
    commission: float
    commissionAsset: str
    tradeId: int = -1


class Order(msgspec.Struct, frozen=True):
    """An order as REST and the WebSocket API show it: new-order RESULT/FULL responses, order
    queries, open orders, allOrders and cancels (where `origClientOrderId` is the order's id and
    `clientOrderId` the cancel's)."""

    symbol: str
    orderId: int
    clientOrderId: str
    status: str = "NEW"
    side: str = ""
    type: str = ""
    timeInForce: str = "GTC"
    price: float = 0.0
    origQty: float = 0.0
    executedQty: float = 0.0
    cummulativeQuoteQty: float = 0.0  # Binance's spelling
    stopPrice: float = 0.0
    origClientOrderId: str = ""
    transactTime: int = 0
    time: int = 0
    updateTime: int = 0
    workingTime: int = 0
    fills: list[OrderFill] = []


class Trade(msgspec.Struct, frozen=True):
    """One of GET /api/v3/myTrades: an execution of the account's order."""

    symbol: str
    id: int
    orderId: int
    price: float
    qty: float
    commission: float
    commissionAsset: str
    time: int
    isBuyer: bool
    isMaker: bool
    quoteQty: float = 0.0


class AccountBalance(msgspec.Struct, frozen=True):
    """One asset of GET /api/v3/account."""

    asset: str
    free: float
    locked: float


class Account(msgspec.Struct, frozen=True):
    """GET /api/v3/account."""

    balances: list[AccountBalance] = []
    updateTime: int = 0


class ExecutionReport(msgspec.Struct, frozen=True):
    """The user data event of an order's change (user-data-stream.md)."""

    event_time: int = msgspec.field(name="E")
    symbol: str = msgspec.field(name="s")
    client_order_id: str = msgspec.field(name="c")
    side: str = msgspec.field(name="S")
    type: str = msgspec.field(name="o")
    time_in_force: str = msgspec.field(name="f")
    qty: float = msgspec.field(name="q")
    price: float = msgspec.field(name="p")
    stop_price: float = msgspec.field(name="P")
    execution_type: str = msgspec.field(name="x")
    status: str = msgspec.field(name="X")
    reject_reason: str = msgspec.field(name="r")
    order_id: int = msgspec.field(name="i")
    last_qty: float = msgspec.field(name="l")
    cum_qty: float = msgspec.field(name="z")
    last_price: float = msgspec.field(name="L")
    commission: float = msgspec.field(name="n")
    transaction_time: int = msgspec.field(name="T")
    trade_id: int = msgspec.field(name="t")
    maker: bool = msgspec.field(name="m")
    cum_quote_qty: float = msgspec.field(name="Z")
    commission_asset: str | None = msgspec.field(default=None, name="N")
    orig_client_order_id: str = msgspec.field(default="", name="C")
    execution_id: int = msgspec.field(default=0, name="I")


class PositionBalance(msgspec.Struct, frozen=True):
    """One asset of an outboundAccountPosition."""

    asset: str = msgspec.field(name="a")
    free: float = msgspec.field(name="f")
    locked: float = msgspec.field(name="l")


class AccountPosition(msgspec.Struct, frozen=True):
    """outboundAccountPosition: the balances an event changed."""

    event_time: int = msgspec.field(name="E")
    balances: list[PositionBalance] = msgspec.field(name="B")


class EventHead(msgspec.Struct, frozen=True):
    """The type and time of any user or connection event, read before the event itself."""

    type: str = msgspec.field(name="e")
    event_time: int = msgspec.field(default=0, name="E")


class WsError(msgspec.Struct, frozen=True):
    """The `error` of a WebSocket API response; `data.retryAfter` (epoch ms) on 418/429."""

    code: int = 0
    msg: str = ""
    data: dict[str, object] | None = None


class WsFrame(msgspec.Struct, frozen=True):
    """Any text frame of the WebSocket API: a response (`id`, `status`, `result`|`error`) or an
    event (`event`, with `subscriptionId` when it is user data). An absent `result` or `event`
    is an empty Raw."""

    id: int | str | None = None
    status: int = 0
    result: msgspec.Raw = msgspec.Raw()
    error: WsError | None = None
    subscriptionId: int | None = None
    event: msgspec.Raw = msgspec.Raw()
    rateLimits: list[dict[str, object]] | None = None


class Subscribed(msgspec.Struct, frozen=True):
    """The result of userDataStream.subscribe.signature."""

    subscriptionId: int


decode_error = msgspec.json.Decoder(ErrorBody, strict=False).decode
decode_server_time = msgspec.json.Decoder(ServerTime, strict=False).decode
decode_exchange_info = msgspec.json.Decoder(ExchangeInfo, strict=False).decode
decode_order = msgspec.json.Decoder(Order, strict=False).decode
decode_orders = msgspec.json.Decoder(list[Order], strict=False).decode
decode_trades = msgspec.json.Decoder(list[Trade], strict=False).decode
decode_account = msgspec.json.Decoder(Account, strict=False).decode
decode_execution_report = msgspec.json.Decoder(ExecutionReport, strict=False).decode
decode_account_position = msgspec.json.Decoder(AccountPosition, strict=False).decode
decode_event_head = msgspec.json.Decoder(EventHead, strict=False).decode
decode_ws_frame = msgspec.json.Decoder(WsFrame, strict=False).decode
decode_subscribed = msgspec.json.Decoder(Subscribed, strict=False).decode


# --- market data ---
# Only the fields the adapter uses are declared: msgspec skips the others without building
# them, which keeps the per-message cost to the numbers the listener receives.

# strict=False reads "nan" and "inf" as floats; the bounds turn them away (no real price or
# size comes near 1e300).
Price = Annotated[float, msgspec.Meta(gt=0.0, lt=1e300)]
Size = Annotated[float, msgspec.Meta(ge=0.0, lt=1e300)]
Level = tuple[Price, Size]


class TradeEvent(msgspec.Struct, frozen=True, gc=False):
    """<symbol>@trade: one trade. `buyer_maker` is true when the seller took liquidity."""

    id: int = msgspec.field(name="t")
    price: Price = msgspec.field(name="p")
    qty: Price = msgspec.field(name="q")
    time: int = msgspec.field(name="T")
    buyer_maker: bool = msgspec.field(name="m")


class AggTradeEvent(msgspec.Struct, frozen=True, gc=False):
    """<symbol>@aggTrade, and one row of GET /api/v3/aggTrades (the same letters)."""

    id: int = msgspec.field(name="a")
    price: Price = msgspec.field(name="p")
    qty: Price = msgspec.field(name="q")
    time: int = msgspec.field(name="T")
    buyer_maker: bool = msgspec.field(name="m")


class RecentTrade(msgspec.Struct, frozen=True, gc=False):
    """One row of GET /api/v3/trades, under the attribute names of TradeEvent."""

    id: int
    price: Price
    qty: Price
    time: int
    buyer_maker: bool = msgspec.field(name="isBuyerMaker")


class BookTickerEvent(msgspec.Struct, frozen=True, gc=False):
    """<symbol>@bookTicker: the best bid and ask. Spot sends no event time with it."""

    update_id: int = msgspec.field(name="u")
    bid: Price = msgspec.field(name="b")
    bid_size: Size = msgspec.field(name="B")
    ask: Price = msgspec.field(name="a")
    ask_size: Size = msgspec.field(name="A")


class DepthUpdate(msgspec.Struct, frozen=True):
    """<symbol>@depth@100ms: the levels that changed in update ids `first_id`..`last_id`,
    with absolute sizes (0 removes the level)."""

    event_time: int = msgspec.field(name="E")
    first_id: int = msgspec.field(name="U")
    last_id: int = msgspec.field(name="u")
    bids: list[Level] = msgspec.field(name="b")
    asks: list[Level] = msgspec.field(name="a")


class DepthSnapshot(msgspec.Struct, frozen=True):
    """GET /api/v3/depth: the top levels of each side as of update id `last_update_id`."""

    last_update_id: int = msgspec.field(name="lastUpdateId")
    bids: list[Level] = []
    asks: list[Level] = []


class StreamEnvelope(msgspec.Struct, frozen=True):
    """Any combined-stream text frame: an event (`stream`, `data`) or the answer to a control
    frame (`id` with `result`, or `code` and `msg` when it was refused)."""

    stream: str = ""
    data: msgspec.Raw = msgspec.Raw()  # empty when absent (msgspec takes no Raw | None)
    id: int | str | None = None
    code: int = 0
    msg: str = ""


decode_trade_event = msgspec.json.Decoder(TradeEvent, strict=False).decode
decode_agg_trade_event = msgspec.json.Decoder(AggTradeEvent, strict=False).decode
decode_book_ticker_event = msgspec.json.Decoder(BookTickerEvent, strict=False).decode
decode_depth_update = msgspec.json.Decoder(DepthUpdate, strict=False).decode
decode_stream_envelope = msgspec.json.Decoder(StreamEnvelope, strict=False).decode
decode_depth_snapshot = msgspec.json.Decoder(DepthSnapshot, strict=False).decode
decode_recent_trades = msgspec.json.Decoder(list[RecentTrade], strict=False).decode
decode_recent_agg_trades = msgspec.json.Decoder(list[AggTradeEvent], strict=False).decode
