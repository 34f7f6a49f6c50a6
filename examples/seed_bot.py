"""A bot wired by hand: trades feed a DataEngine, the bot reacts, an ExecutionEngine fills.

No backtest engine: the bot keeps its state in a GenericCache, subscribes to the data
engine's trades and one-second bars, and sends orders to an execution engine that reads its
prices from the data engine. It buys after three rising one-second bars and sells after three
falling ones. The data engine runs its own thread: the trades fed from this thread are handed
to it in order, and the bot's handlers (and so its orders) run there.
"""

from itertools import pairwise
from typing import Any

from alphaforge.cache import GenericCache
from alphaforge.data import DataEngine, DataEngineConfig
from alphaforge.execution import ExecutionEngine, Fees, Order, OrderSide, OrderStatus
from alphaforge.samples import btcusdt_trades

SYMBOL = "BTCUSDT"


class MomentumBot:
    """Three bars up: buy; three bars down: sell what it holds."""

    def __init__(self, data: DataEngine, execution: ExecutionEngine, size: float) -> None:
        self.data, self.execution, self.size = data, execution, size
        # The last print and the closes of recent bars, per symbol; closes live for a minute.
        self.state = GenericCache(max_size=10_000)
        self.trades_seen = 0
        data.subscribe_trades(SYMBOL, self.on_trade)
        data.subscribe_bars(SYMBOL, "1s", self.on_bar)

    def on_trade(self, trade: Any) -> None:
        self.trades_seen += 1
        self.state.put(f"last:{trade.symbol}", trade.price)

    def on_bar(self, bar: Any) -> None:
        key = f"closes:{bar.symbol}"
        closes = self.state.get(key)
        if closes is None:
            closes = []
            self.state.put(key, closes, ttl_seconds=60.0)
        closes.append(bar.close)
        last = closes[-4:]
        if len(last) < 4:
            return
        held = self.execution.position(SYMBOL, "momentum").quantity
        rising = all(a < b for a, b in pairwise(last))
        falling = all(a > b for a, b in pairwise(last))
        if rising and held == 0:
            self.send(OrderSide.Buy, self.size)
        elif falling and held > 0:
            self.send(OrderSide.Sell, held)

    def send(self, side: OrderSide, qty: float) -> None:
        order_id = self.execution.submit_order(Order.market(SYMBOL, side, qty, "momentum"))
        assert self.execution.order(order_id).status == OrderStatus.Filled


data = DataEngine(DataEngineConfig(enable_statistics=True))
execution = ExecutionEngine(data_engine=data, fees=Fees(taker=0.001), cash=100_000.0)
bot = MomentumBot(data, execution, size=0.5)

trades = btcusdt_trades()
data.start()
for ts, price, size in zip(trades["ts_ns"], trades["price"], trades["size"], strict=True):
    data.process_trade(SYMBOL, price, size, ts)  # as a live feed would, one print at a time
data.wait_until_drained(timeout=30.0)
data.stop()  # flushes the open bar

closes = bot.state.get(f"closes:{SYMBOL}", [])
print(f"trades seen by the bot: {bot.trades_seen}, bars: {len(closes)}")
print(f"last price {bot.state.get(f'last:{SYMBOL}')}; cache {bot.state.statistics()}")
print(data.statistics())
print(execution.statistics())
print(execution.account())
print(f"final equity {execution.account().equity:,.2f}")
