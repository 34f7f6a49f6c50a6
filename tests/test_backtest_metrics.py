"""Every metric and the round-trip trades against hand calculations and plain pandas formulas."""

from __future__ import annotations

import math
import sys

import empyrical as ep
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import alphaforge as af
from alphaforge.backtest import BacktestResult
from alphaforge.backtest.metrics import benchmark_statistics, fifo_round_trips
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.samples import btcusdt_trades, orcl
from backtest_factory import equity_frame, fills_frame, make_result, stamps

# 2020-01-01 .. 2024-01-01 is 1461 days: exactly four years of 365.25 days, one point a year.
YEARLY = stamps("2020-01-01", "2021-01-01", "2022-01-01", "2023-01-01", "2024-01-01")
CURVE = [100.0, 110.0, 99.0, 104.5, 121.0]
RETURNS = np.array([0.1, -0.1, 104.5 / 99.0 - 1.0, 121.0 / 104.5 - 1.0])


def daily(count: int) -> pd.DatetimeIndex:
    return pd.date_range("2024-01-01", periods=count, freq="D", tz="UTC")


def check_against_numpy(result: BacktestResult) -> None:
    """Every figure against a plain numpy reading of docs/metrics.md; the figures that are NaN
    or infinite are exactly those with a note."""
    m = result.metrics
    e = result.equity["equity"].to_numpy(np.float64)
    t = result.equity.index
    cash, n = result.starting_cash, len(e)
    years = (t[-1] - t[0]).total_seconds() / (365.25 * 86_400)
    expected: dict[str, float] = {
        "final_equity": e[-1],
        "total_return": e[-1] / cash - 1,
        "max_drawdown": float(np.max(1 - e / np.maximum.accumulate(np.maximum(e, cash)))),
        "total_fees": float(result.fills["fee"].sum()),
        "trades": len(result.trades),
    }
    if e.mean() > 0:
        notional = np.abs(result.fills["qty"] * result.fills["price"]).sum()
        expected["turnover"] = notional / e.mean()
    if years > 0:
        expected["periods_per_year"] = (n - 1) / years
    if years >= 1 and e[-1] > 0:
        expected["cagr"] = (e[-1] / cash) ** (1 / years) - 1
    if n >= 3 and e.min() > 0:
        per_year = (n - 1) / years
        r = e[1:] / e[:-1] - 1
        x = r - ((1 + result.risk_free_rate) ** (1 / per_year) - 1)
        expected["volatility"] = r.std(ddof=1) * math.sqrt(per_year)
        if x.std(ddof=1) > 1e-12 * abs(x.mean()):
            expected["sharpe"] = x.mean() / x.std(ddof=1) * math.sqrt(per_year)
        downside = math.sqrt(np.mean(np.minimum(x, 0) ** 2))
        if downside > 0:
            expected["sortino"] = x.mean() / downside * math.sqrt(per_year)
    figures = m.as_dict()
    for name, value in expected.items():
        assert figures[name] == pytest.approx(value, rel=1e-12, abs=1e-12), name
    numeric = {k: v for k, v in figures.items() if isinstance(v, (int, float))}
    unexpected = {"cagr", "volatility", "sharpe", "sortino", "periods_per_year"} - set(expected)
    for name in unexpected:
        assert not math.isfinite(numeric[name]), name
        assert name in m.notes, name
    assert set(m.notes) == {k for k, v in numeric.items() if not math.isfinite(v)}


def test_return_figures_of_a_yearly_curve() -> None:
    check_against_numpy(make_result(equity_frame(YEARLY, CURVE)))
    m = make_result(equity_frame(YEARLY, CURVE)).metrics
    assert m.final_equity == 121.0
    assert m.total_return == pytest.approx(0.21)
    assert m.periods_per_year == pytest.approx(1.0)
    assert m.cagr == pytest.approx(1.21**0.25 - 1.0)
    pandas_returns = pd.Series(CURVE).pct_change().dropna()
    assert m.volatility == pytest.approx(pandas_returns.std())
    assert m.sharpe == pytest.approx(pandas_returns.mean() / pandas_returns.std())
    # Downside deviation over all four periods: only -0.1 is below zero.
    assert m.sortino == pytest.approx(RETURNS.mean() / math.sqrt(0.01 / 4))


def test_risk_free_rate_is_subtracted_per_period() -> None:
    m = make_result(equity_frame(YEARLY, CURVE), risk_free_rate=0.05).metrics
    excess = RETURNS - 0.05
    assert m.sharpe == pytest.approx(excess.mean() / RETURNS.std(ddof=1))
    # Below 5 %: only -0.1 (by 0.15); 104.5 / 99 - 1 is 5.56 %.
    assert m.sortino == pytest.approx(excess.mean() / math.sqrt(0.15**2 / 4))
    assert m.risk_free_rate == 0.05


