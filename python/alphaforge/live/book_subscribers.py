"""The strategies of a node that asked for a symbol's order book: each is handed its own top
`depth` levels after every `every`-th update, as in a backtest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alphaforge.records import BookView


@dataclass(slots=True)
class _Subscriber:
    handler: Callable[[BookView], None]
    depth: int
    every: int
    updates: int = 0


class BookSubscribers:
    def __init__(self) -> None:
        self._by_symbol: dict[str, list[_Subscriber]] = {}

    def add(self, symbol: str, handler: Callable[[BookView], None], depth: int, every: int) -> None:
        self._by_symbol.setdefault(symbol, []).append(_Subscriber(handler, depth, every))

    def depth(self, symbol: str, default: int) -> int:
        """The most levels any subscriber of `symbol` asked for: what the venue must keep."""
        subscribers = self._by_symbol.get(symbol)
        return max(s.depth for s in subscribers) if subscribers else default

    def deliver(self, book: BookView, failed: Callable[[], None]) -> None:
        """Hand `book` to the subscribers whose turn it is, each cut to its depth; a handler
        that raises is reported to `failed` and the others still get the book."""
        for subscriber in self._by_symbol.get(book.symbol, ()):
            subscriber.updates += 1
            if subscriber.updates % subscriber.every:
                continue
            try:
                subscriber.handler(_top(book, subscriber.depth))
            except Exception:
                failed()


def _top(book: BookView, depth: int) -> BookView:
    if len(book.bid_prices) <= depth and len(book.ask_prices) <= depth:
        return book
    return BookView(
        book.symbol,
        book.ts_ns,
        book.update_id,
        book.bid_prices[:depth],
        book.bid_sizes[:depth],
        book.ask_prices[:depth],
        book.ask_sizes[:depth],
    )
