"""Workloads behind ``alphaforge bench``: ours and the installed peers, measured in one run."""

# Subcommand name -> module that defines ``add_arguments(parser)`` and ``run(args)``.
SUITES: dict[str, str] = {
    "rings": "alphaforge.benchmarks.rings",
    "cache": "alphaforge.benchmarks.cache",
}
