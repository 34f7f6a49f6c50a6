"""ccxt's binance class against the replay exchange, with its URLs and market options changed."""

from __future__ import annotations

import ccxt
import pytest

from alphaforge.replay import ReplayConfig, ReplayExchange


def client(exchange: ReplayExchange) -> ccxt.binance:
    """ccxt pointed at the exchange: spot markets only, no margin or currency (sapi) calls."""
    binance = ccxt.binance(
        {
            "apiKey": exchange.api_key,
            "secret": exchange.api_secret,
            "options": {
                "fetchMarkets": {"types": ["spot"]},
                "fetchMargins": False,
                "fetchCurrencies": False,
            },
        }
    )
    for name in ("public", "private"):
        binance.urls["api"][name] = exchange.rest_url + "/api/v3"
    return binance


def test_ccxt_loads_markets_trades_and_maps_errors() -> None:
    with ReplayExchange(ReplayConfig(port=0, speed=0, loops=1)) as exchange:
        exchange.wait_finished_sync(10)
        binance = client(exchange)
        market = binance.load_markets()["BTC/USDT"]
        assert (market["precision"]["price"], market["precision"]["amount"]) == (0.01, 1e-06)
        assert market["limits"]["cost"]["min"] == 5.0
        book = binance.fetch_order_book("BTC/USDT", 5)
        assert book["bids"][0][0] < book["asks"][0][0]
        assert binance.fetch_trades("BTC/USDT", limit=3)[-1]["price"] == 39491.76
        order = binance.create_order("BTC/USDT", "limit", "buy", 0.01, 30000)
        assert order["status"] == "open"
        assert binance.fetch_order(order["id"], "BTC/USDT")["status"] == "open"
        assert binance.cancel_order(order["id"], "BTC/USDT")["status"] == "canceled"
        bought = binance.create_order("BTC/USDT", "market", "buy", 0.002)
        assert (bought["status"], bought["filled"]) == ("closed", 0.002)
        assert bought["fee"] == {"currency": "BTC", "cost": 2e-06}
        assert binance.fetch_balance()["BTC"]["free"] == pytest.approx(1.001998, abs=1e-12)
        assert len(binance.fetch_orders("BTC/USDT")) == 2
        assert [t["order"] for t in binance.fetch_my_trades("BTC/USDT")] == [bought["id"]]
        with pytest.raises(ccxt.InsufficientFunds):
            binance.create_order("BTC/USDT", "limit", "buy", 100, 30000)
        with pytest.raises(ccxt.OrderNotFound):
            binance.fetch_order("999", "BTC/USDT")
        with pytest.raises(ccxt.OrderImmediatelyFillable):
            binance.create_order("BTC/USDT", "limit", "buy", 0.01, 40000, {"postOnly": True})
