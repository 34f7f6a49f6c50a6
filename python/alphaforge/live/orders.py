"""The live node's orders: checked and tracked by the C++ ExecutionEngine in its external-venue
mode, journaled before they are sent, sent once, and changed only by what the venue reports.

An order whose send ends without a definite answer (a timeout, a 5xx, a lost connection) stays
SUBMITTED: the venue client resolves it by its user stream or by queries and reports the
outcome, and nothing here ever sends it again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from alphaforge._core.execution import (
    ExecutionEngine,
    Liquidity,
    Order,
    OrderSide,
    OrderStatus,
    TimeInForce,
)
from alphaforge.live.journal import Journal, JournaledOrder
from alphaforge.live.venue import (
    CancelResult,
    ExecutionClient,
    FillReport,
    InstrumentSpec,
    LocalExecution,
    OrderIntent,
    OrderReport,
    SubmitResult,
)
from alphaforge.records import FillRecord, OrderRecord

_log = logging.getLogger("alphaforge.live.orders")
# Binance's rule for newClientOrderId, which the others accept too.
_CLIENT_ID = re.compile(r"^[a-zA-Z0-9_-]{1,36}$")
_SIDES = {"BUY": OrderSide.Buy, "SELL": OrderSide.Sell}
_TIFS = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "POST_ONLY": TimeInForce.PostOnly,
}
_REPORTED = {
    "ACCEPTED": OrderStatus.Accepted,
    "CANCELED": OrderStatus.Canceled,
    "EXPIRED": OrderStatus.Expired,
    "REJECTED": OrderStatus.Rejected,
}


@dataclass(slots=True)
class LiveOrder:
    """What the node knows of one order beyond the engine's state."""

    order_id: int
    engine_id: str
    strategy: str
    intent: OrderIntent
    reduce_only: bool
    venue_order_id: int | None = None
    cancel_requested: bool = False


@dataclass(slots=True)
class OrderCounters:
    """What happened to the node's orders, for its statistics."""

    sent: int = 0
    refused: int = 0
    unknown_outcomes: int = 0
    duplicate_fills: int = 0
    foreign_reports: int = 0
    cancels_sent: int = 0
    in_flight: set[asyncio.Task[None]] = field(default_factory=set)


