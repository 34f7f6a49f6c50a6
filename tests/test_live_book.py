"""A strategy's subscribe_book and on_book on a TradingNode: the same call as in a backtest,
fed by the Binance adapter's local book, synced over real WebSocket and REST against the
replay exchange on loopback. Each book it is handed equals the exchange's own book at that
update id."""

from __future__ import annotations

import asyncio
from typing import Any

from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import TradingNode
from alphaforge.records import BookView
from alphaforge.replay import ReplayConfig, ReplayExchange
from alphaforge.replay.depth import DerivedDepth
from alphaforge.replay.frames import StreamBook
from alphaforge.replay.market import load_market
from alphaforge.strategy import Strategy

SYMBOL = "BTCUSDT"
TICK, LOT = 0.01, 0.000001


class BookWatcher(Strategy):
    def __init__(self, name: str, depth: int, every: int) -> None:
        super().__init__(name)
        self.depth, self.every = depth, every
        self.books: list[tuple[int, list[tuple[int, int]], list[tuple[int, int]], Any]] = []

    def on_start(self) -> None:
        self.subscribe_book(SYMBOL, depth=self.depth, every=self.every)

    def on_book(self, book: BookView) -> None:
        self.books.append(
            (
                book.update_id,
                _units(book.bid_prices, book.bid_sizes),
                _units(book.ask_prices, book.ask_sizes),
                (book.best_bid, book.best_ask),
            )
        )


def _units(prices: Any, sizes: Any) -> list[tuple[int, int]]:
    return [(round(p / TICK), round(q / LOT)) for p, q in zip(prices, sizes, strict=True)]


def exchange_books(depth: int) -> dict[int, tuple[list[tuple[int, int]], list[tuple[int, int]]]]:
    """The replay exchange's top `depth` levels at every update id of its first loop."""
    market = load_market(None, None, SYMBOL, TICK)
    streams = StreamBook(market, DerivedDepth(market, TICK, LOT, 20, 0), SYMBOL)
    books = {}
    for i in range(len(market.bid)):
        bids, asks = streams.book_after(i)
        books[streams.update_id(0, i)] = (
            sorted(bids.items(), reverse=True)[:depth],
            sorted(asks.items())[:depth],
        )
    return books


async def replay(*strategies: BookWatcher) -> None:
    """One loop of the record through a paper node, until the node has the exchange's last
    book."""
    config = ReplayConfig(port=0, loops=1, speed=40.0, start_on_subscribe=True)
    async with ReplayExchange(config) as exchange:
        node = TradingNode(
            list(strategies),
            venue=BinanceConfig.local(exchange, symbols=[SYMBOL]),
            mode="paper",
            install_signal_handlers=False,
        )
        run = asyncio.ensure_future(node.run_async())
        await exchange.wait_finished()
        last = max(exchange_books(1))
        async with asyncio.timeout(10.0):
            while not strategies[0].books or strategies[0].books[-1][0] != last:
                await asyncio.sleep(0.02)
        node.stop()
        await run


def test_on_book_on_a_node_sees_the_exchanges_book_at_each_depth_and_every() -> None:
    all_updates = BookWatcher("all", depth=5, every=1)
    third = BookWatcher("third", depth=2, every=3)
    asyncio.run(replay(all_updates, third))
    assert len(all_updates.books) > 20
    ids = [update_id for update_id, *_ in all_updates.books]
    assert ids == sorted(set(ids))
    # The second strategy gets every third update of the same local book, two levels deep.
    assert [update_id for update_id, *_ in third.books] == ids[2::3]
    for watcher in (all_updates, third):
        reference = exchange_books(watcher.depth)
        for update_id, bids, asks, (best_bid, best_ask) in watcher.books:
            assert (bids, asks) == reference[update_id]
            assert (round(best_bid / TICK), round(best_ask / TICK)) == (bids[0][0], asks[0][0])
