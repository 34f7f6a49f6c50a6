"""Round-trip trades rebuilt from fills: per (strategy, symbol), from flat to flat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

TRADE_COLUMNS = (
    "strategy",
    "symbol",
    "direction",
    "entry_ts",
    "exit_ts",
    "qty",
    "entry_price",
    "exit_price",
    "gross_pnl",
    "fees",
    "pnl",
    "return_pct",
    "fill_count",
)

# A position is flat when what is left is this small relative to the largest quantity seen:
# quantities are sums of floats, and 0.1 + 0.2 - 0.3 is not 0.
_FLAT_RELATIVE = 1e-9


@dataclass
class _OpenTrade:
    direction: int  # +1 long, -1 short
    entry_ts: Any
    entry_qty: float = 0.0
    entry_notional: float = 0.0
    exit_qty: float = 0.0
    exit_notional: float = 0.0
    fees: float = 0.0
    fill_count: int = 0

    def row(self, strategy: str, symbol: str, exit_ts: Any) -> dict[str, Any]:
        """The closed trade as one row of TRADE_COLUMNS."""
        gross = self.direction * (self.exit_notional - self.entry_notional)
        pnl = gross - self.fees
        return {
            "strategy": strategy,
            "symbol": symbol,
            "direction": "LONG" if self.direction > 0 else "SHORT",
            "entry_ts": self.entry_ts,
            "exit_ts": exit_ts,
            "qty": self.entry_qty,
            "entry_price": self.entry_notional / self.entry_qty,
            "exit_price": self.exit_notional / self.exit_qty,
            "gross_pnl": gross,
            "fees": self.fees,
            "pnl": pnl,
            "return_pct": pnl / self.entry_notional if self.entry_notional else float("nan"),
            "fill_count": self.fill_count,
        }


def round_trips(fills: pd.DataFrame) -> pd.DataFrame:
    """Closed round-trip trades of `fills`, one row each, ordered by exit time.

    A trade opens when the position of a (strategy, symbol) leaves zero and closes when it
    returns to zero; a fill that crosses zero closes the trade with the part that reaches zero
    and opens the next with the rest, its fee split between them in proportion to quantity.
    A position still open after the last fill is not a trade (it has no exit).
    """
    rows: list[dict[str, Any]] = []
    ordered = fills.sort_values("ts", kind="stable")
    for (strategy, symbol), group in ordered.groupby(["strategy", "symbol"], sort=True):
        rows.extend(_trades_of_one_book(str(strategy), str(symbol), group))
    trades = pd.DataFrame(rows, columns=list(TRADE_COLUMNS))
    if len(trades) == 0:
        return _empty_trades(fills)
    return trades.sort_values(["exit_ts", "strategy", "symbol"], kind="stable").reset_index(
        drop=True
    )


def _trades_of_one_book(strategy: str, symbol: str, fills: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    position = 0.0
    largest = 0.0
    trade: _OpenTrade | None = None
    for ts, side, qty, price, fee in zip(
        fills["ts"], fills["side"], fills["qty"], fills["price"], fills["fee"], strict=True
    ):
        qty, price, fee = float(qty), float(price), float(fee)
        sign = 1 if side == "BUY" else -1
        largest = max(largest, abs(position), qty)
        remaining = qty
        if trade is not None and sign != trade.direction:
            closing = min(qty, abs(position))
            share = closing / qty
            trade.exit_qty += closing
            trade.exit_notional += closing * price
            trade.fees += fee * share
            trade.fill_count += 1
            position += sign * closing
            remaining = qty - closing
            if abs(position) <= _FLAT_RELATIVE * largest:
                rows.append(trade.row(strategy, symbol, ts))
                trade, position = None, 0.0
            if remaining <= _FLAT_RELATIVE * largest:
                continue
            fee *= remaining / qty
        if trade is None:
            trade = _OpenTrade(direction=sign, entry_ts=ts)
        trade.entry_qty += remaining
        trade.entry_notional += remaining * price
        trade.fees += fee
        trade.fill_count += 1
        position += sign * remaining
    return rows


def _empty_trades(fills: pd.DataFrame) -> pd.DataFrame:
    ts_dtype = fills["ts"].dtype if len(fills) else "datetime64[ns, UTC]"
    columns: dict[str, pd.Series] = {}
    for name in TRADE_COLUMNS:
        if name in ("entry_ts", "exit_ts"):
            dtype: Any = ts_dtype
        elif name in ("strategy", "symbol", "direction"):
            dtype = object
        elif name == "fill_count":
            dtype = "int64"
        else:
            dtype = "float64"
        columns[name] = pd.Series([], dtype=dtype)
    return pd.DataFrame(columns)
