"""``alphaforge bench cache`` runs end to end on a tiny workload."""

from __future__ import annotations

import importlib.util

import pytest

from alphaforge.cli import main


def test_bench_cache_prints_the_tables(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bench", "cache", "--keys", "200", "--ops", "2000", "--rounds", "1", "--batch", "300"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Single-key put / get" in out
    assert "GenericCache + TTL" in out
    if importlib.util.find_spec("cachetools") is not None:
        assert "With TTL, against the TTL peer" in out
    assert "Batches of 300 keys" in out
    assert "get_many" in out
