"""The execution benchmark runs end to end and checks its own fills."""

from __future__ import annotations

import argparse

import pytest

from alphaforge.benchmarks import execution


def test_bench_execution_runs(capsys: pytest.CaptureFixture[str]) -> None:
    execution.run(argparse.Namespace(orders=200, rounds=1))
    out = capsys.readouterr().out
    assert "market order" in out
    assert "resting limit order" in out


def test_each_workload_reports_a_positive_time() -> None:
    for workload in (
        execution.market_orders,
        execution.marketable_limit_orders,
        execution.resting_limit_orders,
        execution.call_floor,
    ):
        assert workload(100) > 0
