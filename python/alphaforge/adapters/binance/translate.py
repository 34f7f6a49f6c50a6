"""Between AlphaForge's order vocabulary and Binance's: new-order parameters checked against
the symbol's filters as the exchange would check them, and Binance orders, events and trades
as OrderReport and FillReport."""

from __future__ import annotations

from decimal import Decimal

from alphaforge.adapters.binance import schemas
from alphaforge.live.venue import FillReport, OrderIntent, OrderReport

MS = 1_000_000  # ns per ms
STATUS = {
    "NEW": "ACCEPTED",
    "PENDING_NEW": "ACCEPTED",
    "PARTIALLY_FILLED": "PARTIALLY_FILLED",
    "FILLED": "FILLED",
    "CANCELED": "CANCELED",
    "PENDING_CANCEL": "ACCEPTED",  # documented as unused; the order still works
    "EXPIRED": "EXPIRED",
    "EXPIRED_IN_MATCH": "EXPIRED",  # self-trade prevention expired it
    "REJECTED": "REJECTED",
}
TERMINAL = frozenset({"FILLED", "CANCELED", "EXPIRED", "REJECTED"})
_TYPES_BACK = {
    "MARKET": "MARKET",
    "LIMIT": "LIMIT",
    "LIMIT_MAKER": "LIMIT",
    "STOP_LOSS": "STOP",
    "STOP_LOSS_LIMIT": "STOP_LIMIT",
}
_TIFS = ("GTC", "IOC", "FOK")
# The float noise tolerated on a grid (0.1 + 0.2 is a multiple of 0.1 here), in grid steps.
_GRID_TOLERANCE = Decimal("1e-9")


class OrderRefused(Exception):
    """An order refused before it was sent, with the code and message Binance would give."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg


def _missing(name: str) -> OrderRefused:
    return OrderRefused(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def _bad(name: str, value: object) -> OrderRefused:
    return OrderRefused(-1130, f"Data sent for parameter '{name}' is not valid (got {value!r}).")


def order_params(intent: OrderIntent, info: schemas.SymbolInfo | None) -> dict[str, object]:
    """The POST /api/v3/order (or order.place) parameters of `intent`, without signing.

    Raises OrderRefused with Binance's code when the exchange would refuse it: a missing or
    invalid parameter (-1102, -1130) or a broken filter (-1013 "Filter failure: ...").
    """
    side = intent.side.upper()
    if side not in ("BUY", "SELL"):
        raise _bad("side", intent.side)
    kind = intent.type.upper()
    tif = intent.time_in_force.upper()
    if tif not in (*_TIFS, "POST_ONLY"):
        raise _bad("timeInForce", intent.time_in_force)
    params: dict[str, object] = {"symbol": intent.symbol.upper(), "side": side}
    needs_price = kind in ("LIMIT", "STOP_LIMIT")
    needs_stop = kind in ("STOP", "STOP_LIMIT")
    if kind == "MARKET":
        params["type"] = "MARKET"
    elif kind == "LIMIT":
        if tif == "POST_ONLY":
            params["type"] = "LIMIT_MAKER"
        else:
            params.update(type="LIMIT", timeInForce=tif)
    elif kind == "STOP":
        params["type"] = "STOP_LOSS"
    elif kind == "STOP_LIMIT":
        if tif == "POST_ONLY":
            raise _bad("timeInForce", "POST_ONLY (a stop-limit order cannot be post-only)")
        params.update(type="STOP_LOSS_LIMIT", timeInForce=tif)
    else:
        raise _bad("type", intent.type)
    qty = _positive("quantity", intent.qty)
    price = _positive("price", intent.price) if needs_price else None
    stop = _positive("stopPrice", intent.stop_price) if needs_stop else None
    if info is not None:
        qty, price, stop = _check_filters(info, kind, qty, price, stop)
    params["quantity"] = qty
    if price is not None:
        params["price"] = price
    if stop is not None:
        params["stopPrice"] = stop
    params["newClientOrderId"] = intent.client_order_id
    params["newOrderRespType"] = "RESULT"
    return params


def _positive(name: str, value: float | None) -> Decimal:
    if value is None:
        raise _missing(name)
    number = Decimal(repr(float(value)))
    if not number.is_finite() or number <= 0:
        raise _bad(name, value)
    return number


def _check_filters(
    info: schemas.SymbolInfo, kind: str, qty: Decimal, price: Decimal | None, stop: Decimal | None
) -> tuple[Decimal, Decimal | None, Decimal | None]:
    price_filter = info.filter("PRICE_FILTER")
    if price_filter is not None:
        price = _on_grid(
            "PRICE_FILTER",
            price,
            price_filter.minPrice,
            price_filter.maxPrice,
            price_filter.tickSize,
        )
        stop = _on_grid(
            "PRICE_FILTER",
            stop,
            price_filter.minPrice,
            price_filter.maxPrice,
            price_filter.tickSize,
        )
    lot = info.filter("LOT_SIZE")
    if lot is not None:
        qty = _checked_qty("LOT_SIZE", qty, lot)
    market_lot = info.filter("MARKET_LOT_SIZE")
    if market_lot is not None and kind in ("MARKET", "STOP"):
        qty = _checked_qty("MARKET_LOT_SIZE", qty, market_lot)
    # A market order's notional depends on the exchange's reference price: left to it.
    if price is not None:
        notional = price * qty
        for name in ("NOTIONAL", "MIN_NOTIONAL"):
            rule = info.filter(name)
            if rule is None:
                continue
            if notional < rule.minNotional or (0 < rule.maxNotional < notional):
                raise OrderRefused(-1013, f"Filter failure: {name}")
    return qty, price, stop


def _checked_qty(name: str, qty: Decimal, rule: schemas.SymbolFilter) -> Decimal:
    checked = _on_grid(name, qty, rule.minQty, rule.maxQty, rule.stepSize)
    assert checked is not None
    return checked


def _on_grid(
    name: str, value: Decimal | None, low: Decimal, high: Decimal, step: Decimal
) -> Decimal | None:
    """`value` checked as Binance checks a filter (a zero bound is off), snapped onto its grid
    when it is off only by float noise."""
    if value is None:
        return None
    if step > 0:
        steps = (value - low) / step
        nearest = steps.to_integral_value()
        if abs(steps - nearest) > _GRID_TOLERANCE * max(Decimal(1), abs(nearest)):
            raise OrderRefused(-1013, f"Filter failure: {name}")
        value = (low + nearest * step).normalize()
    if (low > 0 and value < low) or (high > 0 and value > high):
        raise OrderRefused(-1013, f"Filter failure: {name}")
    return value


def order_report(order: schemas.Order, reason: str = "") -> OrderReport:
    """An order from REST or the WebSocket API as AlphaForge reports it."""
    client_id = order.origClientOrderId or order.clientOrderId
    executed = order.executedQty
    time_ms = order.updateTime or order.transactTime or order.time
    return OrderReport(
        symbol=order.symbol,
        client_order_id=client_id,
        venue_order_id=order.orderId,
        side=order.side,
        type=_TYPES_BACK.get(order.type, order.type),
        status=STATUS.get(order.status, order.status),
        qty=order.origQty,
        filled_qty=executed,
        price=order.price or None,
        stop_price=order.stopPrice or None,
        avg_price=order.cummulativeQuoteQty / executed if executed > 0 else None,
        time_in_force="POST_ONLY" if order.type == "LIMIT_MAKER" else order.timeInForce,
        reason=reason,
        ts_ns=time_ms * MS,
    )


def event_client_id(event: schemas.ExecutionReport) -> str:
    """The order's client id: on a cancel `c` is the cancel's own id and `C` the order's."""
    return event.orig_client_order_id or event.client_order_id


