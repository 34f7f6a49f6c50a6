"""A strategy on quotes: it bids for BTCUSDT when the mid dips below its recent average and
sells when the mid recovers, on 46 seconds of real Binance trades and quotes.

Its buys rest at the bid and fill as maker when the market trades through them; its sells
take the bid. Orders reach the market 5 ms after they are sent.
"""

from collections import deque
from typing import Any

import alphaforge as af
from alphaforge.console_log import log_to_console
from alphaforge.records import FillRecord, OrderRecord
from alphaforge.samples import btcusdt_quotes, btcusdt_trades

SYMBOL = "BTCUSDT"


class DipBuyer(af.Strategy):
    def __init__(self, window: int = 20, dip: float = 2.0, size: float = 0.01) -> None:
        super().__init__()
        self.window, self.dip, self.size = window, dip, size
        self.mids: deque[float] = deque(maxlen=window)
        self.working: int | None = None  # the order in flight, if any
        self.bars = 0

    def on_start(self) -> None:
        self.subscribe_quotes(SYMBOL)
        self.subscribe_bars(SYMBOL, "10s")  # built from the trades

    def on_quote(self, quote: Any) -> None:
        self.mids.append(quote.mid)
        if len(self.mids) < self.window or self.working is not None:
            return
        average = sum(self.mids) / len(self.mids)
        held = self.position(SYMBOL)
        if held == 0 and quote.mid < average - self.dip:
            self.working = self.buy(SYMBOL, self.size, limit=quote.bid)
        elif held > 0 and quote.mid > average:
            self.working = self.sell(SYMBOL, held)

    def on_order_update(self, order: OrderRecord) -> None:
        if order.order_id == self.working and order.status in ("FILLED", "REJECTED"):
            self.working = None

    def on_fill(self, fill: FillRecord) -> None:
        self.log.info(
            "%s %g at %.2f as %s", fill.side.lower(), fill.qty, fill.price, fill.liquidity
        )

    def on_bar(self, bar: Any) -> None:
        self.bars += 1
        self.cache.put("last_close", bar.close)


log_to_console()  # the strategy's log lines on stderr (ALPHAFORGE_LOG_LEVEL sets the level)
engine = af.BacktestEngine(
    cash=10_000.0, fees=(0.0002, 0.0004), latency=0.005, equity_interval="10s"
)
engine.add_instrument(SYMBOL, tick_size=0.01, lot_size=0.000001)
engine.add_trades(SYMBOL, btcusdt_trades())
engine.add_quotes(SYMBOL, btcusdt_quotes())
strategy = DipBuyer()
engine.add_strategy(strategy)
result = engine.run()

print(result.fills[["ts", "side", "qty", "price", "fee", "liquidity"]].to_string(index=False))
print(f"10-second bars seen: {strategy.bars}; last close {strategy.cache.get('last_close')}")
print(f"final equity {result.final_equity:,.2f}; fees {result.fills['fee'].sum():.4f}")
