"""Strategy log lines on the terminal: shown by the commands and the examples from INFO up,
the level set by --log-level or ALPHAFORGE_LOG_LEVEL, and left to a program that configured
logging itself."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from alphaforge.cli import main
from alphaforge.console_log import ConsoleHandler, console_logging, log_to_console
from alphaforge.samples import ORCL_CSV, orcl

EXAMPLES = Path(__file__).parent.parent / "examples"

TALKER = """
import alphaforge as af

class Talker(af.Strategy):
    def on_start(self):
        self.subscribe_bars("ORCL")
        self.bars = 0

    def on_bar(self, bar):
        self.bars += 1
        if self.bars == 3:
            self.log.info("third close %.4f", bar.close)
            self.log.warning("a warning")
"""


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "alphaforge", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def no_logging_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The root logger as a program that configured nothing has it, for this test's body
    (pytest puts its capture handlers there when the body starts)."""
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.delenv("ALPHAFORGE_LOG_LEVEL", raising=False)


def test_backtest_shows_strategy_info_lines_by_default(tmp_path: Path) -> None:
    source = tmp_path / "talker.py"
    source.write_text(TALKER)
    args = ["backtest", str(source), "--data", str(ORCL_CSV), "--symbol", "ORCL"]
    args += ["--out", str(tmp_path)]
    env = {"ALPHAFORGE_LOG_LEVEL": ""}
    third = orcl().iloc[2]
    line = f"{orcl().index[2]:%Y-%m-%d} 00:00:00.000 Talker: third close {third['close']:.4f}"
    assert line in run_cli(*args, env=env).stderr
    quiet = run_cli(*args, "--log-level", "warning", env=env).stderr
    assert "third close" not in quiet
    assert "Talker: a warning" in quiet
    assert "third close" not in run_cli(*args, env={"ALPHAFORGE_LOG_LEVEL": "WARNING"}).stderr
    # The option wins over the variable.
    loud = run_cli(*args, "--log-level", "INFO", env={"ALPHAFORGE_LOG_LEVEL": "ERROR"}).stderr
    assert "third close" in loud


def test_a_file_that_configures_logging_keeps_its_own_format(tmp_path: Path) -> None:
    source = tmp_path / "talker.py"
    source.write_text(
        "import logging\nlogging.basicConfig(level=logging.INFO, format='MINE %(message)s')\n"
        + TALKER
    )
    args = ["backtest", str(source), "--data", str(ORCL_CSV), "--symbol", "ORCL"]
    err = run_cli(*args, "--out", str(tmp_path)).stderr
    lines = [line for line in err.splitlines() if "third close" in line]
    assert lines == [f"MINE third close {orcl()['close'].iloc[2]:.4f}"], err[-2000:]


def test_a_bad_level_in_the_variable_stops_the_command_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_logging_set_up(monkeypatch)
    source = tmp_path / "talker.py"
    source.write_text(TALKER)
    monkeypatch.setenv("ALPHAFORGE_LOG_LEVEL", "loud")
    args = ["backtest", str(source), "--data", str(ORCL_CSV), "--symbol", "ORCL"]
    with pytest.raises(SystemExit) as stopped:
        main([*args, "--out", str(tmp_path)])
    assert str(stopped.value) == (
        "alphaforge backtest: ALPHAFORGE_LOG_LEVEL must be one of DEBUG, INFO, WARNING, "
        "ERROR, got 'loud'"
    )


def test_demo_shows_the_strategy_lines_at_debug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    no_logging_set_up(monkeypatch)
    monkeypatch.setenv("COLUMNS", "200")  # one line per record
    args = ["demo", "--out", str(tmp_path), "--paper-seconds", "1", "--log-level", "DEBUG"]
    assert main(args) == 0
    out = capsys.readouterr().out
    first = re.search(r"(\d{4}-\d\d-\d\d) 00:00:00\.000 SmaCross: fast mean crossed above", out)
    assert first, out[-2000:]
    assert first.group(1) >= f"{orcl().index[30]:%Y-%m-%d}"
    # The command's handler is gone with the command.
    assert not logging.getLogger("alphaforge").handlers


def test_an_example_shows_its_strategy_lines() -> None:
    script = str(EXAMPLES / "tick_quotes.py")
    env = {**os.environ, "COLUMNS": "200", "ALPHAFORGE_LOG_LEVEL": ""}
    done = subprocess.run(
        [sys.executable, script], capture_output=True, text=True, timeout=60, env=env, check=True
    )
    line = r"2021-01-08 \d\d:\d\d:\d\d\.\d{3} DipBuyer: (buy|sell) 0.01 at"
    fills = re.findall(line, done.stderr)
    assert fills, done.stderr[-2000:]
    assert fills[0] == "buy"
    env["ALPHAFORGE_LOG_LEVEL"] = "warning"
    quiet = subprocess.run(
        [sys.executable, script], capture_output=True, text=True, timeout=60, env=env, check=True
    )
    assert "DipBuyer" not in quiet.stderr


def test_log_to_console_steps_aside_for_a_configured_program(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_logging_set_up(monkeypatch)
    logger = logging.getLogger("alphaforge")
    before = logger.level
    with console_logging("WARNING"):
        assert [type(h) for h in logger.handlers] == [ConsoleHandler]
        assert logger.level == logging.WARNING
    assert not logger.handlers
    assert logger.level == before
    own = logging.StreamHandler()
    logging.getLogger().addHandler(own)
    with console_logging():
        assert not logger.handlers  # theirs on the root logger does the showing
        assert logger.level == before  # and no level was asked for
    with console_logging("DEBUG"):
        assert not logger.handlers
        assert logger.level == logging.DEBUG  # an asked-for level still applies
    assert logger.level == before
    logging.getLogger().removeHandler(own)
    first = log_to_console()
    try:
        second = log_to_console("ERROR")
        assert logger.handlers == [second]  # again: replaced, never two
        assert first is not second
    finally:
        logger.removeHandler(second)
        logger.setLevel(before)
