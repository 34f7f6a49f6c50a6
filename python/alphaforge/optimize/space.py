"""Parameter spaces: each name maps to the values it may take; grid order and random draws."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

Params = dict[str, Any]
Constraint = Callable[[Params], bool]
# Past this many combinations a random search draws indices instead of listing the grid.
_LISTED_GRID = 200_000


class ParamSpace:
    """Named value lists; a scalar is a fixed value. Grid order varies the last name fastest."""

    def __init__(self, params: Mapping[str, Any], constraint: Constraint | None = None) -> None:
        if not isinstance(params, Mapping) or not params:
            raise ValueError(
                f"params must be a non-empty mapping of names to values, got {params!r}"
            )
        if constraint is not None and not callable(constraint):
            raise TypeError(f"constraint must be callable, got {type(constraint).__name__}")
        self.values: dict[str, tuple[Any, ...]] = {}
        for name, values in params.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"params: a name must be a Python identifier, got {name!r}")
            if name == "symbol":
                raise ValueError("params: 'symbol' is given by the symbol argument, not swept")
            self.values[name] = _value_list(name, values)
        self.constraint = constraint
        self.ranges = {n: v for n, v in params.items() if isinstance(v, range)}

    @property
    def names(self) -> list[str]:
        """The parameter names in the order given."""
        return list(self.values)

    @property
    def varying(self) -> list[str]:
        """The names that take more than one value."""
        return [n for n, v in self.values.items() if len(v) > 1]

    @property
    def size(self) -> int:
        """Combinations before the constraint."""
        return math.prod(len(v) for v in self.values.values())

    def allows(self, params: Params) -> bool:
        """Whether the constraint (if any) accepts `params`."""
        if self.constraint is None:
            return True
        try:
            return bool(self.constraint(dict(params)))
        except Exception as error:
            raise ValueError(f"constraint raised on {params}: {error!r}") from error

    def grid(self) -> list[Params]:
        """Every combination the constraint accepts, in grid order."""
        found = [p for p in self._combinations() if self.allows(p)]
        if not found:
            raise ValueError(f"none of the {self.size} parameter sets passes the constraint")
        return found

    def sample(self, n_trials: int, seed: int | None) -> list[Params]:
        """Up to `n_trials` distinct combinations the constraint accepts, drawn uniformly."""
        if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
            raise ValueError(f"n_trials must be a positive int, got {n_trials!r}")
        rng = np.random.default_rng(seed)
        if self.size <= _LISTED_GRID:
            grid = self.grid()
            picks = rng.choice(len(grid), size=min(n_trials, len(grid)), replace=False)
            return [grid[int(i)] for i in picks]
        found: list[Params] = []
        seen: set[int] = set()
        # A sparse constraint on a huge grid could reject forever: bound the draws.
        for _ in range(100 * n_trials):
            index = int(rng.integers(self.size))
            if index in seen:
                continue
            seen.add(index)
            params = self._at(index)
            if self.allows(params):
                found.append(params)
                if len(found) == n_trials:
                    break
        if not found:
            raise ValueError("no drawn parameter set passes the constraint")
        return found

    def _combinations(self) -> Iterator[Params]:
        names = self.names
        for combo in itertools.product(*self.values.values()):
            yield dict(zip(names, combo, strict=True))

    def _at(self, index: int) -> Params:
        params: Params = {}
        for name in reversed(self.names):
            values = self.values[name]
            index, position = divmod(index, len(values))
            params[name] = values[position]
        return {name: params[name] for name in self.names}


def _value_list(name: str, values: Any) -> tuple[Any, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        return (plain(values),)
    listed = tuple(plain(v) for v in values)
    if not listed:
        raise ValueError(f"params[{name!r}] has no values")
    if len(set(map(repr, listed))) != len(listed):
        raise ValueError(f"params[{name!r}] repeats a value: {list(listed)}")
    return listed


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds, so strategies and results see int and float."""
    return value.item() if isinstance(value, np.generic) else value
