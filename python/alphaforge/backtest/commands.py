"""``alphaforge demo`` and ``alphaforge backtest``: run a strategy, print metrics, write reports."""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from alphaforge import parameters
from alphaforge.backtest.book_fills import QUEUE_MODELS
from alphaforge.backtest.engine import BacktestEngine
from alphaforge.backtest.report import format_metric
from alphaforge.backtest.result import BacktestResult
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.backtest.tick_data import TickKind
from alphaforge.console_log import add_log_level_argument, command_logging
from alphaforge.data import BarSpec
from alphaforge.data.depth_files import read_depth_files
from alphaforge.data.loaders import Kind, load_csv, load_parquet
from alphaforge.samples import orcl
from alphaforge.strategy import Strategy

_OHLCV = ["open", "high", "low", "close", "volume"]
# The fee rate of the demo and the default of --fees: a spot venue's usual 0.1% on notional.
DEFAULT_FEE = 0.001


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``alphaforge demo``."""
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the reports")
    add_log_level_argument(parser)


def add_backtest_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``alphaforge backtest``."""
    parser.add_argument("strategy_file", type=Path, help="a .py file defining a Strategy subclass")
    parser.add_argument(
        "--strategy", metavar="NAME", help="the Strategy subclass to run when the file has several"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        type=parse_param,
        metavar="NAME=VALUE",
        help="a parameter of the strategy, read as its declared type; repeat per name",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, help="bars: CSV (Yahoo or OHLCV) or Parquet")
    source.add_argument("--trades", type=Path, help="trades: CSV or Parquet (with --quotes too)")
    parser.add_argument(
        "--quotes", type=Path, help="best bid and ask: CSV or Parquet, alone or with --trades"
    )
    parser.add_argument(
        "--book",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="L2 depth: Binance depth CSVs (snapshot, updates), a Bybit orderbook capture, or "
        "the depth frame (CSV or Parquet); orders then fill on the book",
    )
    parser.add_argument(
        "--bridge-gaps", action="store_true", help="bridge gaps in the depth by the next snapshot"
    )
    parser.add_argument("--symbol", required=True, help="symbol of the data")
    parser.add_argument("--cash", type=float, default=100_000.0, help="starting cash")
    parser.add_argument(
        "--fees",
        type=parse_fees,
        default=DEFAULT_FEE,
        metavar="RATE|MAKER,TAKER",
        help=f"fee rate on notional, or maker and taker rates (default {DEFAULT_FEE:g}, "
        "as in the demo)",
    )
    parser.add_argument(
        "--slippage", type=float, default=0.0, help="price distance market and stop fills slip"
    )
    parser.add_argument(
        "--slippage-bps", type=float, default=0.0, help="basis points market and stop fills slip"
    )
    parser.add_argument("--tick-size", type=float, help="price grid of the symbol")
    parser.add_argument("--lot-size", type=float, default=1e-8, help="size grid of the symbol")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds before an order reaches the market"
    )
    parser.add_argument(
        "--response-latency",
        type=float,
        default=0.0,
        help="seconds before the strategy learns of an order update or fill (tick data)",
    )
    parser.add_argument(
        "--feed-latency",
        type=float,
        default=0.0,
        help="seconds before the strategy sees market data (tick data; <= response latency)",
    )
    parser.add_argument(
        "--queue-model",
        default="risk_averse",
        choices=QUEUE_MODELS,
        help="how resting orders move up their queue on the book (default risk_averse)",
    )
    parser.add_argument("--queue-n", type=float, default=3.0, help="the power models' exponent")
    parser.add_argument(
        "--equity-interval", help="spacing of the equity curve on tick data (default 1min)"
    )
    parser.add_argument(
        "--ts-unit",
        default=None,
        help="unit of integer timestamps (s, ms, us, ns; default: from magnitude)",
    )
    parser.add_argument("--time-column", help="the column holding the time (default: by name)")
    parser.add_argument(
        "--tz", default="UTC", help="time zone of times written without one (default UTC)"
    )
    parser.add_argument("--sep", help="CSV field separator (default ','; '\\t' for tabs)")
    add_log_level_argument(parser)
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the reports")


