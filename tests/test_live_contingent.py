"""A node does not take contingent orders yet: a strategy asking for one is told so by name,
before anything reaches the venue."""

from __future__ import annotations

import pytest

import alphaforge as af
from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import TradingNode


def test_contingent_orders_on_a_node_are_refused_by_name() -> None:
    strategy = af.Strategy()
    node = TradingNode(
        [strategy],
        venue=BinanceConfig.testnet(symbols=["BTCUSDT"]),
        mode="paper",
        install_signal_handlers=False,
    )
    refusal = "TradingNode does not take contingent orders or modify"
    with pytest.raises(ValueError, match=refusal):
        strategy.buy_bracket("BTCUSDT", 0.01, stop_loss=30_000.0, take_profit=40_000.0)
    with pytest.raises(ValueError, match=refusal):
        strategy.submit_order("BTCUSDT", "SELL", 0.01, trail_percent=0.01)
    with pytest.raises(ValueError, match=refusal):
        strategy.submit_order("BTCUSDT", "BUY", 0.01, limit=1.0, expire_time="2030-01-01")
    with pytest.raises(ValueError, match=refusal):
        strategy.modify(1, price=2.0)
    assert node.statistics().orders_sent == 0
