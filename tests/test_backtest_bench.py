"""The backtest benchmark runs end to end, and its peers trade the same crossover as ours."""

from __future__ import annotations

import argparse

import pytest

import alphaforge as af
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.benchmarks import backtest
from alphaforge.benchmarks.rsi_strategies import PythonRsi, RegisteredRsi, UnreadRsi
from alphaforge.benchmarks.sma_signal import RollingCross
from alphaforge.indicators import rsi


def test_bench_backtest_runs(capsys: pytest.CaptureFixture[str]) -> None:
    backtest.run(
        argparse.Namespace(bars=3000, ticks=20_000, peer_bars=300, peer_ticks=2000, rounds=1)
    )
    out = capsys.readouterr().out
    for group in (backtest.ON_BARS, backtest.ON_BUILT_BARS, backtest.ON_TRADES, backtest.WITH_RSI):
        assert group in out
    assert "RSI(14) a bar, over the same on_bar without it: registered" in out
    assert "of it the native update" in out


def test_the_rsi_strategies_read_the_same_rsi() -> None:
    bars = backtest.synthetic_bars(5000)
    hot: dict[type[RegisteredRsi], int] = {}
    for kind in (RegisteredRsi, PythonRsi, UnreadRsi):
        engine = af.BacktestEngine(cash=1e9)
        engine.add_bars("SYN", bars)
        strategy = kind("SYN")
        engine.add_strategy(strategy)
        engine.run_frames()
        hot[kind] = strategy.hot
        assert strategy.rsi.value == rsi(bars["close"].to_numpy(), 14)[-1]
    assert hot[RegisteredRsi] == hot[PythonRsi] > 100


def test_peers_signal_where_sma_cross_trades() -> None:
    bars = backtest.synthetic_bars(5000)
    engine = af.BacktestEngine(cash=1e9)
    engine.add_bars("SYN", bars)
    engine.add_strategy(SmaCross("SYN", backtest.FAST, backtest.SLOW, size=1))
    fills = engine.run().fills
    cross = RollingCross(backtest.FAST, backtest.SLOW)
    held = 0
    expected: list[tuple[object, str]] = []
    closes = bars["close"].tolist()
    for i, close in enumerate(closes[:-1]):
        signal = cross.update(close)
        if signal > 0 and held == 0:
            held = 1
            expected.append((bars.index[i + 1], "BUY"))  # filled at the next bar's open
        elif signal < 0 and held > 0:
            held = 0
            expected.append((bars.index[i + 1], "SELL"))
    assert len(expected) > 20
    assert list(zip(fills["ts"], fills["side"], strict=True)) == expected


def test_synthetic_trades_sit_on_the_grid_the_benchmark_declares() -> None:
    trades = backtest.synthetic_trades(1000)
    assert (trades["price"] * 100).round().div(100).eq(trades["price"]).all()
    assert trades["ts_ns"].diff().dropna().eq(100_000_000).all()
