"""``alphaforge demo`` and ``alphaforge backtest``: run a strategy, print metrics, write reports."""

from __future__ import annotations

import argparse
import importlib.util
import inspect
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from alphaforge.backtest.engine import BacktestEngine
from alphaforge.backtest.report import format_metric
from alphaforge.backtest.result import BacktestResult
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.backtest.tick_data import TickKind
from alphaforge.data.loaders import load_csv, load_parquet
from alphaforge.samples import load_yahoo_csv, orcl
from alphaforge.strategy import Strategy


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``alphaforge demo``."""
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the reports")


def add_backtest_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``alphaforge backtest``."""
    parser.add_argument("strategy_file", type=Path, help="a .py file defining a Strategy subclass")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="bars: CSV (Yahoo or OHLCV) or Parquet")
    source.add_argument("--trades", type=Path, help="trades: CSV or Parquet (with --quotes too)")
    parser.add_argument("--quotes", type=Path, help="best bid and ask: CSV or Parquet")
    parser.add_argument("--symbol", required=True, help="symbol of the data")
    parser.add_argument("--cash", type=float, default=100_000.0, help="starting cash")
    parser.add_argument("--fees", type=float, default=0.0, help="fee rate on notional")
    parser.add_argument("--tick-size", type=float, help="price grid of the symbol")
    parser.add_argument("--lot-size", type=float, default=1e-8, help="size grid of the symbol")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds before an order reaches the market"
    )
    parser.add_argument(
        "--ts-unit",
        default=None,
        help="unit of integer timestamps in tick files (s, ms, us, ns; default: from magnitude)",
    )
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the reports")


def load_bars(path: Path) -> pd.DataFrame:
    """Bars from a Yahoo-style CSV (Date column), an OHLCV CSV with a time column, or Parquet."""
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        head = pd.read_csv(path, nrows=0)
        if "Date" in head.columns:
            return load_yahoo_csv(path)
        frame = pd.read_csv(path)
    frame.columns = [str(c).lower() for c in frame.columns]
    if not isinstance(frame.index, pd.DatetimeIndex):
        time_column = next(
            (c for c in ("ts", "timestamp", "timestamp_utc", "date", "time") if c in frame.columns),
            None,
        )
        if time_column is None:
            raise ValueError(f"{path}: no datetime index and no ts/timestamp/date column")
        frame = frame.set_index(pd.to_datetime(frame.pop(time_column), utc=True))
    return frame


# Column names exchanges and vendors use for the loaders' canonical ones.
_TICK_ALIASES = {
    "timestamp": "ts_ns",
    "time": "ts_ns",
    "ts": "ts_ns",
    "quantity": "size",
    "qty": "size",
    "amount": "size",
}


def load_ticks(path: Path, kind: TickKind, ts_unit: str | None) -> pd.DataFrame:
    """Trades or quotes from CSV or Parquet, common column names mapped, other columns dropped."""
    parquet = path.suffix == ".parquet"
    names = pq.read_schema(path).names if parquet else list(pd.read_csv(path, nrows=0).columns)
    columns = {n: _TICK_ALIASES[n.lower()] for n in names if n.lower() in _TICK_ALIASES}
    load = load_parquet if parquet else load_csv
    return load(path, kind, columns=columns, ts_unit=ts_unit, unknown="drop")


def load_strategy_class(path: Path) -> type[Strategy]:
    """The one Strategy subclass defined in `path`."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {path} as a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Strategy) and obj.__module__ == module.__name__
    ]
    if len(found) != 1:
        names = [c.__name__ for c in found]
        raise ValueError(f"{path} must define exactly one Strategy subclass, found {names}")
    return found[0]


def make_strategy(cls: type[Strategy], symbol: str) -> Strategy:
    """An instance of `cls`, given the symbol when its constructor takes one."""
    parameters = inspect.signature(cls.__init__).parameters
    return cls(symbol) if "symbol" in parameters else cls()


def figures_table(title: str, figures: Mapping[str, object], notes: Mapping[str, str]) -> Table:
    """Figures as a table: name, value, and why a value is n/a or infinite."""
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("note", overflow="fold")
    for name, value in figures.items():
        table.add_row(name, format_metric(name, value), notes.get(name, ""))
    return table


def metrics_table(title: str, result: BacktestResult) -> Table:
    """The result's metrics as a table: name, value, and why a value is n/a or infinite."""
    return figures_table(title, result.metrics.as_dict(), result.metrics.notes)


def backtest_and_report(title: str, engine: BacktestEngine, out: Path, console: Console) -> None:
    """Run the engine; print the metrics, the trade statistics and, when the result has prices,
    alpha and beta against buying and holding; write the tearsheet report.html and the chart
    report.png into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("backtesting", total=3)
        result = engine.run()
        progress.update(task, advance=1, description="writing the tearsheet report.html")
        html = out / "report.html"
        result.to_html(html)
        progress.update(task, advance=1, description="writing report.png")
        png = out / "report.png"
        result.plot(png)
        progress.update(task, advance=1)
    console.print(metrics_table(title, result))
    trades = result.trade_stats
    heading = "trade statistics (FIFO round trips)"
    console.print(figures_table(heading, trades.as_dict(), trades.notes))
    benchmark = result.benchmark()
    if benchmark is not None:
        stats = result.benchmark_stats()
        console.print(figures_table(f"against {benchmark.name}", stats.as_dict(), stats.notes))
    console.print(f"final equity {result.final_equity:,.2f}")
    console.print(f"tearsheet: {html.resolve()}")
    console.print(f"chart:     {png.resolve()}")


def run_demo(args: argparse.Namespace) -> None:
    """SMA 10/30 crossover on the bundled ORCL daily bars, 1995-2014."""
    engine = BacktestEngine(cash=100_000.0, fees=0.001)
    engine.add_bars("ORCL", orcl())
    engine.add_strategy(SmaCross("ORCL", fast=10, slow=30, size=1000))
    backtest_and_report("SMA 10/30 on ORCL 1995-2014 (bundled data)", engine, args.out, Console())


def run_backtest(args: argparse.Namespace) -> None:
    """Load the strategy file and the data, run, print metrics and write the report."""
    strategy = make_strategy(load_strategy_class(args.strategy_file), args.symbol)
    engine = BacktestEngine(cash=args.cash, fees=args.fees, latency=args.latency)
    if args.tick_size is not None:
        engine.add_instrument(args.symbol, args.tick_size, args.lot_size)
    if args.data is not None:
        if args.quotes is not None:
            raise ValueError("--quotes goes with --trades, not with bars (--data)")
        engine.add_bars(args.symbol, load_bars(args.data))
    else:
        engine.add_trades(args.symbol, load_ticks(args.trades, "trades", args.ts_unit))
        if args.quotes is not None:
            engine.add_quotes(args.symbol, load_ticks(args.quotes, "quotes", args.ts_unit))
    engine.add_strategy(strategy)
    title = f"{type(strategy).__name__} on {args.symbol}"
    backtest_and_report(title, engine, args.out, Console())
