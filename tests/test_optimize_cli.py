"""``alphaforge optimize``: a strategy file swept from the shell, walk-forward, Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from alphaforge.cli import build_parser, main
from alphaforge.optimize.commands import INTERRUPTED, make_constraint, parse_param
from alphaforge.samples import ORCL_CSV

STRATEGY = """
from alphaforge.backtest.sma_cross import SmaCross as _Base


class FileSma(_Base):
    def __init__(self, symbol, fast=10, slow=30):
        super().__init__(symbol, fast, slow, size=100)
"""
SLOW_STRATEGY = """
import time
from pathlib import Path

from alphaforge.backtest.sma_cross import SmaCross as _Base


class SlowSma(_Base):
    def __init__(self, symbol, fast, slow, signals):
        super().__init__(symbol, fast, slow, size=100)
        self.signals = Path(signals)

    def on_start(self):
        time.sleep(0.25)
        super().on_start()

    def on_stop(self):
        (self.signals / f"done-{self.fast}-{self.slow}").touch()
"""


def test_parameter_specs() -> None:
    assert parse_param("fast=5:50:5") == ("fast", range(5, 50, 5))
    assert parse_param("k=0.5:2:0.5") == ("k", [0.5, 1.0, 1.5])
    assert parse_param("mode=up,down") == ("mode", ["up", "down"])
    assert parse_param("size=10") == ("size", 10)
    for bad in ("fast", "fast=", "fast=5:1:1", "fast=1:5:0", "fast=a:5:1", "1x=3"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_param(bad)
    constraint = make_constraint("fast < slow")
    assert constraint is not None
    assert constraint({"fast": 1, "slow": 2})
    assert not constraint({"fast": 3, "slow": 2})


def test_the_command_is_registered() -> None:
    args = build_parser().parse_args(
        ["optimize", "s.py", "--data", "d.csv", "--symbol", "X", "--param", "fast=5:10:1"]
    )
    assert (args.backend, args.metric, args.param) == ("local", "sharpe", [("fast", range(5, 10))])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["optimize", "s.py", "--data", "d.csv", "--symbol", "X"])


def test_a_strategy_file_is_swept_on_the_pool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "file_sma.py"
    source.write_text(STRATEGY)
    out = tmp_path / "out"
    argv = ["optimize", str(source), "--data", str(ORCL_CSV), "--symbol", "ORCL"]
    argv += ["--param", "fast=5:25:5", "--param", "slow=30:90:20", "--constraint", "fast < slow"]
    assert main([*argv, "--fees", "0.001", "--workers", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Best 10 of 12 by sharpe" in printed
    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == 12
    assert results["error"].isna().all()
    assert (out / "heatmap.png").read_bytes()[:4] == b"\x89PNG"


def test_walk_forward_from_the_shell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "file_sma.py"
    source.write_text(STRATEGY)
    argv = ["optimize", str(source), "--data", str(ORCL_CSV), "--symbol", "ORCL"]
    argv += ["--param", "fast=5,10", "--param", "slow=40,80", "--walk-forward", "5Y/3Y"]
    assert main([*argv, "--backend", "sequential", "--out", str(tmp_path)]) == 0
    assert "Out-of-sample, stitched" in capsys.readouterr().out
    windows = pd.read_parquet(tmp_path / "windows.parquet")
    assert len(windows) == 5
    assert len(pd.read_parquet(tmp_path / "equity.parquet")) > 3000
    assert (tmp_path / "walk_forward.png").exists()


def test_ctrl_c_keeps_what_finished(tmp_path: Path) -> None:
    source = tmp_path / "slow_sma.py"
    source.write_text(SLOW_STRATEGY)
    signals = tmp_path / "signals"
    signals.mkdir()
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "alphaforge", "optimize", str(source), "--data", str(ORCL_CSV)]
    argv += ["--symbol", "ORCL", "--param", "fast=2:22:1", "--param", "slow=50,60"]
    argv += ["--param", f"signals={signals}", "--workers", "2", "--out", str(out)]
    # Its own session, so the SIGINT goes to its process group as a terminal's Ctrl-C does.
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    ) as sweep:
        deadline = time.monotonic() + 60
        # Four runs over: at least the first two of them have reached the parent.
        while len(list(signals.iterdir())) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(sweep.pid, signal.SIGINT)
        stdout, stderr = sweep.communicate(timeout=60)
    assert sweep.returncode == INTERRUPTED, stderr
    assert "interrupted" in stdout
    results = pd.read_parquet(out / "results.parquet")
    assert 2 <= len(results) < 40
    assert results["error"].isna().all()
    assert "KeyboardInterrupt" not in stderr  # the workers ignored it; the parent handled it
