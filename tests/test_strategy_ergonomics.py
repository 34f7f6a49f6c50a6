"""Mistakes a strategy author makes, each answered by a message naming it: a skipped
super().__init__(), None or unknown order ids, a side in lower case or a wrong one, a
wrong type anywhere (never the extension's signature dump), and the per-strategy log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import alphaforge as af
from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import TradingNode
from alphaforge.replay import ReplayConfig, ReplayExchange
from alphaforge.samples import btcusdt_trades

DAYS = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")


def bars() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "open": [100.0, 103.0, 104.0, 101.0],
            "high": [102.0, 105.0, 106.0, 103.0],
            "low": [99.0, 101.0, 98.0, 99.0],
            "close": [101.0, 104.0, 100.0, 102.0],
            "volume": [1e3] * 4,
        },
        index=DAYS,
    )


class OnFirstBar(af.Strategy):
    """Calls `act(self)` on the first bar and keeps what it returns."""

    def __init__(self, act: Callable[[af.Strategy], Any], name: str | None = None) -> None:
        super().__init__(name)
        self.act = act
        self.result: Any = None
        self.done = False

    def on_start(self) -> None:
        self.subscribe_bars("X")

    def on_bar(self, bar: Any) -> None:
        if not self.done:
            self.done = True
            self.result = self.act(self)


def run(*strategies: af.Strategy) -> dict[str, pd.DataFrame]:
    engine = af.BacktestEngine(cash=10_000.0)
    engine.add_bars("X", bars())
    for strategy in strategies:
        engine.add_strategy(strategy)
    return engine.run_frames()


class Forgetful(af.Strategy):
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol  # and no super().__init__()


def test_a_skipped_super_init_is_named_where_the_strategy_is_added() -> None:
    engine = af.BacktestEngine()
    engine.add_bars("X", bars())
    message = r"Forgetful\.__init__ must call super\(\)\.__init__\(\)"
    with pytest.raises(RuntimeError, match=message):
        engine.add_strategy(Forgetful("X"))
    with pytest.raises(RuntimeError, match=message):
        TradingNode([Forgetful("X")], venue=BinanceConfig(symbols=("X",)))
    with pytest.raises(RuntimeError, match=message):
        Forgetful("X").attach(engine)
    # Attributes of the subclass's own, and typos, stay ordinary.
    assert Forgetful("X").symbol == "X"
    with pytest.raises(AttributeError, match="has no attribute 'symbl'"):
        _ = OnFirstBar(lambda s: None).symbl  # type: ignore[attr-defined]


def test_cancel_of_none_unknown_foreign_and_done_orders() -> None:
    answers: dict[str, Any] = {}

    def act(s: af.Strategy) -> None:
        for key, order_id in (("none", None), ("unknown", 999), ("text", "1")):
            try:
                s.cancel(order_id)  # type: ignore[arg-type]
            except (TypeError, ValueError) as error:
                answers[key] = (type(error), str(error))
        answers["own"] = s.buy("X", 1)

    other = OnFirstBar(lambda s: s.buy("X", 2, limit=50.0), "other")
    me = OnFirstBar(act, "me")
    run(other, me)
    assert answers["none"] == (ValueError, answers["none"][1])
    assert "order_id is None" in answers["none"][1]
    assert answers["unknown"] == (ValueError, "order_id 999 is unknown")
    assert answers["text"] == (TypeError, "order_id must be an int, got '1'")
    # After the run: the market order filled, the other strategy's limit still rests.
    assert me.cancel(answers["own"]) is False
    with pytest.raises(ValueError, match="belongs to strategy 'other', not 'me'"):
        me.cancel(other.result)


def test_side_type_and_time_in_force_take_any_case() -> None:
    def act(s: af.Strategy) -> list[int]:
        return [
            s.submit_order("X", "buy", 3, type="market"),
            s.submit_order("X", "Sell", 1, limit=105.0, time_in_force="ioc"),
            s.submit_order("X", "sell", 1, stop=90.0, type="stop", time_in_force="gtc"),
        ]

    frames = run(OnFirstBar(act))
    orders = frames["orders"]
    assert orders["side"].tolist() == ["BUY", "SELL", "SELL"]
    assert orders["type"].tolist() == ["MARKET", "LIMIT", "STOP"]
    assert orders["time_in_force"].tolist() == ["GTC", "IOC", "GTC"]
    assert frames["fills"]["qty"].tolist() == [3.0]


def test_wrong_arguments_are_named_and_change_nothing() -> None:
    # The strategy as Any: these calls break its type hints on purpose.
    calls: list[tuple[Callable[[Any], Any], type[Exception], str]] = [
        (lambda s: s.submit_order("X", "short", 1), ValueError,
         "side must be 'BUY' or 'SELL' (any case), got 'short'"),
        (lambda s: s.submit_order("X", 1, 1), ValueError, "side must be 'BUY' or 'SELL'"),
        (lambda s: s.buy("X", "1"), TypeError, "qty must be a number, got '1' (str)"),
        (lambda s: s.buy("X", True), TypeError, "qty must be a number, got True"),
        (lambda s: s.buy("X", float("nan")), ValueError, "qty must be a finite quantity > 0"),
        (lambda s: s.buy(1, 1), TypeError, "symbol must be a str, got 1 (int)"),
        (lambda s: s.buy("", 1), ValueError, "symbol must not be empty"),
        (lambda s: s.buy("X", 1, limit="10"), TypeError, "limit must be a number, got '10'"),
        (lambda s: s.buy("X", 1, limit=-1.0), ValueError, "limit must be a finite price > 0"),
        (lambda s: s.submit_order("X", "BUY", 1, stop=[1]), TypeError, "stop must be a number"),
        (lambda s: s.submit_order("X", "BUY", 1, time_in_force=3), ValueError,
         "time_in_force must be 'GTC' or 'IOC' or 'FOK' or 'POST_ONLY' or 'GTD' (any case), got 3"),
        (lambda s: s.submit_order("X", "BUY", 1, type="limit"), ValueError,
         "a LIMIT order takes limit= and no stop=, got limit=None stop=None"),
        (lambda s: s.submit_order("X", "BUY", 1, type="MARKET", limit=100.0), ValueError,
         "a MARKET order takes neither limit= nor stop="),
        (lambda s: s.submit_order("X", "BUY", 1, type=2), ValueError, "type must be 'MARKET'"),
        (lambda s: s.buy("X", 1, reduce_only=1), TypeError, "reduce_only must be a bool, got 1"),
        (lambda s: s.position(5), TypeError, "symbol must be a str, got 5"),
        (lambda s: s.open_orders(5), TypeError, "symbol must be a str, got 5"),
        (lambda s: s.subscribe_bars(5), TypeError, "symbol must be a str, got 5"),
        (lambda s: s.subscribe_bars("X", 5), TypeError, "spec must be a str, got 5"),
        (lambda s: s.subscribe_book("X", "10"), ValueError, "depth must be an int >= 1"),
        (lambda s: s.order_target_quantity("X", "5"), TypeError, "qty must be a number"),
        (lambda s: s.order_target_value("X", float("inf")), ValueError, "value must be a finite"),
        (lambda s: s.order_target_percent("X", None), TypeError, "fraction must be a number"),
    ]  # fmt: skip
    seen: list[str] = []

    def act(s: af.Strategy) -> None:
        for call, error, message in calls:
            with pytest.raises(error) as raised:
                call(s)
            text = str(raised.value)
            assert message in text, (message, text)
            assert "incompatible function arguments" not in text
            seen.append(text)

    frames = run(OnFirstBar(act))
    assert len(seen) == len(calls)
    assert frames["orders"].empty
    assert frames["equity"]["equity"].tolist() == [10_000.0] * 4


def test_log_records_carry_the_event_time_in_a_backtest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Talker(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_bars("X")
            self.log.info("starting")

        def on_bar(self, bar: Any) -> None:
            self.log.info("close %.1f", bar.close)

    talker = Talker()
    assert talker.log.name == "alphaforge.strategy.Talker"
    assert isinstance(talker.log, logging.Logger)
    with caplog.at_level(logging.INFO, logger="alphaforge.strategy.Talker"):
        run(talker)
    records = [r for r in caplog.records if r.name == "alphaforge.strategy.Talker"]
    assert [r.getMessage() for r in records] == [
        "starting", "close 101.0", "close 104.0", "close 100.0", "close 102.0",
    ]  # fmt: skip
    # Before the first bar the engine has no event yet: no event time.
    assert not hasattr(records[0], "event_time")
    assert [r.event_time for r in records[1:]] == [  # type: ignore[attr-defined]
        f"{d:%Y-%m-%d} 00:00:00.000" for d in DAYS
    ]
    assert [r.event_ns for r in records[1:]] == [d.value for d in DAYS]  # type: ignore[attr-defined]
    # A second strategy of the same name (a sweep builds one per run) takes the logger over.
    again = Talker()
    with caplog.at_level(logging.INFO, logger="alphaforge.strategy.Talker"):
        caplog.clear()
        run(again)
    assert caplog.records[-1].event_time.startswith("2024-01-04")  # type: ignore[attr-defined]
    assert len(again.log.filters) == 1


class Canceller(af.Strategy):
    """On a paper node: cancels None and an unknown id, then a resting order of its own."""

    def __init__(self) -> None:
        super().__init__("canceller")
        self.answers: list[tuple[type[Exception], str] | bool] = []
        self.bars = 0

    def on_start(self) -> None:
        self.subscribe_bars("BTCUSDT", "2s")
        for order_id in (None, 424242):
            try:
                self.cancel(order_id)  # type: ignore[arg-type]
            except ValueError as error:
                self.answers.append((ValueError, str(error)))

    def on_bar(self, bar: Any) -> None:
        self.bars += 1
        if self.bars == 1:
            resting = self.submit_order("btcusdt".upper(), "buy", 0.01, limit=1000.0)
            self.answers.append(self.cancel(resting))
            self.answers.append(self.cancel(resting))  # no longer open


def test_cancel_on_a_paper_node_as_its_docstring_says() -> None:
    strategy = Canceller()

    async def session() -> Any:
        config = ReplayConfig(port=0, speed=0, loops=1, start_on_subscribe=True)
        async with ReplayExchange(config) as exchange:
            node = TradingNode(
                [strategy],
                venue=BinanceConfig.local(exchange, symbols=["BTCUSDT"]),
                mode="paper",
                install_signal_handlers=False,
            )
            task = asyncio.ensure_future(node.run_async())
            await exchange.wait_finished()
            while node.statistics().trades < len(btcusdt_trades()) and not task.done():
                await asyncio.sleep(0.01)
            node.stop()
            return await task

    stats = asyncio.run(asyncio.wait_for(session(), 60))
    assert stats.handler_errors == 0
    none, unknown, first, second = strategy.answers
    assert isinstance(none, tuple)
    assert none[0] is ValueError
    assert "order_id is None" in none[1]
    assert unknown == (ValueError, "order_id 424242 is unknown")
    assert (first, second) == (True, False)