def parse_param(text: str) -> tuple[str, str]:
    """'fast=20' -> ('fast', '20'); the strategy's declared type reads the value later."""
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def parse_fees(text: str) -> float | tuple[float, float]:
    """'0.001' -> one rate; '0.0002,0.0004' -> (maker, taker)."""
    parts = text.split(",")
    try:
        rates = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a rate or MAKER,TAKER rates, got {text!r}"
        ) from None
    if len(rates) == 1:
        return rates[0]
    if len(rates) == 2:
        return rates[0], rates[1]
    raise argparse.ArgumentTypeError(f"expected a rate or MAKER,TAKER rates, got {text!r}")


def _read(
    path: Path,
    kind: Kind,
    *,
    time_column: str | None = None,
    tz: str = "UTC",
    sep: str | None = None,
    ts_unit: str | None = None,
) -> pd.DataFrame:
    """Trades, quotes or bars of a CSV or Parquet file in the loaders' columns, the time from
    `time_column` or the one column named as a time, columns the loaders do not know dropped."""
    options: dict[str, Any] = {"ts_unit": ts_unit, "tz": tz, "unknown": "drop"}
    if time_column is not None:
        options["columns"] = {time_column: "ts_ns"}
    try:
        if path.suffix == ".parquet":
            return load_parquet(path, kind, **options)
        return load_csv(path, kind, sep=_separator(sep), **options)
    except ValueError as error:
        hint = " (choose one with --time-column)" if "several time columns" in str(error) else ""
        raise ValueError(f"{path}: {with_iso_times(str(error))}{hint}") from None


# A time in a loader's message: "ts_ns[5] = 757382400000000000" or "row 4 (757382400000000000)".
_NS_TIME = re.compile(r"(ts_ns\[\d+\] = |row \d+ \()(-?\d{10,})")


def with_iso_times(message: str) -> str:
    """The message with each nanosecond time it cites followed by the time in ISO form."""

    def iso(match: re.Match[str]) -> str:
        ns = int(match[2])
        return f"{match[1]}{ns} = {pd.Timestamp(ns, unit='ns', tz='UTC').isoformat()}"

    return _NS_TIME.sub(iso, message)


def _separator(sep: str | None) -> str:
    if sep is None:
        return ","
    delimiter = {"\\t": "\t", "tab": "\t"}.get(sep, sep)
    if len(delimiter) != 1:
        raise ValueError(f"--sep must be one character (or '\\t'), got {sep!r}")
    return delimiter


def load_bars(
    path: Path,
    *,
    time_column: str | None = None,
    tz: str = "UTC",
    sep: str | None = None,
    ts_unit: str | None = None,
) -> pd.DataFrame:
    """Bars of a CSV (Yahoo, Binance klines, any OHLCV with a time column) or Parquet file:
    open, high, low, close, volume on a UTC DatetimeIndex."""
    frame = _read(path, "bars", time_column=time_column, tz=tz, sep=sep, ts_unit=ts_unit)
    index = pd.DatetimeIndex(frame["ts_ns"].to_numpy().view("datetime64[ns]"), tz="UTC")
    return frame[_OHLCV].set_axis(index, axis=0)


def load_ticks(
    path: Path,
    kind: TickKind,
    ts_unit: str | None,
    *,
    time_column: str | None = None,
    tz: str = "UTC",
    sep: str | None = None,
) -> pd.DataFrame:
    """Trades or quotes from CSV or Parquet, vendors' column names mapped, others dropped."""
    return _read(path, kind, time_column=time_column, tz=tz, sep=sep, ts_unit=ts_unit)


