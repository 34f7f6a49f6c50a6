"""alphaforge.indicators against TA-Lib on real bars and random walks, streaming against
vectorised bit for bit, and bad input refused with the argument and value named."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
import talib
from talib._ta_lib import MA_Type

import alphaforge as af
from alphaforge import indicators as ind
from alphaforge.samples import orcl
from indicator_data import Bars, datasets

Array = npt.NDArray[np.float64]
DATA = datasets()
# TA-Lib's own rounding differs from ours by up to ~1e-10 of a value's size (its variance more
# than ours: tests/cpp checks ours against exact sums); 1e-9 is the bar both must clear.
TOLERANCE = 1e-9


def assert_matches(ours: Array, reference: Array) -> None:
    """Same NaN rows, and every value within TOLERANCE of the reference's magnitude."""
    assert ours.shape == reference.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference))
    finite = ~np.isnan(reference)
    if not finite.any():
        return
    ref = reference[finite]
    scale = max(float(np.median(np.abs(ref))), np.finfo(np.float64).tiny)
    error = np.abs(ours[finite] - ref) / np.maximum(np.abs(ref), scale)
    assert error.max() <= TOLERANCE, f"worst relative error {error.max():.3g} at {error.argmax()}"


@dataclass(frozen=True)
class Case:
    """One indicator with one set of parameters: ours vectorised, TA-Lib's, and ours streaming."""

    name: str
    ours: Callable[[Bars], Sequence[Array]]
    talib: Callable[[Bars], Sequence[Array]]
    stream: Callable[[], Any]
    feed: Callable[[Any, Bars, int], Any]


def _series(obj: Any, b: Bars, i: int) -> Any:
    return obj.update(b.close[i])


def _hlc(obj: Any, b: Bars, i: int) -> Any:
    return obj.update(b.high[i], b.low[i], b.close[i])


def _period_cases(p: int) -> list[Case]:
    return [
        Case(f"sma-{p}", lambda b: [ind.sma(b.close, p)], lambda b: [talib.SMA(b.close, p)],
             lambda: ind.SMA(p), _series),
        Case(f"ema-{p}", lambda b: [ind.ema(b.close, p)], lambda b: [talib.EMA(b.close, p)],
             lambda: ind.EMA(p), _series),
        Case(f"wma-{p}", lambda b: [ind.wma(b.close, p)], lambda b: [talib.WMA(b.close, p)],
             lambda: ind.WMA(p), _series),
        Case(f"rsi-{p}", lambda b: [ind.rsi(b.close, p)], lambda b: [talib.RSI(b.close, p)],
             lambda: ind.RSI(p), _series),
        Case(f"std-{p}", lambda b: [ind.rolling_std(b.close, p)],
             lambda b: [talib.STDDEV(b.close, p, 1.0)], lambda: ind.RollingStd(p), _series),
        Case(f"atr-{p}", lambda b: [ind.atr(b.high, b.low, b.close, p)],
             lambda b: [talib.ATR(b.high, b.low, b.close, p)], lambda: ind.ATR(p), _hlc),
        Case(f"adx-{p}", lambda b: [ind.adx(b.high, b.low, b.close, p)],
             lambda b: [talib.ADX(b.high, b.low, b.close, p)], lambda: ind.ADX(p), _hlc),
    ]  # fmt: skip


def _macd_case(fast: int, slow: int, signal: int) -> Case:
    return Case(
        f"macd-{fast}-{slow}-{signal}",
        lambda b: ind.macd(b.close, fast, slow, signal),
        lambda b: talib.MACD(b.close, fast, slow, signal),
        lambda: ind.MACD(fast, slow, signal),
        _series,
    )


def _bollinger_case(period: int, k: float) -> Case:
    return Case(
        f"bollinger-{period}-{k}",
        lambda b: ind.bollinger(b.close, period, k),
        lambda b: talib.BBANDS(b.close, period, k, k, MA_Type.SMA),
        lambda: ind.Bollinger(period, k),
        _series,
    )


def _stochastic_case(fastk: int, slowk: int, slowd: int) -> Case:
    sma = MA_Type.SMA
    return Case(
        f"stochastic-{fastk}-{slowk}-{slowd}",
        lambda b: ind.stochastic(b.high, b.low, b.close, fastk, slowk, slowd),
        lambda b: talib.STOCH(b.high, b.low, b.close, fastk, slowk, sma, slowd, sma),
        lambda: ind.Stochastic(fastk, slowk, slowd),
        _hlc,
    )


