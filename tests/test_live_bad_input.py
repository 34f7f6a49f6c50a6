"""A node given bad input says what is wrong and loses nothing: an unknown symbol, a wrong
key, a strategy that raises in a handler."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from alphaforge import Strategy
from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import TradingNode
from alphaforge.replay import ReplayConfig, ReplayExchange
from live_session import RECORD_TRADES, SYMBOL


class Raises(Strategy):
    """Raises on every third trade; counts the others."""

    def __init__(self) -> None:
        super().__init__("raises")
        self.seen = 0

    def on_start(self) -> None:
        self.subscribe_trades(SYMBOL)

    def on_trade(self, trade: Any) -> None:
        self.seen += 1
        if self.seen % 3 == 0:
            raise RuntimeError("a bug in the strategy")


async def session(
    strategy: Strategy, *, mode: str = "paper", on_error: str = "continue", **venue: Any
) -> TradingNode:
    config = ReplayConfig(port=0, speed=0, loops=1, start_on_subscribe=True)
    async with ReplayExchange(config) as exchange:
        venue.setdefault("symbols", [SYMBOL])
        node = TradingNode(
            [strategy], venue=BinanceConfig.local(exchange, **venue), mode=mode,  # type: ignore[arg-type]
            install_signal_handlers=False,
            on_error=on_error,  # type: ignore[arg-type]
        )  # fmt: skip
        run = asyncio.ensure_future(node.run_async(duration=20))
        finished = asyncio.ensure_future(exchange.wait_finished())
        await asyncio.wait([run, finished], return_when=asyncio.FIRST_COMPLETED)
        finished.cancel()
        while node.statistics().trades < RECORD_TRADES and not run.done():
            await asyncio.sleep(0.01)
        node.stop()
        await run  # raises what stopped the node
        return node


def test_an_unknown_symbol_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="NOPEUSDT"):
        asyncio.run(asyncio.wait_for(session(Raises(), symbols=["NOPEUSDT"]), 30))


def test_a_wrong_key_stops_a_live_node_without_showing_the_secret() -> None:
    secret = "not-the-secret-0123456789"
    with pytest.raises(Exception) as refused:  # noqa: PT011 - the adapter's own error type
        asyncio.run(
            asyncio.wait_for(
                session(Raises(), mode="live", api_key="unknown-key", api_secret=secret), 30
            )
        )
    assert secret not in str(refused.value)
    assert secret not in repr(refused.value)


def test_a_raising_handler_is_counted_and_the_node_goes_on() -> None:
    strategy = Raises()
    node = asyncio.run(asyncio.wait_for(session(strategy), 30))
    stats = node.statistics()
    assert stats.trades == RECORD_TRADES
    assert strategy.seen == RECORD_TRADES
    assert stats.handler_errors == RECORD_TRADES // 3


def test_on_error_stop_stops_the_node_at_the_first_error() -> None:
    strategy = Raises()
    node = asyncio.run(asyncio.wait_for(session(strategy, on_error="stop"), 30))
    assert node.statistics().handler_errors >= 1
    assert strategy.seen < RECORD_TRADES
