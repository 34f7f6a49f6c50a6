"""Modify of an open order: a held one at once, a venue one by cancel, then replace."""

from __future__ import annotations

from alphaforge.live.contingent_triggers import ContingentTriggers
from alphaforge.live.managed_order import ManagedOrder, check_on_grid


class ContingentModify(ContingentTriggers):
    """Modifies the open orders under their ids."""

    def modify(
        self,
        strategy: str,
        order_id: int,
        price: float | None,
        qty: float | None,
        stop_price: float | None,
    ) -> None:
        """Change an open order's limit price, total quantity or stop under its id: a held
        order at once; a venue order by canceling its leg and, once the venue confirms the
        cancel, sending a new one (never both outstanding)."""
        m = self._managed.get(order_id)
        if m is None:
            record = self._record_of(strategy, order_id)
            if not record.is_open:
                raise ValueError(f"order {order_id} is {record.status} and cannot be modified")
        else:
            self._owner(strategy, order_id)
            if not m.is_open:
                raise ValueError(f"order {order_id} is {m.state} and cannot be modified")
        if price is None and qty is None and stop_price is None:
            raise ValueError("modify needs a new price, quantity or stop_price")
        if m is not None and m.emulated and m.state == "HELD":
            self._modify_held(m, price, qty, stop_price)
            return
        if m is not None and m.emulated:
            if stop_price is not None:
                raise ValueError(f"stop_price: the stop of order {order_id} has already fired")
            raise ValueError(f"order {order_id} has triggered: its market order is under way")
        leg = order_id if m is None else m.legs[-1]
        if self._orders.cancel_in_flight(leg) and (m is None or m.state != "REPLACING"):
            raise ValueError(f"order {order_id} is being canceled and cannot be modified")
        filled = self._filled(order_id)
        leg_qty = None
        if qty is not None:
            if not qty > filled:
                raise ValueError(f"quantity {qty!r} must exceed the filled quantity {filled!r}")
            leg_qty = self._round_lot(symbol=self._symbol(order_id), qty=qty - self._prior(m))
        self._orders.check_modify(leg, price, leg_qty, stop_price)
        if m is None:
            m = self._adopt(order_id)
        pending = dict(m.pending or {})
        for key, value in (("price", price), ("qty", qty), ("stop_price", stop_price)):
            if value is not None:
                pending[key] = value
        m.pending = pending
        if m.state == "REPLACING":
            self._save(m)
            return
        m.state = "REPLACING"
        self._save(m)
        self._cancel_leg(m)

    def _modify_held(
        self, m: ManagedOrder, price: float | None, qty: float | None, stop_price: float | None
    ) -> None:
        if price is not None:
            raise ValueError("a STOP order has no price")
        spec = self._instruments.get(m.symbol)
        if qty is not None:
            self._check_qty(m.symbol, qty, "quantity")
        if stop_price is not None and spec is not None:
            check_on_grid(stop_price, spec.tick_size, "stop_price", "tick_size")
        m.qty = m.qty if qty is None else qty
        m.stop_price = m.stop_price if stop_price is None else stop_price
        self._save(m)
        self._deliver(m)

    def _replace(self, m: ManagedOrder) -> None:
        """The old leg's cancel is confirmed: the new terms apply and a new leg is sent."""
        if not self._acting:
            return
        pending = m.pending or {}
        m.price = pending.get("price", m.price)
        m.qty = pending.get("qty", m.qty)
        m.stop_price = pending.get("stop_price", m.stop_price)
        m.pending = None
        filled = self._filled(m.order_id)
        if not m.qty > filled:
            # It filled up to the new quantity while the cancel was under way.
            m.qty = max(m.qty, filled)
            self._finish(m, "FILLED", "")
            return
        leg = self._orders.reserve_id()
        m.legs.append(leg)
        self._by_leg[leg] = m
        m.state = "WORKING"
        self._send_leg(m, leg)