def _cases() -> list[Case]:
    cases = [c for p in (2, 14, 50) for c in _period_cases(p)]
    cases += [_macd_case(*a) for a in ((12, 26, 9), (5, 35, 5), (3, 3, 2))]
    cases += [_bollinger_case(*a) for a in ((20, 2.0), (10, 1.0), (5, 3.5))]
    cases += [_stochastic_case(*a) for a in ((5, 3, 3), (14, 1, 3), (9, 4, 1))]
    cases.append(
        Case(
            "obv",
            lambda b: [ind.obv(b.close, b.volume)],
            lambda b: [talib.OBV(b.close, b.volume)],
            ind.OBV,
            lambda obj, b, i: obj.update(b.close[i], b.volume[i]),
        )
    )
    return cases


CASES = {c.name: c for c in _cases()}


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("case", CASES)
def test_equals_talib(data: str, case: str) -> None:
    bars, c = DATA[data], CASES[case]
    ours, theirs = c.ours(bars), c.talib(bars)
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs, strict=True):
        assert_matches(mine, reference)


@pytest.mark.parametrize("data", DATA)
def test_formulas_without_a_multiply_add_equal_talib_bit_for_bit(data: str) -> None:
    # The others differ from TA-Lib in the last bits, where its build fuses a multiply-add
    # (EMA and MACD equal the PyPI wheels' too) or its variance and Wilder steps round otherwise.
    b = DATA[data]
    np.testing.assert_array_equal(ind.sma(b.close, 20), talib.SMA(b.close, 20))
    np.testing.assert_array_equal(ind.bollinger(b.close)[1], talib.BBANDS(b.close, 20)[1])
    np.testing.assert_array_equal(ind.obv(b.close, b.volume), talib.OBV(b.close, b.volume))
    for mine, theirs in zip(
        ind.stochastic(b.high, b.low, b.close), talib.STOCH(b.high, b.low, b.close), strict=True
    ):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("data", ["orcl", "walk-btc-scale"])
@pytest.mark.parametrize("case", CASES)
def test_streaming_equals_vectorised_bit_for_bit(data: str, case: str) -> None:
    bars, c = DATA[data], CASES[case]
    vectorised = np.column_stack(c.ours(bars))
    obj = c.stream()
    returned, held, ready = [], [], []
    for i in range(len(bars)):
        returned.append(c.feed(obj, bars, i))
        held.append(obj.value)
        ready.append(obj.ready)
    np.testing.assert_array_equal(np.array(returned).reshape(vectorised.shape), vectorised)
    np.testing.assert_array_equal(np.array(held).reshape(vectorised.shape), vectorised)
    np.testing.assert_array_equal(ready, ~np.isnan(vectorised[:, 0]))


def _zscore_reference(close: Array, period: int) -> Array:
    mean, std = talib.SMA(close, period), talib.STDDEV(close, period, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(std > 0, (close - mean) / std, np.where(np.isnan(std), np.nan, 0.0))


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("period", [5, 20])
def test_zscore_is_the_distance_from_talibs_mean_in_its_deviations(data: str, period: int) -> None:
    close = DATA[data].close
    ours = ind.zscore(close, period)
    reference = _zscore_reference(close, period)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference))
    # Both divide by a deviation that may be tiny: compare against a scale of 1 (z-scores are O(1)).
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-8)
    stream = ind.ZScore(period)
    np.testing.assert_array_equal([stream.update(x) for x in close], ours)


