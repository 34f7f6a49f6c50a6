"""A journal read offline: its orders, its fills, and the positions they add up to."""

from __future__ import annotations

from dataclasses import dataclass

from alphaforge._core.execution import ExecutionEngine, Instrument
from alphaforge.live.journal import Journal
from alphaforge.live.orders import LiveOrders
from alphaforge.live.recovery import restore


@dataclass(frozen=True, slots=True)
class JournalPosition:
    """What one strategy holds of one symbol by the journal's fills."""

    strategy: str
    symbol: str
    qty: float
    avg_price: float
    realized_pnl: float
    fees: float


def positions(journal: Journal) -> list[JournalPosition]:
    """Each strategy's positions, by the same accounting as the node that wrote the journal."""
    specs = journal.instruments()
    instruments = [
        Instrument(s.symbol, s.tick_size, s.lot_size, base=s.base, quote=s.quote)
        for s in specs.values()
    ]
    # Fills are facts: an offline account that refuses nothing books them as they happened.
    engine = ExecutionEngine(instruments=instruments or None, account="unlimited")
    orders = LiveOrders(engine, None, None, "journal", _ignore, _ignore)
    orders.set_instruments(specs)
    restore(orders, journal)
    return [
        JournalPosition(
            p.strategy_id or "", p.symbol, p.quantity, p.avg_price, p.realized_pnl, p.fees
        )
        for p in engine.positions()
        if p.quantity != 0 or p.realized_pnl != 0 or p.fees != 0
    ]


def _ignore(*_: object) -> None:
    """Records of a journal read offline go to no strategy."""
