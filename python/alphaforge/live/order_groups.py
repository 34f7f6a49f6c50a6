"""Which of the live node's orders belong together: OCO groups and brackets.

A group is named by its first order's id, as in the backtest. The member whose fill, end or
trigger closes the group is kept, so that a member that fills after that (before its cancel
reached the venue) is told apart from the one that closed it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Bracket:
    """A bracket: its entry, its exits' prices, and the exits' ids once placed (0 before)."""

    entry_id: int
    strategy: str
    symbol: str
    side: str
    stop_loss: float
    take_profit: float
    stop_id: int = 0
    target_id: int = 0

    def body(self) -> dict[str, Any]:
        """The journal's form."""
        return dataclasses.asdict(self)

    @property
    def children(self) -> tuple[int | None, int | None]:
        """(stop-loss id, take-profit id), None before they are placed."""
        return (self.stop_id or None, self.target_id or None)


class OcoGroups:
    """The members of each OCO group, and the member that closed it."""

    def __init__(self) -> None:
        self._members: dict[int, list[int]] = {}
        self._closed_by: dict[int, int] = {}

    def join(self, group: int, order_id: int) -> None:
        """Add an order to a group (a group's first order joins it first)."""
        members = self._members.setdefault(group, [])
        if order_id not in members:
            members.append(order_id)

    def others(self, group: int, order_id: int) -> list[int]:
        """The group's members but `order_id`."""
        return [m for m in self._members.get(group, ()) if m != order_id]

    def closed_by(self, group: int) -> int | None:
        """The member that closed the group, or None while it is whole."""
        return self._closed_by.get(group)

    def close(self, group: int, order_id: int) -> None:
        """`order_id` closes the group (it filled, ended or triggered first)."""
        self._closed_by[group] = order_id
