"""The live node's contingent orders, as the node uses them: `ContingentOrders`.

GTD expiry, trailing stops, OCO groups, brackets and modify, with the backtest's semantics,
emulated by the node where the venue has no such order.

A contingent order keeps one order id for the strategy from start to end. Behind it stand the
venue orders ("legs") that carry it, one at a time: a GTD or OCO order has one leg, sent GTC
at once; a trailing stop or a bracket's stop-loss is held by the node (no leg) until the
market reaches its stop, then one MARKET leg; a modified venue order gets a new leg once the
venue has confirmed the cancel of the old one. The strategy's records and fills carry the
contingent order's id; its quantity filled is that of all its legs.

Every change of state is journaled before anything it leads to is sent, so a restarted node
rebuilds these orders and goes on from where they stood: a leg journaled as sent is settled
by the venue's reports and queries (never sent again); a leg whose intent is not journaled was
never sent. While the node restores and reconciles, nothing is sent or canceled; ``resume``
then does what the journaled states call for.

`ContingentOrders` is built in layers, one module each, every one over the one before:
`contingent_state` (the orders, their records and journal), `contingent_legs` (legs sent and
canceled, orders ended), `contingent_groups` (OCO groups), `contingent_triggers` (trailing
and held stops, expiries), `contingent_modify` (modify by cancel, then replace) and
`contingent_brackets` (brackets); `managed_order` holds the order itself.
"""

from __future__ import annotations

import dataclasses

from alphaforge.contingent import OrderTerms
from alphaforge.live.contingent_brackets import ContingentBrackets
from alphaforge.live.managed_order import OPEN_STATES, ManagedOrder, venue_time_in_force
from alphaforge.live.order_groups import Bracket
from alphaforge.records import FillRecord, OrderRecord

STOPPED = "the node stopped"


