"""A plain price-time priority order book in integer ticks, the reference the native book is
checked against. Written for obviousness, not speed: lists scanned from the front."""

from __future__ import annotations

from dataclasses import dataclass, field

BUY, SELL = "buy", "sell"


@dataclass
class RefOrder:
    order_id: int
    side: str
    price: int
    qty: int
    post_only: bool = False


@dataclass
class RefStop:
    order_id: int
    side: str
    stop: int
    qty: int
    limit: int | None  # None: a stop-market order
    seq: int


@dataclass
class ReferenceBook:
    # Each side: a list of resting orders, kept sorted best price first, then arrival.
    bids: list[RefOrder] = field(default_factory=list)
    asks: list[RefOrder] = field(default_factory=list)
    stops: list[RefStop] = field(default_factory=list)
    last: int | None = None
    seq: int = 0

    def _side(self, side: str) -> list[RefOrder]:
        return self.bids if side == BUY else self.asks

    def _opposite(self, side: str) -> list[RefOrder]:
        return self.asks if side == BUY else self.bids

    @staticmethod
    def _crosses(side: str, limit: int | None, price: int) -> bool:
        if limit is None:
            return True
        return price <= limit if side == BUY else price >= limit

    def contains(self, order_id: int) -> bool:
        return any(o.order_id == order_id for o in self.bids + self.asks)

    def find(self, order_id: int) -> RefOrder | None:
        for o in self.bids + self.asks:
            if o.order_id == order_id:
                return o
        return None

    def _rest(self, order: RefOrder) -> None:
        book = self._side(order.side)
        better = (lambda a, b: a > b) if order.side == BUY else (lambda a, b: a < b)
        at = len(book)
        for i, o in enumerate(book):
            if better(order.price, o.price):
                at = i
                break
        book.insert(at, order)

    def _available(self, side: str, limit: int | None) -> int:
        return sum(o.qty for o in self._opposite(side) if self._crosses(side, limit, o.price))

    def add(
        self, order_id: int, side: str, price: int | None, qty: int, tif: str
    ) -> list[tuple[int, int, int, int]]:
        """tif: GTC, IOC, FOK, POST; price None is a market order. Returns the fills."""
        fills = self._take(order_id, side, price, qty, tif)
        return fills + self._fire(fills, None)

    def add_stop(
        self, order_id: int, side: str, stop: int, qty: int, limit: int | None
    ) -> list[tuple[int, int, int, int]]:
        """A stop (limit None: stop-market): an order once a trade reaches `stop`."""
        self.stops.append(RefStop(order_id, side, stop, qty, limit, self.seq))
        self.seq += 1
        if self.last is None:
            return []
        return self._fire([], self.last)

    def trade(self, price: int) -> list[tuple[int, int, int, int]]:
        """A trade printed elsewhere."""
        self.last = price
        return self._fire([], price)

    def _fire(
        self, fills: list[tuple[int, int, int, int]], printed: int | None
    ) -> list[tuple[int, int, int, int]]:
        """Runs every stop that the prints reach, and those that their own prints reach."""
        out: list[tuple[int, int, int, int]] = []
        prices = [f[2] for f in fills] + ([printed] if printed is not None else [])
        while prices and self.stops:
            low, high = min(prices), max(prices)
            buys = sorted(
                (s for s in self.stops if s.side == BUY and s.stop <= high),
                key=lambda s: (s.stop, s.seq),
            )
            sells = sorted(
                (s for s in self.stops if s.side == SELL and s.stop >= low),
                key=lambda s: (-s.stop, s.seq),
            )
            fired = buys + sells
            if not fired:
                break
            self.stops = [s for s in self.stops if s not in fired]
            prices = []
            for s in fired:
                new = self._take(
                    s.order_id, s.side, s.limit, s.qty, "IOC" if s.limit is None else "GTC"
                )
                out += new
                prices += [f[2] for f in new]
        return out

    def _take(
        self, order_id: int, side: str, price: int | None, qty: int, tif: str
    ) -> list[tuple[int, int, int, int]]:
        other = self._opposite(side)
        if tif == "POST" and other and self._crosses(side, price, other[0].price):
            return []
        if tif == "FOK" and self._available(side, price) < qty:
            return []
        fills = []
        while qty > 0 and other and self._crosses(side, price, other[0].price):
            maker = other[0]
            traded = min(qty, maker.qty)
            fills.append((maker.order_id, order_id, maker.price, traded))
            maker.qty -= traded
            qty -= traded
            if maker.qty == 0:
                other.pop(0)
            self.last = maker.price
        if qty > 0 and price is not None and tif in ("GTC", "POST"):
            self._rest(RefOrder(order_id, side, price, qty, tif == "POST"))
        return fills

    def cancel(self, order_id: int) -> bool:
        for i, s in enumerate(self.stops):
            if s.order_id == order_id:
                del self.stops[i]
                return True
        for book in (self.bids, self.asks):
            for i, o in enumerate(book):
                if o.order_id == order_id:
                    del book[i]
                    return True
        return False

    def modify(self, order_id: int, price: int, qty: int) -> list[tuple[int, int, int, int]]:
        order = self.find(order_id)
        assert order is not None
        if price == order.price and qty <= order.qty:
            order.qty = qty
            return []
        self.cancel(order_id)
        return self.add(order_id, order.side, price, qty, "POST" if order.post_only else "GTC")

    def would_cross(self, side: str, price: int) -> bool:
        other = self._opposite(side)
        return bool(other) and self._crosses(side, price, other[0].price)
