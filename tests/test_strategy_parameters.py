"""Typed strategy parameters: declaration, checks, CLI text, the optimiser and live.toml."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import alphaforge as af
from alphaforge import parameters
from alphaforge.adapters.binance.config import BinanceConfig
from alphaforge.backtest.commands import load_strategy_class, make_strategy
from alphaforge.live.commands import make_configured_strategy
from alphaforge.live.settings import LiveSettings
from alphaforge.samples import orcl


class Cross(af.Strategy):
    """A moving-average crossover with declared parameters."""

    class Params:
        symbol: str = "ORCL"
        fast: int = 10
        slow: int = 30
        size: float = 100
        note: str | None = None

        def __post_init__(self) -> None:
            if not 0 < self.fast < self.slow:
                raise ValueError(f"need 0 < fast < slow, got fast={self.fast} slow={self.slow}")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.closes: list[float] = []

    def on_start(self) -> None:
        self.subscribe_bars(self.params.symbol)

    def on_bar(self, bar: Any) -> None:
        p, closes = self.params, self.closes
        closes.append(bar.close)
        if len(closes) <= p.slow:
            return
        above = sum(closes[-p.fast :]) / p.fast > sum(closes[-p.slow :]) / p.slow
        held = self.position(p.symbol)
        if above and held == 0:
            self.buy(p.symbol, p.size)
        elif not above and held > 0:
            self.sell(p.symbol, held)


class Plain(af.Strategy):
    """A strategy with plain __init__ arguments, as before Params."""

    def __init__(
        self, symbol: str, fast: int = 5, ratio: float = 0.5, loud: bool = False, tag: Any = None
    ) -> None:
        super().__init__()
        self.symbol, self.fast, self.ratio, self.loud, self.tag = symbol, fast, ratio, loud, tag


class Bare(af.Strategy):
    class Params:
        window: int = 3
        scale: float = 1


def test_params_are_a_frozen_dataclass_with_defaults_converted() -> None:
    strategy = Cross(fast=5, slow=20)
    assert "__dataclass_fields__" in vars(Cross.Params)  # made one with the class
    made: Any = Cross.Params
    assert strategy.params == made(symbol="ORCL", fast=5, slow=20, size=100.0)
    assert strategy.parameters == {
        "symbol": "ORCL", "fast": 5, "slow": 20, "size": 100.0, "note": None
    }  # fmt: skip
    assert isinstance(strategy.parameters["size"], float)  # declared float, default 100
    with pytest.raises(dataclasses.FrozenInstanceError):
        strategy.params.fast = 6
    assert Bare().parameters == {"window": 3, "scale": 1.0}
    assert Bare(scale=2).params.scale == 2.0
    assert Plain("X").parameters == {}  # nothing declared


def test_bad_values_name_the_parameter_and_the_value() -> None:
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"fast": "20"}, TypeError, r"Cross parameter 'fast' must be an int, got '20' \(str\)"),
        ({"fast": 2.5}, TypeError, r"'fast' must be an int, got 2\.5 \(float\)"),
        ({"fast": True}, TypeError, r"'fast' must be an int, got True \(bool\)"),
        ({"size": "big"}, TypeError, r"'size' must be a float, got 'big'"),
        ({"note": 3}, TypeError, r"'note' must be a str or None, got 3"),
        ({"fats": 3}, ValueError, r"Cross has no parameter 'fats'; it takes \['symbol', 'fast'"),
        ({"fast": 40}, ValueError, r"need 0 < fast < slow, got fast=40 slow=30"),
    ]
    for values, error, message in cases:
        with pytest.raises(error, match=message):
            Cross(**values)

    class Needs(af.Strategy):
        class Params:
            period: int

    with pytest.raises(ValueError, match="Needs needs a value for parameter 'period'"):
        Needs()
    assert Needs(period=4).params.period == 4

    class Plain2(af.Strategy):
        pass

    with pytest.raises(TypeError, match="Plain2 takes no parameter 'fast'"):
        Plain2(fast=3)


def test_bad_declarations_fail_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match=r"A\.Params\.fast has no annotation; declare it as fast"):

        class A(af.Strategy):
            class Params:
                fast = 10

    with pytest.raises(TypeError, match=r"B\.Params\.levels: list\[int\] is not a supported"):

        class B(af.Strategy):
            class Params:
                levels: list[int] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match=r"C\.Params\.name: 'name' is an argument of Strategy"):

        class C(af.Strategy):
            class Params:
                name: str = "x"

    with pytest.raises(TypeError, match=r"'fast' must be an int, got 'ten'"):

        class D(af.Strategy):
            class Params:
                fast: int = "ten"  # type: ignore[assignment]

    with pytest.raises(TypeError, match=r"E\.Params must be a frozen dataclass"):

        class E(af.Strategy):
            @dataclasses.dataclass
            class Params:
                fast: int = 1


def test_params_are_inherited_and_extended() -> None:
    class Slower(Cross):
        class Params(Cross.Params):
            stop: float = 0.05

    strategy = Slower(slow=50, stop=0.1)
    assert strategy.parameters["slow"] == 50
    assert strategy.parameters["stop"] == 0.1
    assert list(parameters.declared(Slower)) == ["symbol", "fast", "slow", "size", "note", "stop"]
    assert parameters.declared(Cross)["fast"].default == 10


def test_cli_text_is_read_as_the_declared_or_annotated_type() -> None:
    assert parameters.parse(Cross, "fast", "20") == 20
    assert parameters.parse(Cross, "size", "2.5") == 2.5
    assert parameters.parse(Cross, "note", "none") is None
    assert parameters.parse(Cross, "note", "hello") == "hello"
    assert [parameters.parse(Plain, "loud", t) for t in ("yes", "False", "1", "off")] == [
        True, False, True, False,
    ]  # fmt: skip
    assert parameters.parse(Plain, "ratio", "1") == 1.0
    assert parameters.parse(Plain, "tag", "7") == 7  # untyped: a number when it reads as one
    assert parameters.parse(Plain, "tag", "abc") == "abc"
    with pytest.raises(ValueError, match=r"Cross parameter 'fast' must be an int, got '2\.5'"):
        parameters.parse(Cross, "fast", "2.5")
    with pytest.raises(ValueError, match="Plain parameter 'loud' must be a bool, got 'maybe'"):
        parameters.parse(Plain, "loud", "maybe")
    with pytest.raises(ValueError, match=r"Plain takes no parameter 'slow'; it takes \['fast'"):
        parameters.parse(Plain, "slow", "3")
    assert parameters.takes_symbol(Cross)
    assert parameters.takes_symbol(Plain)
    assert not parameters.takes_symbol(Bare)


def test_make_strategy_from_a_file_with_future_annotations(tmp_path: Path) -> None:
    source = tmp_path / "typed.py"
    source.write_text(
        "from __future__ import annotations\n"
        "import alphaforge as af\n"
        "class Typed(af.Strategy):\n"
        "    class Params:\n"
        "        symbol: str = 'X'\n"
        "        fast: int = 10\n"
        "        live: bool = False\n"
        "        stop: float | None = None\n"
    )
    cls = load_strategy_class(source)
    strategy = make_strategy(cls, "ORCL", {"fast": "20", "live": "true", "stop": "0.5"})
    assert strategy.parameters == {"symbol": "ORCL", "fast": 20, "live": True, "stop": 0.5}
    with pytest.raises(ValueError, match="the symbol comes from --symbol"):
        make_strategy(cls, "ORCL", {"symbol": "MSFT"})
    with pytest.raises(ValueError, match="Typed parameter 'fast' must be an int, got 'x'"):
        make_strategy(cls, "ORCL", {"fast": "x"})


def test_the_optimiser_reads_declared_parameters() -> None:
    bars = orcl().iloc[:600]
    sweep = af.optimize(
        Cross, bars, "ORCL", {"fast": [5, 10], "slow": 30}, backend="sequential", metric="sharpe"
    )
    by_fast = sweep.results.set_index("fast")
    for fast in (5, 10):
        engine = af.BacktestEngine()
        engine.add_bars("ORCL", bars)
        engine.add_strategy(Cross(fast=fast, slow=30))
        want = engine.run().metrics.as_dict()
        assert by_fast.loc[fast, "total_return"] == pytest.approx(want["total_return"])
        assert by_fast.loc[fast, "trades"] == want["trades"]
    assert by_fast.loc[5, "trades"] != by_fast.loc[10, "trades"]  # the values reached it
    with pytest.raises(ValueError, match=r"Cross takes no parameter 'fats'"):
        af.optimize(Cross, bars, "ORCL", {"fats": [5, 10]}, backend="sequential")
    with pytest.raises(TypeError, match=r"Cross parameter 'fast' must be an int, got 5\.5"):
        af.optimize(Cross, bars, "ORCL", {"fast": [5, 5.5]}, backend="sequential")


def test_live_settings_build_a_declared_strategy() -> None:
    venue = BinanceConfig(symbols=("BTCUSDT",))
    built = make_configured_strategy(Cross, LiveSettings(venue, strategy={"fast": 3}))
    assert built.parameters["symbol"] == "BTCUSDT"  # the venue's first symbol
    assert built.parameters["fast"] == 3
    with pytest.raises(ValueError, match=r"\[strategy\] settings do not fit Cross: .*'fast'"):
        make_configured_strategy(Cross, LiveSettings(venue, strategy={"fast": 2.5}))
    plain = make_configured_strategy(Plain, LiveSettings(venue, strategy={"fast": 3}))
    assert isinstance(plain, Plain)
    assert (plain.symbol, plain.fast) == ("BTCUSDT", 3)
