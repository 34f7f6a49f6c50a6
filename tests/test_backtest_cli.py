"""``alphaforge demo`` and ``alphaforge backtest``."""

from __future__ import annotations

import argparse
import io
import logging
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from alphaforge.backtest.commands import (
    DEFAULT_FEE,
    load_bars,
    load_strategy_class,
    prepare_backtest,
)
from alphaforge.backtest.commands import run_demo as backtest_demo
from alphaforge.backtest.engine import BacktestEngine
from alphaforge.cli import build_parser, main
from alphaforge.data import DepthGapWarning, load_bybit_depth
from alphaforge.data.notices import MissingVolumeWarning
from alphaforge.samples import (
    BTCUSDT_QUOTES,
    BTCUSDT_TRADES,
    ORCL_CSV,
    btcusdt_quotes,
    btcusdt_trades,
    orcl,
)


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


TUNED = """
import alphaforge as af


class Tuned(af.Strategy):
    class Params:
        symbol: str = "X"
        fast: int = 10
        slow: int = 30
        size: float = 100

    def __init__(self, **params):
        super().__init__(**params)
        self.closes = []

    def on_start(self):
        self.subscribe_bars(self.params.symbol)

    def on_bar(self, bar):
        p = self.params
        self.closes.append(bar.close)
        if len(self.closes) <= p.slow:
            return
        above = sum(self.closes[-p.fast:]) / p.fast > sum(self.closes[-p.slow:]) / p.slow
        held = self.position(p.symbol)
        if above and held == 0:
            self.buy(p.symbol, p.size)
            self.log.info("bought %s", p.size)
        elif not above and held > 0:
            self.sell(p.symbol, held)
            self.log.warning("sold %s", held)


class Other(af.Strategy):
    pass
"""


def final_equity(out: str) -> float:
    found = re.search(r"final equity ([\d,.]+)", out)
    assert found, out[-2000:]
    return float(found.group(1).replace(",", ""))


def reference_equity(source: Path, **params: Any) -> float:
    """The file's Tuned run in Python on the ORCL bars, rounded as the CLI prints it."""
    cls = load_strategy_class(source, "Tuned")
    engine = BacktestEngine(cash=100_000.0, fees=DEFAULT_FEE)
    engine.add_bars("ORCL", orcl())
    engine.add_strategy(cls(symbol="ORCL", **params))
    return round(engine.run().final_equity, 2)


def test_backtest_reads_params_and_picks_the_strategy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "tuned.py"
    source.write_text(TUNED)
    base = ["backtest", str(source), "--data", str(ORCL_CSV), "--symbol", "ORCL"]
    base += ["--out", str(tmp_path)]
    with pytest.raises(SystemExit, match=r"found \['Tuned', 'Other'\]: choose one with --strategy"):
        main(base)
    args = [*base, "--strategy", "Tuned", "--param", "fast=20", "--param", "slow=50"]
    assert main(args) == 0
    captured = capsys.readouterr()
    tuned = reference_equity(source, fast=20, slow=50)
    assert final_equity(captured.out) == tuned
    assert tuned != reference_equity(source)  # the parameters changed the run
    for bad, message in (
        (["--param", "fast=abc"], "Tuned parameter 'fast' must be an int, got 'abc'"),
        (["--param", "fats=3"], "Tuned takes no parameter 'fats'; it takes ['fast', 'slow'"),
        (["--param", "symbol=MSFT"], "the symbol comes from --symbol, not --param"),
    ):
        with pytest.raises(SystemExit) as stopped:
            main([*base, "--strategy", "Tuned", *bad])
        assert str(stopped.value).startswith(f"alphaforge backtest: {message}")
    with pytest.raises(SystemExit, match="defines no Strategy subclass 'Nope'"):
        main([*base, "--strategy", "Nope"])
    with pytest.raises(SystemExit):  # argparse: not NAME=VALUE
        main([*base, "--param", "fast"])


