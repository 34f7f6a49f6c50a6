"""User orders matched in the C++ order book against the replayed market's derived levels.

The book holds one synthetic order per derived level (ids from SYNTHETIC up) beside the users'
orders. A new quote moves the synthetic orders to the new derived book: a level that went away
is cancelled, a changed one modified (a smaller size keeps its place in the queue, a larger one
goes to the back) and a new one added, and a new level that crosses a user's resting order
trades with it at the user's price. A replayed trade at price p sweeps the side it hit: it
trades everything priced better than p (the market traded through those prices) and its own
size at p, in price-time priority among the synthetic and user orders resting there.
"""

from __future__ import annotations

from dataclasses import dataclass

from alphaforge.execution import BookFill, BookResult, OrderBook, OrderSide, TimeInForce
from alphaforge.replay.depth import Book

SYNTHETIC = 1 << 40
# The id under which a replayed trade enters the book: an IOC order never rests, so one id does.
REPLAYED_TAKER = 1 << 50
_ALL_LEVELS = 1 << 20


@dataclass(frozen=True, slots=True)
class Match:
    """One trade in the book: resting (maker) order, arriving (taker) order, ticks and lots."""

    maker: int
    taker: int
    price: int
    lots: int


def is_user(order_id: int) -> bool:
    """Whether `order_id` is a user's order (not synthetic liquidity or a replayed trade)."""
    return order_id < SYNTHETIC


class Matcher:
    """The C++ book of one symbol with the market's synthetic levels and the users' orders."""

    def __init__(self, symbol: str, tick_size: float, lot_size: float) -> None:
        self.book = OrderBook(symbol, tick_size, lot_size)
        self.tick = tick_size
        self.lot = lot_size
        self._synthetic: tuple[dict[int, int], dict[int, int]] = ({}, {})  # price -> order id
        self._next_id = SYNTHETIC
        self.resting: dict[int, tuple[int, int]] = {}  # user order id -> (side, price ticks)

    def set_market(self, book: Book) -> list[Match]:
        """Move the synthetic orders to `book`; returns the trades with users this caused."""
        matches: list[Match] = []
        for side in (0, 1):
            target, current = book[side], self._synthetic[side]
            for price in [p for p in current if p not in target]:
                self.book.cancel(current.pop(price))
        for side in (0, 1):
            target, current = book[side], self._synthetic[side]
            for price, lots in target.items():
                order_id = current.get(price)
                resting = None if order_id is None else self.book.order(order_id)
                if order_id is not None and resting is not None:
                    if round(resting[2] / self.lot) != lots:
                        self.book.modify(order_id, price * self.tick, lots * self.lot)
                    continue
                order_id = self._next_id
                self._next_id += 1
                fills = self.book.add_limit(
                    order_id, _SIDES[side], price * self.tick, lots * self.lot
                )
                matches.extend(self._matches(fills))
                if order_id in self.book:
                    current[price] = order_id
                else:
                    current.pop(price, None)
        return matches

    def replay_trade(self, price: int, lots: int, seller_aggressor: bool) -> list[Match]:
        """Sweep the side a replayed trade hit; returns the trades with users."""
        resting_side = 0 if seller_aggressor else 1
        reached = [
            p
            for s, p in self.resting.values()
            if s == resting_side and (p >= price if resting_side == 0 else p <= price)
        ]
        if not reached:
            return []
        bids, asks = self.book.depth(_ALL_LEVELS)
        levels = bids if resting_side == 0 else asks
        better = sum(
            round(q / self.lot)
            for p, q in levels
            if (round(p / self.tick) > price if resting_side == 0 else round(p / self.tick) < price)
        )
        fills = self.book.add_limit(
            REPLAYED_TAKER,
            _SIDES[1 - resting_side],
            price * self.tick,
            (better + lots) * self.lot,
            TimeInForce.IOC,
        )
        return self._matches(fills)

    def add_limit(
        self, order_id: int, side: int, price: int, lots: int, tif: TimeInForce
    ) -> tuple[list[Match], BookResult | None]:
        """A user's limit order: its trades on arrival and what became of it."""
        fills = self.book.add_limit(order_id, _SIDES[side], price * self.tick, lots * self.lot, tif)
        result = self.book.last_result
        matches = self._matches(fills)
        if order_id in self.book:
            self.resting[order_id] = (side, price)
        return matches, result

    def add_market(self, order_id: int, side: int, lots: int) -> list[Match]:
        """A user's market order: it walks the levels; what finds no liquidity is dropped."""
        return self._matches(self.book.add_market(order_id, _SIDES[side], lots * self.lot))

    def would_cross(self, side: int, price: int) -> bool:
        """Whether a limit order at `price` would trade on arrival."""
        best = self.book.best_ask() if side == 0 else self.book.best_bid()
        if best is None:
            return False
        ticks = round(best[0] / self.tick)
        return ticks <= price if side == 0 else ticks >= price

    def walk(self, side: int) -> list[tuple[int, int]]:
        """(price ticks, lots) of the levels an order of `side` would take, best first."""
        bids, asks = self.book.depth(_ALL_LEVELS)
        levels = asks if side == 0 else bids
        return [(round(p / self.tick), round(q / self.lot)) for p, q in levels]

    def cancel(self, order_id: int) -> None:
        """Take a user's order off the book (a no-op when it is not there)."""
        self.resting.pop(order_id, None)
        self.book.cancel(order_id)

    def _matches(self, fills: list[BookFill]) -> list[Match]:
        out = []
        for fill in fills:
            maker, taker = fill.maker_order_id, fill.taker_order_id
            out.append(
                Match(maker, taker, round(fill.price / self.tick), round(fill.qty / self.lot))
            )
            if is_user(maker) and maker not in self.book:
                self.resting.pop(maker, None)
        return out


_SIDES = (OrderSide.Buy, OrderSide.Sell)
