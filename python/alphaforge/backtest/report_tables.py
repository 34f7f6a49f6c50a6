"""The tearsheet's HTML pieces: the run's summary, tables of figures, the returns heatmap and
the record tables; every text from the run is escaped."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alphaforge.backtest.report_format import figure_rows

if TYPE_CHECKING:
    from alphaforge.backtest.result import BacktestResult, RunSettings

# Heatmap cells: green for gains, red for losses, stronger with the size of the move.
_GAIN_RGB, _LOSS_RGB = "46, 139, 87", "192, 57, 43"
# Columns of the record tables that hold fractions, shown as percentages.
PERCENT_COLUMNS = ("return_pct",)


def figures_table(rows: list[tuple[str, str, str]]) -> str:
    """A table of (label, value, note) rows."""
    body = "\n".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td>"
        f'<td class="note">{html.escape(note)}</td></tr>'
        for label, value, note in rows
    )
    return f'<table class="metrics">\n{body}\n</table>'


def stats_table(stats: object) -> str:
    """A TradeStats or BenchmarkStats as a table of figures with their notes."""
    return figures_table(figure_rows(stats.as_dict(), stats.notes))  # type: ignore[attr-defined]


def note(text: str) -> str:
    """A paragraph of small grey text."""
    return f'<p class="note">{html.escape(text)}</p>'


def heatmap(table: pd.DataFrame) -> str:
    """Monthly and yearly returns, a row per year, each cell shaded by its return."""
    months = table.drop(columns="Year").to_numpy(dtype=np.float64)
    years = table["Year"].to_numpy(dtype=np.float64)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    rows = []
    for row, year in enumerate(table.index):
        cells = [_cell(v, _scale(months)) for v in months[row]]
        cells.append(_cell(years[row], _scale(years)))
        rows.append(f"<tr><th>{year}</th>{''.join(cells)}</tr>")
    body = "\n".join(rows)
    return f'<table class="heatmap">\n<tr><th></th>{head}</tr>\n{body}\n</table>'


def _scale(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if len(finite) and finite.max() > 0 else 1.0


def _cell(value: float, scale: float) -> str:
    if not math.isfinite(value):
        return "<td></td>"
    strength = 0.12 + 0.6 * min(abs(value) / scale, 1.0)
    rgb = _GAIN_RGB if value >= 0 else _LOSS_RGB
    shown = round(value * 100, 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f'<td style="background: rgba({rgb}, {strength:.2f})">{shown:.1f} %</td>'


def summary_rows(result: BacktestResult, benchmark_label: str) -> list[tuple[str, str]]:
    """(label, text) of what the run was: strategies and parameters, symbols, data range,
    costs, account, benchmark."""
    settings = result.settings
    equity = result.equity
    rows = [
        ("Strategy", "; ".join(strategy_texts(result))),
        ("Symbols", ", ".join(symbols(result)) or "none"),
        (
            "Data",
            f"{(settings and settings.data) or 'equity'} from {_when(equity.index[0])} "
            f"to {_when(equity.index[-1])}, {len(equity):,} equity points",
        ),
        ("Fees", fees_text(result)),
        ("Slippage", slippage_text(settings)),
    ]
    if settings is not None and settings.latency is not None:
        rows.append(("Latency", latency_text(settings)))
    if settings is not None and settings.queue_model is not None:
        rows.append(("Queue model", settings.queue_model))
    if settings is not None and settings.account is not None:
        rows.append(("Account", f"{settings.account}, {settings.currency or ''}".rstrip(", ")))
    rows.append(("Starting cash", f"{result.starting_cash:,.2f}"))
    rows.append(("Benchmark", benchmark_label))
    return rows


def title_text(result: BacktestResult) -> str:
    """'Strategies on symbols', from what was recorded or traded."""
    settings = result.settings
    if settings is not None and settings.strategies:
        names = [s.kind for s in settings.strategies]
    else:
        names = [str(s) for s in pd.unique(result.fills["strategy"])] or ["Backtest"]
    where = ", ".join(symbols(result))
    return f"{', '.join(dict.fromkeys(names))} on {where}" if where else ", ".join(names)


def _when(stamp: pd.Timestamp) -> str:
    """A date alone at midnight UTC, else the full time."""
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp.isoformat())


def strategy_texts(result: BacktestResult) -> list[str]:
    """'name (Class): key=value, ...' for each strategy; the fills' names when not recorded."""
    if result.settings is None or not result.settings.strategies:
        return [str(s) for s in pd.unique(result.fills["strategy"])] or ["not recorded"]
    texts = []
    for strategy in result.settings.strategies:
        same = strategy.name == strategy.kind
        title = strategy.kind if same else f"{strategy.name} ({strategy.kind})"
        values = ", ".join(f"{k}={v!r}" for k, v in strategy.parameters.items())
        texts.append(f"{title}: {values}" if values else title)
    return texts