def test_strategy_logs_show_with_the_event_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in a program that configured no logging: pytest's capture handlers off the root.
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.delenv("ALPHAFORGE_LOG_LEVEL", raising=False)
    source = tmp_path / "tuned.py"
    source.write_text(TUNED)
    args = ["backtest", str(source), "--strategy", "Tuned", "--data", str(ORCL_CSV)]
    args += ["--symbol", "ORCL", "--out", str(tmp_path)]
    assert main(args) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "Tuned: " in line]
    assert lines, err[-2000:]
    # The first buy: bar 31 of the file (30 closes to fill the slow window) or later.
    first = re.search(r"(\d{4}-\d\d-\d\d) 00:00:00\.000 Tuned: bought 100", err)
    assert first, err[-2000:]
    assert first.group(1) >= str(orcl().index[30].date())
    assert "sold" in err
    assert main([*args, "--log-level", "warning"]) == 0
    err = capsys.readouterr().err
    assert "bought" not in err
    assert "sold" in err
    # The handler lives as long as the command: nothing is left on the alphaforge logger.
    assert not logging.getLogger("alphaforge").handlers


def ticks_cli(tmp_path: Path, *extra: str) -> argparse.Namespace:
    source = tmp_path / "ticks.py"
    source.write_text(
        "import alphaforge as af\n"
        "class Ticks(af.Strategy):\n"
        "    def __init__(self, symbol):\n"
        "        super().__init__()\n"
        "        self.symbol, self.bars = symbol, 0\n"
        "    def on_start(self):\n"
        "        self.subscribe_bars(self.symbol, '5s')\n"
        "    def on_bar(self, bar):\n"
        "        self.bars += 1\n"
        "        if self.bars in (1, 4):\n"
        "            self.buy(self.symbol, 0.01)\n"
        "        elif self.bars in (2, 6):\n"
        "            self.sell(self.symbol, 0.01)\n"
    )
    args = ["backtest", str(source), "--trades", str(BTCUSDT_TRADES), "--quotes"]
    args += [str(BTCUSDT_QUOTES), "--symbol", "BTCUSDT", "--tick-size", "0.01"]
    return build_parser().parse_args([*args, *extra])


def test_fees_slippage_and_equity_interval_reach_the_engine(tmp_path: Path) -> None:
    extra = ["--fees", "0.0002,0.0004", "--slippage", "0.02", "--slippage-bps", "1"]
    extra += ["--equity-interval", "10s", "--lot-size", "0.00001"]
    engine, strategy = prepare_backtest(ticks_cli(tmp_path, *extra))
    result = engine.run()
    reference = BacktestEngine(
        fees=(0.0002, 0.0004), slippage_price=0.02, slippage_bps=1.0, equity_interval="10s"
    )
    reference.add_instrument("BTCUSDT", 0.01, 0.00001)
    reference.add_trades("BTCUSDT", btcusdt_trades())
    reference.add_quotes("BTCUSDT", btcusdt_quotes())
    reference.add_strategy(type(strategy)("BTCUSDT"))
    want = reference.run()
    assert len(result.fills) == 4
    assert result.fills["price"].tolist() == want.fills["price"].tolist()
    assert result.fills["fee"].tolist() == pytest.approx(want.fills["fee"].tolist())
    assert result.final_equity == pytest.approx(want.final_equity)
    steps = pd.Series(result.equity.index).diff().dropna()
    assert (steps >= pd.Timedelta("10s")).all()
    assert (result.equity.index.second % 10 == 0).all()
    # Without slippage the same orders fill at better prices.
    plain, _ = prepare_backtest(ticks_cli(tmp_path, "--lot-size", "0.00001"))
    fills = plain.run().fills
    signs = np.where(fills["side"] == "BUY", 1.0, -1.0)
    assert ((result.fills["price"] - fills["price"]) * signs > 0.02).all()


def test_a_quotes_only_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "mids.py"
    source.write_text(
        "import alphaforge as af\n"
        "class Mids(af.Strategy):\n"
        "    def __init__(self, symbol):\n"
        "        super().__init__()\n"
        "        self.symbol, self.quotes = symbol, 0\n"
        "    def on_start(self):\n"
        "        self.subscribe_quotes(self.symbol)\n"
        "    def on_quote(self, quote):\n"
        "        self.quotes += 1\n"
        "        if self.quotes == 10:\n"
        "            self.order_target_percent(self.symbol, 0.5)\n"
    )
    args = ["backtest", str(source), "--quotes", str(BTCUSDT_QUOTES), "--symbol", "BTCUSDT"]
    engine, _ = prepare_backtest(build_parser().parse_args(args))
    result = engine.run()
    quotes = btcusdt_quotes()
    mid = (quotes["bid"].iloc[9] + quotes["ask"].iloc[9]) / 2
    assert result.fills["qty"].tolist() == pytest.approx(
        [math.floor(50_000.0 / mid * 1e8) / 1e8], abs=1e-12
    )
    assert main([*args, "--out", str(tmp_path)]) == 0
    assert final_equity(capsys.readouterr().out) == pytest.approx(result.final_equity, abs=0.01)