class ContingentOrders(ContingentBrackets):
    """The node's contingent orders over its LiveOrders; the node routes to it and it hands
    the strategies their records and fills (those of every other order pass through)."""

    def __repr__(self) -> str:
        held = sum(len(v) for v in self._held.values())
        return f"ContingentOrders(managed={len(self._managed)}, held={held})"

    def manages(self, order_id: int) -> bool:
        """Whether `order_id` is one of the contingent orders."""
        return order_id in self._managed

    # What strategies ask for.
    def submit_contingent(
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
        terms: OrderTerms,
    ) -> int:
        """An order with an expiry, a trailing stop or an OCO group; returns its order id."""
        now = self._clock()
        if terms.expire_ns and terms.expire_ns <= now:
            raise ValueError(
                f"expire_time {terms.expire_ns} ns must be after the current time {now} ns"
            )
        if terms.expire_ns and time_in_force not in ("GTC", "GTD", "POST_ONLY"):
            raise ValueError(f"expire_time is for orders that rest, not {time_in_force} ones")
        if time_in_force == "GTD" and not terms.expire_ns:
            raise ValueError("time_in_force GTD needs an expire_time")
        venue_tif = venue_time_in_force(time_in_force)
        if terms.trail_amount and terms.trail_percent:
            raise ValueError("give trail_amount or trail_percent, not both")
        trails = bool(terms.trail_amount or terms.trail_percent)
        # A trailing stop's stop comes later: its fields are checked as the market order it
        # becomes.
        self._orders.validate(strategy, symbol, side, "MARKET" if trails else type, qty, price,
                              stop_price, venue_tif, reduce_only)  # fmt: skip
        partner = self._partner(strategy, symbol, terms.oco) if terms.oco else None
        if trails:
            return self._trailing(strategy, symbol, side, type, qty, stop_price, time_in_force,
                                  reduce_only, terms, partner)  # fmt: skip
        order_id = self._orders.reserve_id()
        m = ManagedOrder(order_id, strategy, symbol, side, type, qty, price, stop_price,
                         time_in_force, reduce_only, emulated=False, state="WORKING",
                         created_ns=now, expire_ns=terms.expire_ns,
                         legs=[order_id])  # fmt: skip
        self._register(m)
        try:
            self._orders.submit(
                strategy, symbol, side, type, qty, price, stop_price, venue_tif, reduce_only,
                order_id=order_id, before_send=lambda: self._joined(m, partner),
            )  # fmt: skip
        except Exception:
            self._unregister(m)
            self._orders.release_id(order_id)
            raise
        return order_id

    def cancel(self, strategy: str, order_id: int) -> bool:
        """Cancel a contingent order; False when it is no longer open."""
        m = self._owner(strategy, order_id)
        assert m is not None
        if not m.is_open:
            return False
        if m.state in ("HELD", "TRIGGERED"):
            self._finish(m, "CANCELED", "")
            return True
        if m.state == "REPLACING":
            m.end = ["CANCELED", ""]
            self._save(m)
            return True
        leg = m.legs[-1]
        if self._orders.cancel_in_flight(leg):
            return False
        return self._orders.cancel(strategy, leg)

    def open_orders(self, strategy: str, symbol: str | None) -> list[OrderRecord]:
        """`strategy`'s open orders, the contingent ones as the strategy knows them."""
        found: dict[int, OrderRecord] = {}
        for record in self._orders.open_orders(strategy, symbol):
            m = self._by_leg.get(record.order_id)
            found[record.order_id if m is None else m.order_id] = (
                record if m is None else self._record(m)
            )
        for m in self._managed.values():
            if (
                m.is_open
                and m.strategy == strategy
                and (symbol is None or m.symbol == symbol)
                and m.order_id not in found
            ):
                found[m.order_id] = self._record(m)
        return [found[k] for k in sorted(found)]

    # What LiveOrders reports of every order.
    def on_order(self, strategy: str, record: OrderRecord) -> None:
        """An order's record changed: a leg's is turned into its contingent order's."""
        m = self._by_leg.get(record.order_id)
        if m is None:
            self._on_order(strategy, record)
            bracket = self._brackets.get(record.order_id)
            if bracket is not None and not record.is_open:
                self._entry_ended(bracket)
            return
        if record.order_id != m.legs[-1] or not m.is_open:
            return  # an earlier leg, or an order already ended
        if record.is_open:
            self._deliver(m)
        elif record.status == "FILLED":
            m.pending = None
            self._finish(m, "FILLED", "")
        elif record.status == "CANCELED" and m.state == "REPLACING" and m.end is None:
            self._replace(m)
        elif record.status == "CANCELED" and m.end is not None:
            self._finish(m, m.end[0], m.end[1])
        else:
            self._finish(m, record.status, record.reject_reason)
        bracket = self._brackets.get(m.order_id)
        if bracket is not None and m.state not in OPEN_STATES:
            self._entry_ended(bracket)

    def on_fill(self, strategy: str, fill: FillRecord) -> None:
        """A fill of any order: a leg's carries its contingent order's id; it closes the
        order's OCO group, and a bracket entry's places or grows its exits."""
        m = self._by_leg.get(fill.order_id)
        if m is not None:
            fill = dataclasses.replace(fill, order_id=m.order_id)
        self._on_fill(strategy, fill)
        if m is not None:
            self._group_event(m, filled=True)
        bracket = self._brackets.get(fill.order_id)
        if bracket is not None:
            self._entry_filled(bracket)

    # Restart and stop.
    def restore(self) -> None:
        """Re-enter the journal's contingent orders and brackets; nothing is sent until
        ``resume``."""
        if self._journal is None:
            return
        self._acting = False
        for body in self._journal.contingent():
            m = ManagedOrder(**body)
            self._register(m)
            if m.group:
                self._groups.join(m.group, m.order_id)
                if m.closed_by:
                    self._groups.close(m.group, m.closed_by)
        for body in self._journal.brackets():
            bracket = Bracket(**body)
            self._brackets[bracket.entry_id] = bracket
            for child in (bracket.stop_id, bracket.target_id):
                if child:
                    self._children[child] = bracket.entry_id

    def resume(self) -> None:
        """After reconciliation: do what the journaled states call for (legs never sent are
        sent, cancels asked for are asked again, exits of brackets that filled are placed)."""
        self._acting = True
        for m in list(self._managed.values()):
            if not m.is_open:
                continue
            if m.state == "TRIGGERED":
                self._trigger(m)
            elif m.state in ("WORKING", "REPLACING") and not self._orders.has(m.legs[-1]):
                self._send_leg(m, m.legs[-1])  # journaled as to be sent; never sent
            elif m.state == "REPLACING" and not self._orders.is_open(m.legs[-1]):
                if m.end is not None:
                    self._finish(m, m.end[0], m.end[1])
                else:
                    self._replace(m)
            elif m.state == "REPLACING" or m.end is not None:
                self._cancel_leg(m)
        for bracket in list(self._brackets.values()):
            if self._filled(bracket.entry_id) > 0.0:
                self._entry_filled(bracket)
            elif not self._is_open(bracket.entry_id):
                self._drop_bracket(bracket)
        now = self._clock()
        for symbol in list(self._expiring):
            self.before_event(symbol, now)

    def halt(self, cancel_all: bool) -> None:
        """The node stops: nothing more is triggered, expired, placed or sent. With
        `cancel_all` the held orders end CANCELED now and the others when the node's cancel of
        every venue order lands; without it they stay as journaled, for a restart."""
        self._acting = False
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if not cancel_all:
            return
        for m in list(self._managed.values()):
            if m.state in ("HELD", "TRIGGERED"):
                self._finish(m, "CANCELED", STOPPED)
            elif m.is_open:
                m.end = ["CANCELED", STOPPED]
                self._save(m)
