"""The exchange's books of record: accounts, orders, fills and the user events they cause.

Every operation checks its request as Binance does, changes nothing when it refuses one, and
delivers the executionReports and outboundAccountPosition events it caused to the API key's
listeners once it has finished. Fees follow Binance: a buyer pays commission in the base asset
it receives, a seller in the quote asset it receives, at the maker rate when its order was
resting and the taker rate otherwise, rounded half up to 8 decimals.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Protocol

from alphaforge.execution import BookResult, TimeInForce
from alphaforge.replay import errors
from alphaforge.replay.accounts import EIGHT, ZERO, Account, amount_text
from alphaforge.replay.config import ReplayConfig
from alphaforge.replay.depth import Book
from alphaforge.replay.errors import BinanceError
from alphaforge.replay.events import account_position, execution_report
from alphaforge.replay.matching import Match, Matcher, is_user
from alphaforge.replay.orders import CONDITIONAL, Order, UserFill
from alphaforge.replay.params import OrderRequest, Params, order_request

Listener = Callable[[dict[str, object]], None]


@dataclass(frozen=True, slots=True)
class ReplayedTrade:
    """A trade of the record, in ticks and lots, and whether a seller initiated it."""

    ticks: int
    lots: int
    seller: bool


MarketEvent = Book | ReplayedTrade  # a new derived book, or a replayed trade
_TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
_ALNUM = string.ascii_letters + string.digits
MAX_NOTIONAL = Decimal(9_000_000)
MAX_PRICE = Decimal(1_000_000)


class MarketView(Protocol):
    """What the exchange reads of the replayed market."""

    def book(self) -> Book:
        """The derived book as it stands now."""
        ...

    def last_price(self) -> int | None:
        """The last replayed trade's price in ticks (the mid before any trade), or None."""
        ...


def now_ms() -> int:
    """The wall clock in ms, the time Binance stamps orders and fills with."""
    return time.time_ns() // 1_000_000


