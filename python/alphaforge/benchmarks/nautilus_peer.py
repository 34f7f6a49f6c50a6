"""NautilusTrader running the benchmark's SMA crossover on bars, on bars built from trades and
on every trade, in its own BacktestEngine with a simulated venue."""

from __future__ import annotations

import importlib
import time
from typing import Any

import numpy as np
import pandas as pd

from alphaforge.benchmarks.sma_signal import RollingCross


def _module(name: str) -> Any:
    return importlib.import_module(f"nautilus_trader.{name}")


def _engine() -> tuple[Any, Any]:
    backtest = _module("backtest.engine")
    config = _module("config")
    identifiers = _module("model.identifiers")
    enums = _module("model.enums")
    engine = backtest.BacktestEngine(
        config=backtest.BacktestEngineConfig(
            trader_id=identifiers.TraderId("BENCH-001"),
            logging=config.LoggingConfig(log_level="ERROR"),
        )
    )
    usd = _module("model.currencies").USD
    engine.add_venue(
        venue=identifiers.Venue("SIM"),
        oms_type=enums.OmsType.NETTING,
        account_type=enums.AccountType.MARGIN,
        base_currency=usd,
        starting_balances=[_module("model.objects").Money(1_000_000_000, usd)],
        trade_execution=True,  # trades move its simulated market, so market orders can fill
    )
    instrument = _module("test_kit.providers").TestInstrumentProvider.equity("SYN", "SIM")
    engine.add_instrument(instrument)
    return engine, instrument


def _strategy(instrument: Any, bar_type: Any, fast: int, slow: int, every_trade: bool) -> Any:
    base: Any = _module("trading.strategy").Strategy
    side = _module("model.enums").OrderSide
    buy, sell = side.BUY, side.SELL
    one = _module("model.objects").Quantity.from_int(1)

    class Sma(base):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.cross = RollingCross(fast, slow)

        def on_start(self) -> None:
            if every_trade:
                self.subscribe_trade_ticks(instrument.id)
            else:
                self.subscribe_bars(bar_type)

        def on_bar(self, bar: Any) -> None:
            self.step(bar.close.as_double())

        def on_trade_tick(self, tick: Any) -> None:
            self.step(tick.price.as_double())

        def step(self, price: float) -> None:
            signal = self.cross.update(price)
            if signal == 0:
                return
            flat = self.portfolio.is_flat(instrument.id)
            if signal > 0 and flat:
                self.submit_order(self.order_factory.market(instrument.id, buy, one))
            elif signal < 0 and not flat:
                self.submit_order(self.order_factory.market(instrument.id, sell, one))

    return Sma()


def _timed_run(engine: Any, count: int) -> float:
    started = time.perf_counter()
    engine.run()
    rate = count / (time.perf_counter() - started)
    engine.dispose()
    return rate


def bars_per_second(bars: pd.DataFrame, fast: int, slow: int) -> float:
    """Bars per second of engine.run() over external one-minute bars."""
    engine, instrument = _engine()
    bar_type = _module("model.data").BarType.from_str(f"{instrument.id}-1-MINUTE-LAST-EXTERNAL")
    wrangler = _module("persistence.wranglers").BarDataWrangler(bar_type, instrument)
    engine.add_data(wrangler.process(bars[["open", "high", "low", "close", "volume"]]))
    engine.add_strategy(_strategy(instrument, bar_type, fast, slow, every_trade=False))
    return _timed_run(engine, len(bars))


def ticks_per_second(trades: pd.DataFrame, fast: int, slow: int, every_trade: bool) -> float:
    """Trades per second of engine.run(): the strategy on one-minute bars it builds from the
    trades, or on every trade."""
    engine, instrument = _engine()
    frame = pd.DataFrame(
        {
            "price": trades["price"].to_numpy(),
            "quantity": trades["size"].to_numpy(),
            # Alternate aggressors so its one-level book has both sides.
            "side": np.where(np.arange(len(trades)) % 2 == 0, "BUY", "SELL"),
            "trade_id": np.arange(len(trades)).astype(str),
        },
        index=pd.to_datetime(trades["ts_ns"].to_numpy(), unit="ns", utc=True),
    )
    wrangler = _module("persistence.wranglers").TradeTickDataWrangler(instrument)
    engine.add_data(wrangler.process(frame))
    bar_type = _module("model.data").BarType.from_str(f"{instrument.id}-1-MINUTE-LAST-INTERNAL")
    engine.add_strategy(_strategy(instrument, bar_type, fast, slow, every_trade))
    return _timed_run(engine, len(trades))
