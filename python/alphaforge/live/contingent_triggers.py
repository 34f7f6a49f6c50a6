"""What the market sets off: trailing stops that follow it, held stops it reaches, expiries."""

from __future__ import annotations

from alphaforge.contingent import OrderTerms
from alphaforge.live.contingent_groups import ContingentGroups
from alphaforge.live.managed_order import ManagedOrder, trailed_stop

EXPIRED_REASON = "expire_time reached (GTD)"


class ContingentTriggers(ContingentGroups):
    """Trailing stops, held stops and GTD expiries of the contingent orders."""

    def _trailing(
        self,
        strategy: str,
        symbol: str,
        side: str,
        type: str,
        qty: float,
        stop_price: float | None,
        time_in_force: str,
        reduce_only: bool,
        terms: OrderTerms,
        partner: ManagedOrder | int | None,
    ) -> int:
        if type != "STOP" or stop_price is not None:
            raise ValueError(
                "a trailing stop is a STOP order without stop_price: its stop follows the market"
            )
        self._check_qty(symbol, qty, "qty")
        reference = self._reference(symbol, side)
        if reference is None:
            raise ValueError(
                f"a trailing stop of {symbol} starts from its last price, and none is known yet"
            )
        stop = trailed_stop(side, None, terms.trail_amount, terms.trail_percent, reference)
        if not stop > 0.0:
            raise ValueError(
                f"trailing stop of {symbol} would start at {stop!r} from the last price "
                f"{reference!r}: the trail is too wide"
            )
        m = ManagedOrder(self._orders.reserve_id(), strategy, symbol, side, "STOP", qty, None,
                         stop, time_in_force, reduce_only, emulated=True, state="HELD",
                         created_ns=self._clock(), expire_ns=terms.expire_ns,
                         trail_amount=terms.trail_amount,
                         trail_percent=terms.trail_percent)  # fmt: skip
        self._register(m)
        self._joined(m, partner)
        self._deliver(m)
        return m.order_id

    # The market.
    def before_event(self, symbol: str, ts_ns: int) -> None:
        """A trade of `symbol` stamped `ts_ns` by the venue is about to be handled: orders
        whose expiry it reaches expire first (as in the backtest, before it is offered to
        them). Quotes carry no venue time on Binance, so trades alone move this clock."""
        expiring = self._expiring.get(symbol)
        if not expiring or not self._acting:
            return
        for m in list(expiring):
            if ts_ns >= m.expire_ns:
                self._expire(m.order_id)

    def after_trade(self, symbol: str, price: float) -> None:
        """A trade of `symbol` was handled: held stops it reaches trigger, the others trail."""
        held = self._held.get(symbol)
        if not held or not self._acting:
            return
        for m in list(held):
            if m.state != "HELD":
                continue
            stop = m.stop_price
            assert stop is not None
            if (price >= stop) if m.side == "BUY" else (price <= stop):
                self._trigger(m)
            elif m.trail_amount or m.trail_percent:
                moved = trailed_stop(m.side, stop, m.trail_amount, m.trail_percent, price)
                if moved != stop:
                    m.stop_price = moved
                    self._save(m)

    def _expire(self, order_id: int) -> None:
        self._timers.pop(order_id, None)
        m = self._managed.get(order_id)
        if m is None or not m.is_open or not self._acting:
            return
        self._drop_watch(m)
        self._end(m, "EXPIRED", EXPIRED_REASON)

    def _trigger(self, m: ManagedOrder) -> None:
        self._drop_watch(m)
        m.state = "TRIGGERED"
        self._save(m)
        group = m.group
        if group and self._groups.closed_by(group) is None:
            self._group_event(m, filled=False)
        elif group:
            self._release_trigger(group)
        else:
            self._send_market(m)
