"""The tearsheet: every section, self-contained, hundreds of trades, short runs, and its
series against empyrical and plain numpy."""

from __future__ import annotations

import dataclasses
import html
import math
import re
from functools import cache
from pathlib import Path

import empyrical as ep
import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.backtest import BacktestResult
from alphaforge.backtest.report import METRICS_DOCS_URL, render_html
from alphaforge.backtest.report_series import (
    ROLLING_DAYS,
    daily_per_year,
    daily_returns,
    entries,
    period_returns,
    rolling_figures,
)
from alphaforge.backtest.result import RunSettings, StrategySettings
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.samples import orcl
from backtest_factory import equity_frame, fills_frame, make_result
from test_backtest_report import edge_results

SECTIONS = {
    "summary": "Run",
    "metrics": "Metrics",
    "equity": "Equity and benchmark",
    "drawdown": "Drawdown",
    "returns": "Monthly and yearly returns",
    "rolling": "Rolling Sharpe and volatility",
    "distribution": "Distribution of daily returns",
    "trade-statistics": "Trade statistics",
    "prices": "Prices, entries and exits",
}


@cache
def sma_run(fast: int = 10, slow: int = 30) -> BacktestResult:
    """The demo's run on the bundled ORCL bars, with the closes as its prices."""
    engine = af.BacktestEngine(cash=100_000.0, fees=0.001)
    engine.add_bars("ORCL", orcl())
    engine.add_strategy(SmaCross("ORCL", fast=fast, slow=slow, size=1000))
    result = engine.run()
    return dataclasses.replace(result, prices=orcl()[["close"]].rename(columns={"close": "ORCL"}))


def closes() -> pd.Series:
    return orcl()["close"]


def test_every_section_is_there(tmp_path: Path) -> None:
    result = sma_run()
    page = result.to_html(tmp_path / "t.html").read_text(encoding="utf-8")
    for key, title in SECTIONS.items():
        assert f'<h2 id="{key}">{html.escape(title)}</h2>' in page, key
        assert f'<a href="#{key}">' in page, key
    assert "<title>SmaCross on ORCL: AlphaForge tearsheet</title>" in page
    assert "fast=10, slow=30, size=1000" in page
    assert "<th>Benchmark</th><td>buy and hold ORCL</td>" in page
    assert "<th>Fees</th><td>0.1 % of notional" in page
    assert "bars from 1995-01-03 to 2014-12-31, 5,036 equity points" in page
    stats = result.benchmark_stats()
    assert f"<th>Beta</th><td>{stats.beta:.2f}</td>" in page
    assert "<th>Alpha (annualised)</th>" in page
    assert f"<th>Round trips (FIFO)</th><td>{result.trade_stats.round_trips}</td>" in page
    assert "<th>Calmar ratio</th>" in page
    assert "<th>Longest losing streak</th>" in page
    # Five charts: equity, drawdown, rolling, distribution and one price chart.
    assert page.count('src="data:image/png;base64,') == 5
    # The trade table shows returns as percentages.
    first = result.trades["return_pct"].iloc[0]
    assert f"<td>{first * 100:.2f} %</td>" in page


@cache
def sma_page() -> str:
    return render_html(sma_run())


def test_the_page_is_self_contained() -> None:
    page = sma_page()
    links = re.findall(r'(?:src|href)="([^"]*)"', page)
    outside = [link for link in links if not link.startswith(("#", "data:image/png;base64,"))]
    assert outside == [METRICS_DOCS_URL]
    assert re.findall(r"https?://[^\s\"'<>]+", page) == [METRICS_DOCS_URL]
    assert "<script" not in page
    assert "<link" not in page
    # The demo's tearsheet stays small: five 128-colour charts and tables of 100-200 rows.
    assert len(page.encode()) < 600_000


def test_another_docs_address() -> None:
    page = render_html(sma_run(), docs_url="https://docs.example.org/metrics/")
    assert '<a href="https://docs.example.org/metrics/">metrics page</a>' in page
    assert page.replace("https://docs.example.org/metrics/", METRICS_DOCS_URL) == sma_page()


