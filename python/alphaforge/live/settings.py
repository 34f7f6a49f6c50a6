"""The live.toml file of ``alphaforge live``: the node, the venue, risk, paper and strategy tables.

```toml
[node]
mode = "paper"              # or "live"; ``--paper`` on the command line wins
journal = "alphaforge.db"
duration = 3600             # seconds; none runs until Ctrl-C
[binance]                   # BinanceConfig: environment, symbols, keys (file mode 600 only)
environment = "testnet"
symbols = ["BTCUSDT"]
[risk]                      # RiskLimits
max_order_qty = 0.01
[paper]
balances = { USDT = 10000.0 }
fees = [0.001, 0.001]       # maker, taker
latency = 0.0               # seconds
[strategy]                  # keyword arguments of the strategy's constructor
symbol = "BTCUSDT"
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alphaforge._core.execution import RiskLimits
from alphaforge.adapters.binance.config import BinanceConfig

_TABLES = {"node", "binance", "risk", "paper", "strategy"}
_NODE_KEYS = {"mode", "journal", "duration", "cancel_on_stop", "on_error", "client_prefix"}
_PAPER_KEYS = {"balances", "fees", "latency"}


@dataclass(frozen=True)
class LiveSettings:
    """What a live.toml file asks for."""

    venue: BinanceConfig
    mode: str = "paper"
    journal: str | None = None
    duration: float | None = None
    cancel_on_stop: bool = True
    on_error: str = "continue"
    client_prefix: str = "af"
    risk: RiskLimits | None = None
    paper_balances: dict[str, float] | None = None
    paper_fees: tuple[float, float] = (0.001, 0.001)
    paper_latency: float = 0.0
    strategy: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: str | Path) -> LiveSettings:
        """Read and check the file; ValueError naming the table and setting that is wrong."""
        file = Path(path)
        try:
            document = tomllib.loads(file.read_text())
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{file}: not valid TOML ({error})") from None
        unknown = set(document) - _TABLES
        if unknown:
            raise ValueError(
                f"{file}: unknown table(s) {sorted(unknown)}; known: {sorted(_TABLES)}"
            )
        node = _table(document, "node", _NODE_KEYS, file)
        paper = _table(document, "paper", _PAPER_KEYS, file)
        venue = BinanceConfig.from_file(file)
        mode = node.get("mode", "paper")
        if mode not in ("paper", "live"):
            raise ValueError(f"{file}: [node] mode must be 'paper' or 'live', got {mode!r}")
        duration = node.get("duration")
        if duration is not None and (not isinstance(duration, int | float) or duration <= 0):
            raise ValueError(f"{file}: [node] duration must be seconds > 0, got {duration!r}")
        fees = paper.get("fees", (0.001, 0.001))
        if not (isinstance(fees, list | tuple) and len(fees) == 2):
            raise ValueError(f"{file}: [paper] fees must be [maker, taker], got {fees!r}")
        balances = paper.get("balances")
        if balances is not None and not isinstance(balances, dict):
            raise ValueError(f"{file}: [paper] balances must be a table, got {balances!r}")
        return cls(
            venue=venue,
            mode=mode,
            journal=node.get("journal"),
            duration=None if duration is None else float(duration),
            cancel_on_stop=bool(node.get("cancel_on_stop", True)),
            on_error=node.get("on_error", "continue"),
            client_prefix=node.get("client_prefix", "af"),
            risk=_risk(document.get("risk"), file),
            paper_balances=None if balances is None else {k: float(v) for k, v in balances.items()},
            paper_fees=(float(fees[0]), float(fees[1])),
            paper_latency=float(paper.get("latency", 0.0)),
            strategy=dict(document.get("strategy", {})),
        )


def _table(document: dict[str, Any], name: str, keys: set[str], file: Path) -> dict[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise ValueError(f"{file}: [{name}] must be a table")
    unknown = set(table) - keys
    if unknown:
        raise ValueError(f"{file}: unknown setting(s) {sorted(unknown)} in [{name}]")
    return table


def _risk(table: object, file: Path) -> RiskLimits | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ValueError(f"{file}: [risk] must be a table")
    try:
        return RiskLimits(**table)
    except TypeError as error:
        raise ValueError(f"{file}: [risk] {error}") from None
