"""What every layer of the contingent orders shares: the orders, their records, their journal."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

import pandas as pd

from alphaforge.live.journal import Journal
from alphaforge.live.managed_order import ManagedOrder, check_on_grid
from alphaforge.live.order_groups import Bracket, OcoGroups
from alphaforge.live.orders import LiveOrders
from alphaforge.live.venue import InstrumentSpec
from alphaforge.records import FillRecord, OrderRecord


class ContingentState(ABC):
    """The contingent orders' state over the node's LiveOrders, with what reads and journals
    it; the layers above it (in `ContingentOrders`) provide the expiry and the OCO groups."""

    def __init__(
        self,
        orders: LiveOrders,
        journal: Journal | None,
        instruments: dict[str, InstrumentSpec],
        clock: Callable[[], int],
        reference: Callable[[str, str], float | None],
        on_order: Callable[[str, OrderRecord], None],
        on_fill: Callable[[str, FillRecord], None],
        client_prefix: str,
    ) -> None:
        self._orders = orders
        self._journal = journal
        self._instruments = instruments
        self._clock = clock
        self._reference = reference
        self._on_order = on_order
        self._on_fill = on_fill
        self._prefix = client_prefix
        self._managed: dict[int, ManagedOrder] = {}
        self._by_leg: dict[int, ManagedOrder] = {}
        self._held: dict[str, list[ManagedOrder]] = {}
        self._expiring: dict[str, list[ManagedOrder]] = {}
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._brackets: dict[int, Bracket] = {}
        self._children: dict[int, int] = {}  # bracket child id -> entry id
        self._groups = OcoGroups()
        self._acting = True  # False while restoring, reconciling and after the node stops

    def _register(self, m: ManagedOrder) -> None:
        self._managed[m.order_id] = m
        for leg in m.legs:
            self._by_leg[leg] = m
        if m.state == "HELD":
            self._held.setdefault(m.symbol, []).append(m)
        if m.expire_ns and m.is_open:
            self._expiring.setdefault(m.symbol, []).append(m)
            self._set_timer(m)

    def _unregister(self, m: ManagedOrder) -> None:
        self._managed.pop(m.order_id, None)
        for leg in m.legs:
            self._by_leg.pop(leg, None)
        self._drop_watch(m)

    def _drop_watch(self, m: ManagedOrder) -> None:
        for table in (self._held, self._expiring):
            watched = table.get(m.symbol)
            if watched is not None and m in watched:
                watched.remove(m)
        timer = self._timers.pop(m.order_id, None)
        if timer is not None:
            timer.cancel()

    def _set_timer(self, m: ManagedOrder) -> None:
        # The node's clock is the venue's event time; between events, the wall clock runs on.
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        delay = max(0.0, (m.expire_ns - self._clock()) / 1e9)
        self._timers[m.order_id] = loop.call_later(delay, self._expire, m.order_id)

    def _adopt(self, order_id: int) -> ManagedOrder:
        """A plain venue order becomes contingent (it joins a group, or is modified)."""
        existing = self._managed.get(order_id)
        if existing is not None:
            return existing
        r = self._orders.record(order_id)
        m = ManagedOrder(order_id, r.strategy, r.symbol, r.side, r.type, r.qty, r.price,
                         r.stop_price, r.time_in_force, r.reduce_only, emulated=False,
                         state="WORKING", created_ns=int(r.ts.value),
                         legs=[order_id])  # fmt: skip
        self._register(m)
        self._save(m)
        return m

    def _owner(self, strategy: str, order_id: int) -> ManagedOrder | None:
        m = self._managed.get(order_id)
        if m is None:
            self._record_of(strategy, order_id)
            return None
        if m.strategy != strategy:
            raise ValueError(
                f"order {order_id} belongs to strategy {m.strategy!r}, not {strategy!r}"
            )
        return m

    def _record_of(self, strategy: str, order_id: int) -> OrderRecord:
        if not self._orders.has(order_id):
            raise ValueError(f"order_id {order_id} is unknown")
        record = self._orders.record(order_id)
        if record.strategy != strategy:
            raise ValueError(
                f"order {order_id} belongs to strategy {record.strategy!r}, not {strategy!r}"
            )
        return record

    def _symbol(self, order_id: int) -> str:
        m = self._managed.get(order_id)
        return m.symbol if m is not None else self._orders.record(order_id).symbol

    def _check_qty(self, symbol: str, qty: float, field_name: str) -> None:
        spec = self._instruments.get(symbol)
        if spec is None:
            return
        check_on_grid(qty, spec.lot_size, field_name, "lot_size")
        if spec.min_qty and qty < spec.min_qty:
            raise ValueError(f"{field_name} {qty!r} is below the minimum {spec.min_qty!r}")

    def _round_lot(self, symbol: str, qty: float) -> float:
        spec = self._instruments.get(symbol)
        if spec is None or spec.lot_size <= 0.0:
            return qty
        return round(round(qty / spec.lot_size) * spec.lot_size, 12)

    def _filled(self, order_id: int) -> float:
        """What an order has filled: a contingent one over all its legs."""
        m = self._managed.get(order_id)
        legs = [order_id] if m is None else m.legs
        return sum(self._orders.record(leg).filled_qty for leg in legs if self._orders.has(leg))

    def _prior(self, m: ManagedOrder | None) -> float:
        """What a contingent order's earlier legs filled."""
        if m is None:
            return 0.0
        return sum(
            self._orders.record(leg).filled_qty for leg in m.legs[:-1] if self._orders.has(leg)
        )

    def _is_open(self, order_id: int) -> bool:
        m = self._managed.get(order_id)
        if m is not None:
            return m.is_open
        return self._orders.has(order_id) and self._orders.is_open(order_id)

    def _save(self, m: ManagedOrder) -> None:
        if self._journal is not None:
            self._journal.record_contingent(
                m.order_id, m.strategy, m.state, dataclasses.asdict(m), time.time_ns()
            )

    def _save_bracket(self, bracket: Bracket) -> None:
        if self._journal is not None:
            self._journal.record_bracket(bracket.entry_id, bracket.strategy, bracket.body())

    def _drop_bracket(self, bracket: Bracket) -> None:
        self._brackets.pop(bracket.entry_id, None)
        if self._journal is not None:
            self._journal.drop_bracket(bracket.entry_id)

    def _record(self, m: ManagedOrder) -> OrderRecord:
        legs = [self._orders.record(leg) for leg in m.legs if self._orders.has(leg)]
        filled = sum(r.filled_qty for r in legs)
        notional = sum(r.filled_qty * (r.avg_fill_price or 0.0) for r in legs)
        current = legs[-1] if legs and legs[-1].order_id == m.legs[-1] else None
        if not m.is_open:
            status = m.state
        elif filled > 0.0:
            status = "PARTIALLY_FILLED"
        elif current is not None and current.status == "SUBMITTED":
            status = "SUBMITTED"
        else:
            status = "ACCEPTED"
        return OrderRecord(
            order_id=m.order_id,
            ts=pd.Timestamp(m.created_ns, unit="ns", tz="UTC"),
            symbol=m.symbol,
            side=m.side,
            type=m.type,
            qty=m.qty,
            price=m.price,
            stop_price=m.stop_price,
            status=status,
            filled_qty=filled,
            avg_fill_price=notional / filled if filled > 0.0 else None,
            strategy=m.strategy,
            reject_reason=m.reason,
            time_in_force=m.time_in_force,
            reduce_only=m.reduce_only,
            client_order_id=(
                current.client_order_id if current is not None else f"{self._prefix}-{m.order_id}"
            ),
        )

    def _deliver(self, m: ManagedOrder) -> None:
        self._on_order(m.strategy, self._record(m))

    @abstractmethod
    def _expire(self, order_id: int) -> None:
        """`order_id` reached its expire time: it ends EXPIRED."""

    @abstractmethod
    def _group_event(self, m: ManagedOrder, filled: bool) -> None:
        """`m` filled (in part or whole), ended or triggered: its group's others are canceled."""
