"""Recovery on restart: the journal's orders and fills re-entered, then reconciled with the venue.

The journal holds every order intent (committed before its send), every status the venue
reported and every fill by trade id. A restart re-enters them as they stood, then asks the
venue what happened while the node was down: each order the journal holds open is queried by
its client id (never resent), the venue's trades since the oldest of them are applied once
(the engine drops a trade id it has booked), and the venue's open orders are compared with
ours. What cannot be made to agree stops the node with the list of differences.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from alphaforge.live.journal import Journal
from alphaforge.live.orders import LiveOrders
from alphaforge.live.venue import ExecutionClient, FillReport, OrderReport

# Fill quantities are sums of venue decimals read as floats.
_QTY_TOLERANCE = 1e-9
# The venue stamps trades by its own clock: look back this much further than our own.
_CLOCK_SKEW_NS = 60_000_000_000
_PAPER_GONE = "the paper venue's orders end with its session"
NOT_PLACED = "not placed: unknown to the venue after a restart"


class ReconciliationError(RuntimeError):
    """The journal and the venue disagree in ways the node cannot settle by itself."""

    def __init__(self, differences: list[str]) -> None:
        self.differences = differences
        listed = "\n".join(f"- {d}" for d in differences)
        super().__init__(
            f"the journal and the venue disagree; the node will not trade until this is "
            f"settled:\n{listed}"
        )


@dataclass(frozen=True, slots=True)
class RecoverySummary:
    """What a restart found in the journal and at the venue."""

    orders: int
    fills: int
    open_orders: int
    missed_fills: int
    resolved: int
    not_placed: int


def restore(orders: LiveOrders, journal: Journal) -> tuple[int, int]:
    """Re-enter the journal's orders and fills; returns their counts."""
    fills_by_order: dict[str, list[FillReport]] = defaultdict(list)
    fills = journal.fills()
    for fill in fills:
        fills_by_order[fill.client_order_id].append(fill)
    entries = journal.orders()
    for entry in entries:
        orders.restore(entry, fills_by_order.get(entry.client_order_id, []))
    return len(entries), len(fills)


async def reconcile(
    orders: LiveOrders, journal: Journal, execution: ExecutionClient, *, paper: bool
) -> RecoverySummary:
    """Restore the journal into `orders`, then settle it against the venue's state."""
    # What the journal held open when the node stopped, before its own fills are replayed.
    journal_open = journal.orders(open_only=True)
    restored_orders, restored_fills = restore(orders, journal)
    unsettled = {live.intent.client_order_id: live for live in orders.unsettled()}
    if paper:
        for live in unsettled.values():
            orders.on_order_report(
                _closed(live.intent.symbol, live.intent.client_order_id, "CANCELED", _PAPER_GONE)
            )
        return RecoverySummary(restored_orders, restored_fills, len(unsettled), 0, 0, 0)

    to_query = {entry.client_order_id: entry.symbol for entry in journal_open}
    to_query.update({cid: live.intent.symbol for cid, live in unsettled.items()})
    differences: list[str] = []
    reports: dict[str, OrderReport] = {}
    not_placed = 0
    for cid, symbol in to_query.items():
        report = await execution.query_order(symbol, cid)
        if report is None:
            # Sent (it is journaled) but never taken: the venue's own answer, after the
            # client's retries for its query lag. Closed, never sent a second time.
            not_placed += 1
            orders.on_order_report(_closed(symbol, cid, "REJECTED", NOT_PLACED))
            continue
        reports[cid] = report
        orders.on_order_report(report)

    created = {entry.client_order_id: entry.created_ns for entry in journal.orders()}
    since: dict[str, int] = {}
    for cid, symbol in to_query.items():
        since[symbol] = min(since.get(symbol, created[cid]), created[cid])
    missed = 0
    for symbol, since_ns in since.items():
        venue_fills = await execution.fills(symbol, since_ns - _CLOCK_SKEW_NS)
        for fill in venue_fills:
            try:
                missed += orders.on_fill_report(fill)
            except ValueError as error:  # more than the order's quantity: the books differ
                differences.append(f"fill {fill.trade_id} of {symbol}: {error}")
        at_venue = {f.trade_id for f in venue_fills}
        for fill in journal.fills(symbol):
            if fill.client_order_id in to_query and fill.trade_id not in at_venue:
                differences.append(
                    f"fill {fill.trade_id} of order {fill.client_order_id} ({fill.side} "
                    f"{fill.qty} at {fill.price}) is in the journal but not at the venue"
                )

    for cid, report in reports.items():
        booked = orders.filled_qty(cid)
        if not math.isclose(booked, report.filled_qty, rel_tol=0.0, abs_tol=_QTY_TOLERANCE):
            differences.append(
                f"order {cid}: the venue has {report.filled_qty} filled, the journal and the "
                f"venue's trades give {booked}"
            )
    for report in await execution.open_orders():
        if not orders.known(report.client_order_id) and orders.is_ours(report.client_order_id):
            differences.append(
                f"order {report.client_order_id} ({report.symbol} {report.side} {report.qty}) is "
                "open at the venue but not in the journal"
            )
    if differences:
        raise ReconciliationError(differences)
    return RecoverySummary(
        restored_orders, restored_fills, len(to_query), missed, len(reports), not_placed
    )


def _closed(symbol: str, client_order_id: str, status: str, reason: str) -> OrderReport:
    return OrderReport(
        symbol=symbol,
        client_order_id=client_order_id,
        venue_order_id=0,
        side="",
        type="",
        status=status,
        qty=0.0,
        filled_qty=0.0,
        reason=reason,
    )
