"""The PNG chart and the self-contained HTML report of a backtest result."""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from alphaforge.backtest.metrics import Metrics

if TYPE_CHECKING:
    from alphaforge.backtest.result import BacktestResult

FIGURE_SIZE_INCHES = (10.0, 6.0)
FIGURE_DPI = 100  # 1000 x 600 pixels
HTML_MAX_ROWS = 500
DENSE_FILLS = 200

_PERCENT = {"total_return", "cagr", "volatility", "max_drawdown", "win_rate", "exposure"}
_LABELS = {
    "start": "Start",
    "end": "End",
    "starting_cash": "Starting cash",
    "final_equity": "Final equity",
    "total_return": "Total return",
    "cagr": "CAGR",
    "volatility": "Volatility (annualised)",
    "sharpe": "Sharpe ratio",
    "sortino": "Sortino ratio",
    "max_drawdown": "Max drawdown",
    "max_drawdown_duration": "Max drawdown duration",
    "trades": "Trades",
    "win_rate": "Win rate",
    "profit_factor": "Profit factor",
    "exposure": "Exposure",
    "total_fees": "Total fees",
    "turnover": "Turnover",
    "periods_per_year": "Periods per year",
    "risk_free_rate": "Risk-free rate",
}


def format_metric(name: str, value: object) -> str:
    """One metric as text: percentages for ratios of money, two decimals for the rest."""
    if isinstance(value, pd.Timestamp):
        return str(value.isoformat())
    if isinstance(value, pd.Timedelta):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return "n/a"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if name in _PERCENT or name == "risk_free_rate":
        return f"{number * 100:.2f} %"
    return f"{number:,.2f}"


def metric_rows(metrics: Metrics) -> list[tuple[str, str, str]]:
    """(label, formatted value, note) for every metric, in definition order; the note says why
    a figure is n/a or infinite and is empty otherwise."""
    return [
        (_LABELS.get(name, name), format_metric(name, v), metrics.notes.get(name, ""))
        for name, v in metrics.as_dict().items()
    ]


def draw(result: BacktestResult) -> Figure:
    """The equity curve with trade markers above its drawdown, on a shared time axis."""
    figure = Figure(figsize=FIGURE_SIZE_INCHES, dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1.2))
    times = result.equity.index.tz_convert(None)
    equity = result.equity["equity"]
    top.plot(times, equity.to_numpy(), color="#1f4e79", linewidth=1.2, label="Equity")
    top.axhline(result.starting_cash, color="#999999", linewidth=0.8, linestyle="--")
    _mark_fills(top, result)
    metrics = result.metrics
    top.set_title(
        f"Equity  ·  return {format_metric('total_return', metrics.total_return)}"
        f"  ·  Sharpe {format_metric('sharpe', metrics.sharpe)}"
        f"  ·  max drawdown {format_metric('max_drawdown', metrics.max_drawdown)}"
        f"  ·  {metrics.trades} trades",
        loc="left",
        fontsize=10,
    )
    top.set_ylabel("Equity")
    top.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    top.grid(True, alpha=0.3)
    top.legend(loc="upper left", fontsize=8)

    drawdown = -result.drawdown.to_numpy() * 100.0
    bottom.fill_between(times, drawdown, 0.0, color="#c0392b", alpha=0.35, linewidth=0)
    bottom.plot(times, drawdown, color="#c0392b", linewidth=0.8)
    bottom.set_ylabel("Drawdown %")
    bottom.grid(True, alpha=0.3)
    if len(times) == 1:  # one point has no span: give the axis one anyway
        bottom.set_xlim(times[0] - pd.Timedelta(hours=12), times[0] + pd.Timedelta(hours=12))
    return figure


