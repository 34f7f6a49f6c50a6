"""The PNG chart and the HTML report of a backtest result."""

from __future__ import annotations

import base64
import html
import re
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.backtest import BacktestResult
from alphaforge.backtest.report import METRICS_DOCS_URL, format_metric, metric_rows, render_html
from alphaforge.cli import main
from alphaforge.samples import BTCUSDT_TRADES
from backtest_factory import equity_frame, fills_frame, make_result
from test_backtest_metrics import tick_backtest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, which must come first."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def sample_result() -> BacktestResult:
    index = pd.date_range("2024-01-01", periods=30, freq="D", tz="UTC")
    curve = 10_000.0 + np.cumsum(np.where(np.arange(30) % 7 == 3, -150.0, 40.0))
    fills = fills_frame(
        [
            ("2024-01-03", "BUY", 10, 100.0, 1.0),
            ("2024-01-09", "SELL", 10, 112.0, 1.0),
            ("2024-01-15", "SELL", 4, 110.0, 0.5),
            ("2024-01-21", "BUY", 4, 118.0, 0.5),
        ]
    )
    positions = pd.DataFrame(
        {
            "strategy": ["s1"],
            "symbol": ["ORCL"],
            "qty": [0.0],
            "avg_price": [0.0],
            "realized_pnl": [88.0],
            "unrealized_pnl": [0.0],
            "fees": [3.0],
        }
    )
    result = make_result(equity_frame(index, curve.tolist()), fills, starting_cash=10_000.0)
    return BacktestResult(result.fills, result.orders, positions, result.equity, 10_000.0)


def test_plot_writes_a_png_of_the_expected_size(tmp_path: Path) -> None:
    target = tmp_path / "report.png"
    assert sample_result().plot(target) == target
    assert png_size(target.read_bytes()) == (1000, 600)


def test_plot_accepts_a_string_path(tmp_path: Path) -> None:
    path = sample_result().plot(str(tmp_path / "chart.png"))
    assert path == tmp_path / "chart.png"
    assert path.read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.parametrize("points", [1, 2])
def test_plot_of_short_runs_without_trades(tmp_path: Path, points: int) -> None:
    index = pd.date_range("2024-01-01", periods=points, freq="D", tz="UTC")
    result = make_result(equity_frame(index, [100.0] * points))
    assert png_size(result.plot(tmp_path / "short.png").read_bytes()) == (1000, 600)


def test_html_holds_the_metrics_chart_and_tables(tmp_path: Path) -> None:
    result = sample_result()
    target = tmp_path / "report.html"
    assert result.to_html(target) == target
    page = target.read_text(encoding="utf-8")
    metrics = result.metrics
    for name in ("total_return", "sharpe", "max_drawdown", "win_rate", "profit_factor"):
        assert f"<td>{format_metric(name, getattr(metrics, name))}</td>" in page
    assert f"<td>{metrics.max_drawdown_duration}</td>" in page
    assert "<th>Trades</th><td>2</td>" in page
    assert "<h2>Trades (2)</h2>" in page
    assert "<h2>Fills (4)</h2>" in page
    assert "<h2>Positions (1)</h2>" in page
    assert "<h2>Orders (0)</h2>" in page
    # The trade table carries the net PnL of both round trips: 120 - 2 and -32 - 1.
    assert "<td>118</td>" in page
    assert "<td>-33</td>" in page


def test_html_embeds_the_charts_as_pngs(tmp_path: Path) -> None:
    page = sample_result().to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    charts = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(charts) >= 4
    for chart in charts:
        width, height = png_size(base64.b64decode(chart))
        assert width == 1000
        assert 200 <= height <= 400
    # The one address outside the page is the metrics documentation.
    assert re.findall(r"https?://[^\s\"'<>]+", page) == [METRICS_DOCS_URL]


def test_metric_formats() -> None:
    assert format_metric("total_return", 0.1234) == "12.34 %"
    assert format_metric("sharpe", 1.23456) == "1.23"
    assert format_metric("profit_factor", float("inf")) == "inf"
    assert format_metric("win_rate", float("nan")) == "n/a"
    assert format_metric("trades", 1200) == "1,200"
    assert format_metric("max_drawdown_duration", pd.Timedelta(days=3)) == "3 days 00:00:00"


def test_html_escapes_names() -> None:
    index = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")
    fills = fills_frame([("2024-01-02", "BUY", 1, 10.0, 0.0)], strategy="<b>&")
    page = render_html(make_result(equity_frame(index, [100.0] * 3), fills))
    assert "&lt;b&gt;&amp;" in page
    assert "<b>&" not in page


def test_long_tables_are_cut_with_a_note() -> None:
    index = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")
    rows = [("2024-01-02", "BUY" if i % 2 == 0 else "SELL", 1, 10.0, 0.0) for i in range(12)]
    page = render_html(make_result(equity_frame(index, [100.0] * 3), fills_frame(rows)), max_rows=5)
    assert "<h2>Fills (12)</h2>" in page
    assert "First 5 of 12 rows." in page
    assert "First 5 of 6 rows." in page  # six round trips


def edge_results() -> dict[str, BacktestResult]:
    """Runs whose annualised figures are n/a: 46 seconds of ticks, one bar, flat, wiped out."""
    days = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
    return {
        "ticks": tick_backtest(),
        "one bar": make_result(equity_frame(days[:1], [104.0])),
        "flat": make_result(equity_frame(days, [100.0] * 4)),
        "wiped out": make_result(equity_frame(days, [100.0, 40.0, 0.0, 0.0])),
    }


@pytest.mark.parametrize("name", ["ticks", "one bar", "flat", "wiped out"])
def test_report_of_a_run_without_annualised_figures_shows_why(name: str, tmp_path: Path) -> None:
    result = edge_results()[name]
    notes = result.metrics.notes
    assert notes
    page = result.to_html(tmp_path / "report.html").read_text(encoding="utf-8")
    for label, value, note in metric_rows(result.metrics):
        assert (note == "") == (value not in ("n/a", "inf", "-inf")), label
        row = f"<th>{html.escape(label)}</th><td>{html.escape(value)}</td>"
        assert f'{row}<td class="note">{html.escape(note)}</td>' in page
    assert png_size(result.plot(tmp_path / "report.png").read_bytes()) == (1000, 600)


def test_the_backtest_command_prints_the_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # one table row per line
    source = tmp_path / "once.py"
    source.write_text(
        "import alphaforge as af\n"
        "class Once(af.Strategy):\n"
        "    def __init__(self, symbol):\n"
        "        super().__init__()\n"
        "        self.symbol = symbol\n"
        "    def on_start(self):\n"
        "        self.subscribe_trades(self.symbol)\n"
        "    def on_trade(self, trade):\n"
        "        if self.position(self.symbol) == 0:\n"
        "            self.buy(self.symbol, 2.0)\n"
    )
    args = ["backtest", str(source), "--trades", str(BTCUSDT_TRADES), "--symbol", "BTCUSDT"]
    args += ["--tick-size", "0.01", "--lot-size", "0.000001", "--out", str(tmp_path)]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    cagr = next(line for line in lines if line.strip("│ ").startswith("cagr "))
    assert "n/a" in cagr
    assert "under a year: a shorter return is not annualised" in cagr
    assert (tmp_path / "report.html").exists()
