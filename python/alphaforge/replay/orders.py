"""Orders and fills as the exchange keeps them, and the JSON views Binance answers with."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from alphaforge.replay.accounts import ZERO, amount_text

OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})
# Order types that wait for their stop price before they work.
CONDITIONAL = frozenset({"STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"})
STP_MODE = "NONE"


@dataclass(slots=True)
class UserFill:
    """One fill of one order: a row of myTrades and the fills of a FULL response."""

    symbol: str
    id: int
    order_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool

    def my_trade(self) -> dict[str, object]:
        """The row of ``GET /api/v3/myTrades``."""
        return {
            "symbol": self.symbol,
            "id": self.id,
            "orderId": self.order_id,
            "orderListId": -1,
            "price": amount_text(self.price),
            "qty": amount_text(self.qty),
            "quoteQty": amount_text(self.quote_qty),
            "commission": amount_text(self.commission),
            "commissionAsset": self.commission_asset,
            "time": self.time,
            "isBuyer": self.is_buyer,
            "isMaker": self.is_maker,
            "isBestMatch": True,
        }

    def full(self) -> dict[str, object]:
        """An entry of a FULL order response's ``fills``."""
        return {
            "price": amount_text(self.price),
            "qty": amount_text(self.qty),
            "commission": amount_text(self.commission),
            "commissionAsset": self.commission_asset,
            "tradeId": self.id,
        }


@dataclass(slots=True)
class Order:
    """An order of one API key, with what has been filled and what it still locks."""

    api_key: str
    symbol: str
    order_id: int
    client_order_id: str
    side: str
    type: str
    time_in_force: str
    price: Decimal
    qty: Decimal
    stop_price: Decimal
    quote_order_qty: Decimal
    time: int
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    update_time: int = 0
    working_time: int = -1
    lock_asset: str = ""
    locked: Decimal = ZERO
    fills: list[UserFill] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Whether the order can still trade or be cancelled."""
        return self.status in OPEN_STATUSES

    @property
    def is_working(self) -> bool:
        """Whether the order is on the book (a conditional order is not until it triggers)."""
        return self.working_time >= 0

    @property
    def leaves_qty(self) -> Decimal:
        """What is left to fill."""
        return self.qty - self.executed_qty

    def ack(self) -> dict[str, object]:
        """The ACK response of a new order."""
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": -1,
            "clientOrderId": self.client_order_id,
            "transactTime": self.time,
        }

    def result(self) -> dict[str, object]:
        """The RESULT response of a new order."""
        view = self.ack()
        view.update(self._state())
        view["workingTime"] = self.working_time
        view["selfTradePreventionMode"] = STP_MODE
        return view

    def full(self, fills: list[UserFill]) -> dict[str, object]:
        """The FULL response of a new order: RESULT plus the fills it made on arrival."""
        view = self.result()
        view["fills"] = [f.full() for f in fills]
        return view

    def query(self) -> dict[str, object]:
        """The order as ``GET /api/v3/order`` and ``openOrders`` show it."""
        view: dict[str, object] = {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": -1,
            "clientOrderId": self.client_order_id,
        }
        view.update(self._state())
        view.update(
            {
                "icebergQty": amount_text(ZERO),
                "time": self.time,
                "updateTime": self.update_time,
                "isWorking": self.is_working,
                "workingTime": self.working_time,
                "origQuoteOrderQty": amount_text(self.quote_order_qty),
                "selfTradePreventionMode": STP_MODE,
            }
        )
        return view

    def canceled(self, cancel_client_id: str) -> dict[str, object]:
        """The response of a cancel: the new client id and the cancelled one."""
        view: dict[str, object] = {
            "symbol": self.symbol,
            "origClientOrderId": self.client_order_id,
            "orderId": self.order_id,
            "orderListId": -1,
            "clientOrderId": cancel_client_id,
            "transactTime": self.update_time,
        }
        view.update(self._state())
        view["selfTradePreventionMode"] = STP_MODE
        return view

    def _state(self) -> dict[str, object]:
        view: dict[str, object] = {
            "price": amount_text(self.price),
            "origQty": amount_text(self.qty),
            "executedQty": amount_text(self.executed_qty),
            "origQuoteOrderQty": amount_text(self.quote_order_qty),
            "cummulativeQuoteQty": amount_text(self.cum_quote),
            "status": self.status,
            "timeInForce": self.time_in_force,
            "type": self.type,
            "side": self.side,
        }
        if self.type in CONDITIONAL:
            view["stopPrice"] = amount_text(self.stop_price)
        return view
