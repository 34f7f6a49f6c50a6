"""The tearsheet's charts: matplotlib figures drawn off screen, embedded as base64 PNG."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter, StrMethodFormatter
from PIL import Image

WIDTH_INCHES = 10.0
DPI = 100  # 1000 pixels wide
PNG_COLOURS = 128
# A price line past this many points is thinned for drawing: a chart 1000 pixels wide shows
# no more, and the PNG stays small.
MAX_LINE_POINTS = 5_000
# Past this many fills markers shrink and turn translucent, so the price shows through.
DENSE_FILLS = 200
LOG_SCALE_RANGE = 10.0
EQUITY, BENCHMARK, LOSS, GAIN, GRID = "#1f4e79", "#e08a1e", "#c0392b", "#2e8b57", "#999999"


def png_base64(figure: Figure) -> str:
    """The figure as a base64 PNG of 128 colours: a third of the full-colour size, and the
    lines and text of a chart look the same."""
    raw = io.BytesIO()
    figure.savefig(raw, format="rgba")
    width, height = figure.canvas.get_width_height()
    pixels = np.frombuffer(raw.getvalue(), dtype=np.uint8).reshape(height, width, 4)[..., :3]
    buffer = io.BytesIO()
    Image.fromarray(pixels).quantize(colors=PNG_COLOURS).save(buffer, format="png", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _axes(height: float, rows: int = 1) -> tuple[Figure, list[Axes]]:
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    grid = figure.subplots(rows, 1, sharex=True, squeeze=False)
    axes = [grid[i][0] for i in range(rows)]
    for one in axes:
        one.grid(True, alpha=0.3)
    return figure, axes


def _naive(index: pd.Index) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(index).tz_convert(None)


def _thin(series: pd.Series) -> pd.Series:
    step = -(-len(series) // MAX_LINE_POINTS)
    return series if step <= 1 else series.iloc[::step]


def _span(axes: Axes, times: pd.DatetimeIndex) -> None:
    if len(times) == 1:  # one point has no span: give the axis one anyway
        axes.set_xlim(times[0] - pd.Timedelta(hours=12), times[0] + pd.Timedelta(hours=12))


def equity_chart(equity: pd.Series, benchmark: pd.Series | None, label: str) -> Figure:
    """The equity curve beside the benchmark scaled to the same start."""
    figure, (axes,) = _axes(3.6)
    shown = _thin(equity)
    axes.plot(_naive(shown.index), shown.to_numpy(), color=EQUITY, linewidth=1.2, label="Run")
    if benchmark is not None and len(benchmark):
        bench = _thin(benchmark)
        axes.plot(
            _naive(bench.index), bench.to_numpy(), color=BENCHMARK, linewidth=1.0, label=label
        )
    lines = [equity.to_numpy(dtype=np.float64)]
    if benchmark is not None and len(benchmark):
        lines.append(benchmark.to_numpy(dtype=np.float64))
    values = np.concatenate(lines)
    # A benchmark that grew twentyfold would flatten the run's line: past a tenfold range
    # the axis is logarithmic, so equal returns are equal heights.
    if values.min() > 0 and values.max() / values.min() > LOG_SCALE_RANGE:
        axes.set_yscale("log")
        axes.set_ylabel("Equity (log scale)")
    else:
        axes.set_ylabel("Equity")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.legend(loc="upper left", fontsize=8)
    _span(axes, _naive(equity.index))
    return figure


def drawdown_chart(drawdown: pd.Series) -> Figure:
    """The drawdown below the running peak, in percent."""
    figure, (axes,) = _axes(2.4)
    shown = _thin(drawdown)
    times, depth = _naive(shown.index), -shown.to_numpy()
    axes.fill_between(times, depth, 0.0, color=LOSS, alpha=0.35, linewidth=0)
    axes.plot(times, depth, color=LOSS, linewidth=0.8)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_ylabel("Drawdown")
    _span(axes, times)
    return figure


def rolling_chart(rolling: pd.DataFrame, window: int) -> Figure:
    """Rolling Sharpe ratio above rolling volatility (percent)."""
    figure, (top, bottom) = _axes(3.6, rows=2)
    times = _naive(rolling.index)
    top.plot(times, rolling["sharpe"].to_numpy(), color=EQUITY, linewidth=1.0)
    top.axhline(0.0, color=GRID, linewidth=0.8)
    top.set_ylabel(f"Sharpe, {window} days")
    bottom.plot(times, rolling["volatility"].to_numpy(), color=BENCHMARK, linewidth=1.0)
    bottom.yaxis.set_major_formatter(PercentFormatter(1.0))
    bottom.set_ylabel(f"Volatility, {window} days")
    return figure


def distribution_chart(daily: pd.Series) -> Figure:
    """A histogram of daily returns with their mean."""
    figure, (axes,) = _axes(2.8)
    values = daily.to_numpy(dtype=np.float64)
    bins = int(np.clip(np.sqrt(len(values)) * 2, 10, 80))
    axes.hist(values, bins=bins, color=EQUITY, alpha=0.75)
    axes.axvline(float(values.mean()), color=BENCHMARK, linewidth=1.2, label="Mean")
    axes.axvline(0.0, color=GRID, linewidth=0.8)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_xlabel("Daily return")
    axes.set_ylabel("Days")
    axes.legend(loc="upper left", fontsize=8)
    return figure


def price_chart(
    symbol: str, prices: pd.Series | None, fills: pd.DataFrame, opening: np.ndarray
) -> Figure:
    """`symbol`'s price with a marker per fill at its price: ▲ buy, ▼ sell; green entries,
    red exits. Without prices the fill prices alone are joined by a thin line."""
    figure, (axes,) = _axes(3.4)
    if prices is not None and len(prices):
        line = _thin(prices.dropna())
        axes.plot(_naive(line.index), line.to_numpy(), color=GRID, linewidth=0.9, label=symbol)
    elif len(fills):
        axes.plot(_naive(pd.Index(fills["ts"])), fills["price"].to_numpy(), color=GRID, lw=0.6)
    dense = len(fills) > DENSE_FILLS
    size, alpha = (12.0, 0.6) if dense else (40.0, 1.0)
    buys = (fills["side"] == "BUY").to_numpy()
    times = _naive(pd.Index(fills["ts"]))
    for mask, marker, color, label in (
        (buys & opening, "^", GAIN, "Entry, buy"),
        (~buys & opening, "v", GAIN, "Entry, sell"),
        (buys & ~opening, "^", LOSS, "Exit, buy"),
        (~buys & ~opening, "v", LOSS, "Exit, sell"),
    ):
        if mask.any():
            axes.scatter(
                times[mask],
                fills["price"].to_numpy()[mask],
                marker=marker,
                color=color,
                s=size,
                alpha=alpha,
                linewidths=0,
                zorder=3,
                label=f"{label} ({int(mask.sum()):,})",
            )
    axes.set_ylabel(f"{symbol} price")
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.2f}"))
    axes.legend(loc="upper left", fontsize=8, ncol=5)
    return figure
