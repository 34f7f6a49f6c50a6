import subprocess
import sys

import pytest

import alphaforge
from alphaforge.cli import main


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"alphaforge {alphaforge.__version__}"


def test_bench_rings_prints_the_comparison():
    out = subprocess.run(
        [sys.executable, "-m", "alphaforge", "bench", "rings", "--items", "20000", "--rounds", "1"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "SPSC throughput" in out
    assert "MPMC throughput" in out
    assert "alphaforge::SpscRing" in out
    assert "ping-pong" in out
