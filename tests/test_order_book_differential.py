"""Random add/cancel/modify streams through the native book and the reference, fill by fill."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alphaforge.execution import OrderBook, OrderSide, TimeInForce
from order_book_reference import BUY, SELL, ReferenceBook

TICK = 0.01
SIDES = {BUY: OrderSide.Buy, SELL: OrderSide.Sell}
TIFS = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "POST": TimeInForce.PostOnly,
}

prices = st.integers(min_value=9_990, max_value=10_010)  # ticks: 99.90 .. 100.10
sizes = st.integers(min_value=1, max_value=30)
operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            st.sampled_from([BUY, SELL]),
            prices,
            sizes,
            st.sampled_from(["GTC", "GTC", "GTC", "IOC", "FOK", "POST"]),
        ),
        st.tuples(st.just("market"), st.sampled_from([BUY, SELL]), sizes),
        st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=10_000)),
        st.tuples(st.just("modify"), st.integers(min_value=0, max_value=10_000), prices, sizes),
    ),
    max_size=120,
)


def ticks(price: float) -> int:
    return round(price / TICK)


def native_fills(fills: list) -> list[tuple[int, int, int, int]]:
    return [(f.maker_order_id, f.taker_order_id, ticks(f.price), round(f.qty)) for f in fills]


def resting_total(book: OrderBook) -> int:
    bids, asks = book.depth(10_000)
    return round(sum(q for _, q in bids) + sum(q for _, q in asks))


def check_invariants(book: OrderBook, ref: ReferenceBook) -> None:
    for side, ref_side in ((OrderSide.Buy, ref.bids), (OrderSide.Sell, ref.asks)):
        native = [(oid, ticks(p), round(q)) for oid, p, q in book.orders(side)]
        assert native == [(o.order_id, o.price, o.qty) for o in ref_side]
        assert all(q > 0 for _, _, q in native)
    bid, ask = book.best_bid(), book.best_ask()
    if bid is not None and ask is not None:
        assert bid[0] < ask[0], "the book is crossed at rest"
    bids, asks = book.depth(10_000)
    assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
    assert [p for p, _ in asks] == sorted(p for p, _ in asks)
    assert len(book) == len(ref.bids) + len(ref.asks)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_native_book_matches_reference_fill_by_fill(ops: list[tuple]) -> None:
    book = OrderBook("TEST", TICK, lot_size=1)
    ref = ReferenceBook()
    used: list[int] = []
    next_id = 1
    for op in ops:
        before = resting_total(book)
        if op[0] in ("add", "market"):
            order_id, next_id = next_id, next_id + 1
            used.append(order_id)
            if op[0] == "add":
                _, side, price, qty, tif = op
                got = book.add_limit(order_id, SIDES[side], price * TICK, qty, TIFS[tif])
                want = ref.add(order_id, side, price, qty, tif)
            else:
                _, side, qty = op
                got = book.add_market(order_id, SIDES[side], qty)
                want = ref.add(order_id, side, None, qty, "IOC")
            removed = 0
        elif op[0] == "cancel":
            if not used:
                continue
            order_id = used[op[1] % len(used)]
            resting = ref.find(order_id)
            removed = resting.qty if resting else 0
            assert book.cancel(order_id) == ref.cancel(order_id)
            got, want = [], []
        else:
            if not used:
                continue
            _, pick, price, qty = op
            order_id = used[pick % len(used)]
            resting = ref.find(order_id)
            if resting is None:
                continue
            if (
                resting.post_only
                and price != resting.price
                and ref.would_cross(resting.side, price)
            ):
                continue  # refused by both; covered by a unit test
            removed = resting.qty
            got = book.modify(order_id, price * TICK, qty)
            want = ref.modify(order_id, price, qty)
        assert native_fills(got) == want
        check_invariants(book, ref)
        # Conservation: what rests now is what rested, less what left, plus the newcomer's
        # rest, less what the newcomer took from makers.
        incoming = book.order(order_id)
        traded = sum(q for _, _, _, q in want)
        rested_now = round(incoming[2]) if incoming is not None else 0
        if op[0] == "cancel":
            assert resting_total(book) == before - removed
        else:
            assert resting_total(book) == before - removed + rested_now - traded
