"""``alphaforge bench sweep`` runs end to end on a small grid; its grids are what they claim."""

from __future__ import annotations

import argparse
import os

# A one-machine Ray (when the extra is installed): its processes use the loopback interface.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

import pytest

from alphaforge.benchmarks import sweep


def test_bench_sweep_runs(capsys: pytest.CaptureFixture[str]) -> None:
    sweep.run(argparse.Namespace(bars=3000, sets=4, peer_sets=1, workers=2, rounds=1))
    out = capsys.readouterr().out
    assert sweep.SEQUENTIAL in out
    assert sweep.POOL in out
    assert "pool / sequential" in out


def test_the_grids() -> None:
    pairs = sweep.grid(200)
    assert len(set(pairs)) == 200
    assert all(fast < slow for fast, slow in pairs)
    assert sweep.grid(3) == pairs[:3]
    with pytest.raises(ValueError, match="--sets must be between 1 and 200"):
        sweep.grid(201)
    subset = sweep.peer_grid(4)
    assert len(subset) == 4
    assert set(subset) <= set(pairs)
