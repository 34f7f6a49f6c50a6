"""Brackets: the entry sent at once, its stop-loss and take-profit placed and grown as it fills."""

from __future__ import annotations

import logging

from alphaforge.live.contingent_modify import ContingentModify
from alphaforge.live.managed_order import ManagedOrder, check_on_grid
from alphaforge.live.order_groups import Bracket

# The contingent orders log under the name of the module of their facade.
_log = logging.getLogger("alphaforge.live.emulated_orders")


class ContingentBrackets(ContingentModify):
    """Brackets over the contingent orders: an entry and its two exits in an OCO group."""

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
        check_on_grid(stop_loss, tick, "stop_loss", "tick_size")
        check_on_grid(take_profit, tick, "take_profit", "tick_size")
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
