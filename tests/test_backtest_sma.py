"""The bundled SMA crossover on real ORCL bars against an independent pandas computation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.backtest.commands import load_bars, load_strategy_class, make_strategy
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.samples import ORCL_CSV, orcl


def expected_fills(
    bars: pd.DataFrame, fast: int, slow: int, size: float
) -> list[tuple[str, float]]:
    """Crosses of pandas rolling means; each trades at the next bar's open."""
    # Exact: the closes have six decimals, so sums of micro-units are integers.
    micro = (bars["close"] * 1_000_000).round().astype("int64")
    fast_sum = micro.rolling(fast).sum()
    slow_sum = micro.rolling(slow).sum()
    above = (fast_sum * slow > slow_sum * fast).to_numpy()
    valid = slow_sum.notna().to_numpy()
    fills: list[tuple[str, float]] = []
    held = 0.0
    opens = bars["open"].to_numpy()
    for i in range(1, len(bars) - 1):
        if not (valid[i] and valid[i - 1]) or above[i] == above[i - 1]:
            continue
        if above[i] and held == 0:
            fills.append(("BUY", opens[i + 1]))
            held = size
        elif not above[i] and held > 0:
            fills.append(("SELL", opens[i + 1]))
            held = 0.0
    return fills


def test_sma_cross_matches_rolling_means_on_orcl() -> None:
    bars = orcl()
    engine = af.BacktestEngine(cash=100_000.0, fees=0.001)
    engine.add_bars("ORCL", bars)
    engine.add_strategy(SmaCross("ORCL", fast=10, slow=30, size=100))
    frames = engine.run_frames()
    want = expected_fills(bars, 10, 30, 100)
    fills = frames["fills"]
    assert len(want) > 50
    assert list(fills["side"]) == [side for side, _ in want]
    assert fills["price"].to_numpy() == pytest.approx([p for _, p in want])
    signed = np.where(fills["side"] == "BUY", -1.0, 1.0) * fills["price"] * 100
    cash = 100_000.0 + signed.sum() - 0.001 * (fills["price"] * 100).sum()
    held = 100.0 if want[-1][0] == "BUY" else 0.0
    final = cash + held * bars["close"].iloc[-1]
    assert frames["equity"]["equity"].iloc[-1] == pytest.approx(final)
    assert len(frames["equity"]) == len(bars)


def test_strategy_file_and_data_loading(tmp_path: Path) -> None:
    source = tmp_path / "mine.py"
    source.write_text(
        "import alphaforge as af\n"
        "class Mine(af.Strategy):\n"
        "    def __init__(self, symbol):\n"
        "        super().__init__()\n"
        "        self.symbol = symbol\n"
    )
    cls = load_strategy_class(source)
    strategy = make_strategy(cls, "ORCL")
    assert type(strategy).__name__ == "Mine"
    assert strategy.symbol == "ORCL"
    bars = load_bars(ORCL_CSV)
    assert list(bars.columns) == ["open", "high", "low", "close", "volume"]
    assert str(bars.index.dtype) == "datetime64[ns, UTC]"
    empty = tmp_path / "none.py"
    empty.write_text("x = 1\n")
    with pytest.raises(ValueError, match="exactly one Strategy"):
        load_strategy_class(empty)


def test_sma_cross_refuses_bad_windows() -> None:
    with pytest.raises(ValueError, match="fast < slow"):
        SmaCross("X", fast=30, slow=10)
