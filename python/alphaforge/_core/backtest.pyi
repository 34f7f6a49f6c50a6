from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from alphaforge._core.data import BarSpec
from alphaforge._core.execution import Account, Instrument, RiskLimits, SelfTradePrevention
from alphaforge.records import BookView

class Bar:
    @property
    def spec(self) -> str | None: ...
    @property
    def ts(self) -> int: ...
    @property
    def open(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def close(self) -> float: ...
    @property
    def volume(self) -> float: ...
    @property
    def symbol(self) -> str: ...
    def copy(self) -> Bar: ...

class Trade:
    @property
    def ts_ns(self) -> int: ...
    @property
    def price(self) -> float: ...
    @property
    def size(self) -> float: ...
    @property
    def symbol(self) -> str: ...
    def copy(self) -> Trade: ...

class Quote:
    @property
    def ts_ns(self) -> int: ...
    @property
    def bid(self) -> float: ...
    @property
    def ask(self) -> float: ...
    @property
    def bid_size(self) -> float: ...
    @property
    def ask_size(self) -> float: ...
    @property
    def mid(self) -> float: ...
    @property
    def symbol(self) -> str: ...
    def copy(self) -> Quote: ...

class BacktestSettings:
    def __init__(
        self,
        *,
        cash: float,
        maker_fee: float = 0.0,
        taker_fee: float = 0.0,
        slippage_price: float = 0.0,
        slippage_bps: float = 0.0,
        account: str = "cash",
        allow_short: bool = True,
        leverage: float = 1.0,
        maintenance_margin: float = 0.0,
        currency: str = "USD",
        balances: dict[str, float] = ...,
        risk: RiskLimits | None = None,
        self_trade_prevention: SelfTradePrevention = ...,
    ) -> None: ...

# What both replays offer (one C++ ledger behind both; the base exists for typing only).
class _Replay:
    def add_instrument(self, instrument: Instrument) -> None: ...
    def submit(
        self,
        symbol: str,
        strategy: str,
        side: str,
        type: str,
        quantity: float,
        price: float | None = None,
        stop_price: float | None = None,
        time_in_force: str = "GTC",
        reduce_only: bool = False,
    ) -> int: ...
    def submit_contingent(
        self,
        symbol: str,
        strategy: str,
        side: str,
        type: str,
        quantity: float,
        price: float | None = None,
        stop_price: float | None = None,
        time_in_force: str = "GTC",
        reduce_only: bool = False,
        *,
        expire_ns: int = 0,
        trail_amount: float = 0.0,
        trail_percent: float = 0.0,
        oco: int = 0,
    ) -> int: ...
    def submit_bracket(
        self,
        symbol: str,
        strategy: str,
        side: str,
        quantity: float,
        price: float | None,
        stop_loss: float,
        take_profit: float,
        time_in_force: str = "GTC",
    ) -> int: ...
    def bracket_children(self, entry_id: int) -> tuple[int, int]: ...
    def modify(
        self,
        order_id: int,
        price: float | None = None,
        quantity: float | None = None,
        stop_price: float | None = None,
    ) -> None: ...
    def cancel(self, order_id: int) -> bool: ...
    def position(self, symbol: str, strategy: str) -> float: ...
    def last_price(self, symbol: str) -> float | None: ...
    @property
    def now(self) -> int: ...
    def run(
        self,
        on_fill: Callable[[tuple[Any, ...]], Any] | None = None,
        on_order: Callable[[tuple[Any, ...]], Any] | None = None,
    ) -> None: ...
    def fill_columns(self) -> dict[str, Any]: ...
    def order_columns(self) -> dict[str, Any]: ...
    def open_orders(self, strategy: str) -> list[tuple[Any, ...]]: ...
    def order(self, order_id: int) -> tuple[Any, ...]: ...
    def positions(self, strategy: str = "") -> list[tuple[Any, ...]]: ...
    def account(self) -> Account: ...
    def balances(self) -> list[tuple[str, float, float]]: ...
    def equity(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...

class BarBacktest(_Replay):
    def __init__(self, settings: BacktestSettings) -> None: ...
    def add_bars(
        self,
        symbol: str,
        ts: npt.ArrayLike,
        open: npt.ArrayLike,
        high: npt.ArrayLike,
        low: npt.ArrayLike,
        close: npt.ArrayLike,
        volume: npt.ArrayLike,
    ) -> int: ...
    def subscribe(
        self, symbol: str, handler: Callable[[Bar], Any], spec: BarSpec | None = None
    ) -> None: ...
    def add_indicator(
        self, symbol: str, spec: BarSpec | None, indicator: object, source: str | None = None
    ) -> None: ...
    @property
    def bar_count(self) -> int: ...

class TickBacktest(_Replay):
    def __init__(
        self,
        settings: BacktestSettings,
        latency_ns: int,
        equity_interval_ns: int,
        *,
        response_latency_ns: int = 0,
        feed_latency_ns: int = 0,
        queue_model: str = "risk_averse",
        queue_n: float = 3.0,
        latency_ts: npt.ArrayLike | None = None,
        latency_entry_ns: npt.ArrayLike | None = None,
        latency_response_ns: npt.ArrayLike | None = None,
    ) -> None: ...
    def add_trades(
        self,
        symbol: str,
        ts: npt.ArrayLike,
        price: npt.ArrayLike,
        size: npt.ArrayLike,
        aggressor: npt.ArrayLike | None = None,
    ) -> int: ...
    def add_quotes(
        self,
        symbol: str,
        ts: npt.ArrayLike,
        bid: npt.ArrayLike,
        ask: npt.ArrayLike,
        bid_size: npt.ArrayLike,
        ask_size: npt.ArrayLike,
    ) -> int: ...
    def add_depth(
        self,
        symbol: str,
        ts: npt.ArrayLike,
        is_bid: npt.ArrayLike,
        price: npt.ArrayLike,
        size: npt.ArrayLike,
        update_id: npt.ArrayLike,
        snapshot: npt.ArrayLike,
    ) -> int: ...
    def subscribe_book(
        self, symbol: str, depth: int, every: int, handler: Callable[[BookView], Any]
    ) -> None: ...
    def subscribe_bars(self, symbol: str, spec: BarSpec, handler: Callable[[Bar], Any]) -> None: ...
    def add_indicator(
        self, symbol: str, spec: BarSpec, indicator: object, source: str | None = None
    ) -> None: ...
    def subscribe_trades(self, symbol: str, handler: Callable[[Trade], Any]) -> None: ...
    def subscribe_quotes(self, symbol: str, handler: Callable[[Quote], Any]) -> None: ...
    @property
    def event_count(self) -> int: ...
