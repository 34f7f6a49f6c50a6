"""A bracket-order strategy on a month of BTC perpetual one-minute bars (bundled): after three
rising closes it buys 0.1 BTC with a bracket, a stop-loss 0.5% under the close and a
take-profit 1% over it, and logs each entry and exit.

The stop-loss and take-profit are one OCO group, placed when the entry fills: the first to
fill cancels the other, so the position never flips. When one bar reaches both, the stop-loss
fills (the intrabar rule of docs/orders.md, as backtrader).
"""

from typing import Any

import alphaforge as af
from alphaforge.console_log import console_logging
from alphaforge.records import FillRecord
from alphaforge.samples import btc_perp_1m

SYMBOL = "BTC-PERP"
TICK = 0.5


def on_grid(price: float) -> float:
    return round(price / TICK) * TICK


class RisingBracket(af.Strategy):
    def __init__(self, size: float = 0.1, stop: float = 0.005, target: float = 0.01) -> None:
        super().__init__()
        self.size, self.stop, self.target = size, stop, target
        self.closes: list[float] = []
        self.bracket: af.Bracket | None = None
        self.entries = 0
        self.exits = 0

    def on_start(self) -> None:
        self.subscribe_bars(SYMBOL)

    def on_bar(self, bar: Any) -> None:
        self.closes = [*self.closes[-2:], bar.close]
        busy = self.position(SYMBOL) != 0 or self.open_orders(SYMBOL)
        rising = len(self.closes) == 3 and self.closes[0] < self.closes[1] < self.closes[2]
        if busy or not rising:
            return
        self.bracket = self.buy_bracket(
            SYMBOL,
            self.size,
            stop_loss=on_grid(bar.close * (1 - self.stop)),
            take_profit=on_grid(bar.close * (1 + self.target)),
        )

    def on_fill(self, fill: FillRecord) -> None:
        if self.bracket is None:
            return
        if fill.order_id == self.bracket.entry_id:
            self.entries += 1
            self.log.info("entry %s %g at %.1f", fill.side, fill.qty, fill.price)
            return
        self.exits += 1
        kind = "stop-loss" if fill.order_id == self.bracket.stop_loss_id else "take-profit"
        self.log.info("exit (%s) %s %g at %.1f", kind, fill.side, fill.qty, fill.price)


engine = af.BacktestEngine(cash=100_000.0, fees=0.0004)
engine.add_instrument(SYMBOL, tick_size=TICK, lot_size=0.001)
engine.add_bars(SYMBOL, btc_perp_1m())
strategy = RisingBracket()
engine.add_strategy(strategy)
with console_logging("INFO"):
    result = engine.run()
print(f"{strategy.entries} entries, {strategy.exits} exits, {len(result.fills)} fills")
print(f"final equity {result.final_equity:,.2f} from 100,000.00")
