"""A live session survives each of the replay exchange's faults with nothing lost: every fill
in the journal is one of the exchange's trades and each of those is in the journal once, no
client id is placed twice, and the node's position and balances are the exchange's."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from alphaforge.replay.config import FaultConfig
from live_session import SYMBOL, exchange_fills, journal_fills, run_session
from live_strategies import Churn

FAULTS = {
    "drops": FaultConfig(drop_every=400),
    "depth gaps": FaultConfig(gap_every=5),
    "429s": FaultConfig(http429_every=4),
    "5xx after the order is taken": FaultConfig(http5xx_order_every=3),
    "malformed frames": FaultConfig(malformed_every=50),
    "server shutdown": FaultConfig(shutdown_after=1.0),
    "latency": FaultConfig(latency_ms=20),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_session_survives(fault: str, tmp_path: Path) -> None:
    strategy = Churn(SYMBOL)
    session = asyncio.run(
        asyncio.wait_for(
            run_session(
                strategy, tmp_path / "j.db", faults=FAULTS[fault], speed=20.0, settle_s=1.5
            ),
            120,
        )
    )
    assert session.stats.handler_errors == 0
    assert len(session.trades) >= 4
    assert journal_fills(session.journal) == exchange_fills(session.trades)
    assert set(Counter(o["clientOrderId"] for o in session.orders).values()) == {1}
    traded = sum(float(t["qty"]) * (1 if t["isBuyer"] else -1) for t in session.trades)
    assert strategy.position(SYMBOL) == pytest.approx(traded, abs=1e-12)
    node_balances = session.node.balances()
    for asset in ("BTC", "USDT"):
        assert node_balances[asset].total == pytest.approx(session.balances[asset], abs=1e-6)
    if fault == "5xx after the order is taken":
        assert session.stats.unknown_outcomes > 0
    if fault == "malformed frames":
        assert session.stats.venue_errors > 0
