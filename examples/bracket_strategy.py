"""A bracket-order strategy on BTCUSDT: after two rising 1-second bars it buys with a bracket
(stop-loss 3 USDT below the close, take-profit 3 USDT above), and logs each entry and exit.

The package bundles 46 seconds of real Binance trades (no minute bars), so the bars here are
built from those trades, one a second. The stop-loss and take-profit are one OCO group: the
first to fill cancels the other, and the position never flips.
"""

import logging
from typing import Any

import alphaforge as af
from alphaforge.records import FillRecord
from alphaforge.samples import btcusdt_trades

SYMBOL = "BTCUSDT"
logging.basicConfig(level=logging.INFO, format="%(event_time)s %(message)s")


class RisingBracket(af.Strategy):
    def __init__(self, size: float = 0.01, distance: float = 3.0) -> None:
        super().__init__()
        self.size, self.distance = size, distance
        self.closes: list[float] = []
        self.bracket: af.Bracket | None = None
        self.entries = 0
        self.exits = 0

    def on_start(self) -> None:
        self.subscribe_bars(SYMBOL, "1s")

    def on_bar(self, bar: Any) -> None:
        self.closes.append(bar.close)
        busy = self.position(SYMBOL) != 0 or self.open_orders(SYMBOL)
        rising = len(self.closes) >= 3 and self.closes[-3] < self.closes[-2] < self.closes[-1]
        if busy or not rising:
            return
        close = round(bar.close, 2)
        self.bracket = self.buy_bracket(
            SYMBOL,
            self.size,
            stop_loss=round(close - self.distance, 2),
            take_profit=round(close + self.distance, 2),
        )

    def on_fill(self, fill: FillRecord) -> None:
        if self.bracket is not None and fill.order_id == self.bracket.entry_id:
            self.entries += 1
            self.log.info("entry %s %g at %.2f", fill.side, fill.qty, fill.price)
        else:
            self.exits += 1
            kind = "stop-loss" if fill.order_id == self.bracket_stop() else "take-profit"
            self.log.info("exit (%s) %s %g at %.2f", kind, fill.side, fill.qty, fill.price)

    def bracket_stop(self) -> int | None:
        return None if self.bracket is None else self.bracket.stop_loss_id


engine = af.BacktestEngine(cash=10_000.0, fees=0.001)
engine.add_instrument(SYMBOL, tick_size=0.01, lot_size=0.00001)
engine.add_trades(SYMBOL, btcusdt_trades())
strategy = RisingBracket()
engine.add_strategy(strategy)
result = engine.run()
print(f"{strategy.entries} entries, {strategy.exits} exits, {len(result.fills)} fills")
print(f"final equity {result.equity['equity'].iloc[-1]:,.2f} from 10,000.00")
