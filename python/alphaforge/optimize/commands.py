"""``alphaforge optimize``: sweep (or walk forward) a strategy file's parameters from the shell."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from alphaforge.backtest.commands import load_bars, load_strategy_class
from alphaforge.optimize.api import optimize
from alphaforge.optimize.backends import BACKENDS
from alphaforge.optimize.results import SweepResult
from alphaforge.optimize.search import DIRECTIONS
from alphaforge.optimize.space import Constraint
from alphaforge.optimize.walk_forward import WalkForwardResult, walk_forward

# Exit status of a run stopped by Ctrl-C, as a shell reports SIGINT.
INTERRUPTED = 130
SHOWN = ("total_return", "sharpe", "max_drawdown", "trades")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``alphaforge optimize``."""
    parser.add_argument("strategy_file", type=Path, help="a .py file defining a Strategy subclass")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="bars: CSV (Yahoo or OHLCV) or Parquet")
    source.add_argument("--catalog", help="a DataCatalog path or URI (file://, s3://, gs://)")
    parser.add_argument("--symbol", required=True, help="symbol of the data")
    parser.add_argument(
        "--param",
        action="append",
        type=parse_param,
        required=True,
        metavar="NAME=VALUES",
        help="start:stop:step (stop excluded, as range), a,b,c, or one value; repeat per name",
    )
    parser.add_argument("--constraint", help="a Python expression of the names, e.g. 'fast < slow'")
    parser.add_argument("--metric", default="sharpe", choices=sorted(DIRECTIONS))
    parser.add_argument("--minimize", action="store_true", help="lower metric values are better")
    parser.add_argument("--search", default="grid", choices=("grid", "random", "optuna"))
    parser.add_argument("--trials", type=int, help="parameter sets for random and optuna")
    parser.add_argument("--seed", type=int, help="seed of the random and optuna searches")
    parser.add_argument("--backend", default="local", choices=BACKENDS)
    parser.add_argument("--address", help="Ray cluster to join (host:port or ray://host:port)")
    parser.add_argument("--workers", type=int, help="worker processes (default: every core)")
    parser.add_argument("--cash", type=float, default=100_000.0, help="starting cash")
    parser.add_argument("--fees", type=float, default=0.0, help="fee rate on notional")
    parser.add_argument(
        "--walk-forward", metavar="TRAIN/TEST", help="walk forward, e.g. 3Y/1Y (Y, M, W, D, h)"
    )
    parser.add_argument("--anchored", action="store_true", help="training always from the start")
    parser.add_argument("--top", type=int, default=10, help="rows of the table printed")
    parser.add_argument("--out", type=Path, default=Path("."), help="directory for the outputs")


def parse_param(text: str) -> tuple[str, Any]:
    """'fast=5:50:5' -> ('fast', range(5, 50, 5)); 'mode=a,b' -> a list; 'size=10' -> 10."""
    name, sep, spec = text.partition("=")
    if not sep or not name.isidentifier() or not spec:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUES, got {text!r}")
    if spec.count(":") == 2:
        start, stop, step = (_number(p, text) for p in spec.split(":"))
        if step <= 0 or stop <= start:
            raise argparse.ArgumentTypeError(f"{text!r}: need start < stop and a positive step")
        if all(isinstance(v, int) for v in (start, stop, step)):
            return name, range(int(start), int(stop), int(step))
        count = math.ceil((stop - start) / step - 1e-9)
        return name, [round(start + i * step, 12) for i in range(count)]
    values = [_scalar(v) for v in spec.split(",")]
    return name, values if len(values) > 1 else values[0]


def _number(text: str, whole: str) -> int | float:
    value = _scalar(text)
    if not isinstance(value, (int, float)):
        raise argparse.ArgumentTypeError(f"{whole!r}: {text!r} is not a number")
    return value


