"""How a strategy class reaches worker processes, and how one is constructed from parameters."""

from __future__ import annotations

import hashlib
import inspect
import pickle
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alphaforge import parameters
from alphaforge.strategy import Strategy

# Classes rebuilt from source in this process, by (source hash, class name).
_FROM_SOURCE: dict[tuple[str, str], type[Strategy]] = {}


@dataclass(frozen=True)
class StrategyRef:
    """A Strategy subclass by reference (importable by name) or by its module's source text.

    Classes loaded from a file that is not importable by module name (``alphaforge optimize
    my_strategy.py``) travel as the file's text and are rebuilt once per worker process.
    """

    cls: type[Strategy] | None
    source: str | None = None
    filename: str = ""
    name: str = ""

    @classmethod
    def of(cls, strategy: type[Strategy]) -> StrategyRef:
        """The reference that brings `strategy` to another process."""
        if not (inspect.isclass(strategy) and issubclass(strategy, Strategy)):
            raise TypeError(f"strategy must be a Strategy subclass, got {strategy!r}")
        if _importable(strategy):
            return cls(strategy)
        path = _source_file(strategy)
        if path is None or not Path(path).is_file():
            raise ValueError(
                f"{strategy.__qualname__} is defined interactively and cannot reach worker "
                "processes: define it in a module or a .py file, or use backend='sequential'"
            )
        return cls(None, Path(path).read_text(), path, strategy.__qualname__)

    def resolve(self) -> type[Strategy]:
        """The class itself, rebuilt from source at most once per process."""
        if self.cls is not None:
            return self.cls
        assert self.source is not None
        key = (hashlib.sha256(self.source.encode()).hexdigest(), self.name)
        if key not in _FROM_SOURCE:
            module = types.ModuleType(f"alphaforge_strategy_{key[0][:16]}")
            module.__file__ = self.filename
            # Registered before it runs, as an import would, so dataclasses and pickling work.
            sys.modules[module.__name__] = module
            exec(compile(self.source, self.filename, "exec"), module.__dict__)
            found = module.__dict__.get(self.name)
            if not (inspect.isclass(found) and issubclass(found, Strategy)):
                raise ValueError(f"{self.filename} no longer defines Strategy {self.name!r}")
            _FROM_SOURCE[key] = found
        return _FROM_SOURCE[key]


def _importable(strategy: type) -> bool:
    """Whether pickle finds the class again by module and name, as another process would."""
    module = sys.modules.get(strategy.__module__)
    if module is None or (strategy.__module__ == "__main__" and not hasattr(module, "__file__")):
        return False
    try:
        return pickle.loads(pickle.dumps(strategy)) is strategy
    except (pickle.PicklingError, AttributeError, TypeError):
        return False


def _source_file(strategy: type) -> str | None:
    """The file defining `strategy`, also when its module was loaded from a path and never
    registered in sys.modules (its methods' code still names the file)."""
    module = sys.modules.get(strategy.__module__)
    path = getattr(module, "__file__", None)
    if isinstance(path, str):
        return path
    for value in vars(strategy).values():
        code = getattr(value, "__code__", None)
        if code is not None:
            return str(code.co_filename)
    return None


def construct_strategy(cls: type[Strategy], symbol: str, params: dict[str, Any]) -> Strategy:
    """The one place a swept strategy is built: ``cls(symbol=symbol, **params)``, or
    ``cls(**params)`` when it takes no `symbol` (an argument or a declared parameter)."""
    if parameters.takes_symbol(cls):
        return cls(symbol=symbol, **params)
    return cls(**params)


def check_parameters(cls: type[Strategy], space: dict[str, tuple[Any, ...]]) -> None:
    """Refuse parameter names the constructor does not take, and values of the wrong type
    for the parameters a Params class declares, before any backtest runs."""
    if parameters.open_ended(cls):
        return
    accepted = parameters.accepted(cls)
    unknown = [n for n in space if n not in accepted]
    if unknown:
        takes = [n for n in accepted if n != "symbol"]
        raise ValueError(f"{cls.__name__} takes no parameter {unknown[0]!r}; it takes {takes}")
    declared = parameters.declared(cls)
    for name, values in space.items():
        if name in declared:
            for value in values:
                parameters.convert(cls.__name__, declared[name], value)
