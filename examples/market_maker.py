"""A market maker on an order book: it quotes 0.001 BTC at the mid minus a tick and 0.001 BTC
at the mid plus a tick, moves a quote when the mid moves, and stops quoting the side that would
take its position past 0.005 BTC.

The book is 46 seconds of real Binance BTCUSDT best bids and asks, replayed as a one-level
book message by message, with the trades of the same 46 seconds: a quote joins the queue
behind the size displayed at its price and fills when trades at that price have used up the
queue ahead (partly, when a trade leaves less than the quote), when a trade goes through its
price, or when the other side's best reaches it.
Orders take 0.8 ms to reach the market, the market's answers 0.15 ms to come back, and the
strategy sees the book 30 us after the exchange.
"""

from typing import Any

import pandas as pd

import alphaforge as af
from alphaforge.records import BookView, FillRecord
from alphaforge.samples import btcusdt_quotes, btcusdt_trades

SYMBOL = "BTCUSDT"
TICK, LOT = 0.01, 0.000001


def one_level_book(quotes: pd.DataFrame) -> pd.DataFrame:
    """The quotes as the canonical depth frame: the first quote a snapshot, then a message per
    change that sets the new best of a side and removes the old best price if it moved."""
    rows: list[tuple[Any, ...]] = []
    last: dict[str, tuple[float, float]] = {}
    for ts, bid, ask, bid_size, ask_size in quotes[
        ["ts_ns", "bid", "ask", "bid_size", "ask_size"]
    ].itertuples(index=False):
        now = {"bid": (bid, bid_size), "ask": (ask, ask_size)}
        changes = []
        for side in ("bid", "ask"):
            if last.get(side) == now[side]:
                continue
            if side in last and last[side][0] != now[side][0]:
                changes.append((side, last[side][0], 0.0))
            changes.append((side, *now[side]))
        if changes:
            first, message = not last, len({r[4] for r in rows}) + 1
            rows += [(ts, *c, message, -1 if first else message - 1, first) for c in changes]
            last = now
    columns = ["ts", "side", "price", "size", "update_id", "prev_update_id", "snapshot"]
    return pd.DataFrame(rows, columns=columns)


class MidQuoter(af.Strategy):
    def __init__(self, size: float = 0.001, max_position: float = 0.005) -> None:
        super().__init__()
        self.size, self.max_position = size, max_position
        self.quotes: dict[str, tuple[int, float] | None] = {"BUY": None, "SELL": None}

    def on_start(self) -> None:
        self.subscribe_book(SYMBOL, depth=1)

    def on_book(self, book: BookView) -> None:
        if book.best_bid is None or book.best_ask is None:
            return
        twice_mid = round(book.best_bid / TICK) + round(book.best_ask / TICK)  # in ticks
        self.requote("BUY", round((twice_mid // 2 - 1) * TICK, 2))
        self.requote("SELL", round((-(-twice_mid // 2) + 1) * TICK, 2))

    def requote(self, side: str, price: float) -> None:
        quote = self.quotes[side]
        if quote is not None and abs(quote[1] - price) < TICK / 2:
            return
        if quote is not None:
            self.cancel(quote[0])
            self.quotes[side] = None
        held = self.position(SYMBOL) + (self.size if side == "BUY" else -self.size)
        if abs(held) <= self.max_position + LOT / 2:
            self.quotes[side] = (self.submit_order(SYMBOL, side, self.size, limit=price), price)

    def on_fill(self, fill: FillRecord) -> None:
        quote = self.quotes[fill.side]
        if quote is not None and quote[0] == fill.order_id:
            self.quotes[fill.side] = None


engine = af.BacktestEngine(
    cash=10_000.0,
    fees=(0.0002, 0.0004),
    latency=0.0008,
    response_latency=0.00015,
    feed_latency=0.00003,
    queue_model="risk_averse",
    equity_interval="10s",
)
engine.add_instrument(SYMBOL, tick_size=TICK, lot_size=LOT)
engine.add_book(SYMBOL, one_level_book(btcusdt_quotes()))
engine.add_trades(SYMBOL, btcusdt_trades())
strategy = MidQuoter()
engine.add_strategy(strategy)
result = engine.run()

fills = result.fills
print(fills[["ts", "side", "qty", "price", "fee", "liquidity"]].head(10).to_string(index=False))
parts = fills.groupby("order_id").size()
print(
    f"... {len(fills)} fills of {len(parts)} orders ({(parts > 1).sum()} filled in parts), "
    f"{(fills['liquidity'].str.upper() == 'MAKER').sum()} as maker"
)
held = fills["qty"].where(fills["side"] == "BUY", -fills["qty"]).sum()
print(f"final position {held:.6f} BTC; fees {fills['fee'].sum():.6f}")
print(f"final equity {result.final_equity:,.6f} (PnL {result.final_equity - 10_000.0:+.6f})")
