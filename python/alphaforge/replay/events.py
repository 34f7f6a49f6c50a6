"""User data events: executionReport and outboundAccountPosition, every documented field."""

from __future__ import annotations

from decimal import Decimal

from alphaforge.replay.accounts import ZERO, amount_text
from alphaforge.replay.orders import STP_MODE, Order, UserFill


def execution_report(
    order: Order,
    execution: str,
    execution_id: int,
    now: int,
    *,
    fill: UserFill | None = None,
    cancel_client_id: str | None = None,
    on_book: bool = False,
) -> dict[str, object]:
    """The executionReport of one execution of `order` (a NEW, TRADE, CANCELED, EXPIRED...)."""
    return {
        "e": "executionReport",
        "E": now,
        "s": order.symbol,
        "c": cancel_client_id if cancel_client_id is not None else order.client_order_id,
        "S": order.side,
        "o": order.type,
        "f": order.time_in_force,
        "q": amount_text(order.qty),
        "p": amount_text(order.price),
        "P": amount_text(order.stop_price),
        "F": amount_text(ZERO),
        "g": -1,
        "C": order.client_order_id if cancel_client_id is not None else "",
        "x": execution,
        "X": order.status,
        "r": "NONE",
        "i": order.order_id,
        "l": amount_text(fill.qty if fill else ZERO),
        "z": amount_text(order.executed_qty),
        "L": amount_text(fill.price if fill else ZERO),
        "n": amount_text(fill.commission if fill else ZERO),
        "N": fill.commission_asset if fill else None,
        "T": fill.time if fill else now,
        "t": fill.id if fill else -1,
        "I": execution_id,
        "w": on_book,
        "m": fill.is_maker if fill else False,
        "M": False,
        "O": order.time,
        "Z": amount_text(order.cum_quote),
        "Y": amount_text(fill.quote_qty if fill else ZERO),
        "Q": amount_text(order.quote_order_qty),
        "W": order.working_time,
        "V": STP_MODE,
    }


def account_position(now: int, changed: dict[str, tuple[Decimal, Decimal]]) -> dict[str, object]:
    """The outboundAccountPosition listing the assets an execution changed."""
    return {
        "e": "outboundAccountPosition",
        "E": now,
        "u": now,
        "B": [
            {"a": asset, "f": amount_text(free), "l": amount_text(locked)}
            for asset, (free, locked) in changed.items()
        ],
    }
