"""PNG charts of sweeps (a heatmap over two parameters, a line over one) and walk-forwards."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from alphaforge.optimize.results import SweepResult
    from alphaforge.optimize.walk_forward import WalkForwardResult

FIGURE_DPI = 110


def _axes_names(sweep: SweepResult, x: str | None, y: str | None) -> list[str]:
    varying = [n for n in sweep.params if sweep.results[n].nunique() > 1]
    chosen = [n for n in (x, y) if n is not None]
    for name in chosen:
        if name not in sweep.params:
            raise ValueError(f"{name!r} is not a parameter of this sweep: {sweep.params}")
    rest = [n for n in varying if n not in chosen]
    names = (chosen + rest)[:2]
    if not names:
        raise ValueError("nothing to plot: no parameter takes more than one value")
    return names


def draw_sweep(sweep: SweepResult, x: str | None = None, y: str | None = None) -> Figure:
    """The metric over one parameter (a line) or two (a heatmap, the best over any others)."""
    names = _axes_names(sweep, x, y)
    scored = sweep.results[sweep.results[sweep.metric].notna()]
    others = [n for n in sweep.params if n not in names and sweep.results[n].nunique() > 1]
    how = "max" if sweep.maximize else "min"
    note = f" ({how} over {', '.join(others)})" if others else ""
    size = (8, 6) if len(names) == 2 else (8, 4.5)
    figure = Figure(figsize=size, dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    if len(names) == 1:
        line = scored.groupby(names[0])[sweep.metric].agg(how).sort_index()
        positions = np.arange(len(line))
        axes.plot(positions, line.to_numpy(), marker="o")
        axes.set_xticks(positions, [str(v) for v in line.index])
        axes.set_xlabel(names[0])
        axes.set_ylabel(sweep.metric)
        axes.grid(alpha=0.3)
    else:
        column, row = names
        table = scored.pivot_table(index=row, columns=column, values=sweep.metric, aggfunc=how)
        table = table.sort_index().sort_index(axis=1)
        image = axes.imshow(
            table.to_numpy(dtype=np.float64), origin="lower", aspect="auto", cmap="viridis"
        )
        axes.set_xticks(np.arange(table.shape[1]), [str(v) for v in table.columns], rotation=90)
        axes.set_yticks(np.arange(table.shape[0]), [str(v) for v in table.index])
        axes.set_xlabel(column)
        axes.set_ylabel(row)
        figure.colorbar(image, ax=axes, label=sweep.metric)
        _mark_best(axes, table, sweep)
    axes.set_title(f"{sweep.metric} of {len(scored)} parameter sets{note}")
    return figure


def _mark_best(axes: Axes, table: pd.DataFrame, sweep: SweepResult) -> None:
    best = sweep.best
    names = (table.columns.name, table.index.name)
    if not all(n in best for n in names):
        return
    col = list(table.columns).index(best[names[0]])
    row = list(table.index).index(best[names[1]])
    axes.plot([col], [row], marker="*", markersize=16, color="red", linestyle="")


def write_sweep_png(sweep: SweepResult, path: str | Path, x: str | None, y: str | None) -> Path:
    """Write draw_sweep's figure to `path`."""
    target = Path(path)
    draw_sweep(sweep, x, y).savefig(target, format="png")
    return target


def draw_walk_forward(result: WalkForwardResult) -> Figure:
    """The stitched out-of-sample equity, each test window shaded in turn."""
    figure = Figure(figsize=(10, 4.5), dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    curve = result.equity
    if len(curve):
        axes.plot(curve.index.tz_convert(None), curve["equity"].to_numpy(), linewidth=1.2)
    spans = result.windows[["test_start", "test_end"]].itertuples(index=False)
    for number, (start, end) in enumerate(spans):
        if number % 2 == 0:
            axes.axvspan(start.tz_convert(None), end.tz_convert(None), color="grey", alpha=0.12)
    axes.set_title(f"Out-of-sample equity over {len(result.windows)} walk-forward windows")
    axes.set_ylabel("equity")
    axes.grid(alpha=0.3)
    return figure


def write_walk_forward_png(result: WalkForwardResult, path: str | Path) -> Path:
    """Write draw_walk_forward's figure to `path`."""
    target = Path(path)
    draw_walk_forward(result).savefig(target, format="png")
    return target
