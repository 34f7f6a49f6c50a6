"""The contingent order as the node holds and journals it, and the rules of its stop and legs."""

from __future__ import annotations

from dataclasses import dataclass, field

OPEN_STATES = ("HELD", "TRIGGERED", "WORKING", "REPLACING")


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


def venue_time_in_force(time_in_force: str) -> str:
    """What a leg is sent as: a GTD order rests GTC at the venue, the node keeps its expiry."""
    return "GTC" if time_in_force == "GTD" else time_in_force


def check_on_grid(value: float, step: float, field_name: str, unit: str) -> None:
    """ValueError naming the field when `value` is not a whole number of `step`s (the
    engine's rule and message)."""
    if step <= 0.0:
        return
    steps = round(value / step)
    tolerance = max(step * 1e-9, abs(value) * 1e-14)
    if abs(steps * step - value) > tolerance:
        raise ValueError(f"{field_name} {value!r} is not a multiple of the {unit} {step!r}")
