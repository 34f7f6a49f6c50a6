"""Depth replay in tick backtests: the BookView handed to on_book, message by message."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.data import DataCatalog, DepthGapWarning, load_binance_depth, load_bybit_depth
from alphaforge.records import BookView

DATA = Path(__file__).parent / "data"
T0 = 1_700_000_000_000_000_000  # ns
Row = tuple[int, str, float, float, int, int, bool]


def depth(*rows: Row) -> pd.DataFrame:
    """The canonical depth frame from (ts, side, price, size, update_id, prev_update_id,
    snapshot) rows."""
    columns = ("ts", "side", "price", "size", "update_id", "prev_update_id", "snapshot")
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype({"ts": "int64", "update_id": "int64", "prev_update_id": "int64"})


# A snapshot (id 10) at T0, then three diffs chained on it.
BOOK = depth(
    (T0, "bid", 99.0, 1.0, 10, -1, True),
    (T0, "bid", 98.0, 2.0, 10, -1, True),
    (T0, "ask", 101.0, 3.0, 10, -1, True),
    (T0, "ask", 102.0, 4.0, 10, -1, True),
    (T0 + 5, "bid", 99.0, 0.0, 11, 10, False),  # the best bid leaves
    (T0 + 5, "ask", 101.0, 5.0, 11, 10, False),
    (T0 + 9, "ask", 100.5, 1.5, 12, 11, False),  # a new best ask
    (T0 + 12, "bid", 99.5, 0.5, 13, 12, False),
    (T0 + 12, "bid", 97.0, 6.0, 13, 12, False),
)


def snapshot_of(view: BookView) -> tuple[Any, ...]:
    return (
        view.symbol,
        view.ts_ns,
        view.update_id,
        view.bid_prices.tolist(),
        view.bid_sizes.tolist(),
        view.ask_prices.tolist(),
        view.ask_sizes.tolist(),
        view.best_bid,
        view.best_ask,
    )


class BookRecorder(af.Strategy):
    """Subscribes to books (and optionally trades) and records what it is handed, in order."""

    def __init__(self, depth: int = 10, every: int = 1, trades: bool = False) -> None:
        super().__init__()
        self.depth, self.every, self.trades = depth, every, trades
        self.seen: list[tuple[Any, ...]] = []

    def on_start(self) -> None:
        if self.trades:
            self.subscribe_trades("X")
        self.subscribe_book("X", depth=self.depth, every=self.every)

    def on_book(self, book: BookView) -> None:
        self.seen.append(("book", *snapshot_of(book)))

    def on_trade(self, trade: Any) -> None:
        self.seen.append(("trade", trade.ts_ns, trade.price))


def replay(frame: pd.DataFrame, strategy: BookRecorder, **book: Any) -> BookRecorder:
    engine = af.BacktestEngine()
    engine.add_book("X", frame, **book)
    engine.add_strategy(strategy)
    engine.run()
    return strategy


def test_each_message_hands_out_the_book_it_leaves() -> None:
    seen = replay(BOOK, BookRecorder()).seen
    assert seen == [
        ("book", "X", T0, 10, [99.0, 98.0], [1.0, 2.0], [101.0, 102.0], [3.0, 4.0], 99.0, 101.0),
        ("book", "X", T0 + 5, 11, [98.0], [2.0], [101.0, 102.0], [5.0, 4.0], 98.0, 101.0),
        ("book", "X", T0 + 9, 12, [98.0], [2.0], [100.5, 101.0, 102.0], [1.5, 5.0, 4.0], 98.0,
         100.5),
        ("book", "X", T0 + 12, 13, [99.5, 98.0, 97.0], [0.5, 2.0, 6.0],
         [100.5, 101.0, 102.0], [1.5, 5.0, 4.0], 99.5, 100.5),
    ]  # fmt: skip


def test_depth_and_every_thin_the_calls() -> None:
    seen = replay(BOOK, BookRecorder(depth=1, every=2)).seen
    # The 2nd and 4th messages, one level a side.
    assert seen == [
        ("book", "X", T0 + 5, 11, [98.0], [2.0], [101.0], [5.0], 98.0, 101.0),
        ("book", "X", T0 + 12, 13, [99.5], [0.5], [100.5], [1.5], 99.5, 100.5),
    ]


def test_an_emptied_side_has_no_best() -> None:
    frame = depth(
        (T0, "bid", 99.0, 1.0, 1, -1, True),
        (T0 + 1, "bid", 99.0, 0.0, 2, 1, False),
    )
    seen = replay(frame, BookRecorder()).seen
    assert seen[1][4:] == ([], [], [], [], None, None)
    assert seen[0][-2:] == (99.0, None)


def test_a_snapshot_replaces_the_book() -> None:
    frame = pd.concat(
        [BOOK.iloc[:5], depth((T0 + 20, "ask", 103.0, 7.0, 3, -1, True))], ignore_index=True
    )
    seen = replay(frame, BookRecorder()).seen
    assert seen[-1] == ("book", "X", T0 + 20, 3, [], [], [103.0], [7.0], None, 103.0)


class KeepArrays(BookRecorder):
    """Keeps the bid prices array it is handed, and a copy of it, on each call."""

    def __init__(self) -> None:
        super().__init__()
        self.arrays: list[np.ndarray] = []
        self.copies: list[list[float]] = []
        self.same_array: list[bool] = []

    def on_book(self, book: BookView) -> None:
        previous = self.arrays[-1] if self.arrays else None
        self.same_array.append(book.bid_prices is previous)
        self.arrays.append(book.bid_prices)
        self.copies.append(book.bid_prices.copy().tolist())


def test_the_arrays_are_views_refreshed_in_place_and_a_copy_keeps_its_values() -> None:
    strategy = replay(BOOK, KeepArrays())
    assert strategy.copies == [[99.0, 98.0], [98.0], [98.0], [99.5, 98.0, 97.0]]
    # The 2nd and 3rd messages show one bid level each: the same view, refreshed.
    assert strategy.same_array == [False, False, True, False]
    # Every kept array reads the buffer as the last message left it.
    kept = [a.tolist() for a in strategy.arrays]
    assert kept == [[99.5, 98.0], [99.5], [99.5], [99.5, 98.0, 97.0]]


class KeepBooks(BookRecorder):
    def __init__(self) -> None:
        super().__init__()
        self.books: list[BookView] = []

    def on_book(self, book: BookView) -> None:
        self.books.append(book)


def test_a_kept_book_keeps_its_values() -> None:
    books = replay(BOOK, KeepBooks()).books
    assert len({id(b) for b in books}) == len(books) == 4
    assert [("book", *snapshot_of(b)) for b in books] == replay(BOOK, BookRecorder()).seen


def test_a_side_emptied_and_refilled_shows_its_new_best() -> None:
    frame = depth(
        (T0, "bid", 99.0, 1.0, 1, -1, True),
        (T0, "ask", 101.0, 1.0, 1, -1, True),
        (T0 + 1, "bid", 99.0, 0.0, 2, 1, False),
        (T0 + 2, "bid", 98.0, 2.0, 3, 2, False),
        (T0 + 3, "ask", 101.0, 0.0, 4, 3, False),
        (T0 + 3, "ask", 100.0, 3.0, 4, 3, False),
    )
    seen = replay(frame, BookRecorder()).seen
    assert [s[-2:] for s in seen] == [(99.0, 101.0), (None, 101.0), (98.0, 101.0), (98.0, 100.0)]
    assert seen[-1][4:8] == ([98.0], [2.0], [100.0], [3.0])


def test_a_book_view_made_by_hand_has_the_best_of_its_arrays() -> None:
    prices, sizes = np.array([99.0, 98.0]), np.array([1.0, 2.0])
    view = BookView("X", T0, 7, prices, sizes, np.array([]), np.array([]))
    assert (view.best_bid, view.best_ask) == (99.0, None)
    with pytest.raises(AttributeError):
        view.best_bid = 1.0  # type: ignore[misc]


class RaiseOnSecondBook(BookRecorder):
    def on_book(self, book: BookView) -> None:
        super().on_book(book)
        if len(self.seen) == 2:
            raise RuntimeError(f"refused update {book.update_id}")


def test_an_exception_in_on_book_stops_the_run_with_its_traceback() -> None:
    strategy = RaiseOnSecondBook()
    with pytest.raises(RuntimeError, match="refused update 11") as raised:
        replay(BOOK, strategy)
    assert raised.traceback[-1].name == "on_book"
    assert len(strategy.seen) == 2


def test_books_merge_in_time_with_trades_equal_times_in_the_order_added() -> None:
    trades = pd.DataFrame({"ts_ns": [T0, T0 + 7, T0 + 12], "price": [100.0, 100.2, 100.4],
                           "size": 1.0})  # fmt: skip
    for book_first in (True, False):
        engine = af.BacktestEngine()
        if book_first:
            engine.add_book("X", BOOK)
        engine.add_trades("X", trades)
        if not book_first:
            engine.add_book("X", BOOK)
        strategy = BookRecorder(trades=True)
        engine.add_strategy(strategy)
        engine.run()
        # A book record carries its ts third, a trade record second.
        order = [(e[0], e[2] if e[0] == "book" else e[1]) for e in strategy.seen]
        at_t0 = [("book", T0), ("trade", T0)] if book_first else [("trade", T0), ("book", T0)]
        at_12 = (
            [("book", T0 + 12), ("trade", T0 + 12)]
            if book_first
            else [("trade", T0 + 12), ("book", T0 + 12)]
        )
        assert order == [*at_t0, ("book", T0 + 5), ("trade", T0 + 7), ("book", T0 + 9), *at_12]


def test_a_gap_is_refused_naming_the_row_or_bridged() -> None:
    broken = BOOK.copy()
    broken.loc[6, "prev_update_id"] = 10  # message 12 claims to follow 10, not 11
    with pytest.raises(ValueError, match=r"prev_update_id\[6\] = 10: a gap; expected 11"):
        af.BacktestEngine().add_book("X", broken)
    with pytest.warns(DepthGapWarning, match=r"1 gap\(s\) bridged, 3 row\(s\) dropped"):
        seen = replay(broken, BookRecorder(), bridge_gaps=True).seen
    assert [s[3] for s in seen] == [10, 11]  # the rows after the gap are not applied


@pytest.mark.parametrize(
    ("column", "row", "value", "error", "match"),
    [
        ("side", 2, "buy", ValueError, r"side\[2\] = 'buy': must be 'bid' or 'ask'"),
        ("price", 3, -1.0, ValueError, r"price\[3\] = -1.0: must be a finite number > 0"),
        ("price", 1, float("nan"), ValueError, r"price\[1\] = nan: must be a finite number > 0"),
        ("size", 5, float("inf"), ValueError, r"size\[5\] = inf: must be a finite number >= 0"),
        ("size", 4, -2.0, ValueError, r"size\[4\] = -2.0: must be a finite number >= 0"),
        ("ts", 6, T0, ValueError, rf"ts\[6\] = {T0}: earlier than row 5"),
        ("ts", 8, T0 + 13, ValueError, r"ts\[8\] = .*: differs from the row above .* same"),
    ],
)
def test_bad_rows_are_named_and_change_nothing(
    column: str, row: int, value: object, error: type[Exception], match: str
) -> None:
    bad = BOOK.copy()
    bad[column] = bad[column].astype(object if column == "side" else bad[column].dtype)
    bad.loc[row, column] = value
    engine = af.BacktestEngine()
    with pytest.raises(error, match=match):
        engine.add_book("X", bad)
    engine.add_book("X", BOOK)  # nothing of the refused frame was kept
    strategy = BookRecorder()
    engine.add_strategy(strategy)
    engine.run()
    assert strategy.seen == replay(BOOK, BookRecorder()).seen


def test_missing_columns_and_a_second_depth_series_are_refused() -> None:
    engine = af.BacktestEngine()
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['snapshot'\]"):
        engine.add_book("X", BOOK.drop(columns="snapshot"))
    with pytest.raises(ValueError, match="not both"):
        engine.add_book("X", BOOK, ts=BOOK["ts"])
    engine.add_book("X", BOOK)
    with pytest.raises(ValueError, match="depth of X was already added"):
        engine.add_book("X", BOOK)


def test_columns_as_arrays_replay_as_the_frame() -> None:
    engine = af.BacktestEngine()
    engine.add_book("X", **{name: BOOK[name].to_numpy() for name in BOOK.columns})
    strategy = BookRecorder()
    engine.add_strategy(strategy)
    engine.run()
    assert strategy.seen == replay(BOOK, BookRecorder()).seen


def test_subscribe_book_needs_depth_and_a_positive_every() -> None:
    engine = af.BacktestEngine()
    engine.add_trades("X", pd.DataFrame({"ts_ns": [T0], "price": [1.0], "size": [1.0]}))
    engine.add_strategy(BookRecorder())
    with pytest.raises(ValueError, match="no depth of X: add it first"):
        engine.run()
    with pytest.raises(ValueError, match="every must be an int >= 1, got 0"):
        BookRecorder(every=0).on_start()


class BuyOnFirstBook(BookRecorder):
    def on_book(self, book: BookView) -> None:
        if not self.seen:
            self.buy("X", 1.0)
        super().on_book(book)


def test_orders_on_a_book_symbol_fill_on_its_book() -> None:
    # The book's ask is 101 x 3 when the order is sent: it takes 1 there, at once; the later
    # trade at 100.2 is not what fills it (tests/test_book_fills.py has the fill model).
    engine = af.BacktestEngine()
    engine.add_book("X", BOOK)
    engine.add_trades("X", pd.DataFrame({"ts_ns": [T0 + 7], "price": [100.2], "size": [1.0]}))
    engine.add_strategy(BuyOnFirstBook())
    fills = engine.run().fills
    assert fills[["qty", "price", "liquidity"]].values.tolist() == [[1.0, 101.0, "TAKER"]]
    assert fills["ts"].tolist() == [pd.Timestamp(T0, unit="ns", tz="UTC")]


def reference_book(frame: pd.DataFrame) -> tuple[list[float], ...]:
    """The top ten levels after all the rows, kept in plain dicts."""
    sides: dict[str, dict[float, float]] = {"bid": {}, "ask": {}}
    for message in frame.groupby("update_id", sort=False):
        rows = message[1]
        if rows["snapshot"].iloc[0]:
            sides = {"bid": {}, "ask": {}}
        for side, price, size in zip(rows["side"], rows["price"], rows["size"], strict=True):
            if size == 0.0:
                sides[side].pop(price, None)
            else:
                sides[side][price] = size
    bids = sorted(sides["bid"].items(), reverse=True)[:10]
    asks = sorted(sides["ask"].items())[:10]
    return ([p for p, _ in bids], [s for _, s in bids], [p for p, _ in asks], [s for _, s in asks])


def test_the_bybit_sample_replays_to_the_reference_book() -> None:
    frame = load_bybit_depth(DATA / "bybit-xrpusdt-ob500.data.zip")
    engine = af.BacktestEngine()
    engine.add_instrument("X", tick_size=0.0001, lot_size=1.0)
    engine.add_book("X", frame)
    strategy = BookRecorder()
    engine.add_strategy(strategy)
    engine.run()
    assert len(strategy.seen) == frame["update_id"].nunique()
    last = strategy.seen[-1]
    assert last[2] == frame["ts"].iloc[-1]
    assert last[3] == frame["update_id"].iloc[-1]
    expected = reference_book(frame)
    bid_prices, bid_sizes, ask_prices, ask_sizes = last[4:8]
    assert (np.round(bid_prices, 4).tolist(), bid_sizes) == expected[:2]
    assert (np.round(ask_prices, 4).tolist(), ask_sizes) == expected[2:]


def test_the_binance_sample_has_a_gap_after_its_snapshot() -> None:
    files = (DATA / "btcusdt-depth-snap.csv", DATA / "btcusdt-depth-update.csv")
    recorded = load_binance_depth(*files, check_chain=False)
    with pytest.raises(ValueError, match=r"prev_update_id\[100\] = 2098041693400: a gap"):
        af.BacktestEngine().add_book("BTCUSDT", recorded)
    engine = af.BacktestEngine()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DepthGapWarning)
        engine.add_book("BTCUSDT", recorded, bridge_gaps=True)

    views: list[tuple[Any, ...]] = []

    class Top(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_book("BTCUSDT", depth=5)

        def on_book(self, book: BookView) -> None:
            views.append(snapshot_of(book))

    engine.add_strategy(Top())
    engine.run()
    snap = recorded[recorded["snapshot"]]
    bids = snap[snap["side"] == "bid"].sort_values("price", ascending=False).head(5)
    asks = snap[snap["side"] == "ask"].sort_values("price").head(5)
    assert len(views) == 1
    assert views[0][3:7] == (
        bids["price"].tolist(), bids["size"].tolist(), asks["price"].tolist(),
        asks["size"].tolist(),
    )  # fmt: skip


def test_a_catalog_replay_from_a_start_opens_with_the_book_as_it_stood(tmp_path: Path) -> None:
    frame = load_bybit_depth(DATA / "bybit-xrpusdt-ob500.data.zip")
    catalog = DataCatalog(tmp_path)
    catalog.write_depth("X", frame)
    messages = frame.drop_duplicates("update_id")
    start = int(messages["ts"].iloc[20])  # the 21st message: 20 lead up to it
    engine = af.BacktestEngine()
    engine.add_instrument("X", tick_size=0.0001, lot_size=1.0)
    engine.add_catalog(catalog, "X", start=start)
    strategy = BookRecorder()
    engine.add_strategy(strategy)
    engine.run()
    # The first message handed out is the book the 20 messages before start built, at start.
    first = strategy.seen[0]
    assert first[2] == start
    before = reference_book(frame[frame["ts"] < start])
    assert (np.round(first[4], 4).tolist(), first[5]) == before[:2]
    assert (np.round(first[6], 4).tolist(), first[7]) == before[2:]
    assert all(seen[2] >= start for seen in strategy.seen)
    # Then every message from start on, to the same last book as a replay of the whole frame.
    assert len(strategy.seen) == 1 + frame[frame["ts"] >= start]["update_id"].nunique()
    last = strategy.seen[-1]
    assert (np.round(last[4], 4).tolist(), last[5]) == reference_book(frame)[:2]


def test_datetimes_as_ts_replay_as_their_nanoseconds() -> None:
    expected = replay(BOOK, BookRecorder()).seen
    for stamps in (pd.to_datetime(BOOK["ts"], utc=True), pd.to_datetime(BOOK["ts"])):
        assert replay(BOOK.assign(ts=stamps), BookRecorder()).seen == expected


class BestSizes(BookRecorder):
    def on_book(self, book: BookView) -> None:
        self.seen.append(
            (book.best_bid_size, book.best_ask_size, book.bid_sizes[:1].tolist(),
             book.ask_sizes[:1].tolist())
        )  # fmt: skip


def test_the_best_sizes_are_the_first_sizes_shown_refreshed_each_message() -> None:
    frame = depth(
        (T0, "bid", 99.0, 1.0, 1, -1, True),
        (T0, "ask", 101.0, 1.5, 1, -1, True),
        (T0 + 1, "bid", 99.0, 0.0, 2, 1, False),  # the bids empty
        (T0 + 2, "bid", 98.0, 2.0, 3, 2, False),
        (T0 + 3, "ask", 101.0, 4.0, 4, 3, False),  # the best ask's size changes, not its price
    )
    seen = replay(frame, BestSizes()).seen
    assert seen == [
        (1.0, 1.5, [1.0], [1.5]),
        (None, 1.5, [], [1.5]),
        (2.0, 1.5, [2.0], [1.5]),
        (2.0, 4.0, [2.0], [4.0]),
    ]
