"""Orders, fills, fees and balances of the replay exchange, against hand-computed references.

The exchange runs without its server here, over a market the test holds still: bids 0.1 BTC at
39430.00 and 0.2 at 39429.00, asks 0.1 at 39431.00 and 0.3 at 39432.00 (tick 0.01, lot 1e-6).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from alphaforge.replay.errors import BinanceError
from alphaforge.replay.exchange import Exchange, ReplayedTrade
from alphaforge.replay.params import Params
from replay_helpers import StaticMarket, dec, exchange_on

KEY = next(iter(exchange_on(StaticMarket({}, {}, None)).accounts))
BIDS = {3943000: 100_000, 3942900: 200_000}
ASKS = {3943100: 100_000, 3943200: 300_000}


def market() -> StaticMarket:
    return StaticMarket(dict(BIDS), dict(ASKS), 3943050)


def new_exchange(**fields: object) -> tuple[Exchange, list[dict[str, object]]]:
    exchange = exchange_on(market(), **fields)
    events: list[dict[str, object]] = []
    exchange.listeners[KEY].append(events.append)
    return exchange, events


def place(exchange: Exchange, **params: object) -> dict[str, object]:
    return exchange.place(KEY, Params({"symbol": "BTCUSDT", **params}))


def balance(exchange: Exchange, asset: str) -> tuple[Decimal, Decimal]:
    return exchange.accounts[KEY].balances()[asset]


def reports(events: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(e["x"], e["X"]) for e in events if e["e"] == "executionReport"]


def test_market_buy_walks_the_levels_and_pays_commission_in_the_base_asset() -> None:
    exchange, events = new_exchange()
    response = place(exchange, side="BUY", type="MARKET", quantity="0.25")
    assert response["status"] == "FILLED"
    assert [
        (f["price"], f["qty"], f["commission"], f["commissionAsset"]) for f in response["fills"]
    ] == [  # type: ignore[union-attr]
        ("39431.00000000", "0.10000000", "0.00010000", "BTC"),
        ("39432.00000000", "0.15000000", "0.00015000", "BTC"),
    ]
    # 0.1 * 39431 + 0.15 * 39432 = 3943.1 + 5914.8 USDT; 0.25 BTC less 0.1% taker commission.
    assert balance(exchange, "USDT") == (dec("100000") - dec("9857.9"), 0)
    assert balance(exchange, "BTC") == (dec("1.24975"), 0)
    assert response["cummulativeQuoteQty"] == "9857.90000000"
    assert reports(events) == [
        ("NEW", "NEW"),
        ("TRADE", "PARTIALLY_FILLED"),
        ("TRADE", "FILLED"),
    ]
    position = events[-1]
    assert position["e"] == "outboundAccountPosition"
    assert position["B"] == [
        {"a": "BTC", "f": "1.24975000", "l": "0.00000000"},
        {"a": "USDT", "f": "90142.10000000", "l": "0.00000000"},
    ]
    trade = events[1]
    assert (trade["l"], trade["L"], trade["z"], trade["n"], trade["N"], trade["m"]) == (
        "0.10000000",
        "39431.00000000",
        "0.10000000",
        "0.00010000",
        "BTC",
        False,
    )
    assert trade["t"] == 1
    assert events[2]["t"] == 2
    assert [e["I"] for e in events[:3]] == [1, 2, 3]


def test_market_sell_pays_commission_in_the_quote_asset() -> None:
    exchange, _ = new_exchange()
    place(exchange, side="SELL", type="MARKET", quantity="0.3")
    # 0.1 at 39430 and 0.2 at 39429: 3943 + 7885.8 = 11828.8 USDT, less 0.1%.
    proceeds = dec("11828.8")
    assert balance(exchange, "USDT") == (dec("100000") + proceeds - proceeds / 1000, 0)
    assert balance(exchange, "BTC") == (dec("0.7"), 0)


def test_market_buy_by_quote_amount_spends_at_most_the_amount() -> None:
    exchange, _ = new_exchange()
    response = place(exchange, side="BUY", type="MARKET", quoteOrderQty="5000")
    # 3943.1 for the first 0.1; the remaining 1056.9 buys floor(1056.9 / 39432, 1e-6) = 0.026803.
    assert response["executedQty"] == "0.12680300"
    assert response["cummulativeQuoteQty"] == f"{dec('3943.1') + dec('0.026803') * 39432:.8f}"
    assert response["origQuoteOrderQty"] == "5000.00000000"


def test_a_resting_limit_order_locks_funds_and_a_cancel_releases_them() -> None:
    exchange, events = new_exchange()
    response = place(
        exchange, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.5", price="39000"
    )
    assert response["status"] == "NEW"
    assert balance(exchange, "USDT") == (dec("80500"), dec("19500"))
    order_id = response["orderId"]
    canceled = exchange.cancel(
        KEY, Params({"symbol": "BTCUSDT", "orderId": order_id, "newClientOrderId": "undo-1"})
    )
    assert canceled["status"] == "CANCELED"
    assert canceled["clientOrderId"] == "undo-1"
    assert canceled["origClientOrderId"] == response["clientOrderId"]
    assert balance(exchange, "USDT") == (dec("100000"), 0)
    last = [e for e in events if e["e"] == "executionReport"][-1]
    assert (last["x"], last["c"], last["C"]) == ("CANCELED", "undo-1", response["clientOrderId"])
    with pytest.raises(BinanceError) as error:
        exchange.cancel(KEY, Params({"symbol": "BTCUSDT", "orderId": order_id}))
    assert (error.value.code, error.value.msg) == (-2011, "Unknown order sent.")


def test_a_crossing_limit_buy_takes_at_the_resting_prices_and_refunds_the_improvement() -> None:
    exchange, _ = new_exchange()
    response = place(
        exchange, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.2", price="39432"
    )
    assert response["status"] == "FILLED"
    # Locked 0.2 * 39432 = 7886.4; spent 3943.1 + 3943.2 = 7886.3; 0.1 comes back as free.
    assert balance(exchange, "USDT") == (dec("100000") - dec("7886.3"), 0)


def test_ioc_expires_its_rest_and_fok_trades_all_or_nothing() -> None:
    exchange, events = new_exchange()
    ioc = place(
        exchange, side="BUY", type="LIMIT", timeInForce="IOC", quantity="0.15", price="39431"
    )
    assert (ioc["status"], ioc["executedQty"]) == ("EXPIRED", "0.10000000")
    assert reports(events)[-1] == ("EXPIRED", "EXPIRED")
    assert balance(exchange, "USDT")[1] == 0
    before = exchange.accounts[KEY].balances()
    fok = place(exchange, side="BUY", type="LIMIT", timeInForce="FOK", quantity="1", price="39432")
    assert (fok["status"], fok["executedQty"], fok["fills"]) == ("EXPIRED", "0.00000000", [])
    assert exchange.accounts[KEY].balances() == before


def test_limit_maker_that_would_take_is_rejected_and_changes_nothing() -> None:
    exchange, events = new_exchange()
    with pytest.raises(BinanceError) as error:
        place(exchange, side="BUY", type="LIMIT_MAKER", quantity="0.1", price="39431")
    assert (error.value.code, error.value.msg) == (-2010, "Order would immediately match and take.")
    assert exchange.orders == {}
    assert events == []
    maker = place(exchange, side="BUY", type="LIMIT_MAKER", quantity="0.1", price="39430.5")
    assert set(maker) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    assert exchange.orders[maker["orderId"]].status == "NEW"  # type: ignore[index]


def test_insufficient_balance_is_refused() -> None:
    exchange, _ = new_exchange()
    for params in (
        {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "3", "price": "39000"},
        {
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "1.5",
            "price": "40000",
        },
        {"side": "BUY", "type": "MARKET", "quantity": "0.4", "quoteOrderQty": None},
    ):
        params = {k: v for k, v in params.items() if v is not None}
        if params["type"] == "MARKET":
            exchange.accounts[KEY].spend_free("USDT", dec("95000"))
        with pytest.raises(BinanceError) as error:
            place(exchange, **params)
        assert (error.value.code, error.value.msg) == (
            -2010,
            "Account has insufficient balance for requested action.",
        )
    assert exchange.orders == {}


def test_a_client_order_id_is_a_duplicate_only_while_its_order_is_open() -> None:
    exchange, _ = new_exchange()
    order = {
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.1",
        "price": "39000",
    }
    first = place(exchange, newClientOrderId="mine-1", **order)
    with pytest.raises(BinanceError) as error:
        place(exchange, newClientOrderId="mine-1", **order)
    assert (error.value.code, error.value.msg) == (-2010, "Duplicate order sent.")
    exchange.cancel(KEY, Params({"symbol": "BTCUSDT", "origClientOrderId": "mine-1"}))
    second = place(exchange, newClientOrderId="mine-1", **order)
    assert second["orderId"] != first["orderId"]
    found = exchange.query(KEY, Params({"symbol": "BTCUSDT", "origClientOrderId": "mine-1"}))
    assert found["orderId"] == second["orderId"]
    filled = place(exchange, newClientOrderId="mine-2", side="BUY", type="MARKET", quantity="0.01")
    assert filled["status"] == "FILLED"
    assert place(exchange, newClientOrderId="mine-2", **order)["status"] == "NEW"


@pytest.mark.parametrize(
    ("params", "code", "msg"),
    [
        ({"price": "39000.005"}, -1013, "Filter failure: PRICE_FILTER"),
        ({"quantity": "0.0000001"}, -1013, "Filter failure: LOT_SIZE"),
        ({"quantity": "0.1000005"}, -1013, "Filter failure: LOT_SIZE"),
        ({"quantity": "0.0001"}, -1013, "Filter failure: NOTIONAL"),
        ({"quantity": "0.123456789"}, -1111, "Parameter 'quantity' has too much precision."),
        ({"side": "UP"}, -1117, "Invalid side."),
        ({"type": "OCO"}, -1116, "Invalid orderType."),
        ({"timeInForce": "GTX"}, -1115, "Invalid timeInForce."),
        (
            {"price": None},
            -1102,
            "Mandatory parameter 'price' was not sent, was empty/null, or malformed.",
        ),
        ({"price": "abc"}, -1100, None),
        ({"symbol": "ETHUSDT"}, -1121, "Invalid symbol."),
        ({"stopPrice": "39000"}, -1106, "Parameter 'stopPrice' sent when not required."),
    ],
)
def test_bad_orders_get_binance_codes_and_change_nothing(
    params: dict[str, object], code: int, msg: str | None
) -> None:
    exchange, events = new_exchange()
    order = {
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.1",
        "price": "39000",
    }
    order.update(params)  # type: ignore[arg-type]
    with pytest.raises(BinanceError) as error:
        exchange.place(
            KEY, Params({"symbol": "BTCUSDT", **{k: v for k, v in order.items() if v is not None}})
        )
    assert error.value.code == code
    if msg is not None:
        assert error.value.msg == msg
    assert exchange.orders == {}
    assert events == []
    assert exchange.accounts[KEY].balances() == {"BTC": (1, 0), "USDT": (100000, 0)}


def test_a_replayed_trade_through_a_resting_order_fills_it_as_maker() -> None:
    exchange, events = new_exchange()
    order = place(
        exchange, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.3", price="39430.5"
    )
    exchange.on_market([ReplayedTrade(ticks=3943000, lots=1_000, seller=True)])
    fill = exchange.fills[KEY][0]
    # The market sold down to 39430.00, so it traded through the order at 39430.50: all of it.
    assert (fill.price, fill.qty, fill.is_maker) == (dec("39430.5"), dec("0.3"), True)
    assert exchange.orders[order["orderId"]].status == "FILLED"  # type: ignore[index]
    assert fill.commission == dec("0.0003")  # maker rate, in BTC
    assert reports(events)[-1] == ("TRADE", "FILLED")
    assert events[-2]["m"] is True


def test_a_replayed_trade_at_the_order_price_fills_only_its_size_after_the_queue_ahead() -> None:
    exchange, _ = new_exchange()
    place(exchange, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.3", price="39430")
    # 0.1 of derived liquidity rests ahead of the order at 39430.00; the trade sold 0.15 there.
    exchange.on_market([ReplayedTrade(ticks=3943000, lots=150_000, seller=True)])
    assert [f.qty for f in exchange.fills[KEY]] == [dec("0.05")]
    exchange.on_market([ReplayedTrade(ticks=3943000, lots=150_000, seller=True)])
    assert [f.qty for f in exchange.fills[KEY]] == [dec("0.05"), dec("0.15")]
    assert balance(exchange, "USDT") == (dec("100000") - dec("11829"), dec("0.1") * 39430)


def test_a_quote_moving_through_a_resting_order_fills_it_at_its_price() -> None:
    exchange, _ = new_exchange()
    place(exchange, side="SELL", type="LIMIT", timeInForce="GTC", quantity="0.05", price="39431")
    new_bids = {3943150: 80_000, 3943000: 100_000}
    exchange.on_market([(new_bids, {3943200: 300_000})])
    fill = exchange.fills[KEY][0]
    assert (fill.price, fill.qty, fill.is_maker) == (dec("39431"), dec("0.05"), True)
    assert balance(exchange, "BTC") == (dec("0.95"), 0)


def test_stop_loss_limit_waits_for_its_stop_and_refuses_one_that_would_trigger() -> None:
    exchange, _events = new_exchange()
    stop = {"side": "SELL", "type": "STOP_LOSS_LIMIT", "timeInForce": "GTC", "quantity": "0.1"}
    with pytest.raises(BinanceError) as error:
        place(exchange, stopPrice="39440", price="39439", **stop)
    assert (error.value.code, error.value.msg) == (-2010, "Stop price would trigger immediately.")
    order = place(exchange, stopPrice="39420", price="39419", newOrderRespType="RESULT", **stop)
    assert order["status"] == "NEW"
    assert balance(exchange, "BTC") == (dec("0.9"), dec("0.1"))
    view = exchange.query(KEY, Params({"symbol": "BTCUSDT", "orderId": order["orderId"]}))
    assert (view["isWorking"], view["stopPrice"], view["workingTime"]) == (
        False,
        "39420.00000000",
        -1,
    )
    exchange.on_market([ReplayedTrade(ticks=3942500, lots=1, seller=True)])
    assert exchange.fills[KEY] == []
    exchange.on_market([ReplayedTrade(ticks=3942000, lots=1, seller=True)])
    # Triggered, it works as a limit sell at 39419 and takes the derived bid at 39430 (a
    # replayed trade that reaches no resting order leaves the derived book as it is).
    triggered = exchange.orders[order["orderId"]]  # type: ignore[index]
    assert (triggered.status, triggered.is_working) == ("FILLED", True)
    assert [(f.price, f.is_maker) for f in triggered.fills] == [(dec("39430"), False)]
    assert balance(exchange, "BTC") == (dec("0.9"), 0)


def test_take_profit_buy_triggers_when_the_price_falls_to_its_stop() -> None:
    exchange, _ = new_exchange()
    order = place(exchange, side="BUY", type="TAKE_PROFIT", quantity="0.1", stopPrice="39425")
    exchange.on_market(
        [(dict(BIDS), dict(ASKS)), ReplayedTrade(ticks=3942600, lots=1, seller=True)]
    )
    assert exchange.orders[order["orderId"]].status == "NEW"  # type: ignore[index]
    exchange.on_market(
        [(dict(BIDS), dict(ASKS)), ReplayedTrade(ticks=3942500, lots=1, seller=True)]
    )
    taken = exchange.orders[order["orderId"]]  # type: ignore[index]
    assert taken.status == "FILLED"
    assert taken.fills[0].price == dec("39431")