class LiveOrders:
    """Submits, cancels and tracks orders; applies reports and fills once."""

    def __init__(
        self,
        engine: ExecutionEngine,
        execution: ExecutionClient | None,
        journal: Journal | None,
        client_prefix: str,
        on_order: Callable[[str, OrderRecord], None],
        on_fill: Callable[[str, FillRecord], None],
    ) -> None:
        if not _CLIENT_ID.match(client_prefix + "-1") or len(client_prefix) > 20:
            raise ValueError(
                f"client_prefix must be up to 20 letters, digits, '-' or '_', got {client_prefix!r}"
            )
        self.engine = engine
        self.execution = execution
        # A venue in the process answers at once; decided here, not per order (a protocol
        # check costs tens of microseconds).
        self._local: LocalExecution | None = (
            execution if isinstance(execution, LocalExecution) else None
        )
        self.journal = journal
        self.counters = OrderCounters()
        self._prefix = client_prefix
        self._on_order = on_order
        self._on_fill = on_fill
        self._instruments: dict[str, InstrumentSpec] = {}
        self._by_id: dict[int, LiveOrder] = {}
        self._by_client: dict[str, LiveOrder] = {}
        self._by_venue: dict[tuple[str, int], LiveOrder] = {}
        self._next_id = (journal.last_order_id() if journal is not None else 0) + 1

    def set_instruments(self, instruments: dict[str, InstrumentSpec]) -> None:
        """The symbols' rules: fees paid in the base asset are valued with them."""
        self._instruments = instruments

    def restore(self, journaled: JournaledOrder, fills: list[FillReport]) -> None:
        """Re-enter an order of an earlier session and its journaled fills, as they stood: the
        engine takes it unchecked (it passed the checks when it was sent), nothing is sent,
        journaled again or handed to a strategy."""
        j = journaled
        ticket = _ticket(j.strategy, j.symbol, j.side, j.type, j.qty, j.price, j.stop_price,
                         j.time_in_force, j.reduce_only)  # fmt: skip
        engine_id = self.engine.submit_external(
            ticket, acknowledged=j.status != "SUBMITTED", restored=True
        )
        intent = OrderIntent(
            j.client_order_id, j.symbol, j.side, j.type, j.qty, j.price, j.stop_price,
            j.time_in_force,
        )  # fmt: skip
        live = LiveOrder(j.order_id, engine_id, j.strategy, intent, j.reduce_only)
        self._register(live, j.venue_order_id)
        for fill in fills:
            self._book(live, fill)
        if j.status in ("CANCELED", "EXPIRED", "REJECTED"):
            self.engine.apply_status(engine_id, _REPORTED[j.status], j.reason)
        self._next_id = max(self._next_id, j.order_id + 1)

    def _register(self, live: LiveOrder, venue_order_id: int | None) -> None:
        self._by_id[live.order_id] = live
        self._by_client[live.intent.client_order_id] = live
        if venue_order_id:
            live.venue_order_id = venue_order_id
            self._by_venue[(live.intent.symbol, venue_order_id)] = live

    def validate(
        self,
        strategy: str,
        symbol: str,
        side: str,
        type: str,
        qty: float,
        price: float | None,
        stop_price: float | None,
        time_in_force: str,
        reduce_only: bool,
    ) -> None:
        """The checks of an order's fields that submit makes first; ValueError naming one."""
        _ticket(strategy, symbol, side, type, qty, price, stop_price, time_in_force, reduce_only)

    def reserve_id(self) -> int:
        """An order id for an order sent later (or never: one the node holds itself)."""
        order_id = self._next_id
        self._next_id += 1
        return order_id

    def has(self, order_id: int) -> bool:
        """Whether an order with this id was journaled or sent (or refused)."""
        return order_id in self._by_id

    def is_open(self, order_id: int) -> bool:
        """Whether the order may still fill."""
        return bool(self.engine.order(self._by_id[order_id].engine_id).is_open)

    def cancel_in_flight(self, order_id: int) -> bool:
        """Whether a cancel of the order has been sent and not yet answered."""
        live = self._by_id.get(order_id)
        return live is not None and live.cancel_requested

    def release_id(self, order_id: int) -> None:
        """Give back the id `reserve_id` gave last, when nothing came of it."""
        if order_id == self._next_id - 1 and order_id not in self._by_id:
            self._next_id = order_id

    def check_modify(
        self, order_id: int, price: float | None, qty: float | None, stop_price: float | None
    ) -> None:
        """The engine's checks of a change of an open order's terms (grid, quantity above
        what has filled, risk limits), the order left as it was; ValueError naming the field."""
        engine_id = self._by_id[order_id].engine_id
        before = self.engine.order(engine_id)
        old = (before.price, before.quantity, before.stop_price)
        self.engine.modify_order(engine_id, price, qty, stop_price)
        self.engine.modify_order(
            engine_id,
            None if price is None else old[0],
            None if qty is None else old[1],
            None if stop_price is None else old[2],
        )

    def known(self, client_order_id: str) -> bool:
        """Whether the node holds an order with this client id."""
        return client_order_id in self._by_client

    def is_ours(self, client_order_id: str) -> bool:
        """Whether a client id has the form this node gives its orders."""
        head, _, number = client_order_id.rpartition("-")
        return head == self._prefix and number.isdigit()

    def unsettled(self) -> list[LiveOrder]:
        """Orders the node holds open (sent, unknown or working), oldest first."""
        return [live for live in self._by_id.values() if self.engine.order(live.engine_id).is_open]

    def filled_qty(self, client_order_id: str) -> float:
        """How much of an order the node has booked."""
        return float(self.engine.order(self._by_client[client_order_id].engine_id).filled_qty)

    # Sending.
    def submit(
        self,
        strategy: str,
        symbol: str,
        side: str,
        type: str,
        qty: float,
        price: float | None,
        stop_price: float | None,
        time_in_force: str,
        reduce_only: bool,
        *,
        order_id: int | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> int:
        """Check the order, journal it and schedule its one send; returns its order id.

        Bad input raises ValueError; a refusal by the risk limits or the account is an order
        update with status REJECTED, and nothing is sent. `order_id` is one taken earlier with
        ``reserve_id``; `before_send` runs once the order has passed the checks, before its
        intent is journaled and sent (the contingent layer journals its own state there).
        """
        self._venue()  # refuses when offline
        ticket = _ticket(strategy, symbol, side, type, qty, price, stop_price, time_in_force,
                         reduce_only)  # fmt: skip
        if order_id is None:
            order_id = self._next_id
        elif order_id in self._by_id or order_id >= self._next_id:
            raise ValueError(f"order_id {order_id} was not reserved, or is in use")
        client_id = f"{self._prefix}-{order_id}"
        engine_id = self.engine.submit_external(ticket, acknowledged=False)
        self._next_id = max(self._next_id, order_id + 1)
        intent = OrderIntent(client_id, symbol, side, type, qty, price, stop_price, time_in_force)
        live = LiveOrder(order_id, engine_id, strategy, intent, reduce_only)
        self._register(live, None)
        snapshot = self.engine.order(engine_id)
        if snapshot.status == OrderStatus.Rejected:
            self.counters.refused += 1
            self._notify(live)
            return order_id
        if before_send is not None:
            before_send()
        if self.journal is not None:
            self.journal.record_intent(order_id, strategy, intent, reduce_only, time.time_ns())
        if self._local is not None:
            self.counters.sent += 1
            self._answered(live, self._local.submit_now(intent))
            return order_id
        task = asyncio.get_running_loop().create_task(self._send(live))
        self.counters.in_flight.add(task)
        task.add_done_callback(self.counters.in_flight.discard)
        return order_id

    async def _send(self, live: LiveOrder) -> None:
        self.counters.sent += 1
        try:
            result = await self._venue().submit(live.intent)
        except Exception as error:  # a client must not raise; if it does, the outcome is unknown
            _log.exception(
                "submit of %s raised; its outcome is unknown", live.intent.client_order_id
            )
            result = SubmitResult("UNKNOWN", reason=f"{type(error).__name__}: {error}")
        self._answered(live, result)

    def _answered(self, live: LiveOrder, result: SubmitResult) -> None:
        if result.report is not None:
            self.on_order_report(result.report)
        elif result.status == "REJECTED":
            self._apply(live, "REJECTED", result.reason or f"refused by the venue ({result.code})")
        elif result.status == "UNKNOWN":
            self.counters.unknown_outcomes += 1
            _log.warning(
                "outcome of %s unknown (%s): left in flight for the venue to resolve",
                live.intent.client_order_id,
                result.reason,
            )

    def cancel(self, strategy: str, order_id: int) -> bool:
        """Ask the venue to cancel one of `strategy`'s open orders; False when not open."""
        live = self._by_id.get(order_id)
        if live is None:
            raise ValueError(f"order_id {order_id} is unknown")
        if live.strategy != strategy:
            raise ValueError(
                f"order {order_id} belongs to strategy {live.strategy!r}, not {strategy!r}"
            )
        if not self.engine.order(live.engine_id).is_open or live.cancel_requested:
            return False
        live.cancel_requested = True
        self._venue()  # refuses when offline
        if self._local is not None:
            self.counters.cancels_sent += 1
            self._cancel_answered(
                live, self._local.cancel_now(live.intent.symbol, live.intent.client_order_id)
            )
            return True
        task = asyncio.get_running_loop().create_task(self._send_cancel(live))
        self.counters.in_flight.add(task)
        task.add_done_callback(self.counters.in_flight.discard)
        return True

    async def _send_cancel(self, live: LiveOrder) -> None:
        self.counters.cancels_sent += 1
        try:
            result = await self._venue().cancel(live.intent.symbol, live.intent.client_order_id)
        except Exception:
            _log.exception("cancel of %s raised", live.intent.client_order_id)
            live.cancel_requested = False
            return
        self._cancel_answered(live, result)

    def _cancel_answered(self, live: LiveOrder, result: CancelResult) -> None:
        if result.report is not None:
            self.on_order_report(result.report)
        if result.status != "CANCELED":
            live.cancel_requested = False

    def _venue(self) -> ExecutionClient:
        if self.execution is None:
            raise RuntimeError("these orders are read from a journal offline: nothing is sent")
        return self.execution

    async def cancel_all(self) -> None:
        """Cancel every open order and wait for the answers."""
        for live in list(self._by_id.values()):
            if self.engine.order(live.engine_id).is_open and not live.cancel_requested:
                live.cancel_requested = True
                await self._send_cancel(live)

    async def drain(self) -> None:
        """Wait for every send and cancel under way."""
        while self.counters.in_flight:
            await asyncio.gather(*list(self.counters.in_flight), return_exceptions=True)

    # What the venue reports.
    def on_order_report(self, report: OrderReport) -> None:
        """An order's status from the venue; applied when it moves the order on."""
        live = self._by_client.get(report.client_order_id)
        if live is None:
            self.counters.foreign_reports += 1
            return
        if report.venue_order_id and live.venue_order_id != report.venue_order_id:
            self._register(live, report.venue_order_id)
        status = report.status
        if status in ("PARTIALLY_FILLED", "FILLED"):
            # Fills arrive as their own reports and move the order; this one says it is working.
            status = "ACCEPTED"
        self._apply(live, status, report.reason, report)

    def _apply(
        self, live: LiveOrder, status: str, reason: str, report: OrderReport | None = None
    ) -> None:
        target = _REPORTED.get(status)
        if target is None:
            return
        if self.journal is not None:
            self.journal.record_status(
                live.intent.client_order_id,
                status if report is None else report.status,
                time.time_ns(),
                venue_order_id=live.venue_order_id,
                filled_qty=None if report is None else report.filled_qty,
                reason=reason,
            )
        if self.engine.apply_status(live.engine_id, target, reason):
            self._notify(live)

    def on_fill_report(self, fill: FillReport) -> bool:
        """A fill from the venue: booked and handed to the strategy once per trade id; True
        when it was new.

        A venue's trade list may name the order by its venue id alone: the fill is matched by
        either id and journaled with the client id."""
        live = self._by_client.get(fill.client_order_id) or self._by_venue.get(
            (fill.symbol, fill.venue_order_id)
        )
        if live is None:
            self.counters.foreign_reports += 1
            return False
        if fill.client_order_id != live.intent.client_order_id:
            fill = dataclasses.replace(fill, client_order_id=live.intent.client_order_id)
        if self.journal is not None:
            self.journal.record_fill(fill)
        if not self._book(live, fill):
            self.counters.duplicate_fills += 1
            return False
        record = FillRecord(
            ts=_timestamp(fill.ts_ns),
            symbol=fill.symbol,
            side=fill.side,
            qty=fill.qty,
            price=fill.price,
            fee=self._fee(fill),
            order_id=live.order_id,
            strategy=live.strategy,
            liquidity=fill.liquidity,
            trade_id=fill.trade_id,
        )
        self._on_fill(live.strategy, record)
        self._notify(live)
        return True

    def _book(self, live: LiveOrder, fill: FillReport) -> bool:
        """The fill in the engine's books; False when its trade id is booked already."""
        liquidity = Liquidity.Maker if fill.liquidity == "MAKER" else Liquidity.Taker
        return self.engine.apply_venue_fill(
            live.engine_id, fill.trade_id, fill.price, fill.qty, liquidity, self._fee(fill)
        )

    def _fee(self, fill: FillReport) -> float:
        """The fee in the quote currency: as paid, or valued at the fill price."""
        spec = self._instruments.get(fill.symbol)
        if spec is None or fill.fee_asset in ("", spec.quote):
            return fill.fee
        if fill.fee_asset == spec.base:
            return fill.fee * fill.price
        return 0.0  # paid in another asset (BNB): the journal keeps it as paid

    # Reading.
    def record(self, order_id: int) -> OrderRecord:
        """The order as a strategy sees it."""
        return self._record(self._by_id[order_id])

    def open_orders(self, strategy: str, symbol: str | None) -> list[OrderRecord]:
        """`strategy`'s open orders, oldest first."""
        return [
            self._record(live)
            for live in self._by_id.values()
            if live.strategy == strategy
            and (symbol is None or live.intent.symbol == symbol)
            and self.engine.order(live.engine_id).is_open
        ]

    def open_count(self) -> int:
        """Orders still open at the venue, as far as the node knows."""
        return sum(1 for live in self._by_id.values() if self.engine.order(live.engine_id).is_open)

    def _notify(self, live: LiveOrder) -> None:
        self._on_order(live.strategy, self._record(live))

    def _record(self, live: LiveOrder) -> OrderRecord:
        o = self.engine.order(live.engine_id)
        return OrderRecord(
            order_id=live.order_id,
            ts=_timestamp(o.ts_created_ns or 0),
            symbol=o.symbol,
            side=live.intent.side,
            type=live.intent.type,
            qty=o.quantity,
            price=o.price,
            stop_price=o.stop_price,
            status=_STATUS_NAMES[o.status],
            filled_qty=o.filled_qty,
            avg_fill_price=o.avg_fill_price,
            strategy=live.strategy,
            reject_reason=o.reject_reason or "",
            time_in_force=live.intent.time_in_force,
            reduce_only=live.reduce_only,
            client_order_id=live.intent.client_order_id,
        )


_STATUS_NAMES = {
    OrderStatus.New: "NEW",
    OrderStatus.Submitted: "SUBMITTED",
    OrderStatus.Accepted: "ACCEPTED",
    OrderStatus.PartiallyFilled: "PARTIALLY_FILLED",
    OrderStatus.Filled: "FILLED",
    OrderStatus.Canceled: "CANCELED",
    OrderStatus.Rejected: "REJECTED",
    OrderStatus.Expired: "EXPIRED",
}


def _timestamp(ns: int) -> pd.Timestamp:
    return pd.Timestamp(ns, unit="ns", tz="UTC")


def _ticket(
    strategy: str,
    symbol: str,
    side: str,
    type: str,
    qty: float,
    price: float | None,
    stop_price: float | None,
    time_in_force: str,
    reduce_only: bool,
) -> Order:
    """The engine's order for a strategy's request; ValueError naming a bad field."""
    order_side = _SIDES.get(side)
    if order_side is None:
        raise ValueError(f"side must be 'BUY' or 'SELL', got {side!r}")
    tif = _TIFS.get(time_in_force)
    if tif is None:
        raise ValueError(f"time_in_force must be GTC, IOC, FOK or POST_ONLY, got {time_in_force!r}")
    if type == "MARKET":
        return Order.market(
            symbol,
            order_side,
            qty,
            strategy,
            time_in_force=_taker_tif(tif),
            reduce_only=reduce_only,
        )
    if type == "LIMIT" and price is not None:
        return Order.limit(
            symbol, order_side, qty, price, strategy, time_in_force=tif, reduce_only=reduce_only
        )
    if type == "STOP" and stop_price is not None:
        return Order.stop(
            symbol, order_side, qty, stop_price, strategy, time_in_force=_taker_tif(tif),
            reduce_only=reduce_only,
        )  # fmt: skip
    if type == "STOP_LIMIT" and price is not None and stop_price is not None:
        return Order.stop_limit(
            symbol, order_side, qty, stop_price, price, strategy, time_in_force=tif,
            reduce_only=reduce_only,
        )  # fmt: skip
    raise ValueError(
        f"type must be MARKET, LIMIT, STOP or STOP_LIMIT with the prices it takes, got {type!r} "
        f"with price={price!r} stop={stop_price!r}"
    )


def _taker_tif(tif: TimeInForce) -> TimeInForce:
    # Market and stop orders take at once: what a GTC one does not fill is dropped anyway.
    return TimeInForce.FOK if tif == TimeInForce.FOK else TimeInForce.IOC