def symbols(result: BacktestResult) -> list[str]:
    """The run's symbols: as recorded, else as traded, else as priced."""
    if result.settings is not None and result.settings.symbols:
        return list(result.settings.symbols)
    traded = [str(s) for s in pd.unique(result.fills["symbol"])]
    if traded or result.prices is None:
        return traded
    return [str(c) for c in result.prices.columns]


def fees_text(result: BacktestResult) -> str:
    """The fee rates as set, else the rate the fills paid on their notional."""
    settings = result.settings
    if settings is not None and settings.fees is not None:
        maker, taker = settings.fees
        if maker == taker:
            return f"{maker * 100:.4g} % of notional"
        return f"maker {maker * 100:.4g} %, taker {taker * 100:.4g} % of notional"
    fills = result.fills
    notional = float((fills["qty"] * fills["price"]).abs().sum()) if len(fills) else 0.0
    if notional == 0.0:
        return "no fills"
    paid = float(fills["fee"].sum())
    return f"{paid / notional * 100:.4g} % of notional paid ({paid:,.2f} on the fills)"


def slippage_text(settings: RunSettings | None) -> str:
    """Slippage as a price distance and in basis points, as far as it is known."""
    if settings is None or (settings.slippage_price is None and settings.slippage_bps is None):
        return "not recorded"
    parts = []
    if settings.slippage_price is not None:
        parts.append(f"{settings.slippage_price:g} in price")
    if settings.slippage_bps is not None:
        parts.append(f"{settings.slippage_bps:g} bps")
    return " + ".join(parts)


def latency_text(settings: RunSettings) -> str:
    """The entry latency, and the response and feed latencies when a run had them."""
    entry = "a recorded series" if settings.latency_series else f"{settings.latency:g} s"
    parts = [f"{entry} to the venue"]
    if settings.latency_series or settings.response_latency:
        back = "the series" if settings.latency_series else f"{settings.response_latency:g} s"
        parts.append(f"{back} back")
    if settings.feed_latency:
        parts.append(f"market data {settings.feed_latency:g} s late")
    return ", ".join(parts)


def summary_table(rows: list[tuple[str, str]]) -> str:
    """The summary as a two-column table."""
    body = "\n".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(text)}</td></tr>"
        for label, text in rows
    )
    return f'<table class="summary">\n{body}\n</table>'


def record_section(title: str, frame: pd.DataFrame, max_rows: int) -> str:
    """A record table under its title with the row count, cut at `max_rows` with a note."""
    shown = frame.head(max_rows)
    cut = (
        f'<p class="note">First {max_rows:,} of {len(frame):,} rows.</p>'
        if len(frame) > max_rows
        else ""
    )
    body = (
        shown.to_html(
            index=False,
            border=0,
            classes="data",
            float_format=_float_text,
            formatters={c: _percent_text for c in PERCENT_COLUMNS if c in shown.columns},
        )
        if len(frame)
        else '<p class="note">None.</p>'
    )
    return f"<h2>{html.escape(title)} ({len(frame):,})</h2>\n{cut}\n{body}"


def _percent_text(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value * 100:.2f} %"


def _float_text(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.2f}"