def test_annualisation_comes_from_the_index_span() -> None:
    hourly = pd.date_range("2024-03-01", periods=25, freq="h", tz="UTC")
    rng = np.random.default_rng(7)
    curve = 1000.0 * np.cumprod(1.0 + rng.normal(0.0, 0.01, 25))
    m = make_result(
        equity_frame(hourly, curve.tolist()), starting_cash=1000.0, risk_free_rate=0.03
    ).metrics
    per_year = 24 * 365.25
    assert m.periods_per_year == pytest.approx(per_year)
    returns = pd.Series(curve).pct_change().dropna()
    assert m.volatility == pytest.approx(returns.std() * math.sqrt(per_year))
    excess = returns - (1.03 ** (1 / per_year) - 1)
    assert m.sharpe == pytest.approx(excess.mean() / excess.std() * math.sqrt(per_year))
    downside = math.sqrt((excess.clip(upper=0.0) ** 2).mean())
    assert m.sortino == pytest.approx(excess.mean() / downside * math.sqrt(per_year))
    # One day is under a year: the return is not annualised.
    assert math.isnan(m.cagr)
    assert m.notes["cagr"].startswith("the run spans 24 hours, under a year")


def test_max_drawdown_and_its_duration() -> None:
    m = make_result(equity_frame(YEARLY, CURVE)).metrics
    assert m.max_drawdown == pytest.approx(0.1)  # 110 -> 99
    assert m.max_drawdown_duration == YEARLY[4] - YEARLY[1]  # back above 110 only at 121


def test_duration_is_that_of_the_deepest_drawdown_not_the_longest() -> None:
    index = daily(8)
    curve = [100.0, 90.0, 100.0, 99.0, 99.5, 99.0, 98.5, 100.5]
    m = make_result(equity_frame(index, curve)).metrics
    assert m.max_drawdown == pytest.approx(0.1)
    assert m.max_drawdown_duration == pd.Timedelta(days=2)


def test_unrecovered_drawdown_lasts_to_the_last_point() -> None:
    index = daily(4)
    m = make_result(equity_frame(index, [100.0, 120.0, 90.0, 100.0])).metrics
    assert m.max_drawdown == pytest.approx(0.25)
    assert m.max_drawdown_duration == index[3] - index[1]


def test_starting_cash_is_the_first_peak() -> None:
    index = daily(3)
    result = make_result(equity_frame(index, [95.0, 97.0, 101.0]), starting_cash=100.0)
    assert result.metrics.max_drawdown == pytest.approx(0.05)
    assert result.metrics.max_drawdown_duration == index[2] - index[0]
    assert result.metrics.total_return == pytest.approx(0.01)
    assert result.drawdown.to_numpy() == pytest.approx([0.05, 0.03, 0.0])


def test_drawdown_series_matches_pandas_cummax() -> None:
    rng = np.random.default_rng(3)
    curve = 100.0 * np.cumprod(1.0 + rng.normal(0.0, 0.02, 200))
    result = make_result(equity_frame(daily(200), curve.tolist()))
    peaks = pd.Series(curve).cummax().clip(lower=100.0)
    expected = 1.0 - pd.Series(curve) / peaks
    assert result.drawdown.to_numpy() == pytest.approx(expected.to_numpy())
    assert result.metrics.max_drawdown == pytest.approx(expected.max())


def test_known_round_trips_give_win_rate_and_profit_factor() -> None:
    fills = fills_frame(
        [
            ("2024-01-02", "BUY", 10, 100.0, 1.0),
            ("2024-01-03", "SELL", 10, 110.0, 1.0),  # long: 100 - 2 = 98
            ("2024-01-04", "SELL", 5, 50.0, 0.5),
            ("2024-01-05", "BUY", 5, 60.0, 0.5),  # short: -50 - 1 = -51
            ("2024-01-06", "BUY", 2, 10.0, 0.0),
            ("2024-01-07", "SELL", 2, 15.0, 0.0),  # long: 10
        ]
    )
    result = make_result(equity_frame(daily(8), [1000.0] * 8), fills, starting_cash=1000.0)
    trades = result.trades
    assert trades["pnl"].tolist() == pytest.approx([98.0, -51.0, 10.0])
    assert trades["direction"].tolist() == ["LONG", "SHORT", "LONG"]
    assert trades["fees"].tolist() == pytest.approx([2.0, 1.0, 0.0])
    assert trades["return_pct"].tolist() == pytest.approx([98 / 1000, -51 / 250, 10 / 20])
    m = result.metrics
    assert m.trades == 3
    assert m.win_rate == pytest.approx(2 / 3)
    assert m.profit_factor == pytest.approx(108.0 / 51.0)
    assert m.total_fees == pytest.approx(3.0)
    notional = 1000 + 1100 + 250 + 300 + 20 + 30
    assert m.turnover == pytest.approx(notional / 1000.0)


