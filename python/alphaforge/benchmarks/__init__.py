"""Workloads behind ``alphaforge bench``: ours and the installed peers, measured in one run."""

# Subcommand name -> module that defines ``add_arguments(parser)`` and ``run(args)``.
SUITES: dict[str, str] = {
    "rings": "alphaforge.benchmarks.rings",
    "data": "alphaforge.benchmarks.data",
    "execution": "alphaforge.benchmarks.execution",
    "cache": "alphaforge.benchmarks.cache",
    "backtest": "alphaforge.benchmarks.backtest",
    "sweep": "alphaforge.benchmarks.sweep",
    "replay": "alphaforge.benchmarks.replay",
    "live": "alphaforge.benchmarks.live",
    "indicators": "alphaforge.benchmarks.indicators",
    "book": "alphaforge.benchmarks.book",
}
