"""Indicators registered with the engine, updated before on_bar: the vectorised values."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import alphaforge as af
from alphaforge import indicators as ind
from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import TradingNode
from alphaforge.replay import ReplayConfig, ReplayExchange
from alphaforge.samples import btc_perp_1m, btcusdt_trades, orcl

COLUMNS = ("open", "high", "low", "close", "volume")


def streaming_set() -> dict[str, tuple[Any, str | None]]:
    """One of each indicator, with the source it is registered with."""
    return {
        "sma_high": (ind.SMA(10), "high"),
        "ema": (ind.EMA(12), None),
        "wma_low": (ind.WMA(9), "low"),
        "rsi": (ind.RSI(14), None),
        "std_open": (ind.RollingStd(20), "open"),
        "zscore": (ind.ZScore(20), None),
        "macd": (ind.MACD(12, 26, 9), None),
        "bollinger": (ind.Bollinger(20, 2.0), "close"),
        "obv_volume_sma": (ind.SMA(5), "volume"),
        "atr": (ind.ATR(14), None),
        "adx": (ind.ADX(14), None),
        "stochastic": (ind.Stochastic(5, 3, 3), None),
        "obv": (ind.OBV(), None),
        "vwap": (ind.VWAP(20), None),
    }


def vectorised(name: str, bars: dict[str, np.ndarray]) -> np.ndarray:
    """The vectorised function of the same indicator over the bars, one column per output."""
    o, h, low, c, v = (bars[k] for k in COLUMNS)
    table: dict[str, Callable[[], Any]] = {
        "sma_high": lambda: ind.sma(h, 10),
        "ema": lambda: ind.ema(c, 12),
        "wma_low": lambda: ind.wma(low, 9),
        "rsi": lambda: ind.rsi(c, 14),
        "std_open": lambda: ind.rolling_std(o, 20),
        "zscore": lambda: ind.zscore(c, 20),
        "macd": lambda: ind.macd(c, 12, 26, 9),
        "bollinger": lambda: ind.bollinger(c, 20, 2.0),
        "obv_volume_sma": lambda: ind.sma(v, 5),
        "atr": lambda: ind.atr(h, low, c, 14),
        "adx": lambda: ind.adx(h, low, c, 14),
        "stochastic": lambda: ind.stochastic(h, low, c, 5, 3, 3),
        "obv": lambda: ind.obv(c, v),
        "vwap": lambda: ind.vwap(h, low, c, v, period=20),
    }
    out = table[name]()
    return np.column_stack(out) if isinstance(out, tuple) else out[:, None]


def as_row(value: Any) -> list[float]:
    return list(value) if isinstance(value, tuple) else [value]


def same(a: list[float], b: np.ndarray) -> bool:
    """Equal bit for bit, NaN equal to NaN."""
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


class Watcher(af.Strategy):
    """Registers every indicator on one stream and records, in on_bar, each bar and what the
    indicators hold then."""

    def __init__(self, symbol: str, spec: str | None, subscribe: bool = True) -> None:
        super().__init__()
        self.symbol, self.spec, self.subscribe = symbol, spec, subscribe
        self.bars: list[tuple[float, ...]] = []
        self.values: dict[str, list[list[float]]] = {}

    def on_start(self) -> None:
        self.registered = {}
        for name, (indicator, source) in streaming_set().items():
            self.registered[name] = self.register_indicator(
                indicator, self.symbol, self.spec, source=source
            )
            self.values[name] = []
        if self.subscribe:
            self.subscribe_bars(self.symbol, self.spec)

    def on_bar(self, bar: Any) -> None:
        assert bar.spec == self.spec  # the specs used here are written canonically
        self.bars.append(tuple(getattr(bar, c) for c in COLUMNS))
        for name, indicator in self.registered.items():
            self.values[name].append(as_row(indicator.value))


def check_against_vectorised(strategy: Watcher) -> None:
    assert len(strategy.bars) > 60
    columns = np.asarray(strategy.bars).T
    bars = dict(zip(COLUMNS, columns, strict=True))
    for name, rows in strategy.values.items():
        want = vectorised(name, bars)
        for i, row in enumerate(rows):
            assert same(row, want[i]), (name, i, row, want[i])
        assert not any(math.isnan(x) for x in rows[-1]), name  # warmed up by the end


@pytest.mark.parametrize("spec", [None, "15min", "1h"])
def test_bar_backtest_updates_before_on_bar_as_the_vectorised_functions(spec: str | None) -> None:
    engine = af.BacktestEngine(cash=1e9)
    engine.add_bars("BTC", btc_perp_1m().iloc[:20_000])
    strategy = Watcher("BTC", spec)
    engine.add_strategy(strategy)
    engine.run_frames()
    check_against_vectorised(strategy)


def test_tick_backtest_updates_bars_built_from_trades() -> None:
    engine = af.BacktestEngine(cash=1e9)
    engine.add_trades("BTCUSDT", btcusdt_trades())
    strategy = Watcher("BTCUSDT", "250ms")
    engine.add_strategy(strategy)
    engine.run_frames()
    check_against_vectorised(strategy)


def test_an_indicator_without_a_subscription_is_still_updated() -> None:
    engine = af.BacktestEngine(cash=1e9)
    bars = orcl().iloc[:300]
    engine.add_bars("ORCL", bars)
    strategy = Watcher("ORCL", "1D", subscribe=False)
    engine.add_strategy(strategy)
    engine.run_frames()
    rsi = strategy.registered["rsi"]
    assert rsi.value == ind.rsi(bars["close"].to_numpy(), 14)[-1]


class Registers(af.Strategy):
    def __init__(self, register: Callable[[af.Strategy], Any]) -> None:
        super().__init__()
        self.register = register

    def on_start(self) -> None:
        self.register(self)


def start(register: Callable[[af.Strategy], Any]) -> None:
    engine = af.BacktestEngine(cash=1e9)
    engine.add_bars("X", orcl().iloc[:50])
    engine.add_strategy(Registers(register))
    engine.run_frames()


def test_bad_registrations_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="ATR is updated with the whole bar: source must be None"):
        start(lambda s: s.register_indicator(ind.ATR(14), "X", source="close"))
    with pytest.raises(ValueError, match=r"source must be one of 'open', .*, got 'typical'"):
        start(lambda s: s.register_indicator(ind.RSI(14), "X", source="typical"))
    with pytest.raises(TypeError, match="indicator must be a streaming indicator"):
        start(lambda s: s.register_indicator(ind.rsi, "X"))
    with pytest.raises(ValueError, match="unknown symbol Y"):
        start(lambda s: s.register_indicator(ind.RSI(14), "Y"))
    with pytest.raises(ValueError, match="bar spec '7s' is not a whole multiple of the 1d"):
        start(lambda s: s.register_indicator(ind.RSI(14), "X", "7s"))
    twice = ind.RSI(14)

    def register_twice(s: af.Strategy) -> None:
        s.register_indicator(twice, "X")
        s.register_indicator(twice, "X", "2D")

    with pytest.raises(ValueError, match="is already registered"):
        start(register_twice)


def test_the_live_node_updates_them_before_on_bar() -> None:
    async def session(strategy: Watcher) -> None:
        config = ReplayConfig(port=0, speed=0, loops=1, start_on_subscribe=True)
        async with ReplayExchange(config) as exchange:
            node = TradingNode(
                [strategy],
                venue=BinanceConfig.local(exchange, symbols=["BTCUSDT"]),
                mode="paper",
                paper_balances={"USDT": 1e5},
                install_signal_handlers=False,
                on_error="stop",  # a failed check in on_bar ends the session
            )
            run = asyncio.ensure_future(node.run_async())
            await exchange.wait_finished()
            while node.statistics().trades < len(btcusdt_trades()) and not run.done():
                await asyncio.sleep(0.01)
            node.stop()
            statistics = await run
            assert statistics.handler_errors == 0

    strategy = Watcher("BTCUSDT", "250ms")
    asyncio.run(session(strategy))
    check_against_vectorised(strategy)