def test_scaling_in_and_out_is_one_trade() -> None:
    fills = fills_frame(
        [
            ("2024-01-02", "BUY", 10, 100.0, 0.0),
            ("2024-01-03", "BUY", 10, 110.0, 0.0),
            ("2024-01-04", "SELL", 5, 120.0, 0.0),
            ("2024-01-05", "SELL", 15, 105.0, 0.0),
        ]
    )
    trades = make_result(equity_frame(daily(6), [100.0] * 6), fills).trades
    assert len(trades) == 1
    trade = trades.iloc[0]
    assert trade["qty"] == 20
    assert trade["entry_price"] == pytest.approx(105.0)
    assert trade["exit_price"] == pytest.approx((600 + 1575) / 20)
    assert trade["gross_pnl"] == pytest.approx(600 + 1575 - 2100)
    assert trade["entry_ts"] == pd.Timestamp("2024-01-02", tz="UTC")
    assert trade["exit_ts"] == pd.Timestamp("2024-01-05", tz="UTC")
    assert trade["fill_count"] == 4


def test_a_flip_closes_one_trade_and_opens_the_next() -> None:
    fills = fills_frame(
        [
            ("2024-01-02", "BUY", 10, 100.0, 1.0),
            ("2024-01-03", "SELL", 30, 110.0, 3.0),  # 10 close the long, 20 open a short
            ("2024-01-04", "BUY", 20, 105.0, 2.0),
        ]
    )
    trades = make_result(equity_frame(daily(5), [100.0] * 5), fills).trades
    assert trades["direction"].tolist() == ["LONG", "SHORT"]
    assert trades["qty"].tolist() == [10.0, 20.0]
    # The flip's fee of 3 is split 1 : 2 by quantity.
    assert trades["fees"].tolist() == pytest.approx([2.0, 4.0])
    assert trades["pnl"].tolist() == pytest.approx([100.0 - 2.0, 100.0 - 4.0])
    assert trades["entry_ts"].iloc[1] == pd.Timestamp("2024-01-03", tz="UTC")
    assert trades["exit_ts"].iloc[0] == pd.Timestamp("2024-01-03", tz="UTC")


def test_strategies_and_symbols_are_separate_books() -> None:
    a = fills_frame(
        [("2024-01-02", "BUY", 1, 10.0, 0.0), ("2024-01-04", "SELL", 1, 12.0, 0.0)],
        strategy="a",
    )
    b = fills_frame(
        [("2024-01-03", "SELL", 1, 11.0, 0.0), ("2024-01-05", "BUY", 1, 13.0, 0.0)],
        strategy="b",
    )
    c = fills_frame(
        [("2024-01-03", "BUY", 3, 5.0, 0.0), ("2024-01-04", "SELL", 3, 4.0, 0.0)],
        symbol="MSFT",
        strategy="a",
    )
    fills = pd.concat([a, b, c], ignore_index=True)
    trades = make_result(equity_frame(daily(6), [100.0] * 6), fills).trades
    rows = list(zip(trades["strategy"], trades["symbol"], trades["pnl"], strict=True))
    assert rows == [("a", "MSFT", -3.0), ("a", "ORCL", 2.0), ("b", "ORCL", -2.0)]


def test_open_position_at_the_end_is_not_a_trade() -> None:
    fills = fills_frame(
        [
            ("2024-01-02", "BUY", 1, 10.0, 0.0),
            ("2024-01-03", "SELL", 1, 11.0, 0.0),
            ("2024-01-04", "BUY", 4, 10.0, 0.0),
        ]
    )
    result = make_result(equity_frame(daily(5), [100.0] * 5), fills)
    assert len(result.trades) == 1
    assert result.metrics.trades == 1


def test_float_quantities_that_sum_to_zero_close_the_trade() -> None:
    fills = fills_frame(
        [
            ("2024-01-02", "BUY", 0.1, 10.0, 0.0),
            ("2024-01-02", "BUY", 0.2, 10.0, 0.0),
            ("2024-01-03", "SELL", 0.3, 20.0, 0.0),
            ("2024-01-04", "SELL", 0.3, 20.0, 0.0),
        ]
    )
    result = make_result(equity_frame(daily(5), [100.0] * 5), fills)
    assert result.trades["direction"].tolist() == ["LONG"]
    assert result.trades["pnl"].iloc[0] == pytest.approx(3.0)
    assert result.metrics.exposure == pytest.approx(3 / 5)


