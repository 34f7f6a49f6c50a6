"""``alphaforge demo`` and ``alphaforge backtest``."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from alphaforge.cli import build_parser, main
from alphaforge.samples import BTCUSDT_QUOTES, BTCUSDT_TRADES, ORCL_CSV


def test_commands_are_registered() -> None:
    args = build_parser().parse_args(["backtest", "s.py", "--data", "d.csv", "--symbol", "X"])
    assert (args.symbol, args.cash, args.strategy_file) == ("X", 100_000.0, Path("s.py"))
    assert build_parser().parse_args(["demo"]).command == "demo"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["backtest", "s.py"])  # --data and --symbol are required
    with pytest.raises(SystemExit):
        build_parser().parse_args(["backtest", "s.py", "--data", "a", "--trades", "b"])


def test_bundled_data_ships_with_its_attribution() -> None:
    readme = (ORCL_CSV.parent / "README.md").read_text()
    assert ORCL_CSV.exists()
    assert "backtrader" in readme
    assert ORCL_CSV.name in readme


def test_demo_writes_the_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("alphaforge.backtest.result")
    assert main(["demo", "--out", str(tmp_path), "--paper-seconds", "3"]) == 0
    out = capsys.readouterr().out
    # The paper session after the backtest, against the in-process replay exchange.
    assert "paper, replayed at" in out
    assert re.search(r"[1-9][\d,]* trades, [1-9]\d* bars", out), out[-2000:]
    assert (tmp_path / "report.html").stat().st_size > 0
    assert (tmp_path / "report.png").stat().st_size > 0
    assert str((tmp_path / "report.html").resolve()) in out.replace("\n", "")


def test_backtest_runs_a_strategy_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("alphaforge.backtest.result")
    source = tmp_path / "mine.py"
    source.write_text(
        "from alphaforge.backtest.sma_cross import SmaCross as _Base\n"
        "class Mine(_Base):\n"
        "    def __init__(self, symbol):\n"
        "        super().__init__(symbol, 5, 20, 10)\n"
    )
    args = ["backtest", str(source), "--data", str(ORCL_CSV), "--symbol", "ORCL"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    assert "final equity" in capsys.readouterr().out
    assert (tmp_path / "report.html").exists()


def test_backtest_runs_on_trades_and_quotes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "ticks.py"
    source.write_text(
        "import alphaforge as af\n"
        "class Ticks(af.Strategy):\n"
        "    def __init__(self, symbol):\n"
        "        super().__init__()\n"
        "        self.symbol = symbol\n"
        "    def on_start(self):\n"
        "        self.subscribe_bars(self.symbol, '5s')\n"
        "    def on_bar(self, bar):\n"
        "        if self.position(self.symbol) == 0:\n"
        "            self.buy(self.symbol, 0.01)\n"
        "        else:\n"
        "            self.sell(self.symbol, 0.01)\n"
    )
    trades = tmp_path / "trades.csv"
    frame = pd.read_parquet(BTCUSDT_TRADES)
    frame["timestamp"] = frame["timestamp"].astype("int64")  # ms since the epoch
    frame.to_csv(trades, index=False)
    args = ["backtest", str(source), "--trades", str(trades), "--quotes", str(BTCUSDT_QUOTES)]
    args += ["--symbol", "BTCUSDT", "--tick-size", "0.01", "--lot-size", "0.000001"]
    args += ["--ts-unit", "ms", "--latency", "0.01", "--fees", "0.0004", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "final equity" in out
    assert (tmp_path / "report.png").exists()
