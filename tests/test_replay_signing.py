"""Signatures and configuration of the replay exchange, on the documented Binance test vectors."""

from __future__ import annotations

import pytest

from alphaforge.replay import DEFAULT_API_KEY, DEFAULT_API_SECRET, FaultConfig, ReplayConfig
from alphaforge.replay.auth import Authenticator
from alphaforge.replay.config import parse_balances, split_symbol
from alphaforge.replay.errors import BinanceError
from alphaforge.replay.params import Params
from alphaforge.replay.signing import hmac_hex, rest_payload, ws_payloads

# rest-api.md "HMAC Keys" and web-socket-api.md "SIGNED request example (HMAC)".
REST_PAYLOAD = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
REST_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
WS_PARAMS = {
    "symbol": "BTCUSDT",
    "side": "SELL",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.01000000",
    "price": "52000.00",
    "recvWindow": 100,
    "timestamp": 1645423376532,
    "apiKey": DEFAULT_API_KEY,
}
WS_SIGNATURE = "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"
NON_ASCII_QUERY = (
    "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
    "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
)
NON_ASCII_SIGNATURE = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"


def test_rest_vector() -> None:
    assert hmac_hex(DEFAULT_API_SECRET, REST_PAYLOAD) == REST_SIGNATURE


def test_rest_vector_with_percent_encoded_non_ascii_symbol() -> None:
    assert hmac_hex(DEFAULT_API_SECRET, NON_ASCII_QUERY) == NON_ASCII_SIGNATURE


def test_ws_api_vector_sorts_the_names_and_signs_the_api_key() -> None:
    plain, encoded = ws_payloads(WS_PARAMS)
    assert plain.startswith("apiKey=" + DEFAULT_API_KEY + "&price=52000.00&quantity=")
    assert hmac_hex(DEFAULT_API_SECRET, plain) == WS_SIGNATURE
    assert plain == encoded  # no reserved characters in these values


def test_rest_payload_is_query_then_body_as_sent_without_the_signature() -> None:
    query, body = REST_PAYLOAD[:40], REST_PAYLOAD[40:]
    payload, signature = rest_payload(query, body + "&signature=ABC")
    assert (payload, signature) == (REST_PAYLOAD, "ABC")
    payload, signature = rest_payload("b=2&signature=ff&a=1", "")
    assert (payload, signature) == ("b=2&a=1", "ff")


def auth_params(**extra: object) -> Params:
    params = {"symbol": "LTCBTC", "timestamp": 1499827319559, **extra}
    return Params(params)


@pytest.mark.parametrize(
    ("key", "signature", "now", "code"),
    [
        (None, REST_SIGNATURE, 1499827319559, -2014),
        ("unknown", REST_SIGNATURE, 1499827319559, -2015),
        (DEFAULT_API_KEY, "0" * 64, 1499827319559, -1022),
        (DEFAULT_API_KEY, REST_SIGNATURE, 1499827319559 + 5001, -1021),
        (DEFAULT_API_KEY, REST_SIGNATURE, 1499827319559 - 1000, -1021),
    ],
)
def test_rest_authentication_errors(key: str | None, signature: str, now: int, code: int) -> None:
    auth = Authenticator({DEFAULT_API_KEY: DEFAULT_API_SECRET})
    with pytest.raises(BinanceError) as error:
        auth.rest(
            key, REST_PAYLOAD + "&signature=" + signature, "", auth_params(recvWindow=5000), now
        )
    assert error.value.code == code
    assert error.value.status == (401 if code in (-2014, -2015) else 400)


def test_rest_authentication_accepts_the_vector_within_its_window_and_upper_case_hex() -> None:
    auth = Authenticator({DEFAULT_API_KEY: DEFAULT_API_SECRET})
    query = REST_PAYLOAD + "&signature=" + REST_SIGNATURE.upper()
    assert (
        auth.rest(DEFAULT_API_KEY, query, "", auth_params(recvWindow=5000), 1499827324559)
        == DEFAULT_API_KEY
    )
    with pytest.raises(BinanceError) as error:
        auth.rest(DEFAULT_API_KEY, query, "", auth_params(recvWindow=60001), 1499827319559)
    assert error.value.code == -1131


def test_ws_authentication_accepts_the_vector() -> None:
    auth = Authenticator({DEFAULT_API_KEY: DEFAULT_API_SECRET})
    params = Params({**WS_PARAMS, "signature": WS_SIGNATURE})
    assert auth.ws(params, 1645423376532 + 50) == DEFAULT_API_KEY
    with pytest.raises(BinanceError) as error:
        auth.ws(params, 1645423376532 + 101)
    assert error.value.code == -1021


def test_the_authenticator_repr_shows_no_secret() -> None:
    assert DEFAULT_API_SECRET not in repr(Authenticator({DEFAULT_API_KEY: DEFAULT_API_SECRET}))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"symbol": "btcusdt"}, "upper case"),
        ({"symbol": "BTCXYZ"}, "known quote asset"),
        ({"port": 70000}, "port"),
        ({"speed": -1.0}, "speed"),
        ({"loops": 0}, "loops"),
        ({"tick_size": "0"}, "tick_size"),
        ({"maker_fee": "x"}, "maker_fee"),
        ({"balances": {"USDT": "-1"}}, r"balances\[USDT\]"),
        ({"api_keys": {}}, "api_keys"),
        ({"data": "/no/such/file.parquet"}, "does not exist"),
    ],
)
def test_bad_configuration_names_the_field(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReplayConfig(**fields)  # type: ignore[arg-type]


def test_fault_counts_must_be_non_negative_ints() -> None:
    with pytest.raises(ValueError, match="drop_every"):
        FaultConfig(drop_every=-1)
    with pytest.raises(ValueError, match="latency_ms"):
        FaultConfig(latency_ms=float("nan"))


def test_balances_and_symbols_parse() -> None:
    assert parse_balances("USDT=100000, btc=1.5") == {"USDT": "100000", "BTC": "1.5"}
    with pytest.raises(ValueError, match="ASSET=AMOUNT"):
        parse_balances("USDT")
    assert split_symbol("ETHBTC") == ("ETH", "BTC")
    assert split_symbol("BTCFDUSD") == ("BTC", "FDUSD")
