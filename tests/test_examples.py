"""Every example runs to completion as a script, in seconds."""

from __future__ import annotations

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
    }
