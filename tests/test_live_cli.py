"""``alphaforge live`` on paper against a replay exchange, ``alphaforge journal``, and the
live.toml file's checks."""

from __future__ import annotations

import asyncio
import logging
import os
import re
from pathlib import Path

import pytest

from alphaforge.cli import main
from alphaforge.live.settings import LiveSettings
from alphaforge.replay import ReplayExchange
from live_session import SYMBOL, run_session
from live_strategies import Scripted

STRATEGY = """
from alphaforge.backtest.sma_cross import SmaCross as _Base

class Fast(_Base):
    def __init__(self, symbol, fast=2, slow=4, bar_spec="2s"):
        super().__init__(symbol, fast, slow, 0.01, bar_spec=bar_spec)
"""


def config_file(path: Path, exchange: ReplayExchange, extra: str = "") -> Path:
    path.write_text(
        f"""
[node]
mode = "live"
journal = "{path.parent / "node.db"}"
[binance]
symbols = ["{SYMBOL}"]
rest_url = "{exchange.rest_url}"
stream_url = "{exchange.stream_url}"
ws_api_url = "{exchange.ws_api_url}"
[paper]
balances = {{ USDT = 5000.0 }}
[strategy]
fast = 2
{extra}
"""
    )
    return path


def test_live_runs_a_strategy_file_on_paper(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in a program that configured no logging: pytest's capture handlers off the root.
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setenv("COLUMNS", "200")
    source = tmp_path / "fast.py"
    source.write_text(STRATEGY)
    with ReplayExchange(port=0, speed=20) as exchange:
        toml = config_file(tmp_path / "live.toml", exchange)
        # The file says live; --paper wins, so no key is needed and no order leaves.
        args = ["live", str(source), "--config", str(toml), "--paper", "--duration", "3"]
        assert main([*args, "--log-level", "DEBUG"]) == 0
    out = capsys.readouterr().out
    assert "Fast paper on" in out
    assert "BTCUSDT" in out
    # The strategy's lines, above the dashboard, with the replayed venue time.
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} Fast: fast mean crossed", out), out
    assert " 0 handler errors" in out


def test_journal_prints_orders_fills_and_positions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = Scripted(SYMBOL, maker=False)
    asyncio.run(asyncio.wait_for(run_session(strategy, tmp_path / "j.db"), 90))
    assert main(["journal", str(tmp_path / "j.db"), "--limit", "10"]) == 0
    out = capsys.readouterr().out
    assert "orders (3, last 3)" in out
    assert f"fills ({len(strategy.fills)}" in out
    for fill in strategy.fills:
        assert str(fill.trade_id) in out
    assert "CANCELED" in out
    assert "positions by the journal's fills" in out


def test_bad_settings_are_refused_naming_them(tmp_path: Path) -> None:
    with ReplayExchange(port=0) as exchange:
        good = config_file(tmp_path / "live.toml", exchange)
        assert LiveSettings.from_file(good).mode == "live"
        text = good.read_text()
        cases = {
            text + "[risk]\nmax_order_size = 1\n": "max_order_size",
            text.replace('mode = "live"', 'mode = "real"'): "mode must be 'paper' or 'live'",
            text + "[nodes]\nmode = 'live'\n": "unknown table",
            text.replace("balances = { USDT = 5000.0 }", "fees = 0.001"): "fees must be",
            text.replace("[strategy]", "[binance2]"): "unknown table",
            text.replace("[node]", "[node]\nduration = -1"): "duration must be seconds > 0",
        }
        for content, message in cases.items():
            bad = tmp_path / "bad.toml"
            bad.write_text(content)
            with pytest.raises(ValueError, match=message):
                LiveSettings.from_file(bad)
        keyed = tmp_path / "keyed.toml"
        keyed.write_text(text.replace("[binance]", '[binance]\napi_secret = "s3cret"'))
        os.chmod(keyed, 0o644)
        with pytest.raises(PermissionError, match="chmod 600") as refused:
            LiveSettings.from_file(keyed)
        assert "s3cret" not in str(refused.value)
        source = tmp_path / "fast.py"
        source.write_text(STRATEGY)
        bad = tmp_path / "bad2.toml"
        bad.write_text(text.replace('mode = "live"', 'mode = "real"'))
        with pytest.raises(SystemExit, match=r"alphaforge live: .*mode must be"):
            main(["live", str(source), "--config", str(bad)])