def test_hundreds_of_trades_render_as_markers() -> None:
    result = sma_run(fast=2, slow=4)
    assert len(result.trades) > 300
    page = render_html(result)
    assert f"<h2>Trades ({len(result.trades):,})</h2>" in page
    assert f"First 500 of {len(result.fills):,} rows." in page
    assert page.count('src="data:image/png;base64,') == 5
    assert f"<th>Round trips (FIFO)</th><td>{result.trade_stats.round_trips:,}</td>" in page


def test_a_benchmark_given_replaces_buy_and_hold(tmp_path: Path) -> None:
    result = sma_run()
    index = closes().index
    steady = pd.Series(100.0 * 1.0003 ** np.arange(len(index)), index=index, name="steady")
    page = result.to_html(tmp_path / "t.html", benchmark=steady).read_text(encoding="utf-8")
    assert "<th>Benchmark</th><td>steady</td>" in page
    # Compounding at a fixed rate: the benchmark's daily returns have no variance.
    assert "<th>Beta</th><td>n/a</td>" in page
    assert "no variance" in page


@pytest.mark.parametrize(
    ("given", "error", "message"),
    [
        ([1.0, 2.0], TypeError, "benchmark must be a pandas Series, got list"),
        (pd.Series([1.0, 2.0]), ValueError, "benchmark must be indexed by timestamps"),
        (
            pd.Series([1.0, -2.0], index=pd.date_range("2024-01-01", periods=2, tz="UTC")),
            ValueError,
            "benchmark must be positive prices or values, got -2.0 at 2024-01-02",
        ),
        (
            pd.Series([1.0, math.nan], index=pd.date_range("2024-01-01", periods=2, tz="UTC")),
            ValueError,
            "benchmark must be finite numbers, got nan",
        ),
    ],
)
def test_a_bad_benchmark_is_refused(given: object, error: type, message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        render_html(sma_run(), benchmark=given)


@pytest.mark.parametrize("name", ["ticks", "one bar", "flat", "wiped out"])
def test_short_and_broken_runs_finish_with_notes(name: str, tmp_path: Path) -> None:
    result = edge_results()[name]
    page = result.to_html(tmp_path / "t.html").read_text(encoding="utf-8")
    for key in SECTIONS:
        assert f'<h2 id="{key}">' in page
    assert f"Rolling figures need {ROLLING_DAYS} daily returns" in page
    if name != "flat":  # four days at 100 still give three daily returns to draw
        assert "A distribution needs 2 daily returns" in page


def test_a_run_without_prices_says_so() -> None:
    index = pd.date_range("2024-01-01", periods=5, freq="D", tz="UTC")
    fills = fills_frame([("2024-01-02", "BUY", 1, 10.0, 0.0), ("2024-01-04", "SELL", 1, 12.0, 0)])
    page = render_html(make_result(equity_frame(index, [100.0, 100, 101, 102, 102]), fills))
    assert "No benchmark: none: the run recorded no prices" in page
    assert "The run recorded no prices: the line joins the fill prices." in page
    assert "<th>Slippage</th><td>not recorded</td>" in page


def test_recorded_settings_make_the_title() -> None:
    settings = RunSettings(
        strategies=(StrategySettings("fast one", "SmaCross", {"fast": 3, "slow": 8}),),
        symbols=("ORCL",),
        data="bars",
        fees=(0.0002, 0.0007),
        slippage_price=0.01,
        slippage_bps=2.0,
        latency=0.25,
        account="margin",
        currency="EUR",
    )
    page = render_html(dataclasses.replace(sma_run(), settings=settings))
    assert "<th>Strategy</th><td>fast one (SmaCross): fast=3, slow=8</td>" in page
    assert "<th>Fees</th><td>maker 0.02 %, taker 0.07 % of notional</td>" in page
    assert "<th>Slippage</th><td>0.01 in price + 2 bps</td>" in page
    assert "<th>Latency</th><td>0.25 s to the venue</td>" in page
    assert "<th>Account</th><td>margin, EUR</td>" in page
    assert "Queue model" not in page
    book_run = dataclasses.replace(
        settings, latency=0.001, response_latency=0.002, feed_latency=0.0005,
        queue_model="power2",
    )  # fmt: skip
    page = render_html(dataclasses.replace(sma_run(), settings=book_run))
    latencies = "0.001 s to the venue, 0.002 s back, market data 0.0005 s late"
    assert f"<th>Latency</th><td>{latencies}</td>" in page
    assert "<th>Queue model</th><td>power2</td>" in page
    series = dataclasses.replace(settings, latency_series=True, response_latency=0.0)
    page = render_html(dataclasses.replace(sma_run(), settings=series))
    assert "<th>Latency</th><td>a recorded series to the venue, the series back</td>" in page


def test_monthly_and_yearly_returns_against_empyrical() -> None:
    result = sma_run()
    equity = result.equity["equity"]
    table = period_returns(equity, result.starting_cash)
    daily = daily_returns(equity)
    monthly = ep.aggregate_returns(daily, "monthly")
    yearly = ep.aggregate_returns(daily, "yearly")
    # The first day's equity is the starting cash, so both chain from the same base.
    assert equity.iloc[0] == result.starting_cash
    for (year, month), value in monthly.items():
        assert table.loc[year, table.columns[month - 1]] == pytest.approx(value, abs=1e-12)
    for year, value in yearly.items():
        assert table.loc[year, "Year"] == pytest.approx(value, abs=1e-12)
    assert np.prod(1.0 + table["Year"]) - 1.0 == pytest.approx(result.metrics.total_return)


def test_a_month_without_points_is_blank_and_chaining_skips_it() -> None:
    index = pd.DatetimeIndex(["2024-01-10", "2024-01-31", "2024-03-15"], tz="UTC")
    table = period_returns(equity_frame(index, [100.0, 110.0, 99.0])["equity"], 100.0)
    assert list(table.index) == [2024]
    assert table.loc[2024, "Jan"] == pytest.approx(0.1)
    assert math.isnan(table.loc[2024, "Feb"])
    assert table.loc[2024, "Mar"] == pytest.approx(99.0 / 110.0 - 1.0)
    assert table.loc[2024, "Year"] == pytest.approx(-0.01)


def test_rolling_sharpe_and_volatility_against_empyrical() -> None:
    equity = sma_run().equity["equity"]
    daily = daily_returns(equity)
    per_year = daily_per_year(equity)
    rolling = rolling_figures(daily, per_year, 0.0)
    sharpe = ep.roll_sharpe_ratio(daily, window=ROLLING_DAYS, annualization=per_year)
    volatility = ep.roll_annual_volatility(daily, window=ROLLING_DAYS, annualization=per_year)
    assert len(rolling) == len(daily) - ROLLING_DAYS + 1
    np.testing.assert_allclose(rolling["sharpe"], sharpe.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(rolling["volatility"], volatility.to_numpy(), rtol=1e-9)


def test_entries_and_exits_of_each_book() -> None:
    fills = pd.concat(
        [
            fills_frame(
                [
                    ("2024-01-01", "BUY", 10, 10.0, 0.0),  # entry
                    ("2024-01-02", "BUY", 5, 10.0, 0.0),  # adds: entry
                    ("2024-01-03", "SELL", 5, 10.0, 0.0),  # reduces: exit
                    ("2024-01-05", "SELL", 30, 10.0, 0.0),  # flips to short: entry
                    ("2024-01-06", "BUY", 20, 10.0, 0.0),  # closes: exit
                ]
            ),
            fills_frame([("2024-01-04", "SELL", 1, 10.0, 0.0)], symbol="MSFT"),  # entry
        ],
        ignore_index=True,
    )
    assert entries(fills).tolist() == [True, True, False, True, False, True]
