"""The live node's contingent orders: GTD expiry, trailing stops, OCO groups, brackets and
modify, with the backtest's semantics, emulated by the node where the venue has no such order.

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
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from alphaforge.contingent import OrderTerms
from alphaforge.live.journal import Journal
from alphaforge.live.order_groups import Bracket, OcoGroups
from alphaforge.live.orders import LiveOrders
from alphaforge.live.venue import InstrumentSpec
from alphaforge.records import FillRecord, OrderRecord

_log = logging.getLogger("alphaforge.live.emulated_orders")
OPEN_STATES = ("HELD", "TRIGGERED", "WORKING", "REPLACING")
EXPIRED_REASON = "expire_time reached (GTD)"
SIBLING_REFUSED = "its bracket sibling was refused"
STOPPED = "the node stopped"


@dataclass(slots=True)
class ManagedOrder:
    """A contingent order as the node holds and journals it.

    `state`: HELD (emulated, waiting for its stop), TRIGGERED (its stop was reached; waiting
    for the cancels of its OCO siblings before its market leg is sent), WORKING (a leg at the
    venue), REPLACING (the leg's cancel is under way; `pending` holds the new terms), or the
    final status. `end` is the status and reason a cancel the node asked for ends it with
    (EXPIRED at its expire time, CANCELED by its OCO group).
    """

    order_id: int
    strategy: str
    symbol: str
    side: str
    type: str
    qty: float
    price: float | None
    stop_price: float | None
    time_in_force: str
    reduce_only: bool
    emulated: bool
    state: str
    created_ns: int
    expire_ns: int = 0
    trail_amount: float = 0.0
    trail_percent: float = 0.0
    group: int = 0
    closed_by: int = 0
    legs: list[int] = field(default_factory=list)
    reason: str = ""
    pending: dict[str, float] | None = None
    end: list[str] | None = None

    @property
    def is_open(self) -> bool:
        """Whether it may still fill."""
        return self.state in OPEN_STATES


def trailed_stop(
    side: str, stop: float | None, amount: float, percent: float, price: float
) -> float:
    """The stop of a trailing order after a trade at `price`: it follows the market at its
    distance and never moves back (a sell's stop only rises, a buy's only falls)."""
    distance = amount if amount > 0.0 else price * percent
    if side == "BUY":
        moved = price + distance
        return stop if stop is not None and stop <= moved else moved
    moved = price - distance
    return stop if stop is not None and stop >= moved else moved


def _venue_tif(time_in_force: str) -> str:
    """What a leg is sent as: a GTD order rests GTC at the venue, the node keeps its expiry."""
    return "GTC" if time_in_force == "GTD" else time_in_force


def _on_grid(value: float, step: float, field_name: str, unit: str) -> None:
    """ValueError naming the field when `value` is not a whole number of `step`s (the
    engine's rule and message)."""
    if step <= 0.0:
        return
    steps = round(value / step)
    tolerance = max(step * 1e-9, abs(value) * 1e-14)
    if abs(steps * step - value) > tolerance:
        raise ValueError(f"{field_name} {value!r} is not a multiple of the {unit} {step!r}")


class ContingentOrders:
    """The node's contingent orders over its LiveOrders; the node routes to it and it hands
    the strategies their records and fills (those of every other order pass through)."""

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
        venue_tif = _venue_tif(time_in_force)
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

    def submit_bracket(
        self,
        strategy: str,
        symbol: str,
        side: str,
        qty: float,
        price: float | None,
        stop_loss: float,
        take_profit: float,
    ) -> int:
        """A bracket's entry, sent now; its exits are placed as it fills. Returns its id."""
        spec = self._instruments.get(symbol)
        tick = spec.tick_size if spec is not None else 0.0
        _on_grid(stop_loss, tick, "stop_loss", "tick_size")
        _on_grid(take_profit, tick, "take_profit", "tick_size")
        buy = side == "BUY"
        low, high = (stop_loss, take_profit) if buy else (take_profit, stop_loss)
        low_name, high_name = ("stop_loss", "take_profit") if buy else ("take_profit", "stop_loss")
        if not low < high:
            raise ValueError(
                f"a {side.lower()} bracket needs {low_name} below {high_name}, got "
                f"{low_name}={low!r} {high_name}={high!r}"
            )
        if price is not None and not low < price < high:
            raise ValueError(
                f"the entry limit {price!r} must lie between {low_name}={low!r} and "
                f"{high_name}={high!r}"
            )
        kind = "MARKET" if price is None else "LIMIT"
        entry_id = self._orders.reserve_id()
        bracket = Bracket(entry_id, strategy, symbol, side, stop_loss, take_profit)
        self._brackets[entry_id] = bracket
        try:
            self._orders.submit(
                strategy, symbol, side, kind, qty, price, None, "GTC", False,
                order_id=entry_id, before_send=lambda: self._save_bracket(bracket),
            )  # fmt: skip
        except Exception:
            del self._brackets[entry_id]
            self._orders.release_id(entry_id)
            raise
        if not self._orders.is_open(entry_id) and self._filled(entry_id) == 0.0:
            self._drop_bracket(bracket)
        return entry_id

    def bracket_children(self, strategy: str, entry_id: int) -> tuple[int | None, int | None]:
        """(stop-loss id, take-profit id) of a bracket; None before they are placed."""
        self._owner(strategy, entry_id)
        bracket = self._brackets.get(entry_id)
        return (None, None) if bracket is None else bracket.children

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
            _on_grid(stop_price, spec.tick_size, "stop_price", "tick_size")
        m.qty = m.qty if qty is None else qty
        m.stop_price = m.stop_price if stop_price is None else stop_price
        self._save(m)
        self._deliver(m)

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

    # Inside.
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

    def _expire(self, order_id: int) -> None:
        self._timers.pop(order_id, None)
        m = self._managed.get(order_id)
        if m is None or not m.is_open or not self._acting:
            return
        self._drop_watch(m)
        self._end(m, "EXPIRED", EXPIRED_REASON)

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
        _on_grid(qty, spec.lot_size, field_name, "lot_size")
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
                _venue_tif(m.time_in_force), m.reduce_only, order_id=leg,
                before_send=lambda: self._save(m),
            )  # fmt: skip
        except ValueError as error:
            self._finish(m, "REJECTED", f"its order to the venue was refused: {error}")

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

    def _entry_filled(self, bracket: Bracket) -> None:
        """A bracket's entry filled (more): its exits are placed, or grown to what it filled."""
        if not self._acting:
            return  # resume() places them
        filled = self._filled(bracket.entry_id)
        if not bracket.stop_id:
            self._place_exits(bracket, filled)
            return
        stop = self._managed[bracket.stop_id]
        target = self._managed[bracket.target_id]
        if self._groups.closed_by(stop.group) is not None:
            return  # an exit has filled or ended: the bracket is closing
        if stop.state == "HELD" and stop.qty < filled:
            stop.qty = filled
            self._save(stop)
            self._deliver(stop)
        if target.state == "REPLACING":
            target.pending = {**(target.pending or {}), "qty": filled}
            self._save(target)
        elif target.is_open and target.qty < filled:
            try:
                self.modify(target.strategy, target.order_id, None, filled, None)
            except ValueError as error:  # being canceled, or refused by the risk limits
                _log.warning(
                    "take-profit %d of bracket %d not grown to %s: %s",
                    target.order_id,
                    bracket.entry_id,
                    filled,
                    error,
                )

    def _place_exits(self, bracket: Bracket, filled: float) -> None:
        stop_id = self._orders.reserve_id()
        target_id = self._orders.reserve_id()
        side = "SELL" if bracket.side == "BUY" else "BUY"
        now = self._clock()
        stop = ManagedOrder(stop_id, bracket.strategy, bracket.symbol, side, "STOP", filled,
                            None, bracket.stop_loss, "GTC", False, emulated=True, state="HELD",
                            created_ns=now, group=stop_id)  # fmt: skip
        target = ManagedOrder(target_id, bracket.strategy, bracket.symbol, side, "LIMIT",
                              filled, bracket.take_profit, None, "GTC", False, emulated=False,
                              state="WORKING", created_ns=now, group=stop_id,
                              legs=[target_id])  # fmt: skip
        bracket.stop_id, bracket.target_id = stop_id, target_id
        for child in (stop, target):
            self._children[child.order_id] = bracket.entry_id
            self._register(child)
            self._groups.join(stop_id, child.order_id)
        self._save_bracket(bracket)
        self._save(stop)
        self._save(target)
        self._deliver(stop)
        self._send_leg(target, target_id)

    def _entry_ended(self, bracket: Bracket) -> None:
        if not bracket.stop_id and self._filled(bracket.entry_id) == 0.0:
            self._drop_bracket(bracket)
