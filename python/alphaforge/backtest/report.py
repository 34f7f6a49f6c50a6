"""The PNG chart and the tearsheet: one self-contained HTML page of a backtest result."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from alphaforge.backtest.report_charts import (
    distribution_chart,
    drawdown_chart,
    equity_chart,
    png_base64,
    price_chart,
    rolling_chart,
)
from alphaforge.backtest.report_format import format_metric, metric_rows
from alphaforge.backtest.report_series import (
    ROLLING_DAYS,
    daily_per_year,
    daily_returns,
    entries,
    period_returns,
    rolling_figures,
    scaled_benchmark,
)
from alphaforge.backtest.report_tables import (
    figures_table,
    heatmap,
    note,
    record_section,
    stats_table,
    summary_rows,
    summary_table,
    title_text,
)

if TYPE_CHECKING:
    from alphaforge.backtest.result import BacktestResult

__all__ = ["format_metric", "metric_rows", "render_html", "write_html", "write_png"]

FIGURE_SIZE_INCHES = (10.0, 6.0)
FIGURE_DPI = 100  # 1000 x 600 pixels
HTML_MAX_ROWS = 500
DENSE_FILLS = 200
# Where every figure of the page is defined; the one address the page links outside itself.
METRICS_DOCS_URL = "https://alphaforge.readthedocs.io/en/latest/metrics/"
# Price charts for this many traded symbols at most; the rest are named in a note.
MAX_PRICE_CHARTS = 4


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


def write_html(
    result: BacktestResult,
    path: str | Path,
    benchmark: pd.Series | None = None,
    docs_url: str | None = None,
) -> Path:
    """Write the tearsheet to `path` and return the path."""
    target = Path(path)
    page = render_html(result, benchmark=benchmark, docs_url=docs_url)
    target.write_text(page, encoding="utf-8")
    return target


def render_html(
    result: BacktestResult,
    max_rows: int = HTML_MAX_ROWS,
    benchmark: pd.Series | None = None,
    docs_url: str | None = None,
) -> str:
    """The tearsheet: summary, metrics, equity beside the benchmark with alpha and beta,
    drawdown, monthly and yearly returns, rolling Sharpe and volatility, the distribution of
    daily returns, trade statistics, prices with entries and exits, then the records."""
    series = result.benchmark(benchmark)
    label = _benchmark_label(series, given=benchmark is not None)
    equity = result.equity["equity"]
    daily = daily_returns(equity)
    sections = [
        ("summary", "Run", summary_table(summary_rows(result, label))),
        ("metrics", "Metrics", figures_table(metric_rows(result.metrics))),
        ("equity", "Equity and benchmark", _equity_section(result, series, label)),
        ("drawdown", "Drawdown", _image(drawdown_chart(result.drawdown), "Drawdown")),
        ("returns", "Monthly and yearly returns", _returns_section(result)),
        ("rolling", "Rolling Sharpe and volatility", _rolling_section(result, daily)),
        ("distribution", "Distribution of daily returns", _distribution_section(daily)),
        ("trade-statistics", "Trade statistics", _trade_section(result)),
        ("prices", "Prices, entries and exits", _prices_section(result)),
    ]
    contents = " · ".join(f'<a href="#{key}">{html.escape(t)}</a>' for key, t, _ in sections)
    body = "\n".join(
        f'<h2 id="{key}">{html.escape(title)}</h2>\n{part}' for key, title, part in sections
    )
    records = [
        record_section("Trades", result.trades, max_rows),
        record_section("Positions", result.positions, max_rows),
        record_section("Fills", result.fills, max_rows),
        record_section("Orders", result.orders, max_rows),
    ]
    return _PAGE.format(
        title=html.escape(title_text(result)),
        docs=html.escape(docs_url or METRICS_DOCS_URL, quote=True),
        contents=contents,
        sections=body,
        records="\n".join(records),
    )


def _image(figure: Figure, alt: str) -> str:
    alt = html.escape(alt, quote=True)
    return f'<img alt="{alt}" src="data:image/png;base64,{png_base64(figure)}">'


def _benchmark_label(series: pd.Series | None, *, given: bool) -> str:
    if series is None:
        return "none: the run recorded no prices (pass benchmark=... to to_html)"
    if given:
        return str(series.name) if series.name is not None else "the benchmark given"
    return str(series.name)


def _equity_section(result: BacktestResult, series: pd.Series | None, label: str) -> str:
    equity = result.equity["equity"]
    scaled = None if series is None else scaled_benchmark(series, equity)
    chart = _image(equity_chart(equity, scaled, label), "Equity beside the benchmark")
    if series is None:
        return f"{chart}\n{note('No benchmark: ' + label + '.')}"
    explain = note(
        "The benchmark starts at the run's first equity. Alpha and beta regress the run's "
        "daily returns on the benchmark's (see the metrics page)."
    )
    return f"{chart}\n{explain}\n{stats_table(result.benchmark_stats(series))}"


def _returns_section(result: BacktestResult) -> str:
    table = period_returns(result.equity["equity"], result.starting_cash)
    explain = note(
        "Each period's last equity over the previous period's last (the starting cash before "
        "the first); chained, they give the total return."
    )
    return f"{heatmap(table)}\n{explain}"


def _rolling_section(result: BacktestResult, daily: pd.Series) -> str:
    if len(daily) < ROLLING_DAYS:
        return note(
            f"Rolling figures need {ROLLING_DAYS} daily returns; the run has {len(daily):,}."
        )
    rolling = rolling_figures(daily, daily_per_year(result.equity["equity"]), result.risk_free_rate)
    return _image(rolling_chart(rolling, ROLLING_DAYS), "Rolling Sharpe ratio and volatility")


def _distribution_section(daily: pd.Series) -> str:
    if len(daily) < 2:
        return note(f"A distribution needs 2 daily returns; the run has {len(daily)}.")
    values = daily.to_numpy(dtype=np.float64)
    caption = note(
        f"{len(values):,} daily returns: mean {values.mean() * 100:.3f} %, standard deviation "
        f"{values.std(ddof=1) * 100:.3f} %, worst {values.min() * 100:.2f} %, best "
        f"{values.max() * 100:.2f} %, 5 % of days at or below "
        f"{np.quantile(values, 0.05) * 100:.2f} %."
    )
    return f"{_image(distribution_chart(daily), 'Distribution of daily returns')}\n{caption}"


def _trade_section(result: BacktestResult) -> str:
    explain = note(
        "Round trips matched first in, first out per strategy and symbol: each closing "
        "quantity closes the oldest open lot first."
    )
    return f"{explain}\n{stats_table(result.trade_stats)}"


def _prices_section(result: BacktestResult) -> str:
    fills = result.fills
    traded = [str(s) for s in pd.unique(fills["symbol"])]
    if not traded:
        return note("No fills.")
    opening = entries(fills)
    parts = []
    if result.prices is None:
        parts.append(note("The run recorded no prices: the line joins the fill prices."))
    for symbol in traded[:MAX_PRICE_CHARTS]:
        mask = (fills["symbol"] == symbol).to_numpy()
        prices = None
        if result.prices is not None and symbol in result.prices.columns:
            prices = result.prices[symbol]
        chart = price_chart(symbol, prices, fills[mask], opening[mask])
        parts.append(_image(chart, f"{symbol} price with entries and exits"))
    if len(traded) > MAX_PRICE_CHARTS:
        parts.append(note(f"Not drawn: {', '.join(traded[MAX_PRICE_CHARTS:])}."))
    return "\n".join(parts)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}: AlphaForge tearsheet</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; }}
h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.15em; margin-top: 1.8em; }}
table {{ border-collapse: collapse; font-size: 0.85em; }}
th, td {{ padding: 0.25em 0.8em; border-bottom: 1px solid #e3e3e3; text-align: right; }}
table.metrics th, table.summary th {{ text-align: left; font-weight: 600; }}
table.metrics td.note, table.summary td {{ text-align: left; }}
table.heatmap td {{ min-width: 3.4em; }}
table.data thead th {{ background: #f3f5f8; }}
img {{ max-width: 100%; }}
.note {{ color: #666; font-size: 0.85em; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="note">{contents}</p>
<p class="note">Every figure is defined in the <a href="{docs}">metrics page</a> of the
documentation.</p>
{sections}
{records}
</body>
</html>
"""
