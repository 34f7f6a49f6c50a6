"""Request parameters read the way Binance reads them, with its error codes for bad ones."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from alphaforge.replay import errors
from alphaforge.replay.errors import BinanceError

_DECIMAL = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_CLIENT_ID = re.compile(r"^[a-zA-Z0-9-_]{1,36}$")
SIDES = ("BUY", "SELL")
TYPES = (
    "LIMIT",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
    "LIMIT_MAKER",
)
TIME_IN_FORCE = ("GTC", "IOC", "FOK")
RESPONSE_TYPES = ("ACK", "RESULT", "FULL")
# Which parameters each order type must and may carry (rest-api.md "New order").
_NEEDS: dict[str, tuple[str, ...]] = {
    "LIMIT": ("timeInForce", "quantity", "price"),
    "MARKET": (),
    "STOP_LOSS": ("quantity", "stopPrice"),
    "STOP_LOSS_LIMIT": ("timeInForce", "quantity", "price", "stopPrice"),
    "TAKE_PROFIT": ("quantity", "stopPrice"),
    "TAKE_PROFIT_LIMIT": ("timeInForce", "quantity", "price", "stopPrice"),
    "LIMIT_MAKER": ("quantity", "price"),
}
_UNSUPPORTED = ("icebergQty", "trailingDelta", "pegPriceType", "pegOffsetValue", "pegOffsetType")


class Params:
    """A request's parameters (all text, as sent) with typed, checked accessors."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.values = {k: _text(v) for k, v in values.items()}

    def get(self, name: str) -> str | None:
        """The value of `name`, None when absent or empty."""
        value = self.values.get(name)
        return value if value not in (None, "") else None

    def required(self, name: str) -> str:
        """The value of `name`, or -1102."""
        value = self.get(name)
        if value is None:
            raise errors.missing(name)
        return value

    def decimal(self, name: str) -> Decimal | None:
        """`name` as a non-negative decimal; -1100 for anything else."""
        value = self.get(name)
        if value is None:
            return None
        if not _DECIMAL.match(value):
            raise BinanceError(
                -1100,
                f"Illegal characters found in parameter '{name}'; legal range is "
                f"'{_DECIMAL.pattern}'.",
            )
        return Decimal(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """`name` as an int; -1100 when it is not one."""
        value = self.get(name)
        if value is None:
            return default
        if not re.fullmatch(r"-?[0-9]{1,20}", value):
            raise BinanceError(
                -1100,
                f"Illegal characters found in parameter '{name}'; "
                "legal range is '^[0-9]{1,20}$'.",
            )
        return int(value)

    def choice(self, name: str, allowed: tuple[str, ...], code: int, msg: str) -> str | None:
        """`name` when it is one of `allowed`; BinanceError(code, msg) otherwise."""
        value = self.get(name)
        if value is not None and value not in allowed:
            raise BinanceError(code, msg)
        return value

    def limit(self, default: int, maximum: int) -> int:
        """The ``limit`` parameter, checked against 1..maximum."""
        value = self.integer("limit", default)
        assert value is not None
        if not 1 <= value <= maximum:
            raise errors.bad_value("limit")
        return value


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A new order's parameters, checked for presence and form (not yet against filters)."""

    symbol: str
    side: str
    type: str
    time_in_force: str
    quantity: Decimal | None
    quote_order_qty: Decimal | None
    price: Decimal | None
    stop_price: Decimal | None
    client_order_id: str | None
    response_type: str


def order_request(params: Params) -> OrderRequest:
    """Read a new order from `params` as Binance does, or raise its error."""
    symbol = params.required("symbol")
    side = params.required("side")
    if side not in SIDES:
        raise BinanceError(-1117, "Invalid side.")
    kind = params.required("type")
    if kind not in TYPES:
        raise BinanceError(-1116, "Invalid orderType.")
    tif = params.choice("timeInForce", TIME_IN_FORCE, -1115, "Invalid timeInForce.")
    for name in _UNSUPPORTED:
        if params.get(name) not in (None, "0"):
            raise errors.bad_value(name)
    for name in _NEEDS[kind]:
        params.required(name)
    quantity = _amount(params, "quantity")
    quote_qty = _amount(params, "quoteOrderQty")
    price = _amount(params, "price")
    stop = _amount(params, "stopPrice")
    if kind == "MARKET":
        if quantity is None and quote_qty is None:
            raise BinanceError(
                -1102,
                "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
            )
        if quantity is not None and quote_qty is not None:
            raise BinanceError(-1106, "Parameter 'quoteOrderQty' sent when not required.")
    elif quote_qty is not None:
        raise BinanceError(-1106, "Parameter 'quoteOrderQty' sent when not required.")
    for name, value, needed in (
        ("price", price, "price" in _NEEDS[kind]),
        ("stopPrice", stop, "stopPrice" in _NEEDS[kind]),
        ("timeInForce", tif, "timeInForce" in _NEEDS[kind]),
    ):
        if value is not None and not needed:
            raise BinanceError(-1106, f"Parameter '{name}' sent when not required.")
    client_id = params.get("newClientOrderId")
    if client_id is not None and not _CLIENT_ID.match(client_id):
        raise BinanceError(
            -1100,
            "Illegal characters found in parameter 'newClientOrderId'; legal range is "
            f"'{_CLIENT_ID.pattern}'.",
        )
    default_response = "FULL" if kind in ("MARKET", "LIMIT") else "ACK"
    response = params.choice(
        "newOrderRespType",
        RESPONSE_TYPES,
        -1130,
        "Data sent for parameter 'newOrderRespType' is not valid.",
    )
    return OrderRequest(
        symbol=symbol,
        side=side,
        type=kind,
        time_in_force=tif or "GTC",
        quantity=quantity,
        quote_order_qty=quote_qty,
        price=price,
        stop_price=stop,
        client_order_id=client_id,
        response_type=response or default_response,
    )


def _amount(params: Params, name: str) -> Decimal | None:
    value = params.decimal(name)
    if value is None:
        return None
    if value.normalize().as_tuple().exponent < -8:  # type: ignore[operator]
        raise BinanceError(-1111, f"Parameter '{name}' has too much precision.")
    if value <= 0:
        raise errors.bad_value(name)
    return value


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
