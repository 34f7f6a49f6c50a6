"""``alphaforge bench replay`` runs end to end: every client receives every trade of a loop."""

from __future__ import annotations

import argparse

import pytest

from alphaforge.benchmarks import replay


def test_bench_replay_runs(capsys: pytest.CaptureFixture[str]) -> None:
    replay.run(argparse.Namespace(loops=1, rounds=1))
    out = capsys.readouterr().out
    assert "socket frame splitter" in out
    assert replay.BASELINE in out
    assert "aiohttp + json.loads" in out
    assert "msg/s" in out
