"""How the parameter sets of a sweep are chosen: the whole grid, a random draw, or Optuna."""

from __future__ import annotations

import math
from typing import Any, Literal, Protocol

from alphaforge.optimize.space import Params, ParamSpace

SearchName = Literal["grid", "random", "optuna"]
# Metrics a sweep can rank by, and whether more is better.
DIRECTIONS: dict[str, bool] = {
    "sharpe": True,
    "sortino": True,
    "total_return": True,
    "cagr": True,
    "final_equity": True,
    "profit_factor": True,
    "win_rate": True,
    "exposure": True,
    "trades": True,
    "volatility": False,
    "max_drawdown": False,
    "total_fees": False,
    "turnover": False,
}


class Search(Protocol):
    """Hands out parameter sets in batches and hears back how each one scored."""

    def next_batch(self) -> list[Params]:
        """The next parameter sets to run; empty when the search is over."""
        ...

    def tell(self, params: Params, value: float) -> None:
        """The metric of a parameter set of the last batch (NaN when it failed)."""
        ...


class FixedSearch:
    """Grid and random search: every parameter set is known up front, in one batch."""

    def __init__(self, candidates: list[Params]) -> None:
        self._pending = candidates

    def next_batch(self) -> list[Params]:
        """All of them, the first time."""
        batch, self._pending = self._pending, []
        return batch

    def tell(self, params: Params, value: float) -> None:
        """Nothing to learn."""


class OptunaSearch:
    """Optuna's TPE sampler, asked a fixed-size batch at a time so that the trials it proposes
    depend on the seed and the results only, never on the backend or the order tasks finish."""

    def __init__(
        self, space: ParamSpace, n_trials: int, seed: int | None, maximize: bool, batch_size: int
    ) -> None:
        try:
            import optuna
        except ImportError as missing:
            raise ImportError('search="optuna" needs Optuna: pip install optuna') from missing
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._optuna = optuna
        self._space = space
        self._n_trials = n_trials
        self._batch_size = batch_size
        self._study = optuna.create_study(
            direction="maximize" if maximize else "minimize",
            sampler=optuna.samplers.TPESampler(seed=seed),
        )
        self._values: dict[tuple[str, ...], float] = {}
        self._waiting: dict[tuple[str, ...], list[Any]] = {}
        self._proposed = 0

    def next_batch(self) -> list[Params]:
        """Up to batch_size new parameter sets the constraint accepts."""
        batch: list[Params] = []
        # A small space runs out of new sets long before the sampler stops proposing old ones.
        for _ in range(50 * self._batch_size):
            if self._proposed >= self._n_trials or len(batch) == self._batch_size:
                break
            trial = self._study.ask()
            params = {name: self._suggest(trial, name) for name in self._space.names}
            if not self._space.allows(params):
                self._study.tell(trial, state=self._optuna.trial.TrialState.PRUNED)
                continue
            key = _key(params)
            if key in self._values:
                self._finish(trial, self._values[key])
                continue
            if key not in self._waiting:
                batch.append(params)
                self._proposed += 1
            self._waiting.setdefault(key, []).append(trial)
        return batch

    def tell(self, params: Params, value: float) -> None:
        """Report the value to every trial that proposed these parameters."""
        key = _key(params)
        self._values[key] = value
        for trial in self._waiting.pop(key, []):
            self._finish(trial, value)

    def _finish(self, trial: Any, value: float) -> None:
        if math.isnan(value):
            self._study.tell(trial, state=self._optuna.trial.TrialState.FAIL)
        else:
            self._study.tell(trial, value)

    def _suggest(self, trial: Any, name: str) -> Any:
        values = self._space.values[name]
        if len(values) == 1:
            return values[0]
        span = self._space.ranges.get(name)
        if span is not None and span.step > 0:
            return trial.suggest_int(name, span.start, span[-1], step=span.step)
        return trial.suggest_categorical(name, list(values))


def _key(params: Params) -> tuple[str, ...]:
    return tuple(repr(v) for v in params.values())


def make_search(
    search: SearchName,
    space: ParamSpace,
    *,
    n_trials: int | None,
    seed: int | None,
    maximize: bool,
    batch_size: int,
) -> Search:
    """The named search over `space`."""
    if search == "grid":
        if n_trials is not None:
            raise ValueError("n_trials is for search='random' or 'optuna'; a grid runs every set")
        return FixedSearch(space.grid())
    if n_trials is None:
        raise ValueError(f"search={search!r} needs n_trials")
    if search == "random":
        return FixedSearch(space.sample(n_trials, seed))
    if search == "optuna":
        if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
            raise ValueError(f"n_trials must be a positive int, got {n_trials!r}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        return OptunaSearch(space, n_trials, seed, maximize, batch_size)
    raise ValueError(f"search must be 'grid', 'random' or 'optuna', got {search!r}")