def _vwap_reference(b: Bars, period: int | None, session: npt.NDArray[np.int64] | None) -> Array:
    """Sums of each window (exact, by math.fsum) or running sums (numpy), restarted per session."""
    pv = (b.high + b.low + b.close) / 3.0 * b.volume
    n = len(b)
    starts = [0] if session is None else [0, *np.flatnonzero(np.diff(session) != 0) + 1]
    out = np.full(n, np.nan)
    for first, end in zip(starts, [*starts[1:], n], strict=True):
        if period is None:
            total_v = np.cumsum(b.volume[first:end])
            with np.errstate(invalid="ignore", divide="ignore"):
                out[first:end] = np.where(total_v > 0, np.cumsum(pv[first:end]) / total_v, np.nan)
            continue
        for i in range(first + period - 1, end):
            window = slice(i - period + 1, i + 1)
            volume = math.fsum(b.volume[window])
            if volume > 0:
                out[i] = math.fsum(pv[window]) / volume
    return out


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("period", [None, 1, 20])
@pytest.mark.parametrize("sessions", [False, True])
def test_vwap_equals_pandas_sums(data: str, period: int | None, sessions: bool) -> None:
    b = DATA[data]
    session = np.arange(len(b), dtype=np.int64) // 390 if sessions else None
    ours = ind.vwap(b.high, b.low, b.close, b.volume, period, session)
    reference = _vwap_reference(b, period, session)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference))
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=0.0)
    stream = ind.VWAP(period)
    streamed = []
    for i in range(len(b)):
        if session is not None and i > 0 and session[i] != session[i - 1]:
            stream.reset()
        streamed.append(stream.update(b.high[i], b.low[i], b.close[i], b.volume[i]))
    np.testing.assert_array_equal(streamed, ours)


