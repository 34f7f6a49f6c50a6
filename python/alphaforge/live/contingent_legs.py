"""How a contingent order's venue orders (its legs) are sent and canceled, and how it ends."""

from __future__ import annotations

from alphaforge.live.contingent_state import ContingentState
from alphaforge.live.managed_order import ManagedOrder, venue_time_in_force


class ContingentLegs(ContingentState):
    """Sends and cancels the legs of the contingent orders and ends the orders."""

    def _finish(self, m: ManagedOrder, status: str, reason: str) -> None:
        m.state = status
        m.reason = reason
        m.pending = None
        self._drop_watch(m)
        self._save(m)
        self._deliver(m)
        self._group_event(m, filled=False)

    def _end(self, m: ManagedOrder, status: str, reason: str) -> None:
        """End an open order for the node's own reason (its expiry, its OCO group)."""
        if m.state in ("HELD", "TRIGGERED"):
            self._finish(m, status, reason)
            return
        m.end = [status, reason]
        self._save(m)
        if m.state == "WORKING":
            self._cancel_leg(m)

    def _cancel_leg(self, m: ManagedOrder) -> None:
        if not self._acting:
            return  # resume() asks again
        leg = m.legs[-1]
        if not self._orders.has(leg):
            return
        if self._orders.is_open(leg) and not self._orders.cancel_in_flight(leg):
            self._orders.cancel(m.strategy, leg)

    def _send_market(self, m: ManagedOrder) -> None:
        if not self._acting:
            return
        m.state = "WORKING"
        m.legs = [m.order_id]
        self._by_leg[m.order_id] = m
        self._send_leg(m, m.order_id)

    def _send_leg(self, m: ManagedOrder, leg: int) -> None:
        """Send `m`'s leg `leg` for what is left of it; journaled first."""
        if not self._acting:
            return
        leaves = self._round_lot(m.symbol, m.qty - self._prior(m))
        kind = "MARKET" if m.emulated else m.type
        price = None if kind in ("MARKET", "STOP") else m.price
        stop = m.stop_price if kind in ("STOP", "STOP_LIMIT") else None
        try:
            self._orders.submit(
                m.strategy, m.symbol, m.side, kind, leaves, price, stop,
                venue_time_in_force(m.time_in_force), m.reduce_only, order_id=leg,
                before_send=lambda: self._save(m),
            )  # fmt: skip
        except ValueError as error:
            self._finish(m, "REJECTED", f"its order to the venue was refused: {error}")