def test_time_column_tz_and_sep(tmp_path: Path) -> None:
    local = pd.date_range("2024-03-08 09:30", periods=4, freq="1min")
    frame = pd.DataFrame(
        {
            "when": local.strftime("%Y-%m-%d %H:%M"),
            "created": ["x"] * 4,  # another column named like a time: --time-column decides
            "Open": [10.0, 11, 12, 13], "High": [11.0, 12, 13, 14],
            "Low": [9.0, 10, 11, 12], "Close": [10.5, 11.5, 12.5, 13.5], "Volume": [5] * 4,
        }
    )  # fmt: skip
    path = tmp_path / "bars.txt"
    frame.to_csv(path, sep=";", index=False)
    bars = load_bars(path, time_column="when", tz="America/New_York", sep=";")
    want = local.tz_localize("America/New_York").tz_convert("UTC")
    assert bars.index.equals(pd.DatetimeIndex(want).as_unit("ns"))
    assert bars["close"].tolist() == [10.5, 11.5, 12.5, 13.5]
    tabs = tmp_path / "bars.tsv"
    frame.drop(columns="created").to_csv(tabs, sep="\t", index=False)
    assert load_bars(tabs, sep="\\t", time_column="when").index[0] == pd.Timestamp(
        "2024-03-08 09:30", tz="UTC"
    )
    source = tmp_path / "s.py"
    source.write_text("import alphaforge as af\nclass S(af.Strategy):\n    pass\n")
    args = ["backtest", str(source), "--data", str(path), "--symbol", "X", "--sep", ";"]
    engine, _ = prepare_backtest(
        build_parser().parse_args([*args, "--time-column", "when", "--tz", "America/New_York"])
    )
    assert engine.run().equity.index[0] == want[0]


def test_bad_data_and_options_stop_with_one_line(tmp_path: Path) -> None:
    source = tmp_path / "s.py"
    source.write_text("import alphaforge as af\nclass S(af.Strategy):\n    pass\n")
    good = pd.read_csv(ORCL_CSV).head(20)
    broken = good.copy()
    broken["Close"] = broken["Close"].astype(object)
    broken.loc[3, "Close"] = "n/a?"
    bad_row = tmp_path / "bad_row.csv"
    broken.to_csv(bad_row, index=False)
    back = good.copy()
    back.loc[5, "Date"] = "1994-01-01"
    backwards = tmp_path / "backwards.csv"
    back.to_csv(backwards, index=False)
    no_close = tmp_path / "no_close.csv"
    good.drop(columns="Close").to_csv(no_close, index=False)
    base = ["backtest", str(source), "--symbol", "ORCL"]
    cases = {
        (f"--data={bad_row}",): r"bad_row\.csv: close\[3\] = 'n/a\?': not a number",
        (f"--data={backwards}",): (
            r"backwards\.csv: ts_ns\[5\] = 757382400000000000 = 1994-01-01T00:00:00\+00:00: "
            r"earlier than row 4 \(\d+ = \d{4}-\d\d-\d\dT00:00:00\+00:00\)"
        ),
        (f"--data={no_close}",): r"no_close\.csv: missing column 'close'",
        (f"--data={ORCL_CSV}", "--time-column", "when"): r"column 'when' named in columns=",
        (f"--data={tmp_path / 'none.csv'}",): r"none\.csv",
        (): r"give the data: --data \(bars\), or --trades, --quotes and/or --book",
        (f"--data={ORCL_CSV}", f"--quotes={BTCUSDT_QUOTES}"): r"--quotes goes with --trades",
        (f"--data={ORCL_CSV}", "--equity-interval", "1h"): r"--equity-interval is for tick",
        (f"--data={ORCL_CSV}", "--slippage-bps", "20000"): r"slippage_bps",
        (f"--data={ORCL_CSV}", "--sep", "ab"): r"--sep must be one character",
        (f"--trades={BTCUSDT_TRADES}", "--equity-interval", "100tick"): r"equity_interval",
        (
            f"--trades={BTCUSDT_TRADES}",
            "--equity-interval",
            "5 apples",
        ): r"--equity-interval: .*apples",
    }
    for extra, message in cases.items():
        with pytest.raises(SystemExit) as stopped:
            prepare_backtest(build_parser().parse_args([*base, *extra]))
        text = str(stopped.value)
        assert text.startswith("alphaforge backtest: "), text
        assert "\n" not in text
        assert re.search(message, text), (message, text)
    with pytest.raises(SystemExit):  # argparse refuses it before anything runs
        build_parser().parse_args([*base, f"--data={ORCL_CSV}", "--fees", "0.1,0.2,0.3"])
    assert build_parser().parse_args([*base, "--fees", "0.1,0.2"]).fees == (0.1, 0.2)