def test_exposure_counts_points_holding_a_position() -> None:
    index = daily(6)
    fills = fills_frame(
        [
            ("2024-01-02", "BUY", 1, 10.0, 0.0),  # held at points 1 and 2
            ("2024-01-04", "SELL", 1, 10.0, 0.0),  # flat at point 3
            ("2024-01-05 12:00", "BUY", 1, 10.0, 0.0),  # between points: held from point 5
        ]
    )
    assert make_result(equity_frame(index, [100.0] * 6), fills).metrics.exposure == 3 / 6


def test_offsetting_strategies_are_both_exposed() -> None:
    long = fills_frame([("2024-01-02", "BUY", 1, 10.0, 0.0)], strategy="a")
    short = fills_frame([("2024-01-02", "SELL", 1, 10.0, 0.0)], strategy="b")
    fills = pd.concat([long, short], ignore_index=True)
    assert make_result(equity_frame(daily(4), [100.0] * 4), fills).metrics.exposure == 3 / 4


def test_no_trades() -> None:
    m = make_result(equity_frame(YEARLY, CURVE)).metrics
    assert m.trades == 0
    assert math.isnan(m.win_rate)
    assert math.isnan(m.profit_factor)
    assert m.exposure == 0.0
    assert m.total_fees == 0.0
    assert m.turnover == 0.0


def test_only_winners_give_an_infinite_profit_factor() -> None:
    fills = fills_frame([("2024-01-02", "BUY", 1, 10.0, 0.0), ("2024-01-03", "SELL", 1, 11.0, 0.0)])
    m = make_result(equity_frame(daily(3), [100.0, 100.0, 101.0]), fills).metrics
    assert m.profit_factor == math.inf
    assert m.win_rate == 1.0


def test_flat_equity() -> None:
    m = make_result(equity_frame(daily(10), [100.0] * 10)).metrics
    assert m.total_return == 0.0
    assert math.isnan(m.cagr)
    assert m.volatility == 0.0
    assert math.isnan(m.sharpe)
    assert m.notes["sharpe"] == "every period returned the same: the returns have no variance"
    assert math.isnan(m.sortino)
    assert m.notes["sortino"] == "every period returned the risk-free rate exactly"
    assert m.max_drawdown == 0.0
    assert m.max_drawdown_duration == pd.Timedelta(0)
    check_against_numpy(make_result(equity_frame(daily(10), [100.0] * 10)))


def test_flat_equity_over_two_years_has_a_cagr_of_zero() -> None:
    result = make_result(
        equity_frame(stamps("2020-01-01", "2021-01-01", "2022-01-01"), [100.0] * 3)
    )
    assert result.metrics.cagr == 0.0
    check_against_numpy(result)


def test_equal_returns_have_no_sharpe_rather_than_one_of_rounding_noise() -> None:
    curve = 100.0 * 1.01 ** np.arange(6)
    m = make_result(equity_frame(daily(6), curve.tolist())).metrics
    assert math.isnan(m.sharpe)
    assert "no variance" in m.notes["sharpe"]


def test_rising_equity_has_an_infinite_sortino() -> None:
    result = make_result(equity_frame(daily(4), [100.0, 101.0, 103.0, 104.0]))
    assert result.metrics.sortino == math.inf
    assert "downside is zero" in result.metrics.notes["sortino"]
    assert result.metrics.max_drawdown == 0.0
    check_against_numpy(result)


def test_one_bar() -> None:
    result = make_result(equity_frame(daily(1), [104.0]))
    m = result.metrics
    assert m.total_return == pytest.approx(0.04)
    assert m.final_equity == 104.0
    for nan in (m.cagr, m.volatility, m.sharpe, m.sortino, m.periods_per_year):
        assert math.isnan(nan)
    assert m.notes["periods_per_year"] == "one equity point: the run has no span"
    assert m.notes["sharpe"] == "1 equity point(s) give 0 return(s); 2 are needed"
    assert m.max_drawdown == 0.0
    check_against_numpy(result)


def test_two_points_are_one_return_too_few() -> None:
    result = make_result(equity_frame(daily(2), [100.0, 101.0]))
    assert math.isnan(result.metrics.volatility)
    assert result.metrics.notes["volatility"] == "2 equity point(s) give 1 return(s); 2 are needed"
    check_against_numpy(result)


