"""The ``alphaforge`` command."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from alphaforge import __version__
from alphaforge.backtest import commands as backtest_commands
from alphaforge.benchmarks import SUITES
from alphaforge.live import commands as live_commands
from alphaforge.optimize import commands as optimize_commands
from alphaforge.replay import cli as replay_commands


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="alphaforge", description=__doc__)
    parser.add_argument("--version", action="version", version=f"alphaforge {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    bench = commands.add_parser("bench", help="measure AlphaForge against installed peers")
    suites = bench.add_subparsers(dest="suite", required=True)
    for name, module_name in SUITES.items():
        module = importlib.import_module(module_name)
        suite = suites.add_parser(name, help=(module.__doc__ or "").splitlines()[0])
        module.add_arguments(suite)
        suite.set_defaults(handler=module.run)

    demo = commands.add_parser(
        "demo", help="backtest a bundled strategy on bundled data, then trade it on paper"
    )
    backtest_commands.add_demo_arguments(demo)
    demo.add_argument(
        "--paper-seconds",
        type=float,
        default=live_commands.DEMO_SECONDS,
        help="length of the paper session",
    )
    demo.set_defaults(handler=live_commands.run_demo)
    backtest = commands.add_parser("backtest", help="backtest a Strategy subclass from a file")
    backtest_commands.add_backtest_arguments(backtest)
    backtest.set_defaults(handler=backtest_commands.run_backtest)
    replay = commands.add_parser(
        "replay-server", help="a local Binance Spot exchange replaying recorded data"
    )
    replay_commands.add_arguments(replay)
    replay.set_defaults(handler=replay_commands.run)
    live = commands.add_parser("live", help="run a strategy file on a venue, on paper or live")
    live_commands.add_live_arguments(live)
    live.set_defaults(handler=live_commands.run_live)
    journal = commands.add_parser("journal", help="print a live node's journal")
    live_commands.add_journal_arguments(journal)
    journal.set_defaults(handler=live_commands.run_journal)
    sweep = commands.add_parser("optimize", help="sweep or walk forward a strategy's parameters")
    optimize_commands.add_arguments(sweep)
    sweep.set_defaults(handler=optimize_commands.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)
