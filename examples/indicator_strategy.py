"""An EMA crossover on 15-minute bars with an RSI filter and an ATR stop, on a month of BTC
perpetual one-minute bars (bundled).

The engine resamples the minute bars to 15 minutes in its native loop and updates the
registered indicators there, before each on_bar, so the strategy only reads `.value` and
`.ready`. It goes long half of its equity when the fast EMA crosses above the slow one while
the RSI is below its ceiling, and flat when the EMAs cross back; a stop two ATRs under the
close it entered at is watched on every minute bar. Orders fill at the next minute's open.
"""

from typing import Any

import alphaforge as af
from alphaforge.console_log import console_logging
from alphaforge.indicators import ATR, EMA, RSI
from alphaforge.samples import btc_perp_1m

SYMBOL = "BTC-PERP"


class EmaCrossAtrStop(af.Strategy):
    class Params:
        timeframe: str = "15min"
        fast: int = 12
        slow: int = 48
        rsi_ceiling: float = 70.0
        stop_atrs: float = 2.0
        fraction: float = 0.5

    def on_start(self) -> None:
        p = self.params
        self.fast = self.register_indicator(EMA(p.fast), SYMBOL, p.timeframe)
        self.slow = self.register_indicator(EMA(p.slow), SYMBOL, p.timeframe)
        self.rsi = self.register_indicator(RSI(14), SYMBOL, p.timeframe)
        self.atr = self.register_indicator(ATR(14), SYMBOL, p.timeframe)
        self.subscribe_bars(SYMBOL)  # the minute bars, for the stop
        self.subscribe_bars(SYMBOL, p.timeframe)
        self.above: bool | None = None
        self.stop: float | None = None

    def on_bar(self, bar: Any) -> None:
        if bar.spec is None:
            self.watch_stop(bar)
        elif self.slow.ready and self.atr.ready:
            self.decide(bar)

    def watch_stop(self, bar: Any) -> None:
        if self.stop is not None and bar.low <= self.stop:
            self.log.info("stop %.1f reached (low %.1f): closing", self.stop, bar.low)
            self.order_target_percent(SYMBOL, 0.0)
            self.stop = None

    def decide(self, bar: Any) -> None:
        p = self.params
        above = self.fast.value > self.slow.value
        crossed = self.above is not None and above != self.above
        self.above = above
        if not crossed:
            return
        held = self.position(SYMBOL)
        if above and held == 0 and self.rsi.value < p.rsi_ceiling:
            self.stop = bar.close - p.stop_atrs * self.atr.value
            self.log.info(
                "EMA %d over %d, RSI %.1f: long %.0f%% of %.0f, stop %.1f",
                p.fast, p.slow, self.rsi.value, 100 * p.fraction, self.equity, self.stop,
            )  # fmt: skip
            self.order_target_percent(SYMBOL, p.fraction)
        elif not above and held > 0:
            self.log.info("EMA %d under %d: closing %.4f", p.fast, p.slow, held)
            self.order_target_percent(SYMBOL, 0.0)
            self.stop = None


engine = af.BacktestEngine(cash=100_000.0, fees=0.0004)
engine.add_instrument(SYMBOL, tick_size=0.5, lot_size=0.001)
engine.add_bars(SYMBOL, btc_perp_1m())
engine.add_strategy(EmaCrossAtrStop())
with console_logging("INFO"):
    result = engine.run()

fills = result.fills
print(f"{len(btc_perp_1m()):,} minute bars; {len(fills)} fills, fees {fills['fee'].sum():,.2f}")
print(fills[["ts", "side", "qty", "price"]].tail().to_string(index=False))
print(f"final equity {result.final_equity:,.2f} from 100,000.00")