def test_an_account_wiped_out() -> None:
    result = make_result(equity_frame(daily(3), [100.0, 0.0, 0.0]))
    m = result.metrics
    assert m.total_return == -1.0
    assert math.isnan(m.cagr)
    assert m.max_drawdown == 1.0
    for name in ("volatility", "sharpe", "sortino"):
        assert math.isnan(getattr(m, name))
        assert m.notes[name] == (
            "equity is 0.00 at 2024-01-02T00:00:00+00:00: returns past a zero or negative "
            "equity are undefined"
        )
    check_against_numpy(result)


def test_a_loss_of_everything_over_years_has_no_yearly_rate() -> None:
    result = make_result(equity_frame(YEARLY, [100.0, 50.0, 20.0, 5.0, -3.0]))
    m = result.metrics
    assert math.isnan(m.cagr)
    assert m.notes["cagr"] == "final equity is -3.00: no yearly rate leads to it"
    assert m.max_drawdown == pytest.approx(1.03)
    check_against_numpy(result)


def test_a_46_second_gain_is_not_annualised() -> None:
    # Before, (1.01) ** (1 / years) raised OverflowError for 46 seconds (an exponent of 686,000).
    index = pd.date_range("2021-01-08", periods=47, freq="s", tz="UTC")
    curve = np.linspace(100_000.0, 101_000.0, 47) + np.where(np.arange(47) % 5 == 2, -90.0, 0.0)
    with pytest.raises(OverflowError):
        _ = 1.01 ** (365.25 * 86_400 / 46)
    result = make_result(equity_frame(index, curve.tolist()), starting_cash=100_000.0)
    m = result.metrics
    assert math.isnan(m.cagr)
    assert m.notes["cagr"] == (
        "the run spans 46 seconds, under a year: a shorter return is not annualised "
        "(see total_return)"
    )
    assert m.total_return == pytest.approx(0.01)
    check_against_numpy(result)


def test_metrics_are_computed_once() -> None:
    result = make_result(equity_frame(YEARLY, CURVE))
    assert result.metrics is result.metrics
    assert result.trades is result.trades


def test_metrics_frame_has_one_value_column() -> None:
    frame = make_result(equity_frame(YEARLY, CURVE)).metrics_frame()
    assert list(frame.columns) == ["value"]
    assert frame.loc["total_return", "value"] == pytest.approx(0.21)
    assert frame.loc["max_drawdown_duration", "value"] == YEARLY[4] - YEARLY[1]
    assert "sharpe" in frame.index


