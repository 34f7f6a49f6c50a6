"""OCO groups of contingent orders: joining one, and closing it when a member fills or ends."""

from __future__ import annotations

import logging

from alphaforge.live.contingent_legs import ContingentLegs
from alphaforge.live.managed_order import ManagedOrder

# The contingent orders log under the name of the module of their facade.
_log = logging.getLogger("alphaforge.live.emulated_orders")
SIBLING_REFUSED = "its bracket sibling was refused"


class ContingentGroups(ContingentLegs):
    """Joins the contingent orders into OCO groups and cancels a group's others when one
    member fills, ends or triggers."""

    def _joined(self, m: ManagedOrder, partner: ManagedOrder | int | None) -> None:
        """`m` joins `partner`'s OCO group (adopting a plain partner), then is journaled."""
        if partner is not None:
            other = self._adopt(partner) if isinstance(partner, int) else partner
            if not other.group:
                other.group = other.order_id
                self._groups.join(other.group, other.order_id)
                self._save(other)
            m.group = other.group
            self._groups.join(m.group, m.order_id)
        self._save(m)

    def _partner(self, strategy: str, symbol: str, oco: int) -> ManagedOrder | int:
        """The open order an OCO group is joined through (its id when not yet contingent)."""
        m = self._managed.get(oco)
        if m is None and not self._orders.has(oco):
            raise ValueError(f"oco: order {oco} is unknown")
        if m is not None:
            self._owner(strategy, oco)
            is_open, status, of = m.is_open, m.state, m.symbol
        else:
            record = self._record_of(strategy, oco)
            is_open, status, of = record.is_open, record.status, record.symbol
        if not is_open:
            raise ValueError(f"oco: order {oco} is {status}; an OCO group joins open orders")
        if of != symbol:
            raise ValueError(f"oco: order {oco} is of {of}, not {symbol}")
        return oco if m is None else m

    def _group_event(self, m: ManagedOrder, filled: bool) -> None:
        """`m` filled (in part or whole), ended or triggered: its group's others are canceled."""
        group = m.group
        if not group:
            return
        closer = self._groups.closed_by(group)
        if closer is None:
            sibling_refused = m.state == "REJECTED" and m.order_id in self._children
            reason = (
                SIBLING_REFUSED
                if sibling_refused
                else f"OCO: order {m.order_id} "
                + ("triggered" if m.state == "TRIGGERED" else "filled or ended")
            )
            self._close_group(group, m, reason)
        elif closer != m.order_id:
            first = self._managed[closer]
            if filled and first.state == "TRIGGERED":
                # The trigger's market order was not sent: this fill came first.
                self._groups.close(group, m.order_id)
                self._finish(first, "CANCELED", f"OCO: order {m.order_id} filled or ended")
            elif filled:
                _log.warning(
                    "OCO group %d: order %d filled after order %d had closed the group, before "
                    "its cancel reached the venue",
                    group,
                    m.order_id,
                    closer,
                )
        self._release_trigger(group)

    def _close_group(self, group: int, m: ManagedOrder, reason: str) -> None:
        self._groups.close(group, m.order_id)
        for other_id in [m.order_id, *self._groups.others(group, m.order_id)]:
            other = self._managed[other_id]
            other.closed_by = m.order_id
            self._save(other)
        for other_id in self._groups.others(group, m.order_id):
            other = self._managed[other_id]
            if other.is_open:
                self._end(other, "CANCELED", reason)

    def _release_trigger(self, group: int) -> None:
        """A triggered member goes to market once every other member of its group has ended."""
        closer = self._groups.closed_by(group)
        first = self._managed.get(closer) if closer is not None else None
        if first is None or first.state != "TRIGGERED" or not self._acting:
            return
        if all(not self._managed[o].is_open for o in self._groups.others(group, first.order_id)):
            self._send_market(first)
