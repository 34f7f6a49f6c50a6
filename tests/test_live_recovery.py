"""A node killed with SIGKILL mid-session, then restarted on the same journal: the journal
settles to the exchange's state exactly and the strategy goes on with the right position."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import Journal, ReconciliationError, TradingNode
from alphaforge.live.venue import FillReport
from alphaforge.replay import ReplayExchange
from live_session import SYMBOL, exchange_fills, journal_fills
from live_strategies import Churn
from replay_helpers import Rest

TESTS = Path(__file__).parent
NODE = """
import sys
sys.path.insert(0, {tests!r})
from live_strategies import Churn
from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import TradingNode

venue = BinanceConfig({key!r}, {secret!r}, symbols=[{symbol!r}], rest_url={rest!r},
                      stream_url={stream!r}, ws_api_url={ws_api!r})
TradingNode([Churn({symbol!r})], venue=venue, mode="live", journal={journal!r}).run()
"""


def start_node(exchange: ReplayExchange, journal: Path) -> subprocess.Popen[bytes]:
    script = NODE.format(
        tests=str(TESTS), key=exchange.api_key, secret=exchange.api_secret, symbol=SYMBOL,
        rest=exchange.rest_url, stream=exchange.stream_url, ws_api=exchange.ws_api_url,
        journal=str(journal),
    )  # fmt: skip
    return subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.DEVNULL)


def wait_for_fills(journal: Path, count: int, node: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert node.poll() is None, "the node died before it was killed"
        if journal.exists():
            with Journal(journal) as j:  # a second reader: WAL lets it in
                if len(j.fills()) >= count and j.orders(open_only=True):
                    return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} fills in the journal after 30 s")


async def exchange_state(exchange: ReplayExchange) -> tuple[list, list, dict[str, float]]:
    async with aiohttp.ClientSession() as session:
        rest = Rest(session, exchange)
        _, orders, _ = await rest.signed("GET", "/api/v3/allOrders", symbol=SYMBOL)
        _, trades, _ = await rest.signed("GET", "/api/v3/myTrades", symbol=SYMBOL)
        _, account, _ = await rest.signed("GET", "/api/v3/account")
    balances = {b["asset"]: float(b["free"]) + float(b["locked"]) for b in account["balances"]}
    return orders, trades, balances


def signed_qty(trades: list) -> float:
    return sum(float(t["qty"]) * (1 if t["isBuyer"] else -1) for t in trades)


def test_a_killed_node_restarts_on_its_journal(tmp_path: Path) -> None:
    journal = tmp_path / "node.db"
    with ReplayExchange(port=0, speed=5) as exchange:
        node = start_node(exchange, journal)
        try:
            wait_for_fills(journal, 4, node)
        finally:
            os.kill(node.pid, signal.SIGKILL)
            node.wait(10)
        killed_at = time.time_ns()
        orders, trades, _ = asyncio.run(exchange_state(exchange))
        assert any(o["status"] == "NEW" for o in orders)  # resting orders outlived the node

        strategy = Churn(SYMBOL)
        restarted = TradingNode(
            [strategy], venue=BinanceConfig.local(exchange, symbols=[SYMBOL]), mode="live",
            journal=journal, install_signal_handlers=False,
        )  # fmt: skip
        stats = restarted.run(duration=3)
        orders, trades, balances = asyncio.run(exchange_state(exchange))

    recovery = restarted.recovery
    assert recovery is not None
    assert recovery.orders > 0
    # Before any new event, the strategy had the position of every trade made before the kill.
    before = [t for t in trades if t["time"] * 1_000_000 < killed_at]
    assert strategy.position_at_start == pytest.approx(signed_qty(before), abs=1e-12)
    assert len(strategy.open_at_start) >= 1
    # After: the journal holds each of the exchange's trades once, nothing else.
    assert journal_fills(journal) == exchange_fills(trades)
    # No client id was placed twice, across both lives of the node.
    assert set(Counter(o["clientOrderId"] for o in orders).values()) == {1}
    assert stats.handler_errors == 0
    assert strategy.position(SYMBOL) == pytest.approx(signed_qty(trades), abs=1e-12)
    node_balances = restarted.balances()
    for asset in ("BTC", "USDT"):
        assert node_balances[asset].total == pytest.approx(balances[asset], abs=1e-6)


def test_a_journal_the_exchange_contradicts_stops_the_node(tmp_path: Path) -> None:
    journal = tmp_path / "node.db"
    with ReplayExchange(port=0, speed=5) as exchange:
        node = start_node(exchange, journal)
        try:
            wait_for_fills(journal, 2, node)
        finally:
            os.kill(node.pid, signal.SIGKILL)
            node.wait(10)
        # A journal that holds a fill the exchange never made, of an order it reports open.
        with Journal(journal) as j:
            order = j.orders(open_only=True)[-1]
            fake = FillReport(SYMBOL, order.client_order_id, 0, 10**12, order.side,
                              order.price or 1.0, order.qty, 0.0, "USDT", "MAKER",
                              time.time_ns())  # fmt: skip
            assert j.record_fill(fake)
        restarted = TradingNode(
            [Churn(SYMBOL)], venue=BinanceConfig.local(exchange, symbols=[SYMBOL]), mode="live",
            journal=journal, install_signal_handlers=False,
        )  # fmt: skip
        with pytest.raises(ReconciliationError, match=order.client_order_id):
            restarted.run(duration=3)
