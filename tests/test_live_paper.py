"""Paper sessions against the replay exchange: the node's fills are the tick backtest's.

The paper venue fills orders with the tick backtest's C++ fill model on the market data the
node receives over a real WebSocket from the replay exchange, which replays the bundled
BTCUSDT record. The same strategy on the same record in the tick backtest must send the
same orders from the same bars and get the same fills, price for price.
"""

from __future__ import annotations

import asyncio

import pytest

from alphaforge import BacktestEngine
from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import TradingNode
from alphaforge.live.node import NodeStatistics
from alphaforge.replay import ReplayConfig, ReplayExchange
from alphaforge.samples import btcusdt_quotes, btcusdt_trades
from live_strategies import Scripted

SYMBOL = "BTCUSDT"
FEES = (0.001, 0.001)
USDT = 100_000.0


async def paper_session(strategy: Scripted, **node_options: object) -> NodeStatistics:
    """One loop of the record at full speed, then stop once every event is in."""
    config = ReplayConfig(port=0, speed=0, loops=1, start_on_subscribe=True)
    async with ReplayExchange(config) as exchange:
        node = TradingNode(
            [strategy],
            venue=BinanceConfig.local(exchange, symbols=[SYMBOL]),
            mode="paper",
            paper_fees=FEES,
            paper_balances={"USDT": USDT},
            install_signal_handlers=False,
            **node_options,  # type: ignore[arg-type]
        )
        run = asyncio.ensure_future(node.run_async())
        await exchange.wait_finished()
        while node.statistics().trades < len(btcusdt_trades()) and not run.done():
            await asyncio.sleep(0.01)
        node.stop()
        return await run


def backtest(strategy: Scripted) -> None:
    engine = BacktestEngine(cash=0.0, fees=FEES, account="spot", currency="USDT",
                            balances={"USDT": USDT})  # fmt: skip
    engine.add_instrument(SYMBOL, 0.01, 0.000001, base="BTC", quote="USDT")
    engine.add_trades(SYMBOL, btcusdt_trades())
    engine.add_quotes(SYMBOL, btcusdt_quotes())
    engine.add_strategy(strategy)
    engine.run()


def test_a_paper_session_trades_as_the_tick_backtest() -> None:
    live = Scripted(SYMBOL)
    stats = asyncio.run(asyncio.wait_for(paper_session(live), 60))
    reference = Scripted(SYMBOL)
    backtest(reference)

    assert stats.trades == len(btcusdt_trades())
    assert stats.handler_errors == 0
    assert stats.venue_errors == 0
    # The backtest closes its last bar at the end of the data; the node stops with it open.
    assert live.bars == reference.bars - 1 > 12
    assert live.sent == reference.sent
    assert len(reference.fills) >= 3  # the market buy, the resting sell, the market sell
    assert [(f.side, f.qty, f.price, f.liquidity) for f in live.fills] == [
        (f.side, f.qty, f.price, f.liquidity) for f in reference.fills
    ]
    assert [f.fee for f in live.fills] == pytest.approx([f.fee for f in reference.fills])
    statuses = [(u.order_id, u.status, u.filled_qty) for u in live.updates]
    assert statuses == [(u.order_id, u.status, u.filled_qty) for u in reference.updates]
    assert [s for _, s, _ in statuses].count("CANCELED") == 1
    assert live.position(SYMBOL) == pytest.approx(reference.position(SYMBOL), abs=1e-12)
