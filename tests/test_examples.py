"""Every example runs to completion as a script, in seconds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "final equity" in done.stdout


def test_examples_are_found() -> None:
    assert {p.name for p in EXAMPLES} >= {
        "sma_crossover.py",
        "multi_strategy.py",
        "bracket_strategy.py",
        "indicator_strategy.py",
    }


def test_indicator_strategy_logs_its_decisions() -> None:
    script = Path(__file__).parent.parent / "examples" / "indicator_strategy.py"
    wide = {**os.environ, "COLUMNS": "200"}  # one log record a line
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=wide,
    )
    assert done.returncode == 0, done.stderr
    log = done.stdout + done.stderr
    entries, exits = log.count("EMA 12 over 48"), log.count("EMA 12 under 48")
    assert entries > 10
    assert exits > 10
    stops = log.count("reached (low")
    # Every decision logged is one order, and every order fills at the next minute's open.
    fills = int(done.stdout.split(" fills")[0].rsplit(" ", 1)[-1])
    assert entries + exits + stops == fills


def test_bracket_strategy_exits_each_entry_once() -> None:
    script = Path(__file__).parent.parent / "examples" / "bracket_strategy.py"
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    counts = done.stdout.split(" fills")[0].split()
    entries, exits, fills = int(counts[0]), int(counts[2]), int(counts[4])
    assert entries > 100
    # One exit per entry (the last may still be open at the end): no bracket ever flips.
    assert entries - exits in (0, 1)
    assert fills == entries + exits
