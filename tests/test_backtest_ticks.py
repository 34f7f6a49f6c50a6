"""Tick backtests: fills after the latency, at the opposite quote or the trade, hand-computed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import alphaforge as af
from alphaforge.records import FillRecord, OrderRecord

T0 = 1_700_000_000_000_000_000  # ns
SECOND = 1_000_000_000


def trades(*rows: tuple[float, float, float]) -> pd.DataFrame:
    """Trades from (seconds after T0, price, size)."""
    return pd.DataFrame(
        {
            "ts_ns": [T0 + round(s * SECOND) for s, _, _ in rows],
            "price": [p for _, p, _ in rows],
            "size": [q for _, _, q in rows],
        }
    )


def quotes(*rows: tuple[float, float, float]) -> pd.DataFrame:
    """Quotes from (seconds after T0, bid, ask), sizes of 1."""
    return pd.DataFrame(
        {
            "ts_ns": [T0 + round(s * SECOND) for s, _, _ in rows],
            "bid": [b for _, b, _ in rows],
            "ask": [a for _, _, a in rows],
            "bid_size": 1.0,
            "ask_size": 1.0,
        }
    )


Action = Callable[[af.Strategy], Any]


class OnTicks(af.Strategy):
    """Runs the actions given for the n-th trade (and quote) it sees; records what it gets."""

    def __init__(
        self,
        on_trade: dict[int, list[Action]] | None = None,
        on_quote: dict[int, list[Action]] | None = None,
        name: str = "s1",
        symbol: str = "X",
    ) -> None:
        super().__init__(name)
        self.symbol = symbol
        self.trade_actions = on_trade or {}
        self.quote_actions = on_quote or {}
        self.trades: list[tuple[int, float]] = []
        self.quotes: list[tuple[int, float, float]] = []
        self.fills: list[FillRecord] = []
        self.updates: list[OrderRecord] = []

    def on_start(self) -> None:
        self.subscribe_trades(self.symbol)
        if self.quote_actions:
            self.subscribe_quotes(self.symbol)

    def on_trade(self, trade: Any) -> None:
        self.trades.append((trade.ts_ns, trade.price))
        for action in self.trade_actions.get(len(self.trades) - 1, []):
            action(self)

    def on_quote(self, quote: Any) -> None:
        self.quotes.append((quote.ts_ns, quote.bid, quote.ask))
        for action in self.quote_actions.get(len(self.quotes) - 1, []):
            action(self)

    def on_fill(self, fill: FillRecord) -> None:
        self.fills.append(fill)

    def on_order_update(self, order: OrderRecord) -> None:
        self.updates.append(order)


def engine_with(
    trade_rows: list[tuple[float, float, float]] | None = None,
    quote_rows: list[tuple[float, float, float]] | None = None,
    **options: Any,
) -> af.BacktestEngine:
    engine = af.BacktestEngine(**options)
    engine.add_instrument("X", tick_size=0.5)
    if trade_rows:
        engine.add_trades("X", trades(*trade_rows))
    if quote_rows:
        engine.add_quotes("X", quotes(*quote_rows))
    return engine


def fills_of(result: af.BacktestResult) -> list[tuple[int, str, float, float, str]]:
    """(ns after T0, side, qty, price, liquidity) of every fill."""
    f = result.fills
    return [
        (int(ts.value) - T0, side, qty, price, liq)
        for ts, side, qty, price, liq in zip(f.ts, f.side, f.qty, f.price, f.liquidity, strict=True)
    ]


TRADES = [(1, 100.0, 1.0), (2, 101.0, 2.0), (3, 99.0, 1.0), (4, 102.0, 1.0), (5, 100.0, 1.0)]


def test_market_order_fills_at_the_next_trade_as_taker() -> None:
    engine = engine_with(TRADES, fees=(0.001, 0.002))
    strategy = OnTicks({0: [lambda s: s.buy("X", 3)], 2: [lambda s: s.sell("X", 3)]})
    engine.add_strategy(strategy)
    result = engine.run()
    assert fills_of(result) == [
        (2 * SECOND, "BUY", 3.0, 101.0, "TAKER"),
        (4 * SECOND, "SELL", 3.0, 102.0, "TAKER"),
    ]
    assert list(result.fills["fee"]) == pytest.approx([303 * 0.002, 306 * 0.002], abs=1e-12)
    cash = 100_000.0 - 303.0 - 0.606 + 306.0 - 0.612
    assert result.final_equity == pytest.approx(cash, abs=1e-9)
    assert strategy.position("X") == 0.0


def test_latency_delays_the_fill_to_the_first_trade_at_or_after_arrival() -> None:
    # Sent at 1 s; with 2 s of latency the order reaches the market at 3 s: the trade at 3 s.
    engine = engine_with(TRADES, latency=2.0)
    engine.add_strategy(OnTicks({0: [lambda s: s.buy("X", 1)]}))
    assert fills_of(engine.run()) == [(3 * SECOND, "BUY", 1.0, 99.0, "TAKER")]
    # 2.5 s of latency: arrival at 3.5 s, so the trade at 4 s.
    engine = engine_with(TRADES, latency=pd.Timedelta(milliseconds=2500))
    engine.add_strategy(OnTicks({0: [lambda s: s.buy("X", 1)]}))
    assert fills_of(engine.run()) == [(4 * SECOND, "BUY", 1.0, 102.0, "TAKER")]


def test_market_orders_pay_the_opposite_quote_in_force() -> None:
    quote_rows = [(0.5, 99.5, 100.5), (1.5, 100.0, 101.5), (3.5, 98.0, 99.0)]
    engine = engine_with(TRADES, quote_rows)
    strategy = OnTicks({0: [lambda s: s.buy("X", 2)], 2: [lambda s: s.sell("X", 2)]})
    engine.add_strategy(strategy)
    result = engine.run()
    # Bought on the quote at 1.5 s (ask 101.5); sold on the quote at 3.5 s (bid 98).
    assert fills_of(result) == [
        (int(1.5 * SECOND), "BUY", 2.0, 101.5, "TAKER"),
        (int(3.5 * SECOND), "SELL", 2.0, 98.0, "TAKER"),
    ]


def test_slippage_moves_market_fills_by_a_price_distance() -> None:
    engine = engine_with(TRADES, slippage_price=1.0)
    engine.add_strategy(OnTicks({0: [lambda s: s.buy("X", 1)], 1: [lambda s: s.sell("X", 1)]}))
    assert fills_of(engine.run()) == [
        (2 * SECOND, "BUY", 1.0, 102.0, "TAKER"),
        (3 * SECOND, "SELL", 1.0, 98.0, "TAKER"),
    ]


def test_resting_limit_fills_at_its_price_as_maker_only_when_traded_through() -> None:
    rows = [(1, 100.0, 1.0), (2, 99.5, 1.0), (3, 99.0, 1.0), (4, 99.0, 1.0), (5, 98.5, 1.0)]
    engine = engine_with(rows, fees=(0.001, 0.002))
    # A buy at 99: the print at exactly 99 (3 s, 4 s) does not prove the queue reached it;
    # the print at 98.5 trades through it.
    engine.add_strategy(OnTicks({0: [lambda s: s.buy("X", 2, limit=99.0)]}))
    result = engine.run()
    assert fills_of(result) == [(5 * SECOND, "BUY", 2.0, 99.0, "MAKER")]
    assert result.fills["fee"].iloc[0] == pytest.approx(198 * 0.001, abs=1e-12)


def test_marketable_limit_takes_at_the_better_market_price() -> None:
    engine = engine_with(TRADES)
    engine.add_strategy(OnTicks({0: [lambda s: s.buy("X", 1, limit=101.5)]}))
    assert fills_of(engine.run()) == [(2 * SECOND, "BUY", 1.0, 101.0, "TAKER")]


def test_resting_limit_fills_when_the_opposite_quote_reaches_it() -> None:
    quote_rows = [(0.5, 99.5, 100.5), (1.5, 99.0, 100.0), (2.5, 98.0, 99.0)]
    engine = engine_with(TRADES, quote_rows)
    # Arrives on the quote at 1.5 s: ask 100 is above 99.5, so it rests; the ask of 99 at 2.5 s
    # reaches it. (The print at 3 s at 99 would have filled it as well.)
    engine.add_strategy(OnTicks({0: [lambda s: s.buy("X", 1, limit=99.5)]}))
    assert fills_of(engine.run()) == [(int(2.5 * SECOND), "BUY", 1.0, 99.5, "MAKER")]


def test_sell_limit_and_sell_stop_mirror_the_buy_side() -> None:
    rows = [(1, 100.0, 1.0), (2, 101.0, 1.0), (3, 102.5, 1.0), (4, 99.0, 1.0), (5, 97.0, 1.0)]
    engine = engine_with(rows)
    strategy = OnTicks(
        {
            0: [lambda s: s.buy("X", 2), lambda s: s.sell("X", 1, limit=102.0)],
            1: [lambda s: s.submit_order("X", "SELL", 1, stop=99.5)],
        }
    )
    engine.add_strategy(strategy)
    # Bought at 101 (2 s); the limit rests at 102 and fills when 102.5 prints (3 s); the stop
    # at 99.5 fires on the print at 99 (4 s) and takes that print's price.
    assert fills_of(engine.run()) == [
        (2 * SECOND, "BUY", 2.0, 101.0, "TAKER"),
        (3 * SECOND, "SELL", 1.0, 102.0, "MAKER"),
        (4 * SECOND, "SELL", 1.0, 99.0, "TAKER"),
    ]
    assert strategy.position("X") == 0.0


def test_buy_stop_fires_on_a_print_at_or_through_it_and_takes_the_ask_when_quoted() -> None:
    quote_rows = [(0.5, 99.5, 100.5), (3.5, 101.5, 102.0)]
    engine = engine_with(TRADES, quote_rows)
    engine.add_strategy(OnTicks({0: [lambda s: s.submit_order("X", "BUY", 1, stop=101.0)]}))
    # The print at 101 (2 s) fires it; the quote in force then asks 100.5.
    assert fills_of(engine.run()) == [(2 * SECOND, "BUY", 1.0, 100.5, "TAKER")]


def test_stop_limit_rests_as_a_limit_once_fired() -> None:
    rows = [(1, 100.0, 1.0), (2, 103.0, 1.0), (3, 102.0, 1.0), (4, 101.0, 1.0)]
    engine = engine_with(rows)
    engine.add_strategy(
        OnTicks({0: [lambda s: s.submit_order("X", "BUY", 1, stop=102.0, limit=101.5)]})
    )
    # Fired at 103 (above its limit: rests), filled as maker when 101 prints through 101.5.
    assert fills_of(engine.run()) == [(4 * SECOND, "BUY", 1.0, 101.5, "MAKER")]


def test_orders_sent_from_on_fill_wait_for_the_next_event() -> None:
    class Flip(OnTicks):
        def on_fill(self, fill: FillRecord) -> None:
            super().on_fill(fill)
            if fill.side == "BUY":
                self.sell("X", fill.qty)

    engine = engine_with(TRADES)
    strategy = Flip({0: [lambda s: s.buy("X", 1)]})
    engine.add_strategy(strategy)
    result = engine.run()
    assert fills_of(result) == [
        (2 * SECOND, "BUY", 1.0, 101.0, "TAKER"),
        (3 * SECOND, "SELL", 1.0, 99.0, "TAKER"),
    ]
    assert [u.status for u in strategy.updates] == ["ACCEPTED", "FILLED", "ACCEPTED", "FILLED"]
    assert [f.liquidity for f in strategy.fills] == ["TAKER", "TAKER"]


def test_cancel_before_arrival_and_after_fill() -> None:
    ids: list[int] = []
    engine = engine_with(TRADES, latency=1.5)
    strategy = OnTicks(
        {0: [lambda s: ids.append(s.buy("X", 1))], 1: [lambda s: ids.append(int(s.cancel(ids[0])))]}
    )
    engine.add_strategy(strategy)
    result = engine.run()
    assert result.fills.empty
    assert ids[1] == 1
    assert result.orders["status"].tolist() == ["CANCELED"]


def test_bars_built_from_trades_equal_aggregate_bars_and_fill_like_a_bar_backtest() -> None:
    # Three minutes of trades, one every 10 s.
    rows = [(10.0 * i, 100.0 + (i % 7) - (i % 3), 1.0 + i % 2) for i in range(18)]
    frame = trades(*rows)
    bars_seen: list[tuple[int, float, float, float, float, float]] = []

    class OnBars(af.Strategy):
        def __init__(self, spec: str | None) -> None:
            super().__init__()
            self.spec = spec

        def on_start(self) -> None:
            self.subscribe_bars("X", self.spec)

        def on_bar(self, bar: Any) -> None:
            bars_seen.append((bar.ts, bar.open, bar.high, bar.low, bar.close, bar.volume))
            self.buy("X", 1) if self.position("X") == 0 else self.sell("X", 1)

    engine = af.BacktestEngine()
    engine.add_trades("X", frame)
    engine.add_strategy(OnBars("1min"))
    tick_result = engine.run()

    expected = af.data.aggregate_bars(
        frame["ts_ns"].to_numpy(), frame["price"].to_numpy(), frame["size"].to_numpy(), "1min"
    )
    assert bars_seen == [
        (int(ts.value), o, h, lo, c, v)
        for ts, o, h, lo, c, v in zip(
            expected.index,
            expected["open"],
            expected["high"],
            expected["low"],
            expected["close"],
            expected["volume"],
            strict=True,
        )
    ]
    bar_engine = af.BacktestEngine()
    bar_engine.add_bars("X", expected[["open", "high", "low", "close", "volume"]])
    bar_engine.add_strategy(OnBars(None))
    bar_result = bar_engine.run()
    columns = ["side", "qty", "price"]
    # Each bar's order fills at the next bar's open, the first trade past the boundary, in both
    # runs; the order sent from the last bar (emitted at the end) never fills.
    assert len(expected) == 4
    assert len(tick_result.fills) == 3
    pd.testing.assert_frame_equal(tick_result.fills[columns], bar_result.fills[columns])


def test_equity_is_sampled_per_interval_and_marked_at_the_last_price() -> None:
    rows = [(10, 100.0, 1.0), (70, 102.0, 1.0), (80, 104.0, 1.0), (200, 101.0, 1.0)]
    engine = engine_with(rows, equity_interval="1min")
    engine.add_strategy(OnTicks({0: [lambda s: s.buy("X", 10)]}))
    result = engine.run()
    # Bought 10 at 102 (70 s). Points at the end of each minute with events: 60 s (before
    # the fill), 120 s (marked at 104), 240 s (marked at 101, the final point).
    minute = 60 * SECOND
    base = T0 - T0 % minute
    assert [int(t.value) for t in result.equity.index] == [
        base + minute,
        base + 2 * minute,
        base + 4 * minute,
    ]
    assert result.equity["equity"].tolist() == pytest.approx(
        [100_000.0, 100_000.0 + 10 * (104 - 102), 100_000.0 + 10 * (101 - 102)], abs=1e-9
    )
    assert result.equity["cash"].iloc[-1] == pytest.approx(100_000.0 - 1020.0, abs=1e-9)


def test_runs_are_deterministic() -> None:
    def once() -> pd.DataFrame:
        engine = engine_with(TRADES, [(0.5, 99.5, 100.5), (2.5, 98.0, 99.0)], latency=0.25)
        engine.add_strategy(
            OnTicks(
                {0: [lambda s: s.buy("X", 1)], 3: [lambda s: s.sell("X", 1)]},
                {0: [lambda s: s.buy("X", 1, limit=99.0)]},
            )
        )
        return engine.run().fills

    pd.testing.assert_frame_equal(once(), once())


def test_catalog_drives_the_replay(tmp_path: Any) -> None:
    catalog = af.data.DataCatalog(tmp_path)
    catalog.write_trades("X", trades(*TRADES))
    catalog.write_quotes("X", quotes((0.5, 99.5, 100.5)))
    engine = af.BacktestEngine()
    engine.add_instrument("X", tick_size=0.5)
    engine.add_catalog(catalog, "X", start=T0 + SECOND, end=T0 + 4 * SECOND)
    strategy = OnTicks({0: [lambda s: s.buy("X", 1)]})
    engine.add_strategy(strategy)
    result = engine.run()
    # Trades 1 s .. 3 s in range; the quote at 0.5 s is not, so the buy takes the trade price.
    assert [p for _, p in strategy.trades] == [100.0, 101.0, 99.0]
    assert fills_of(result) == [(2 * SECOND, "BUY", 1.0, 101.0, "TAKER")]
    with pytest.raises(ValueError, match="no trades, quotes or depth of Y"):
        af.BacktestEngine().add_catalog(catalog, "Y")


def test_trades_with_a_datetime_index_are_accepted() -> None:
    frame = trades(*TRADES)
    frame.index = pd.to_datetime(frame.pop("ts_ns"), unit="ns", utc=True)
    engine = af.BacktestEngine()
    engine.add_trades("X", frame)
    engine.add_strategy(OnTicks({0: [lambda s: s.buy("X", 1)]}))
    assert fills_of(engine.run()) == [(2 * SECOND, "BUY", 1.0, 101.0, "TAKER")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(ts_ns=f["ts_ns"][::-1].to_numpy()), r"ts_ns\[1\].*earlier"),
        (lambda f: f.assign(price=[100.0, -1.0, 99.0, 102.0, 100.0]), r"price\[1\] = -1"),
        (lambda f: f.assign(size=[1.0, 1.0, float("nan"), 1.0, 1.0]), r"size\[2\]"),
        (lambda f: f.drop(columns=["size"]), "size"),
        (lambda f: f.iloc[:0], "empty"),
    ],
)
def test_bad_trades_are_refused_and_nothing_is_added(
    change: Callable[[pd.DataFrame], pd.DataFrame], message: str
) -> None:
    engine = af.BacktestEngine()
    engine.add_instrument("X", tick_size=0.5)
    with pytest.raises(ValueError, match=message):
        engine.add_trades("X", change(trades(*TRADES)))
    engine.add_trades("X", trades(*TRADES))  # the symbol is still free


def test_bad_quotes_are_refused() -> None:
    engine = af.BacktestEngine()
    with pytest.raises(ValueError, match=r"bid\[0\].*crossed"):
        engine.add_quotes("X", quotes((1, 101.0, 100.0)))


def test_misuse_is_refused_with_a_reason() -> None:
    engine = engine_with(TRADES)
    with pytest.raises(ValueError, match="already added"):
        engine.add_trades("X", trades(*TRADES))
    with pytest.raises(ValueError, match="do not mix"):
        engine.add_bars(
            "X",
            pd.DataFrame(
                {"open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0], "volume": [1.0]},
                index=pd.DatetimeIndex(["2024-01-01"], tz="UTC"),
            ),
        )

    class NoSpec(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_bars("X")

    engine.add_strategy(NoSpec())
    with pytest.raises(ValueError, match="give a spec"):
        engine.run()

    class QuotesMissing(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_quotes("X")

    engine = engine_with(TRADES)
    engine.add_strategy(QuotesMissing())
    with pytest.raises(ValueError, match="no quotes of X"):
        engine.run()

    class BarsFromQuotes(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_bars("X", "1min")

    engine = engine_with(quote_rows=[(1, 99.5, 100.5)])
    engine.add_strategy(BarsFromQuotes())
    with pytest.raises(ValueError, match="bars are built from trades"):
        engine.run()

    for options, field in [
        ({"latency": -1.0}, "latency"),
        ({"equity_interval": "100tick"}, "equity_interval"),
    ]:
        with pytest.raises(ValueError, match=field):
            af.BacktestEngine(**options)


def test_on_trade_hands_out_a_view_that_copy_keeps() -> None:
    kept: list[Any] = []

    class Keep(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_trades("X")

        def on_trade(self, trade: Any) -> None:
            kept.append(trade.copy())

    engine = engine_with(TRADES)
    engine.add_strategy(Keep())
    engine.run()
    assert [(t.symbol, t.price, t.size) for t in kept] == [("X", p, q) for _, p, q in TRADES]


def test_time_in_force_on_arrival() -> None:
    # At 2 s the market is 101: an IOC buy at 100.5 cannot take and expires; an IOC at 101.5
    # takes at 101; a POST_ONLY buy at 101.5 would take and expires; one at 100 rests and
    # fills as maker when 99 prints.
    engine = engine_with(TRADES)
    strategy = OnTicks(
        {
            0: [
                lambda s: s.buy("X", 1, limit=100.5),
                lambda s: s.submit_order("X", "BUY", 1, limit=100.5, time_in_force="IOC"),
                lambda s: s.submit_order("X", "BUY", 2, limit=101.5, time_in_force="FOK"),
                lambda s: s.submit_order("X", "BUY", 3, limit=101.5, time_in_force="POST_ONLY"),
                lambda s: s.submit_order("X", "BUY", 4, limit=100.0, time_in_force="POST_ONLY"),
            ]
        }
    )
    engine.add_strategy(strategy)
    result = engine.run()
    assert fills_of(result) == [
        (2 * SECOND, "BUY", 2.0, 101.0, "TAKER"),
        (3 * SECOND, "BUY", 1.0, 100.5, "MAKER"),
        (3 * SECOND, "BUY", 4.0, 100.0, "MAKER"),
    ]
    orders = result.orders.set_index("order_id")
    assert orders["status"].tolist() == ["FILLED", "EXPIRED", "FILLED", "EXPIRED", "FILLED"]
    assert "found no price" in orders.loc[2, "reject_reason"]
    assert "would take liquidity" in orders.loc[4, "reject_reason"]
    expired = [u for u in strategy.updates if u.status == "EXPIRED"]
    assert [u.order_id for u in expired] == [2, 4]
    with pytest.raises(ValueError, match="POST_ONLY needs a limit"):
        engine_with(TRADES)._ticks.submit("X", "s", "BUY", "MARKET", 1, None, None, "POST_ONLY")
    with pytest.raises(ValueError, match="time_in_force must be"):
        engine_with(TRADES)._ticks.submit("X", "s", "BUY", "MARKET", 1, None, None, "DAY")


def test_instruments_come_before_data_and_cover_every_symbol() -> None:
    engine = af.BacktestEngine()
    engine.add_instrument("A", tick_size=0.5)
    with pytest.raises(ValueError, match="'B' is not a registered instrument"):
        engine.add_trades("B", trades(*TRADES))
    engine.add_trades("A", trades(*TRADES))
    with pytest.raises(ValueError, match="instrument of A before its market data"):
        engine.add_instrument("A", tick_size=0.25)
    engine = af.BacktestEngine()
    engine.add_trades("B", trades(*TRADES))
    with pytest.raises(ValueError, match="instrument of B before its market data"):
        engine.add_instrument("B", tick_size=0.25)


def test_strategies_on_ticks_share_one_account() -> None:
    engine = engine_with(TRADES, fees=0.001)
    first = OnTicks({0: [lambda s: s.buy("X", 2)]}, name="a")
    second = OnTicks({1: [lambda s: s.sell("X", 1)]}, name="b")
    engine.add_strategy(first)
    engine.add_strategy(second)
    result = engine.run()
    assert fills_of(result) == [
        (2 * SECOND, "BUY", 2.0, 101.0, "TAKER"),
        (3 * SECOND, "SELL", 1.0, 99.0, "TAKER"),
    ]
    assert (first.position("X"), second.position("X")) == (2.0, -1.0)
    cash = 100_000.0 - 202.0 - 0.202 + 99.0 - 0.099
    assert result.equity["cash"].iloc[-1] == pytest.approx(cash, abs=1e-9)
    # Marked at the last print, 100: two long, one short.
    assert result.final_equity == pytest.approx(cash + 2 * 100.0 - 1 * 100.0, abs=1e-9)
    positions = result.positions.set_index("strategy")
    assert positions.loc["a", "qty"] == 2.0
    assert positions.loc["b", "qty"] == -1.0