def _mark_fills(axes: object, result: BacktestResult) -> None:
    fills = result.fills
    if len(fills) == 0:
        return
    # Each marker sits on the equity value last known at the fill's time.
    curve = result.equity["equity"]
    position = curve.index.searchsorted(pd.DatetimeIndex(fills["ts"]), side="right") - 1
    y = curve.to_numpy()[np.clip(position, 0, len(curve) - 1)]
    x = pd.DatetimeIndex(fills["ts"]).tz_convert(None)
    buys = (fills["side"] == "BUY").to_numpy()
    # Hundreds of full-size markers would bury the curve: shrink them and let it show through.
    dense = len(fills) > DENSE_FILLS
    size, alpha = (8.0, 0.5) if dense else (36.0, 1.0)
    for mask, marker, color, label in (
        (buys, "^", "#2e8b57", "Buy"),
        (~buys, "v", "#c0392b", "Sell"),
    ):
        if mask.any():
            axes.scatter(  # type: ignore[attr-defined]
                x[mask],
                y[mask],
                marker=marker,
                color=color,
                s=size,
                alpha=alpha,
                zorder=3,
                label=label,
            )


def png_bytes(result: BacktestResult) -> bytes:
    """The chart as PNG bytes."""
    buffer = io.BytesIO()
    draw(result).savefig(buffer, format="png")
    return buffer.getvalue()


def write_png(result: BacktestResult, path: str | Path) -> Path:
    """Write the chart to `path` as a PNG and return the path."""
    target = Path(path)
    target.write_bytes(png_bytes(result))
    return target


def write_html(result: BacktestResult, path: str | Path) -> Path:
    """Write the self-contained HTML report to `path` and return the path."""
    target = Path(path)
    target.write_text(render_html(result), encoding="utf-8")
    return target


def render_html(result: BacktestResult, max_rows: int = HTML_MAX_ROWS) -> str:
    """The HTML report: metrics, the chart embedded as a base64 PNG, trades, fills, positions."""
    metrics_table = "\n".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td>"
        f'<td class="note">{html.escape(note)}</td></tr>'
        for label, value, note in metric_rows(result.metrics)
    )
    chart = base64.b64encode(png_bytes(result)).decode("ascii")
    sections = [
        _table_section("Trades", result.trades, max_rows),
        _table_section("Positions", result.positions, max_rows),
        _table_section("Fills", result.fills, max_rows),
        _table_section("Orders", result.orders, max_rows),
    ]
    return _PAGE.format(metrics=metrics_table, chart=chart, sections="\n".join(sections))


def _table_section(title: str, frame: pd.DataFrame, max_rows: int) -> str:
    shown = frame.head(max_rows)
    note = (
        f'<p class="note">First {max_rows:,} of {len(frame):,} rows.</p>'
        if len(frame) > max_rows
        else ""
    )
    body = (
        shown.to_html(index=False, border=0, classes="data", float_format=_float_text)
        if len(frame)
        else '<p class="note">None.</p>'
    )
    return f"<h2>{html.escape(title)} ({len(frame):,})</h2>\n{note}\n{body}"


def _float_text(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.2f}"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>AlphaForge backtest report</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; }}
h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.15em; margin-top: 1.8em; }}
table {{ border-collapse: collapse; font-size: 0.85em; }}
th, td {{ padding: 0.25em 0.8em; border-bottom: 1px solid #e3e3e3; text-align: right; }}
table.metrics th {{ text-align: left; font-weight: 600; }}
table.metrics td.note {{ text-align: left; }}
table.data thead th {{ background: #f3f5f8; }}
img {{ max-width: 100%; }}
.note {{ color: #666; font-size: 0.85em; }}
</style>
</head>
<body>
<h1>Backtest report</h1>
<p class="note">Every metric is defined in the metrics page of the documentation.</p>
<h2>Metrics</h2>
<table class="metrics">
{metrics}
</table>
<h2>Equity and drawdown</h2>
<img alt="Equity curve and drawdown" src="data:image/png;base64,{chart}">
{sections}
</body>
</html>
"""