def event_report(event: schemas.ExecutionReport) -> OrderReport:
    """The OrderReport of an executionReport."""
    reason = event.reject_reason if event.reject_reason not in ("", "NONE") else ""
    return OrderReport(
        symbol=event.symbol,
        client_order_id=event_client_id(event),
        venue_order_id=event.order_id,
        side=event.side,
        type=_TYPES_BACK.get(event.type, event.type),
        status=STATUS.get(event.status, event.status),
        qty=event.qty,
        filled_qty=event.cum_qty,
        price=event.price or None,
        stop_price=event.stop_price or None,
        avg_price=event.cum_quote_qty / event.cum_qty if event.cum_qty > 0 else None,
        time_in_force="POST_ONLY" if event.type == "LIMIT_MAKER" else event.time_in_force,
        reason=reason,
        ts_ns=event.transaction_time * MS,
    )


def event_fill(event: schemas.ExecutionReport) -> FillReport:
    """The FillReport of an executionReport of execution type TRADE."""
    return FillReport(
        symbol=event.symbol,
        client_order_id=event_client_id(event),
        venue_order_id=event.order_id,
        trade_id=event.trade_id,
        side=event.side,
        price=event.last_price,
        qty=event.last_qty,
        fee=event.commission,
        fee_asset=event.commission_asset or "",
        liquidity="MAKER" if event.maker else "TAKER",
        ts_ns=event.transaction_time * MS,
        cum_filled_qty=event.cum_qty,
    )


def trade_fill(
    trade: schemas.Trade, client_order_id: str, cum_filled_qty: float = 0.0
) -> FillReport:
    """The FillReport of one of GET /api/v3/myTrades; the trade list names no client id, so
    the caller gives it when it knows it ("" otherwise: the node matches the venue id)."""
    return FillReport(
        symbol=trade.symbol,
        client_order_id=client_order_id,
        venue_order_id=trade.orderId,
        trade_id=trade.id,
        side="BUY" if trade.isBuyer else "SELL",
        price=trade.price,
        qty=trade.qty,
        fee=trade.commission,
        fee_asset=trade.commissionAsset,
        liquidity="MAKER" if trade.isMaker else "TAKER",
        ts_ns=trade.time * MS,
        cum_filled_qty=cum_filled_qty,
    )


def not_placed(intent: OrderIntent, reason: str) -> OrderReport:
    """The REJECTED report of an order the exchange never took."""
    return OrderReport(
        symbol=intent.symbol,
        client_order_id=intent.client_order_id,
        venue_order_id=0,
        side=intent.side,
        type=intent.type,
        status="REJECTED",
        qty=intent.qty,
        filled_qty=0.0,
        price=intent.price,
        stop_price=intent.stop_price,
        time_in_force=intent.time_in_force,
        reason=reason,
    )
