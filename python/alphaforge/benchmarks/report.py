"""Rounds, medians and the comparison table every benchmark suite prints."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Measurement:
    """Median and spread of one workload over several rounds."""

    name: str
    group: str
    unit: str
    samples: tuple[float, ...]
    higher_is_better: bool = True

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def make_console() -> Console:
    """A console for result tables; wide enough for them when output is piped to a file."""
    console = Console()
    if not console.is_terminal:
        console.width = 120
    return console


def interleaved_rounds(
    workloads: Sequence[tuple[str, str, str, Callable[[], float]]],
    rounds: int,
    *,
    higher_is_better: bool = True,
) -> list[Measurement]:
    """Run every workload once per round, round after round, so load spikes hit all alike."""
    samples: dict[tuple[str, str], list[float]] = {(g, n): [] for g, n, _, _ in workloads}
    for _ in range(rounds):
        for group, name, _, measure in workloads:
            samples[(group, name)].append(measure())
    return [
        Measurement(name, group, unit, tuple(samples[(group, name)]), higher_is_better)
        for group, name, unit, _ in workloads
    ]


def print_comparison(
    title: str, measurements: Sequence[Measurement], baseline: str, console: Console
) -> None:
    """One row per workload; the ratio column compares each to `baseline` in the same group."""
    table = Table(title=title)
    table.add_column("workload")
    table.add_column("implementation")
    table.add_column("median", justify="right")
    table.add_column("min .. max", justify="right")
    table.add_column(f"vs {baseline}", justify="right")
    by_group: dict[str, dict[str, Measurement]] = {}
    for m in measurements:
        by_group.setdefault(m.group, {})[m.name] = m
    for group, rows in by_group.items():
        base = rows.get(baseline)
        for m in rows.values():
            if base is None or base.median == 0:
                ratio = "-"
            elif m.higher_is_better:
                ratio = f"{m.median / base.median:.2f}x"
            else:
                ratio = f"{base.median / m.median:.2f}x"
            table.add_row(
                group,
                m.name,
                f"{_si(m.median)} {m.unit}",
                f"{_si(min(m.samples))} .. {_si(max(m.samples))}",
                ratio,
            )
    console.print(table)


def _si(value: float) -> str:
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.1f}{suffix}"
    return f"{value:.1f}"