class Exchange:
    """Accounts per API key, the order book of the symbol and every order and fill."""

    def __init__(self, config: ReplayConfig, market: MarketView) -> None:
        self.config = config
        self.market = market
        self.symbol = config.symbol
        self.base, self.quote = config.base_asset, config.quote_asset
        self.tick = Decimal(config.tick_size)
        self.step = Decimal(config.step_size)
        self.min_notional = Decimal(config.min_notional)
        self.max_qty = Decimal(config.max_qty)
        self.maker_fee = Decimal(config.maker_fee)
        self.taker_fee = Decimal(config.taker_fee)
        self.matcher = Matcher(self.symbol, float(self.tick), float(self.step))
        self.accounts = {key: Account(config.balances) for key in config.api_keys}
        self.orders: dict[int, Order] = {}
        self.fills: dict[str, list[UserFill]] = {key: [] for key in config.api_keys}
        self.listeners: dict[str, list[Listener]] = {key: [] for key in config.api_keys}
        self._by_client: dict[tuple[str, str], Order] = {}
        self._pending: dict[int, Order] = {}
        self._events: list[tuple[str, dict[str, object]]] = []
        self._arrival: list[UserFill] = []
        self._rng = random.Random(config.seed)
        self._next_order = self._next_trade = self._next_execution = 1
        self._stale = True

    @property
    def active(self) -> bool:
        """Whether user orders rest or wait for a trigger, so market events must be matched."""
        return bool(self.matcher.resting or self._pending)

    def mark_stale(self) -> None:
        """The market moved while no user order needed it; catch up before the next order."""
        self._stale = True

    def on_market(self, events: list[MarketEvent]) -> None:
        """Match replayed quotes and trades, in time order, against the resting user orders."""
        for event in events:
            if isinstance(event, ReplayedTrade):
                self._apply(self.matcher.replay_trade(event.ticks, event.lots, event.seller))
                self._trigger(event.ticks)
            else:
                self._apply(self.matcher.set_market(event))
        self._stale = False
        self._flush()

    def place(self, key: str, params: Params) -> dict[str, object]:
        """A new order (POST /api/v3/order, order.place); returns the ACK/RESULT/FULL view."""
        request = order_request(params)
        if request.symbol != self.symbol:
            raise BinanceError(*errors.INVALID_SYMBOL)
        self._check_filters(request)
        client_id = request.client_order_id or self._generated_id()
        earlier = self._by_client.get((key, client_id))
        if earlier is not None and earlier.is_open:
            raise errors.rejected(errors.DUPLICATE_ORDER)
        self._sync()
        side = 0 if request.side == "BUY" else 1
        account = self.accounts[key]
        qty = request.quantity
        if request.type == "MARKET":
            qty = self._market_quantity(request, side, account)
        assert qty is not None
        maker_only = request.type == "LIMIT_MAKER" and request.price is not None
        if maker_only and self.matcher.would_cross(side, self._ticks(request.price or ZERO)):
            raise errors.rejected(errors.WOULD_TAKE)
        if request.type in CONDITIONAL and self._would_trigger(request):
            raise errors.rejected(errors.WOULD_TRIGGER)
        lock_asset, lock = self._lock_for(request, qty)
        if lock_asset:
            account.lock(lock_asset, lock)
        now = now_ms()
        order = Order(
            api_key=key,
            symbol=self.symbol,
            order_id=self._next_order,
            client_order_id=client_id,
            side=request.side,
            type=request.type,
            time_in_force=request.time_in_force
            if request.type not in ("MARKET", "STOP_LOSS", "TAKE_PROFIT")
            else "GTC",
            price=request.price or ZERO,
            qty=qty,
            stop_price=request.stop_price or ZERO,
            quote_order_qty=request.quote_order_qty or ZERO,
            time=now,
            update_time=now,
            lock_asset=lock_asset,
            locked=lock,
        )
        self._next_order += 1
        self.orders[order.order_id] = order
        self._by_client[(key, client_id)] = order
        self._arrival = []
        if request.type in CONDITIONAL:
            self._pending[order.order_id] = order
            self._report(order, "NEW")
        else:
            order.working_time = now
            self._report(order, "NEW", on_book=request.type != "MARKET")
            self._execute(order)
        arrival, self._arrival = self._arrival, []
        self._flush()
        if request.response_type == "ACK":
            return order.ack()
        if request.response_type == "RESULT":
            return order.result()
        return order.full(arrival)

    def cancel(self, key: str, params: Params) -> dict[str, object]:
        """Cancel one order (DELETE /api/v3/order, order.cancel)."""
        self._symbol(params)
        order = self._find(key, params, errors.UNKNOWN_ORDER)
        if not order.is_open:
            raise BinanceError(*errors.UNKNOWN_ORDER)
        restriction = params.choice(
            "cancelRestrictions",
            ("ONLY_NEW", "ONLY_PARTIALLY_FILLED"),
            -1130,
            "Data sent for parameter 'cancelRestrictions' is not valid.",
        )
        if restriction is not None and restriction[len("ONLY_") :] != order.status:
            raise BinanceError(-2011, "Order was not canceled due to cancel restrictions.")
        cancel_id = params.get("newClientOrderId") or self._generated_id()
        self._cancel(order, cancel_id)
        self._flush()
        return order.canceled(cancel_id)

    def cancel_all(self, key: str, params: Params) -> list[dict[str, object]]:
        """Cancel every open order of the symbol (DELETE /api/v3/openOrders)."""
        self._symbol(params)
        open_orders = [o for o in self.orders.values() if o.api_key == key and o.is_open]
        if not open_orders:
            raise BinanceError(*errors.UNKNOWN_ORDER)
        views = []
        for order in open_orders:
            cancel_id = self._generated_id()
            self._cancel(order, cancel_id)
            views.append(order.canceled(cancel_id))
        self._flush()
        return views

    def query(self, key: str, params: Params) -> dict[str, object]:
        """One order as it stands (GET /api/v3/order, order.status)."""
        self._symbol(params)
        return self._find(key, params, errors.NO_SUCH_ORDER).query()

    def open_orders(self, key: str, params: Params) -> list[dict[str, object]]:
        """The key's open orders, of the symbol when one is given."""
        if params.get("symbol") is not None:
            self._symbol(params)
        return [o.query() for o in self.orders.values() if o.api_key == key and o.is_open]

    def all_orders(self, key: str, params: Params) -> list[dict[str, object]]:
        """The key's orders of the symbol, oldest first (GET /api/v3/allOrders)."""
        self._symbol(params)
        limit = params.limit(500, 1000)
        from_id = params.integer("orderId")
        start, end = params.integer("startTime"), params.integer("endTime")
        rows = [
            o
            for o in self.orders.values()
            if o.api_key == key
            and (from_id is None or o.order_id >= from_id)
            and (start is None or o.time >= start)
            and (end is None or o.time <= end)
        ]
        rows = rows[:limit] if from_id is not None or start is not None else rows[-limit:]
        return [o.query() for o in rows]

    def my_trades(self, key: str, params: Params) -> list[dict[str, object]]:
        """The key's fills of the symbol, oldest first (GET /api/v3/myTrades)."""
        self._symbol(params)
        limit = params.limit(500, 1000)
        order_id = params.integer("orderId")
        from_id = params.integer("fromId")
        start, end = params.integer("startTime"), params.integer("endTime")
        rows = [
            f
            for f in self.fills[key]
            if (order_id is None or f.order_id == order_id)
            and (from_id is None or f.id >= from_id)
            and (start is None or f.time >= start)
            and (end is None or f.time <= end)
        ]
        rows = rows[:limit] if from_id is not None or start is not None else rows[-limit:]
        return [f.my_trade() for f in rows]

    def account_info(self, key: str, params: Params) -> dict[str, object]:
        """The account (GET /api/v3/account): commission rates, permissions and balances."""
        omit = params.get("omitZeroBalances") == "true"
        balances = [
            {"asset": a, "free": amount_text(free), "locked": amount_text(locked)}
            for a, (free, locked) in self.accounts[key].balances().items()
            if not (omit and free == 0 and locked == 0)
        ]
        maker = int(self.maker_fee * 10_000)
        taker = int(self.taker_fee * 10_000)
        return {
            "makerCommission": maker,
            "takerCommission": taker,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": amount_text(self.maker_fee),
                "taker": amount_text(self.taker_fee),
                "buyer": amount_text(ZERO),
                "seller": amount_text(ZERO),
            },
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": now_ms(),
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            "uid": list(self.accounts).index(key) + 1,
        }

    def _execute(self, order: Order) -> None:
        side = 0 if order.side == "BUY" else 1
        lots = self._lots(order.leaves_qty)
        if order.type in ("MARKET", "STOP_LOSS", "TAKE_PROFIT"):
            self._apply(self.matcher.add_market(order.order_id, side, lots))
            if order.is_open:
                self._expire(order)
            return
        tif = TimeInForce.PostOnly if order.type == "LIMIT_MAKER" else _TIF[order.time_in_force]
        matches, result = self.matcher.add_limit(
            order.order_id, side, self._ticks(order.price), lots, tif
        )
        self._apply(matches)
        if order.is_open and result in (BookResult.Canceled, BookResult.Killed):
            self._expire(order)

    def _apply(self, matches: list[Match]) -> None:
        for match in matches:
            for order_id, maker in ((match.maker, True), (match.taker, False)):
                if is_user(order_id):
                    self._fill(self.orders[order_id], match.price, match.lots, maker)

    def _fill(self, order: Order, ticks: int, lots: int, maker: bool) -> None:
        account = self.accounts[order.api_key]
        price = ticks * self.tick
        qty = lots * self.step
        quote = price * qty
        rate = self.maker_fee if maker else self.taker_fee
        if order.side == "BUY":
            commission, asset = (qty * rate).quantize(EIGHT, ROUND_HALF_UP), self.base
            if order.lock_asset:
                release = min(order.locked, order.price * qty)
                order.locked -= release
                account.spend_locked(self.quote, release)
                account.credit(self.quote, release - quote)
            else:
                account.spend_free(self.quote, quote)
            account.credit(self.base, qty - commission)
        else:
            commission, asset = (quote * rate).quantize(EIGHT, ROUND_HALF_UP), self.quote
            if order.lock_asset:
                order.locked -= qty
                account.spend_locked(self.base, qty)
            else:
                account.spend_free(self.base, qty)
            account.credit(self.quote, quote - commission)
        now = now_ms()
        order.executed_qty += qty
        order.cum_quote += quote
        order.status = "FILLED" if order.leaves_qty == 0 else "PARTIALLY_FILLED"
        order.update_time = now
        fill = UserFill(
            symbol=self.symbol,
            id=self._next_trade,
            order_id=order.order_id,
            price=price,
            qty=qty,
            quote_qty=quote,
            commission=commission,
            commission_asset=asset,
            time=now,
            is_buyer=order.side == "BUY",
            is_maker=maker,
        )
        self._next_trade += 1
        order.fills.append(fill)
        self.fills[order.api_key].append(fill)
        if not maker:
            self._arrival.append(fill)
        if order.status == "FILLED":
            self._release(order)
        self._report(order, "TRADE", fill=fill, on_book=order.order_id in self.matcher.resting)

    def _expire(self, order: Order) -> None:
        order.status = "EXPIRED"
        order.update_time = now_ms()
        self._release(order)
        self._report(order, "EXPIRED")

    def _cancel(self, order: Order, cancel_id: str) -> None:
        self.matcher.cancel(order.order_id)
        self._pending.pop(order.order_id, None)
        order.status = "CANCELED"
        order.update_time = now_ms()
        self._release(order)
        self._report(order, "CANCELED", cancel_client_id=cancel_id)

    def _release(self, order: Order) -> None:
        if order.lock_asset and order.locked:
            self.accounts[order.api_key].unlock(order.lock_asset, order.locked)
        order.locked = ZERO
        self._pending.pop(order.order_id, None)

    def _trigger(self, ticks: int) -> None:
        for order in list(self._pending.values()):
            stop = self._ticks(order.stop_price)
            buy = order.side == "BUY"
            loss = order.type.startswith("STOP_LOSS")
            if (ticks >= stop) if buy == loss else (ticks <= stop):
                del self._pending[order.order_id]
                order.working_time = now_ms()
                if order.type in ("STOP_LOSS", "TAKE_PROFIT") and buy:
                    cost = self._cost(self.matcher.walk(0), self._lots(order.qty))
                    if cost > self.accounts[order.api_key].free(self.quote):
                        self._expire(order)
                        continue
                self._execute(order)

    def _would_trigger(self, request: OrderRequest) -> bool:
        last = self.market.last_price()
        if last is None or request.stop_price is None:
            return False
        stop = self._ticks(request.stop_price)
        buy = request.side == "BUY"
        loss = request.type.startswith("STOP_LOSS")
        return (last >= stop) if buy == loss else (last <= stop)

    def _lock_for(self, request: OrderRequest, qty: Decimal) -> tuple[str, Decimal]:
        if request.side == "SELL":
            return (self.base, qty) if request.type != "MARKET" else ("", ZERO)
        if request.price is not None:
            return self.quote, request.price * qty
        return "", ZERO

    def _market_quantity(self, request: OrderRequest, side: int, account: Account) -> Decimal:
        levels = self.matcher.walk(side)
        if request.quantity is not None:
            if side == 0:
                account.require(self.quote, self._cost(levels, self._lots(request.quantity)))
            else:
                account.require(self.base, request.quantity)
            return request.quantity
        assert request.quote_order_qty is not None
        budget = request.quote_order_qty
        lots, spent = 0, ZERO
        for ticks, size in levels:
            price = ticks * self.tick
            room = ((budget - spent) / (price * self.step)).to_integral_value(ROUND_DOWN)
            take = min(size, int(room))
            lots += take
            spent += price * take * self.step
            if take < size:
                break
        if lots == 0:
            raise errors.rejected(errors.NO_LIQUIDITY)
        qty = lots * self.step
        if side == 0:
            account.require(self.quote, spent)
        else:
            account.require(self.base, qty)
        return qty

    def _cost(self, levels: list[tuple[int, int]], lots: int) -> Decimal:
        cost, left = ZERO, lots
        for ticks, size in levels:
            take = min(size, left)
            cost += ticks * self.tick * take * self.step
            left -= take
            if left == 0:
                break
        return cost

    def _check_filters(self, request: OrderRequest) -> None:
        for value in (request.price, request.stop_price):
            if value is not None and (value < self.tick or value > MAX_PRICE or value % self.tick):
                raise errors.filter_failure("PRICE_FILTER")
        qty = request.quantity
        if qty is not None and (qty < self.step or qty > self.max_qty or qty % self.step):
            raise errors.filter_failure("LOT_SIZE")
        reference = request.price or request.stop_price
        if reference is None:
            last = self.market.last_price()
            reference = None if last is None else last * self.tick
        notional = request.quote_order_qty
        if notional is None and qty is not None and reference is not None:
            notional = qty * reference
        if notional is not None:
            too_big = request.type != "MARKET" and notional > MAX_NOTIONAL
            if notional < self.min_notional or too_big:
                raise errors.filter_failure("NOTIONAL")

    def _sync(self) -> None:
        if self._stale:
            self._apply(self.matcher.set_market(self.market.book()))
            self._stale = False

    def _find(self, key: str, params: Params, not_found: tuple[int, str]) -> Order:
        order_id = params.integer("orderId")
        client_id = params.get("origClientOrderId")
        if order_id is None and client_id is None:
            raise BinanceError(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        if order_id is not None:
            order = self.orders.get(order_id)
            if order is not None and client_id is not None and order.client_order_id != client_id:
                order = None
        else:
            assert client_id is not None
            order = self._by_client.get((key, client_id))
        if order is None or order.api_key != key:
            raise BinanceError(*not_found)
        return order

    def _symbol(self, params: Params) -> None:
        if params.required("symbol") != self.symbol:
            raise BinanceError(*errors.INVALID_SYMBOL)

    def _report(self, order: Order, execution: str, **fields: object) -> None:
        report = execution_report(order, execution, self._next_execution, now_ms(), **fields)  # type: ignore[arg-type]
        self._next_execution += 1
        self._events.append((order.api_key, report))

    def _flush(self) -> None:
        events, self._events = self._events, []
        now = now_ms()
        for key, account in self.accounts.items():
            changed = account.take_changed()
            if changed:
                events.append((key, account_position(now, changed)))
        for key, event in events:
            for listener in list(self.listeners[key]):
                listener(event)

    def _generated_id(self) -> str:
        return "".join(self._rng.choices(_ALNUM, k=22))

    def _ticks(self, price: Decimal) -> int:
        return int(price / self.tick)

    def _lots(self, qty: Decimal) -> int:
        return int(qty / self.step)