def load_strategy_class(path: Path, name: str | None = None) -> type[Strategy]:
    """The Strategy subclass named `name` in `path`, or the one it defines when None."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    spec = importlib.util.spec_from_file_location(f"alphaforge_strategy_file_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {path} as a Python file")
    module = importlib.util.module_from_spec(spec)
    # Registered while it runs, as an import would, so a Params dataclass is made; removed
    # after, so the optimiser sends the file's text to its workers rather than a module name.
    sys.modules[module.__name__] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(module.__name__, None)
    found = {
        obj.__name__: obj
        for obj in vars(module).values()
        if inspect.isclass(obj) and issubclass(obj, Strategy) and obj.__module__ == module.__name__
    }
    if name is not None:
        if name not in found:
            raise ValueError(f"{path} defines no Strategy subclass {name!r}; it has {list(found)}")
        return found[name]
    if len(found) != 1:
        hint = ": choose one with --strategy NAME" if found else ""
        raise ValueError(
            f"{path} must define exactly one Strategy subclass, found {list(found)}{hint}"
        )
    return next(iter(found.values()))


def make_strategy(
    cls: type[Strategy], symbol: str, params: Mapping[str, str] | None = None
) -> Strategy:
    """An instance of `cls` with `params` (text, read as the parameters' types), given the
    symbol when its constructor takes one."""
    kwargs: dict[str, Any] = {}
    for name, text in (params or {}).items():
        if name == "symbol":
            raise ValueError("the symbol comes from --symbol, not --param")
        kwargs[name] = parameters.parse(cls, name, text)
    if parameters.takes_symbol(cls):
        kwargs["symbol"] = symbol
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{cls.__name__}: {error}") from None


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


def run_demo(args: argparse.Namespace, console: Console) -> None:
    """SMA 10/30 crossover on the bundled ORCL daily bars, 1995-2014."""
    engine = BacktestEngine(cash=100_000.0, fees=DEFAULT_FEE)
    engine.add_bars("ORCL", orcl())
    engine.add_strategy(SmaCross("ORCL", fast=10, slow=30, size=1000))
    backtest_and_report("SMA 10/30 on ORCL 1995-2014 (bundled data)", engine, args.out, console)


def run_backtest(args: argparse.Namespace) -> None:
    """Load the strategy file and the data, run, print metrics and write the report; the
    strategy's log lines on stderr unless the file configured logging itself."""
    engine, strategy = prepare_backtest(args)
    with command_logging("alphaforge backtest", args.log_level):
        title = f"{type(strategy).__name__} on {args.symbol}"
        backtest_and_report(title, engine, args.out, Console())


def prepare_backtest(args: argparse.Namespace) -> tuple[BacktestEngine, Strategy]:
    """The engine with the data and the strategy of the command line; a bad file, option or
    row stops the command with one line naming it."""
    try:
        return _prepare(args)
    except (OSError, ValueError, TypeError) as error:
        raise SystemExit(f"alphaforge backtest: {error}") from None


def _prepare(args: argparse.Namespace) -> tuple[BacktestEngine, Strategy]:
    if args.data is None and args.trades is None and args.quotes is None and args.book is None:
        raise ValueError("give the data: --data (bars), or --trades, --quotes and/or --book")
    if args.data is not None and args.quotes is not None:
        raise ValueError("--quotes goes with --trades or alone, not with bars (--data)")
    if args.data is not None and args.book is not None:
        raise ValueError("--book goes with tick data (--trades, --quotes) or alone, not with bars")
    if args.data is not None and args.equity_interval is not None:
        raise ValueError("--equity-interval is for tick data: on bars equity is kept per bar")
    cls = load_strategy_class(args.strategy_file, args.strategy)
    strategy = make_strategy(cls, args.symbol, dict(args.param))
    options: dict[str, Any] = {}
    if args.equity_interval is not None:
        try:  # the spec's own message names no option
            BarSpec(args.equity_interval)
        except ValueError as error:
            raise ValueError(f"--equity-interval: {error}") from None
        options["equity_interval"] = args.equity_interval
    engine = BacktestEngine(
        cash=args.cash,
        fees=args.fees,
        slippage_price=args.slippage,
        slippage_bps=args.slippage_bps,
        latency=args.latency,
        response_latency=args.response_latency,
        feed_latency=args.feed_latency,
        queue_model=args.queue_model,
        queue_n=args.queue_n,
        **options,
    )
    if args.tick_size is not None or args.lot_size != 1e-8:
        tick = args.tick_size if args.tick_size is not None else 1e-8
        engine.add_instrument(args.symbol, tick, args.lot_size)
    read: dict[str, Any] = {"time_column": args.time_column, "tz": args.tz, "sep": args.sep}
    if args.data is not None:
        engine.add_bars(args.symbol, load_bars(args.data, ts_unit=args.ts_unit, **read))
    if args.trades is not None:
        engine.add_trades(args.symbol, load_ticks(args.trades, "trades", args.ts_unit, **read))
    if args.quotes is not None:
        engine.add_quotes(args.symbol, load_ticks(args.quotes, "quotes", args.ts_unit, **read))
    if args.book is not None:
        depth = read_depth_files(args.book, args.ts_unit)
        engine.add_book(args.symbol, depth, bridge_gaps=args.bridge_gaps)
    engine.add_strategy(strategy)
    return engine, strategy
