"""What contingent orders carry from a strategy to the context that runs it: an expiry, a
trailing stop, an OCO group; and the ``Bracket`` handle ``buy_bracket``/``sell_bracket``
return."""

from __future__ import annotations

import datetime as dt
import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from alphaforge.strategy import Strategy


@dataclass(frozen=True, slots=True)
class OrderTerms:
    """An order's contingent terms; the zero values mean none.

    `expire_ns`: the order expires (EXPIRED) at the first event of its symbol at or after this
    time. `trail_amount` / `trail_percent`: a trailing STOP whose stop follows the market at
    that distance (a fraction for the percent). `oco`: an open order whose group this one
    joins: when one of the group fills or ends, the others are canceled.
    """

    expire_ns: int = 0
    trail_amount: float = 0.0
    trail_percent: float = 0.0
    oco: int = 0


def expire_ns(value: object) -> int:
    """An expiry as UTC nanoseconds: an int (ns), a datetime (naive read as UTC), a Timestamp
    or an ISO text."""
    if isinstance(value, bool):
        raise TypeError(f"expire_time must be a time, got {value!r}")
    if isinstance(value, numbers.Integral):
        ns = int(value)
    elif isinstance(value, (str, dt.datetime, pd.Timestamp)):
        try:
            stamp = pd.Timestamp(value)
        except ValueError as error:
            raise ValueError(f"expire_time {value!r} is not a time: {error}") from None
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        ns = int(stamp.value)
    else:
        raise TypeError(
            f"expire_time must be ns since the epoch, a datetime or a text, got {value!r}"
        )
    if ns <= 0:
        raise ValueError(f"expire_time must be after the epoch, got {value!r}")
    return ns


def trail_distance(value: object, field: str) -> float:
    """A trail_amount (> 0) or trail_percent (a fraction in (0, 1))."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{field} must be a number, got {value!r}")
    number = float(value)
    upper = 1.0 if field == "trail_percent" else math.inf
    if not (0.0 < number < upper):
        what = "a fraction in (0, 1)" if field == "trail_percent" else "a price distance > 0"
        raise ValueError(f"{field} must be {what}, got {value!r}")
    return number


class Bracket:
    """A bracket order: its entry, and the stop-loss and take-profit placed when it fills.

    The children's ids are None until the entry has filled (and stay None when it ended
    unfilled); cancel the entry to drop the bracket before it fills.
    """

    __slots__ = ("_strategy", "entry_id")

    def __init__(self, strategy: Strategy, entry_id: int) -> None:
        self.entry_id = entry_id
        self._strategy = strategy

    def __repr__(self) -> str:
        return (
            f"Bracket(entry_id={self.entry_id}, stop_loss_id={self.stop_loss_id}, "
            f"take_profit_id={self.take_profit_id})"
        )

    @property
    def stop_loss_id(self) -> int | None:
        """The STOP that closes the position at the stop-loss, once placed."""
        return self._children()[0]

    @property
    def take_profit_id(self) -> int | None:
        """The LIMIT that closes the position at the take-profit, once placed."""
        return self._children()[1]

    def _children(self) -> tuple[int | None, int | None]:
        strategy = self._strategy
        return strategy._contingent().bracket_children(strategy.name, self.entry_id)
