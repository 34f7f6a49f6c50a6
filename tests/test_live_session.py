"""Live sessions against the replay exchange: real orders over signed REST, fills over the
WebSocket API user stream, the journal, and parity with the tick backtest."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from alphaforge.replay.config import DEFAULT_BALANCES
from live_session import SYMBOL, exchange_fills, journal_fills, run_session
from live_strategies import Scripted
from test_live_paper import backtest

# A market order at the replay exchange fills against the book as it is when the order
# arrives, up to a few milliseconds of replayed time after the trade that closed the bar; the
# backtest fills it at the best quote of that instant. Over the bundled record, consecutive
# best quotes are within a few dollars of each other at 39,400 USDT: 5 basis points.
PRICE_TOLERANCE = 5e-4


def test_a_live_session_matches_the_exchange_and_the_backtest(tmp_path: Path) -> None:
    live = Scripted(SYMBOL, maker=False)
    session = asyncio.run(asyncio.wait_for(run_session(live, tmp_path / "j.db"), 90))
    reference = Scripted(SYMBOL, maker=False)
    backtest(reference)

    assert session.stats.handler_errors == 0
    # The same orders from the same bars.
    assert live.sent == reference.sent
    # Each client id placed once; every order the node sent is at the exchange.
    placed = Counter(o["clientOrderId"] for o in session.orders)
    assert set(placed.values()) == {1}
    assert len(placed) == len(live.sent)
    # Every fill once, as the exchange has it, in the journal and in the strategy.
    assert journal_fills(session.journal) == exchange_fills(session.trades)
    journaled = [trade_id for trade_id, _, _ in journal_fills(session.journal)]
    assert sorted(f.trade_id for f in live.fills) == journaled
    # Fill prices next to the backtest's.
    assert [(f.side, f.qty) for f in live.fills] == [(f.side, f.qty) for f in reference.fills]
    for ours, theirs in zip(live.fills, reference.fills, strict=True):
        assert ours.price == pytest.approx(theirs.price, rel=PRICE_TOLERANCE)
    # Positions and balances agree with the exchange.
    traded = sum(float(t["qty"]) * (1 if t["isBuyer"] else -1) for t in session.trades)
    assert live.position(SYMBOL) == pytest.approx(traded, abs=1e-12)
    start_btc = float(DEFAULT_BALANCES["BTC"])
    # A buyer pays the fee in the asset bought.
    btc_fees = sum(float(t["commission"]) for t in session.trades if t["commissionAsset"] == "BTC")
    assert btc_fees > 0
    assert session.balances["BTC"] == pytest.approx(start_btc + traded - btc_fees, abs=1e-9)
    node_balances = session.node.balances()
    for asset in ("BTC", "USDT"):
        assert node_balances[asset].total == pytest.approx(session.balances[asset], abs=1e-6)
    statuses = {u.order_id: u.status for u in live.updates}
    assert sorted(statuses.values()) == ["CANCELED", "FILLED", "FILLED"]
