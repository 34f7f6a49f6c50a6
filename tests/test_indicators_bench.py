"""``alphaforge bench indicators`` runs end to end, and every peer computes what ours computes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from alphaforge.benchmarks import indicator_peers as peers
from alphaforge.benchmarks import indicators as bench
from alphaforge.cli import main

Array = npt.NDArray[np.float64]
BARS = peers.synthetic_bars(3000)
OURS = {name: compute(BARS) for name, compute in bench.OUR_WORKLOADS.items()}
TAIL = 500  # rows past every peer's warm-up, where EWM seeds have decayed to nothing


def columns(result: object) -> list[Array]:
    if isinstance(result, pd.DataFrame):
        return [result[c].to_numpy(np.float64) for c in result.columns]
    if isinstance(result, tuple):
        return [np.asarray(r, dtype=np.float64) for r in result]
    return [np.asarray(result, dtype=np.float64)]


def relative_error(mine: Array, theirs: Array) -> float:
    scale = max(float(np.median(np.abs(theirs))), 1e-12)
    return float(np.max(np.abs(mine - theirs) / np.maximum(np.abs(theirs), scale)))


def test_bench_indicators_prints_every_group(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "indicators", "--bars", "3000", "--peer-bars", "2000"]
    assert main([*argv, "--stream-bars", "2000", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    for name in bench.OUR_WORKLOADS:
        assert name in out
    for implementation in ("TA-Lib", "pandas / numpy", "read the inputs once", "Python class"):
        assert implementation in out


@pytest.mark.parametrize("name", list(peers.talib_workloads()))
def test_talib_computes_the_same_indicator(name: str) -> None:
    theirs = columns(peers.talib_workloads()[name](BARS))
    mine = columns(OURS[name])
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs, strict=True):
        np.testing.assert_array_equal(np.isnan(m), np.isnan(t))
        assert relative_error(m[~np.isnan(t)], t[~np.isnan(t)]) <= 1e-9


@pytest.mark.parametrize("name", list(peers.pandas_workloads()))
def test_the_pandas_floor_computes_the_same_indicator(name: str) -> None:
    theirs = columns(peers.pandas_workloads()[name](BARS))
    mine = columns(OURS[name])
    for m, t in zip(mine, theirs, strict=True):
        assert relative_error(m[-TAIL:], t[-TAIL:]) <= 1e-6


@pytest.mark.skipif(not peers.installed("pandas_ta"), reason="pandas-ta is an optional peer")
@pytest.mark.parametrize(
    "name", list(peers.pandas_ta_workloads()) if peers.installed("pandas_ta") else []
)
def test_pandas_ta_computes_the_same_indicator(name: str) -> None:
    theirs = columns(peers.pandas_ta_workloads()[name](BARS))
    mine = columns(OURS[name])
    if name == "z-score(20)":  # pandas-ta divides by the sample deviation (ddof=1)
        mine = [mine[0] * np.sqrt(19 / 20)]
    if name == "Bollinger(20, 2)":  # lower, middle, upper, then bandwidth and %B
        mine = [mine[2], mine[1], mine[0]]
    if name == "MACD(12, 26, 9)":  # macd, hist, signal
        mine = [mine[0], mine[2], mine[1]]
    # Only the first outputs are shared: ADX also returns +DI and -DI.
    for m, t in zip(mine, theirs, strict=False):
        assert relative_error(m[-TAIL:], t[-TAIL:]) <= 1e-6


def test_the_python_rsi_peer_is_wilders_rsi() -> None:
    peer = bench._PythonRsi(14)
    streamed = np.array([peer.update(x) for x in BARS.close])
    (ours,) = columns(OURS["RSI(14)"])
    np.testing.assert_array_equal(np.isnan(streamed), np.isnan(ours))
    assert relative_error(streamed[14:], ours[14:]) <= 1e-9
