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
class ReferenceBook:
    # Each side: a list of resting orders, kept sorted best price first, then arrival.
    bids: list[RefOrder] = field(default_factory=list)
    asks: list[RefOrder] = field(default_factory=list)

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
        if qty > 0 and price is not None and tif in ("GTC", "POST"):
            self._rest(RefOrder(order_id, side, price, qty, tif == "POST"))
        return fills

    def cancel(self, order_id: int) -> bool:
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