orders = st.lists(
    st.tuples(st.integers(-5, 5).filter(bool), st.integers(90, 110), st.integers(0, 3)),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(orders)
def test_trade_pnl_adds_up_to_the_cash_of_a_flat_book(script: list[tuple[int, int, int]]) -> None:
    position = sum(q for q, _, _ in script)
    if position:
        script = [*script, (-position, 100, 0)]
    rows = [
        (f"2024-01-01 00:{i // 60:02d}:{i % 60:02d}", "BUY" if q > 0 else "SELL", abs(q), p, f)
        for i, (q, p, f) in enumerate(script)
    ]
    trades = make_result(equity_frame(daily(2), [100.0, 100.0]), fills_frame(rows)).trades
    cash = -sum(q * p + f for q, p, f in script)
    assert trades["pnl"].sum() == pytest.approx(cash)
    # One trade ends each time the running position reaches or crosses zero.
    running = np.cumsum([q for q, _, _ in script])
    before = np.concatenate([[0], running[:-1]])
    ended = int(np.sum((before != 0) & ((running == 0) | (np.sign(running) == -np.sign(before)))))
    assert len(trades) == ended


class BuyOnce(af.Strategy):
    """Buys `qty` on the first trade or bar it sees and holds it."""

    def __init__(self, symbol: str, qty: float, bars: bool = False) -> None:
        super().__init__()
        self.symbol, self.qty, self.bars, self.done = symbol, qty, bars, False

    def on_start(self) -> None:
        if self.bars:
            self.subscribe_bars(self.symbol)
        else:
            self.subscribe_trades(self.symbol)

    def buy_once(self) -> None:
        if not self.done:
            self.buy(self.symbol, self.qty)
            self.done = True

    def on_trade(self, trade: object) -> None:
        self.buy_once()

    def on_bar(self, bar: object) -> None:
        self.buy_once()


def tick_backtest() -> BacktestResult:
    """2 BTC bought on the first of 46 seconds of real Binance trades, equity every second."""
    engine = af.BacktestEngine(cash=100_000.0, equity_interval="1s")
    engine.add_instrument("BTCUSDT", 0.01, 0.000001)
    engine.add_trades("BTCUSDT", btcusdt_trades())
    engine.add_strategy(BuyOnce("BTCUSDT", 2.0))
    return engine.run()


def test_a_46_second_tick_backtest() -> None:
    result = tick_backtest()
    m = result.metrics
    span = result.equity.index[-1] - result.equity.index[0]
    assert span == pd.Timedelta(seconds=46)
    # Compounded over a year its gain is past the largest float: CAGR used to raise here.
    assert math.log1p(m.total_return) * 365.25 * 86_400 / 46 > math.log(sys.float_info.max)
    assert math.isnan(m.cagr)
    assert "46 seconds, under a year" in m.notes["cagr"]
    fill_ts = result.fills["ts"].iloc[0]
    assert m.exposure == pytest.approx(float(np.mean(result.equity.index >= fill_ts)))
    check_against_numpy(result)


def test_a_one_bar_backtest() -> None:
    engine = af.BacktestEngine(cash=100_000.0)
    engine.add_bars("ORCL", orcl().iloc[:1])
    engine.add_strategy(BuyOnce("ORCL", 100.0, bars=True))
    result = engine.run()
    assert math.isnan(result.metrics.sharpe)
    check_against_numpy(result)


# FIFO round trips of two books, worked by hand: fees per unit go with the quantity matched.
FIFO_FILLS = pd.concat(
    [
        fills_frame(
            [
                ("2024-01-01", "BUY", 10, 100.0, 1.0),  # 0.1 a unit
                ("2024-01-02", "BUY", 10, 110.0, 2.0),  # 0.2 a unit
                ("2024-01-05", "SELL", 15, 120.0, 3.0),  # closes 10 @100 and 5 @110
                ("2024-01-06", "SELL", 10, 105.0, 1.0),  # closes 5 @110, opens short 5 @105
                ("2024-01-10", "BUY", 5, 95.0, 0.5),  # covers the short
            ]
        ),
        fills_frame(
            [("2024-01-03", "SELL", 2, 50.0, 0.0), ("2024-01-04", "BUY", 2, 60.0, 0.0)],
            symbol="MSFT",
        ),
    ],
    ignore_index=True,
)
FIFO_PNL = [
    -(60.0 - 50.0) * 2,  # MSFT short, exits first
    10 * 20.0 - (0.1 + 0.2) * 10,  # first lot: 197
    5 * 10.0 - (0.2 + 0.2) * 5,  # half the second lot: 48
    5 * (105.0 - 110.0) - (0.2 + 0.1) * 5,  # the rest of it: -26.5
    5 * (105.0 - 95.0) - (0.1 + 0.1) * 5,  # the short: 49
]


def test_fifo_round_trips_match_the_oldest_lot_first() -> None:
    trips = fifo_round_trips(FIFO_FILLS)
    assert trips["pnl"].tolist() == pytest.approx(FIFO_PNL)
    assert trips["symbol"].tolist() == ["MSFT", "ORCL", "ORCL", "ORCL", "ORCL"]
    assert trips["direction"].tolist() == ["SHORT", "LONG", "LONG", "LONG", "SHORT"]
    assert trips["qty"].tolist() == [2.0, 10.0, 5.0, 5.0, 5.0]
    assert trips["entry_price"].tolist() == [50.0, 100.0, 110.0, 110.0, 105.0]
    assert trips["holding"].dt.days.tolist() == [1, 4, 3, 4, 4]
    assert trips["return_pct"].tolist() == pytest.approx(
        [-0.2, 197 / 1000, 48 / 550, -26.5 / 550, 49 / 525]
    )
    # Every unit of fee is in some round trip once the books are flat.
    assert trips["fees"].sum() == pytest.approx(FIFO_FILLS["fee"].sum())


def test_trade_statistics_of_the_hand_worked_round_trips() -> None:
    result = make_result(equity_frame(daily(10), [100.0] * 10), FIFO_FILLS)
    stats = result.trade_stats
    assert stats.round_trips == 5
    assert (stats.winners, stats.losers) == (3, 2)
    assert stats.average_win == pytest.approx((197 + 48 + 49) / 3)
    assert stats.average_loss == pytest.approx((-20 - 26.5) / 2)
    assert stats.expectancy == pytest.approx(247.5 / 5)
    assert stats.average_return == pytest.approx(
        (-0.2 + 197 / 1000 + 48 / 550 - 26.5 / 550 + 49 / 525) / 5
    )
    assert stats.best == pytest.approx(197.0)
    assert stats.worst == pytest.approx(-26.5)
    assert stats.average_holding == pd.Timedelta(days=16 / 5)
    assert stats.median_holding == pd.Timedelta(days=4)
    assert stats.longest_holding == pd.Timedelta(days=4)
    # Exit order: loss, win, win, loss, win.
    assert (stats.max_win_streak, stats.max_loss_streak) == (2, 1)
    assert math.isnan(stats.calmar)
    assert "under a year" in stats.notes["calmar"]


def test_trade_statistics_without_round_trips_are_noted() -> None:
    stats = make_result(equity_frame(daily(3), [100.0, 101.0, 102.0])).trade_stats
    assert stats.round_trips == 0
    assert (stats.max_win_streak, stats.max_loss_streak) == (0, 0)
    for name in ("average_win", "average_loss", "expectancy", "best", "worst"):
        assert math.isnan(getattr(stats, name)), name
        assert name in stats.notes
    assert pd.isna(stats.average_holding)
    assert "no drawdown" in stats.notes["calmar"] or "CAGR" in stats.notes["calmar"]


def test_calmar_is_cagr_over_the_max_drawdown() -> None:
    result = make_result(equity_frame(YEARLY, CURVE))
    assert result.trade_stats.calmar == pytest.approx((1.21**0.25 - 1.0) / 0.1)
    r = pd.Series(RETURNS, index=YEARLY[1:])
    assert result.trade_stats.calmar == pytest.approx(ep.calmar_ratio(r, annualization=1))


@settings(max_examples=100, deadline=None)
@given(orders)
def test_fifo_pnl_adds_up_to_the_cash_of_a_flat_book(script: list[tuple[int, int, int]]) -> None:
    position = sum(q for q, _, _ in script)
    if position:
        script = [*script, (-position, 100, 0)]
    rows = [
        (f"2024-01-01 00:{i // 60:02d}:{i % 60:02d}", "BUY" if q > 0 else "SELL", abs(q), p, f)
        for i, (q, p, f) in enumerate(script)
    ]
    trips = fifo_round_trips(fills_frame(rows))
    assert trips["pnl"].sum() == pytest.approx(-sum(q * p + f for q, p, f in script))
    assert (trips["holding"] >= pd.Timedelta(0)).all()
    # Long lots close on sells and short lots on buys: every unit bought is matched once.
    assert trips["qty"].sum() == pytest.approx(sum(q for q, _, _ in script if q > 0))


def random_walk_result(days: int, seed: int) -> tuple[BacktestResult, pd.Series]:
    """A run that holds half its equity in a random-walk price, and that price."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2019-01-01", periods=days, tz="UTC") + pd.Timedelta(hours=20)
    price = 50.0 * np.cumprod(1.0 + rng.normal(0.0003, 0.015, days))
    moves = np.concatenate([[0.0], np.diff(price) / price[:-1]])
    curve = 10_000.0 * np.cumprod(1.0 + 0.5 * moves + rng.normal(0.0001, 0.004, days))
    curve[0] = 10_000.0
    return (
        make_result(equity_frame(index, curve.tolist()), starting_cash=10_000.0),
        pd.Series(price, index=index),
    )


def test_alpha_and_beta_against_numpy_least_squares() -> None:
    result, price = random_walk_result(500, 7)
    stats = benchmark_statistics(result.equity["equity"], price)
    y = result.equity["equity"].pct_change().to_numpy()[1:]
    x = price.pct_change().to_numpy()[1:]
    (intercept, slope), *_ = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)
    days = (result.equity.index[-1].normalize() - result.equity.index[0].normalize()).days
    per_year = 499 / (days / 365.25)
    assert stats.days_per_year == pytest.approx(per_year)
    assert stats.beta == pytest.approx(slope, rel=1e-10)
    assert stats.alpha == pytest.approx((1 + intercept) ** per_year - 1, rel=1e-10)
    assert stats.correlation == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert stats.benchmark_return == pytest.approx(price.iloc[-1] / price.iloc[0] - 1)
    assert stats.daily_returns == 499
    assert stats.notes == {}
    assert 0.4 < stats.beta < 0.6  # half the equity rides the price


def test_alpha_and_beta_against_empyrical() -> None:
    result, price = random_walk_result(300, 11)
    stats = benchmark_statistics(result.equity["equity"], price)
    returns = result.equity["equity"].pct_change().iloc[1:]
    alpha, beta = ep.alpha_beta(
        returns, price.pct_change().iloc[1:], annualization=stats.days_per_year
    )
    assert stats.alpha == pytest.approx(alpha)
    assert stats.beta == pytest.approx(beta)


def test_alpha_subtracts_the_risk_free_rate_from_both_sides() -> None:
    result, price = random_walk_result(300, 5)
    stats = benchmark_statistics(result.equity["equity"], price, risk_free_rate=0.03)
    rf = 1.03 ** (1 / stats.days_per_year) - 1
    y = result.equity["equity"].pct_change().to_numpy()[1:] - rf
    x = price.pct_change().to_numpy()[1:] - rf
    (intercept, slope), *_ = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)
    assert stats.beta == pytest.approx(slope, rel=1e-10)
    assert stats.alpha == pytest.approx((1 + intercept) ** stats.days_per_year - 1, rel=1e-10)


def test_intraday_points_regress_on_day_ends_and_the_benchmark_as_of_each() -> None:
    # Two points a day; the benchmark is stamped at midnight and read as of each point.
    index = pd.date_range("2024-01-01 09:00", periods=12, freq="12h", tz="UTC")
    curve = 100.0 + np.array([0, 1, 3, 2, 4, 6, 5, 4, 6, 9, 8, 10], dtype=float)
    bench = pd.Series(
        [10.0, 10.5, 10.2, 10.8, 11.0, 10.9, 11.5],
        index=pd.date_range("2024-01-01", periods=7, freq="D", tz="UTC"),
    )
    stats = benchmark_statistics(pd.Series(curve, index=index), bench)
    ends = curve[1::2]  # 21:00 each day
    at_ends = bench.asof(index[1::2]).to_numpy()
    y, x = ends[1:] / ends[:-1] - 1, at_ends[1:] / at_ends[:-1] - 1
    slope, intercept = np.polyfit(x, y, 1)
    assert stats.daily_returns == 5
    assert stats.beta == pytest.approx(slope)
    assert stats.alpha == pytest.approx((1 + intercept) ** stats.days_per_year - 1)


@pytest.mark.parametrize(
    ("curve", "bench", "why"),
    [
        ([100.0, 101.0], [10.0, 11.0], "1 daily return(s)"),
        ([100.0, 101.0, 103.0], [10.0, 10.0, 10.0], "no variance"),
        ([100.0, 0.0, 103.0], [10.0, 11.0, 12.0], "at or below zero"),
    ],
)
def test_alpha_and_beta_that_cannot_be_had_are_noted(
    curve: list[float], bench: list[float], why: str
) -> None:
    index = daily(len(curve))
    stats = benchmark_statistics(pd.Series(curve, index=index), pd.Series(bench, index=index))
    assert math.isnan(stats.alpha)
    assert math.isnan(stats.beta)
    assert why in stats.notes["alpha"]
    assert stats.benchmark_return == pytest.approx(bench[-1] / bench[0] - 1)


def test_a_benchmark_that_starts_after_the_run_ends() -> None:
    stats = benchmark_statistics(
        pd.Series([1.0, 2.0, 3.0], index=daily(3)),
        pd.Series([5.0], index=pd.DatetimeIndex(["2030-01-01"], tz="UTC")),
    )
    assert math.isnan(stats.benchmark_return)
    assert "no value at or before" in stats.notes["benchmark_return"]


def test_metrics_of_a_real_run_against_empyrical() -> None:
    engine = af.BacktestEngine(cash=100_000.0, fees=0.001)
    engine.add_bars("ORCL", orcl())
    engine.add_strategy(SmaCross("ORCL", fast=10, slow=30, size=1000))
    result = engine.run()
    m = result.metrics
    equity = result.equity["equity"]
    assert equity.iloc[0] == result.starting_cash  # so both count drawdowns from the same peak
    r = equity.pct_change().iloc[1:]
    p = m.periods_per_year
    assert m.sharpe == pytest.approx(ep.sharpe_ratio(r, annualization=p), rel=1e-9)
    assert m.sortino == pytest.approx(ep.sortino_ratio(r, annualization=p), rel=1e-9)
    assert m.volatility == pytest.approx(ep.annual_volatility(r, annualization=p), rel=1e-9)
    assert m.max_drawdown == pytest.approx(-ep.max_drawdown(r), rel=1e-9)
    assert m.cagr == pytest.approx(ep.annual_return(r, annualization=p), rel=1e-9)
    assert result.trade_stats.calmar == pytest.approx(ep.calmar_ratio(r, annualization=p))
    close = orcl()["close"]
    stats = benchmark_statistics(equity, close)
    alpha, beta = ep.alpha_beta(
        r, close.pct_change().reindex(r.index), annualization=stats.days_per_year
    )
    assert stats.alpha == pytest.approx(alpha)
    assert stats.beta == pytest.approx(beta)