def test_the_command_and_the_demo_charge_the_same_default_fee(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "demo_strategy.py"
    source.write_text(
        "from alphaforge.backtest.sma_cross import SmaCross as _Base\n"
        "class Demo(_Base):\n"
        "    def __init__(self, symbol):\n"
        "        super().__init__(symbol, fast=10, slow=30, size=1000)\n"
    )
    args = ["backtest", str(source), "--data", str(ORCL_CSV), "--symbol", "ORCL"]
    assert main([*args, "--out", str(tmp_path / "cli")]) == 0
    cli = final_equity(capsys.readouterr().out)
    demo_out = io.StringIO()
    demo_args = argparse.Namespace(out=tmp_path / "demo")
    backtest_demo(demo_args, Console(file=demo_out, width=200))
    assert cli == final_equity(demo_out.getvalue())
    # And a fee it is: without one the same run ends elsewhere.
    assert main([*args, "--fees", "0", "--out", str(tmp_path / "free")]) == 0
    assert final_equity(capsys.readouterr().out) > cli


ONE_BUY = (
    "import alphaforge as af\n"
    "class OneBuy(af.Strategy):\n"
    "    def __init__(self, symbol):\n"
    "        super().__init__()\n"
    "        self.symbol = symbol\n"
    "    def on_start(self):\n"
    "        self.subscribe_bars(self.symbol)\n"
    "    def on_bar(self, bar):\n"
    "        if self.position(self.symbol) == 0:\n"
    "            self.buy(self.symbol, 1)\n"
)


def test_bar_files_of_every_shape_run_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Header-less Binance klines (ms, unit inferred), a datetime or open_time column, a
    semicolon file: each run through the command gives the run of the same bars added in
    Python; a file without volume runs as bars of volume 0, with a warning saying so."""
    source = tmp_path / "one_buy.py"
    source.write_text(ONE_BUY)
    times = pd.date_range("2024-05-01", periods=6, freq="1h", tz="UTC")
    close = [100.0, 101.0, 103.0, 102.0, 104.0, 107.0]
    ohlc = {"open": close, "high": [c + 1 for c in close], "low": [c - 1 for c in close]}
    ohlc["close"] = close
    ms = (times.asi8 // 1_000_000).tolist()
    klines = pd.DataFrame({"open_time": ms, **ohlc, "volume": [3.0] * 6})
    klines["close_time"] = [t + 3_599_999 for t in ms]
    for extra in ("quote_volume", "trades", "taker_base", "taker_quote", "ignore"):
        klines[extra] = 0
    files = {
        "klines.csv": (klines, {"header": False}),
        "open_time.csv": (klines.iloc[:, :6], {}),
        "datetime.csv": (
            pd.DataFrame({"datetime": times.strftime("%Y-%m-%d %H:%M:%S"), **ohlc, "volume": 3.0}),
            {},
        ),
        "semicolon.csv": (
            pd.DataFrame({"datetime": times.strftime("%Y-%m-%dT%H:%M:%SZ"), **ohlc, "volume": 3}),
            {"sep": ";"},
        ),
    }
    reference = BacktestEngine(cash=100_000.0, fees=DEFAULT_FEE)
    reference.add_bars("X", pd.DataFrame({**ohlc, "volume": 3.0}, index=times))
    reference.add_strategy(load_strategy_class(source)("X"))
    want = round(reference.run().final_equity, 2)
    for name, (frame, options) in files.items():
        path = tmp_path / name
        frame.to_csv(path, index=False, **options)
        args = ["backtest", str(source), "--data", str(path), "--symbol", "X"]
        args += ["--out", str(tmp_path / "out")]
        if "sep" in options:
            args += ["--sep", options["sep"]]
        assert main(args) == 0, name
        assert final_equity(capsys.readouterr().out) == want, name
    engine, _ = prepare_backtest(
        build_parser().parse_args(["backtest", str(source), "--symbol", "X", "--data",
                                   str(tmp_path / "klines.csv")])
    )  # fmt: skip
    assert engine.run().equity.index[0] == times[0]
    no_volume = tmp_path / "no_volume.csv"
    pd.DataFrame({"datetime": times, **ohlc}).to_csv(no_volume, index=False)
    args = ["backtest", str(source), "--data", str(no_volume), "--symbol", "X"]
    with pytest.warns(MissingVolumeWarning, match="volume taken as 0"):
        assert main([*args, "--out", str(tmp_path / "no_volume")]) == 0
    without = BacktestEngine(cash=100_000.0, fees=DEFAULT_FEE)
    without.add_bars("X", pd.DataFrame({**ohlc, "volume": 0.0}, index=times))
    without.add_strategy(load_strategy_class(source)("X"))
    assert final_equity(capsys.readouterr().out) == round(without.run().final_equity, 2)


BOOK_STRATEGY = (
    "import alphaforge as af\n"
    "class Taker(af.Strategy):\n"
    "    def __init__(self, symbol):\n"
    "        super().__init__()\n"
    "        self.symbol, self.books = symbol, 0\n"
    "    def on_start(self):\n"
    "        self.subscribe_book(self.symbol, depth=3)\n"
    "    def on_book(self, book):\n"
    "        self.books += 1\n"
    "        if self.books == 5:\n"
    "            self.buy(self.symbol, 100.0)\n"
)
BYBIT_BOOK = Path(__file__).parent / "data" / "bybit-xrpusdt-ob500.data.zip"
BINANCE_BOOK = [
    Path(__file__).parent / "data" / f"btcusdt-depth-{p}.csv" for p in ("snap", "update")
]


def book_cli(tmp_path: Path, *extra: str) -> list[str]:
    source = tmp_path / "taker.py"
    source.write_text(BOOK_STRATEGY)
    return ["backtest", str(source), "--symbol", "XRPUSDT", "--tick-size", "0.0001",
            "--lot-size", "1", "--fees", "0.0002,0.0005", *extra]  # fmt: skip


def test_a_book_run_from_each_depth_file_form(tmp_path: Path) -> None:
    # The Bybit capture, then the same rows as the canonical frame in Parquet and in CSV:
    # one market buy of 100 walks the book at the fifth message, the same way each time.
    frame = load_bybit_depth(BYBIT_BOOK)
    frame.to_parquet(tmp_path / "book.parquet")
    frame.to_csv(tmp_path / "book.csv", index=False)
    runs = []
    for path in (BYBIT_BOOK, tmp_path / "book.parquet", tmp_path / "book.csv"):
        args = book_cli(tmp_path, "--book", str(path), "--queue-model", "log", "--latency", "0.001")
        engine, _ = prepare_backtest(build_parser().parse_args(args))
        result = engine.run()
        runs.append(result.fills[["qty", "price", "liquidity"]].values.tolist())
        assert result.settings is not None
        assert result.settings.queue_model == "log"
    assert runs[0] == runs[1] == runs[2]
    assert sum(qty for qty, _, _ in runs[0]) == 100.0
    assert {liquidity for _, _, liquidity in runs[0]} == {"TAKER"}


def prepared(tmp_path: Path, *extra: str) -> None:
    prepare_backtest(build_parser().parse_args(book_cli(tmp_path, *extra)))


def test_book_options_are_checked_in_one_line(tmp_path: Path) -> None:
    binance = ["--book", *map(str, BINANCE_BOOK)]
    with pytest.raises(SystemExit, match=r"prev_update_id\[100\] = 2098041693400: a gap"):
        prepared(tmp_path, *binance)
    with pytest.warns(DepthGapWarning):
        prepared(tmp_path, *binance, "--bridge-gaps")
    bybit = ["--book", str(BYBIT_BOOK)]
    with pytest.raises(SystemExit, match=r"feed_latency .* must not exceed the response latency"):
        prepared(tmp_path, *bybit, "--feed-latency", "0.01")
    with pytest.raises(SystemExit, match="not with bars"):
        prepared(tmp_path, *bybit, "--data", str(tmp_path / "x.csv"))
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(SystemExit, match=r"other\.csv: a CSV neither of Binance depth"):
        prepared(tmp_path, "--book", str(tmp_path / "other.csv"))