def test_flat_runs_follow_talibs_exact_zero_tests() -> None:
    b = DATA["walk"]
    flat = slice(len(b) // 2 + 40, len(b) // 2 + 120)  # inside a run of equal bars
    assert np.all(ind.rolling_std(b.close, 20)[flat] == 0.0)
    upper, middle, lower = ind.bollinger(b.close, 20, 2.0)
    np.testing.assert_array_equal(upper[flat], middle[flat])
    np.testing.assert_array_equal(lower[flat], middle[flat])
    assert np.all(ind.zscore(b.close, 20)[flat] == 0.0)
    # The averages only decay in a flat run, so RSI holds its last value (TA-Lib 0.8: no epsilon).
    rsi = ind.rsi(b.close, 14)
    assert np.ptp(rsi[flat]) < 1e-9
    assert 0.0 < rsi[flat][0] < 100.0
    assert np.all(ind.rsi(np.full(40, 7.0), 14)[14:] == 0.0)  # flat from the start: 0
    k, _ = ind.stochastic(b.high, b.low, b.close, 5, 3, 3)
    # No range: fast %K is 0; the slow %K, TA-Lib's running-sum SMA of it, keeps its rounding.
    np.testing.assert_allclose(k[flat], 0.0, atol=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_leading_nans_are_skipped_as_talib_skips_them(case: str) -> None:
    b, c = DATA["orcl"], CASES[case]
    pad = np.full(7, np.nan)
    padded = Bars(*(np.concatenate((pad, col)) for col in (b.high, b.low, b.close, b.volume)))
    for mine, plain, reference in zip(c.ours(padded), c.ours(b), c.talib(padded), strict=True):
        np.testing.assert_array_equal(mine[:7], pad)
        np.testing.assert_array_equal(mine[7:], plain)
        assert_matches(mine, reference)


def test_indicators_compose_on_their_warm_up() -> None:
    close = DATA["orcl"].close
    assert_matches(ind.ema(ind.sma(close, 5), 3), talib.EMA(talib.SMA(close, 5), 3))
    line, _, _ = ind.macd(close)
    assert_matches(ind.rsi(line, 9), talib.RSI(talib.MACD(close)[0], 9))


def test_any_numeric_array_like_is_read() -> None:
    close = DATA["orcl"].close[:300]
    want = ind.sma(close, 10)
    np.testing.assert_array_equal(ind.sma(close.tolist(), 10), want)
    np.testing.assert_array_equal(ind.sma(pd.Series(close, index=np.arange(300) * 2), 10), want)
    np.testing.assert_array_equal(ind.sma(np.asfortranarray(close), np.int64(10)), want)
    np.testing.assert_array_equal(ind.sma(close[::-1].copy()[::-1], 10), want)  # a strided view
    np.testing.assert_array_equal(
        ind.sma(close.astype(np.float32), 10), talib.SMA(close.astype(np.float32).astype(float), 10)
    )
    np.testing.assert_array_equal(ind.sma(np.arange(5), 2), [np.nan, 0.5, 1.5, 2.5, 3.5])
    assert ind.rsi(np.array([], dtype=np.float64)).shape == (0,)
    assert np.isnan(ind.atr([1.0], [1.0], [1.0])).all()


@pytest.mark.parametrize("case", CASES)
def test_ready_and_lookback_agree_with_the_first_value(case: str) -> None:
    b, c = DATA["walk"], CASES[case]
    first = int(np.argmax(~np.isnan(c.ours(b)[0])))
    obj = c.stream()
    assert obj.lookback == first
    for i in range(first):
        c.feed(obj, b, i)
        assert not obj.ready
        assert all(math.isnan(v) for v in np.atleast_1d(obj.value))
    c.feed(obj, b, first)
    assert obj.ready


@pytest.mark.parametrize("case", CASES)
def test_reset_starts_over_as_a_new_object(case: str) -> None:
    b, c = DATA["orcl"], CASES[case]
    used, fresh = c.stream(), c.stream()
    for i in range(200):
        c.feed(used, b, i)
    used.reset()
    assert not used.ready
    for i in range(200, 600):
        assert np.array_equal(c.feed(used, b, i), c.feed(fresh, b, i), equal_nan=True)


@dataclass(frozen=True)
class _Bar:
    high: float
    low: float
    close: float
    volume: float


def test_bar_objects_update_as_their_fields_do() -> None:
    b = DATA["orcl"]
    pairs: list[tuple[Callable[[], Any], Callable[[Any, int], Any]]] = [
        (ind.ATR, lambda o, i: o.update(b.high[i], b.low[i], b.close[i])),
        (ind.ADX, lambda o, i: o.update(b.high[i], b.low[i], b.close[i])),
        (ind.Stochastic, lambda o, i: o.update(b.high[i], b.low[i], b.close[i])),
        (ind.OBV, lambda o, i: o.update(b.close[i], b.volume[i])),
        (lambda: ind.VWAP(30), lambda o, i: o.update(b.high[i], b.low[i], b.close[i], b.volume[i])),
    ]
    for make, update in pairs:
        by_bar, by_fields = make(), make()
        for i in range(500):
            bar = _Bar(b.high[i], b.low[i], b.close[i], b.volume[i])
            assert np.array_equal(by_bar.update(bar), update(by_fields, i), equal_nan=True)


class _Recorder(af.Strategy):
    """Updates indicators from the engine's own bar objects in on_bar."""

    def __init__(self) -> None:
        super().__init__()
        self.rsi, self.atr, self.vwap = ind.RSI(14), ind.ATR(14), ind.VWAP()
        self.seen: list[tuple[float, float, float]] = []

    def on_start(self) -> None:
        self.subscribe_bars("ORCL")

    def on_bar(self, bar: Any) -> None:
        self.seen.append((self.rsi.update(bar.close), self.atr.update(bar), self.vwap.update(bar)))


def test_a_strategy_feeds_backtest_bars_to_streaming_indicators() -> None:
    frame = orcl().iloc[:800]
    engine = af.BacktestEngine(cash=10_000.0)
    engine.add_bars("ORCL", frame)
    strategy = _Recorder()
    engine.add_strategy(strategy)
    engine.run()
    high, low, close, volume = (frame[k].to_numpy() for k in ("high", "low", "close", "volume"))
    want = np.column_stack(
        (ind.rsi(close), ind.atr(high, low, close), ind.vwap(high, low, close, volume))
    )
    np.testing.assert_array_equal(np.array(strategy.seen), want)


BAD_CALLS: list[tuple[str, Callable[[], object], type[Exception], str]] = [
    ("period 0", lambda: ind.sma([1.0, 2.0], 0), ValueError, "period must be at least 1, got 0"),
    ("period -3", lambda: ind.RSI(-3), ValueError, "period must be at least 1, got -3"),
    ("period float", lambda: ind.ema([1.0], 2.5), TypeError,  # type: ignore[arg-type]
     "period must be an int, got float"),
    ("period bool", lambda: ind.WMA(True), TypeError, "period must be an int, got bool"),
    ("slowd 0", lambda: ind.Stochastic(5, 3, 0), ValueError, "slowd must be at least 1, got 0"),
    ("fast > slow", lambda: ind.macd([1.0], 26, 12), ValueError,
     "fast must not exceed slow, got fast=26 slow=12"),
    ("signal 0", lambda: ind.MACD(12, 26, 0), ValueError, "signal must be at least 1, got 0"),
    ("num_std", lambda: ind.bollinger([1.0], 20, -2.0), ValueError,
     "num_std must be finite and >= 0, got -2"),
    ("num_std nan", lambda: ind.Bollinger(20, math.nan), ValueError,
     "num_std must be finite and >= 0, got nan"),
    ("lengths", lambda: ind.atr([2.0, 3.0], [1.0], [1.5, 2.5]), ValueError,
     "low has 1 rows, high has 2"),
    ("lengths volume", lambda: ind.obv([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError,
     "volume has 3 rows, close has 2"),
    ("session length", lambda: ind.vwap([2.0], [1.0], [1.5], [1.0], None, [1, 2]), ValueError,
     "session has 2 rows, high has 1"),
    ("nan inside", lambda: ind.rsi([1.0, np.nan, 2.0]), ValueError,
     "values[1] is nan: only leading rows (an upstream warm-up) may be NaN"),
    ("inf", lambda: ind.sma([1.0, 2.0, np.inf], 2), ValueError,
     "values[2] must be finite, got inf"),
    ("inf leading", lambda: ind.sma([-np.inf, 1.0], 2), ValueError,
     "values[0] must be finite, got -inf"),
    ("nan in low", lambda: ind.adx([2.0, 3.0], [1.0, np.nan], [1.5, 2.5]), ValueError,
     "low[1] is nan"),
    ("high < low", lambda: ind.stochastic([2.0, 3.0], [1.0, 3.5], [1.5, 3.2]), ValueError,
     "high[1] = 3 is below low[1] = 3.5"),
    ("negative volume", lambda: ind.obv([1.0, 2.0], [1.0, -0.5]), ValueError,
     "volume[1] must be >= 0, got -0.5"),
    ("2-D", lambda: ind.sma(np.ones((3, 2)), 2), ValueError,
     "values must be one-dimensional, got ndim=2"),
    ("strings", lambda: ind.ema(["a", "b"], 2), TypeError, "values must hold numbers"),
    ("stream nan", lambda: ind.SMA(3).update(math.nan), ValueError,
     "value must be finite, got nan"),
    ("stream high < low", lambda: ind.ATR(3).update(1.0, 2.0, 1.5), ValueError,
     "high 1 is below low 2"),
    ("stream inf close", lambda: ind.ADX(3).update(2.0, 1.0, math.inf), ValueError,
     "close must be finite, got inf"),
    ("stream volume", lambda: ind.VWAP().update(2.0, 1.0, 1.5, -1.0), ValueError,
     "volume must be >= 0, got -1"),
    ("bar without volume", lambda: ind.OBV().update(_NoVolume()), AttributeError, "volume"),
]  # fmt: skip


@dataclass(frozen=True)
class _NoVolume:
    close: float = 1.0


@pytest.mark.parametrize(
    ("label", "call", "error", "message"), BAD_CALLS, ids=[b[0] for b in BAD_CALLS]
)
def test_bad_input_is_refused_by_name(
    label: str, call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        call()


@pytest.mark.parametrize("case", CASES)
def test_a_refused_update_leaves_the_state_as_it_was(case: str) -> None:
    b, c = DATA["orcl"], CASES[case]
    obj, twin = c.stream(), c.stream()
    for i in range(120):
        c.feed(obj, b, i)
        c.feed(twin, b, i)
        with pytest.raises(ValueError, match="finite"):
            c.feed(obj, Bars(*(np.full(len(b), np.nan) for _ in range(4))), i)
        assert np.array_equal(np.atleast_1d(obj.value), np.atleast_1d(twin.value), equal_nan=True)
        assert obj.ready == twin.ready


def test_reprs_show_parameters_and_value() -> None:
    rsi = ind.RSI()
    assert repr(rsi) == "RSI(14, value=nan)"
    for x in DATA["orcl"].close[:15]:
        rsi.update(x)
    assert repr(rsi) == f"RSI(14, value={rsi.value!r})"
    assert repr(ind.MACD()) == "MACD(12, 26, 9, macd=nan)"
    assert repr(ind.Bollinger(10, 1.5)) == "Bollinger(10, 1.5, middle=nan)"
    assert repr(ind.VWAP(5)) == "VWAP(5, value=nan)"
    assert ind.VWAP().period is None
    assert ind.VWAP(5).period == 5
