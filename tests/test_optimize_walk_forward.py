"""Walk-forward: windows that follow each other, no future data in a choice, the stitched curve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.optimize import WalkForwardResult
from alphaforge.optimize.walk_forward import lay_windows, parse_span
from alphaforge.samples import orcl


class Hold(af.Strategy):
    """Takes one side on the first bar and keeps it: long or short is the only parameter."""

    def __init__(self, symbol: str, side: str) -> None:
        super().__init__()
        self.symbol, self.side = symbol, side
        self.sent = False

    def on_start(self) -> None:
        self.subscribe_bars(self.symbol)

    def on_bar(self, bar: Any) -> None:
        if not self.sent:
            self.sent = True
            if self.side == "long":
                self.buy(self.symbol, 100)
            else:
                self.sell(self.symbol, 100)


def regime_bars() -> pd.DataFrame:
    """Daily bars that rise through even years and fall through odd ones, 2000 to 2007."""
    index = pd.date_range("2000-01-01", "2007-12-31", freq="D", tz="UTC")
    step = np.where(index.year % 2 == 0, 1.004, 1 / 1.004)
    close = 100.0 * np.cumprod(step)
    open_ = np.concatenate(([100.0], close[:-1]))
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close),
            "low": np.minimum(open_, close),
            "close": close,
            "volume": 1.0,
        },
        index=index,
    )


def run(**kwargs: Any) -> WalkForwardResult:
    arguments: dict[str, Any] = {
        "data": regime_bars(),
        "symbol": "R",
        "params": {"side": ["long", "short"]},
        "train": "1Y",
        "test": "1Y",
        "metric": "total_return",
        "engine": {"cash": 1e5},
        "backend": "sequential",
        "progress": False,
    }
    arguments.update(kwargs)
    return af.walk_forward(arguments.pop("strategy", Hold), **arguments)


def test_windows_follow_each_other_without_overlap() -> None:
    windows = run().windows
    assert len(windows) == 7  # 2000..2006 train, 2001..2007 test
    assert (windows["test_start"] == windows["train_end"]).all()
    assert (windows["test_start"].iloc[1:].to_numpy() == windows["test_end"].iloc[:-1]).all()
    assert (windows["train_start"].diff().dropna() > pd.Timedelta(0)).all()
    # The metrics' own first and last points lie inside the window they belong to.
    assert (windows["start"] >= windows["test_start"]).all()
    assert (windows["end"] < windows["test_end"]).all()


def test_training_sees_only_its_span_and_the_choice_comes_from_it() -> None:
    result = run()
    for fold, sweep in zip(result.windows.itertuples(), result.sweeps, strict=True):
        assert (sweep.results["start"] >= fold.train_start).all()
        assert (sweep.results["end"] < fold.test_start).all()
        rising = fold.train_start.year % 2 == 0
        assert fold.side == ("long" if rising else "short")


def test_no_future_data_reaches_a_choice() -> None:
    # Every year reverses the one before: a choice made with the test year in view would
    # profit; a choice made only from the past loses in every window.
    result = run()
    assert (result.windows["total_return"] < -0.2).all()
    assert result.equity["equity"].iloc[-1] < 1e5 * 0.8**7
    assert (result.windows["train_total_return"] > 0.2).all()


def test_the_stitched_curve_chains_the_test_runs() -> None:
    result = run()
    curve = result.equity
    assert curve.index.is_monotonic_increasing
    assert curve.index.is_unique
    assert curve["window"].unique().tolist() == list(range(7))
    growth = (1 + result.windows["total_return"]).prod()
    assert curve["equity"].iloc[-1] == pytest.approx(1e5 * growth, rel=1e-12)
    assert result.summary["total_return"] == pytest.approx(growth - 1, rel=1e-12)
    inside = curve.index.to_series().groupby(curve["window"]).min()
    assert (inside.to_numpy() >= result.windows["test_start"].to_numpy()).all()


def test_anchored_training_always_starts_at_the_first_bar() -> None:
    windows = run(anchored=True).windows
    assert windows["train_start"].nunique() == 1
    assert (windows["train_end"] == windows["test_start"]).all()


def test_the_pool_walks_forward_as_this_process_does(tmp_path: Path) -> None:
    params = {"fast": [5, 10, 20], "slow": [40, 80]}
    common: dict[str, Any] = {
        "strategy": SmaCross,
        "data": orcl(),
        "symbol": "ORCL",
        "params": params,
        "train": "4Y",
        "test": "2Y",
        "metric": "sharpe",
    }
    here = run(**common)
    pooled = run(**common, backend="local", workers=2)
    pd.testing.assert_frame_equal(here.windows, pooled.windows, check_exact=True)
    pd.testing.assert_frame_equal(here.equity, pooled.equity, check_exact=True)
    assert here.plot(tmp_path / "wf.png").read_bytes()[:4] == b"\x89PNG"


def test_spans() -> None:
    assert parse_span("3Y", "train") == pd.DateOffset(years=3)
    assert parse_span("6M", "train") == pd.DateOffset(months=6)
    assert parse_span("90min", "test") == pd.DateOffset(minutes=90)
    assert parse_span(pd.Timedelta("2D"), "test") == pd.DateOffset(seconds=172800)
    for bad in ("3", "0Y", "3 years", 3):
        with pytest.raises(ValueError, match="train must be a positive span"):
            parse_span(bad, "train")  # type: ignore[arg-type]
    stamps = pd.date_range("2020-01-01", periods=10, freq="D").asi8
    with pytest.raises(ValueError, match="too short for one training span"):
        lay_windows(stamps, pd.DateOffset(years=1), pd.DateOffset(months=1), False)