def _scalar(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def make_constraint(expression: str | None) -> Constraint | None:
    """A constraint from an expression over the parameter names."""
    if expression is None:
        return None
    code = compile(expression, "--constraint", "eval")
    return lambda params: bool(eval(code, {"__builtins__": {}}, dict(params)))


def run(args: argparse.Namespace) -> int:
    """Load the strategy and bars, sweep or walk forward, print the best rows, write outputs."""
    console = Console()
    strategy = load_strategy_class(args.strategy_file)
    data = load_bars(args.data) if args.data is not None else args.catalog
    common: dict[str, Any] = {
        "params": dict(args.param),
        "constraint": make_constraint(args.constraint),
        "metric": args.metric,
        "maximize": False if args.minimize else None,
        "search": args.search,
        "n_trials": args.trials,
        "seed": args.seed,
        "engine": {"cash": args.cash, "fees": args.fees},
        "backend": args.backend,
        "workers": args.workers,
        "address": args.address,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    if args.walk_forward is None:
        result = optimize(strategy, data, args.symbol, **common)
        report_sweep(result, args, console)
        return 0 if result.complete else INTERRUPTED
    train, sep, test = args.walk_forward.partition("/")
    if not sep:
        wanted = "--walk-forward takes TRAIN/TEST such as 3Y/1Y"
        raise ValueError(f"{wanted}, got {args.walk_forward!r}")
    folds = walk_forward(
        strategy, data, args.symbol, train=train, test=test, anchored=args.anchored, **common
    )
    report_walk_forward(folds, args, console)
    return 0 if folds.complete else INTERRUPTED


def _table(title: str, frame: pd.DataFrame, columns: list[str]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right")
    for _, row in frame.iterrows():
        table.add_row(*(_cell(row[c]) for c in columns))
    return table


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.4g}"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}" if value.hour or value.minute else f"{value:%Y-%m-%d}"
    return "-" if value is None else str(value)


def report_sweep(result: SweepResult, args: argparse.Namespace, console: Console) -> None:
    """Print the top rows, write results.parquet and the heatmap."""
    shown = [*result.params, *[m for m in SHOWN if m != result.metric], result.metric]
    top = result.top(args.top)
    title = f"Best {len(top)} of {len(result.results)} by {result.metric}"
    console.print(_table(title, top, shown))
    if not result.complete:
        console.print("[yellow]interrupted: these are the parameter sets that finished[/yellow]")
    if len(result.errors):
        first = result.errors["error"].iloc[0]
        console.print(f"[red]{len(result.errors)} parameter sets failed[/red], e.g. {first}")
    parquet = result.to_parquet(args.out / "results.parquet")
    console.print(f"results: {parquet.resolve()}")
    if len(top) and any(result.results[p].nunique() > 1 for p in result.params):
        console.print(f"heatmap: {result.plot(args.out / 'heatmap.png').resolve()}")


def report_walk_forward(
    result: WalkForwardResult, args: argparse.Namespace, console: Console
) -> None:
    """Print the windows and the out-of-sample summary; write them and the equity chart."""
    names: list[str] = list(result.sweeps[0].params) if result.sweeps else []
    columns = ["test_start", "test_end", *names, f"train_{result.metric}", result.metric]
    frame = result.windows.reset_index()
    console.print(_table("Walk-forward: chosen on training, traded out of sample", frame, columns))
    summary = Table(title="Out-of-sample, stitched")
    summary.add_column("metric")
    summary.add_column("value", justify="right")
    for name, value in result.summary.items():
        summary.add_row(str(name), _cell(value))
    console.print(summary)
    if not result.complete:
        console.print("[yellow]interrupted: the windows shown are those that finished[/yellow]")
    windows = args.out / "windows.parquet"
    result.windows.to_parquet(windows)
    result.equity.to_parquet(args.out / "equity.parquet")
    console.print(f"windows: {windows.resolve()}")
    console.print(f"chart:   {result.plot(args.out / 'walk_forward.png').resolve()}")
