"""``TradingNode``: runs strategies live or on paper, on asyncio, against one venue.

The node is the strategies' trading context in the live world, as ``BacktestEngine`` is in
backtests. Market data from the venue goes through the C++ LiveFeed (the data engine that
builds bars as the tick backtest does, then the paper venue when there is one) to the
handlers; orders go through the C++ ExecutionEngine (risk limits, buying power, lifecycle) in
its external-venue mode, are journaled, then sent once. Contingent orders (GTD, trailing
stops, OCO groups, brackets) and modify go through the node's emulation layer
(``alphaforge.live.emulated_orders``), which holds what the venue cannot and sends the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import aiohttp

from alphaforge._core.data import BarSpec
from alphaforge._core.execution import ExecutionEngine, Instrument, RiskLimits
from alphaforge._core.live import LiveFeed
from alphaforge.bar_indicators import BarIndicators, Indicator, IndicatorT
from alphaforge.contingent import OrderTerms
from alphaforge.live.book_subscribers import BookSubscribers
from alphaforge.live.emulated_orders import ContingentOrders
from alphaforge.live.journal import Journal
from alphaforge.live.orders import LiveOrders
from alphaforge.live.paper import PaperExecution
from alphaforge.live.recovery import RecoverySummary, reconcile
from alphaforge.live.venue import (
    BookView,
    Channel,
    ConnectionEvent,
    ExecutionClient,
    FillReport,
    InstrumentSpec,
    MarketDataClient,
    OrderReport,
)
from alphaforge.records import AccountRecord, Balance, FillRecord, OrderRecord, PositionRecord
from alphaforge.strategy import Strategy

Mode = Literal["paper", "live"]
OnError = Literal["continue", "stop"]
_log = logging.getLogger("alphaforge.live.node")


@dataclass(frozen=True, slots=True)
class NodeStatistics:
    """What a node has done so far."""

    trades: int
    quotes: int
    books: int
    bars: int
    orders_sent: int
    orders_refused: int
    unknown_outcomes: int
    fills: int
    duplicate_fills: int
    handler_errors: int
    venue_errors: int
    bad_data: int


class TradingNode:
    """Runs strategies against a venue: its real orders (``mode="live"``) or the paper venue's."""

    def __init__(
        self,
        strategies: Iterable[Strategy],
        venue: Any,
        mode: Mode = "paper",
        risk: RiskLimits | None = None,
        journal: str | Path | Journal | None = None,
        *,
        cancel_on_stop: bool = True,
        on_error: OnError = "continue",
        paper_balances: dict[str, float] | None = None,
        paper_fees: tuple[float, float] = (0.001, 0.001),
        paper_latency: float = 0.0,
        client_prefix: str = "af",
        install_signal_handlers: bool = True,
    ) -> None:
        """`venue` is a venue configuration (``BinanceConfig``) whose ``clients()`` gives the
        market-data and execution clients, or such a pair itself. `mode="paper"` keeps the
        venue's market data and fills orders on it by the tick fill model, `paper_latency`
        seconds after they are sent, with `paper_fees` (maker, taker) and `paper_balances`
        (default 100,000 of each symbol's quote asset). `journal` is a SQLite path: on a restart
        the node re-enters its orders and fills and settles them with the venue before any
        strategy starts (ReconciliationError when it cannot). A strategy's handler error is
        logged and counted; `on_error="stop"` also stops the node.
        """
        self.strategies = list(strategies)
        if not self.strategies:
            raise ValueError("a node needs at least one strategy")
        for s in self.strategies:
            if not isinstance(s, Strategy):
                raise TypeError(f"strategies must be alphaforge.Strategy, got {type(s).__name__}")
            s.check_initialised()
        names = [s.name for s in self.strategies]
        if len(set(names)) != len(names):
            raise ValueError(f"strategy names must be distinct, got {names}")
        if mode not in ("paper", "live"):
            raise ValueError(f"mode must be 'paper' or 'live', got {mode!r}")
        if on_error not in ("continue", "stop"):
            raise ValueError(f"on_error must be 'continue' or 'stop', got {on_error!r}")
        if paper_latency < 0:
            raise ValueError(f"paper_latency must be >= 0 seconds, got {paper_latency!r}")
        if risk is not None and not isinstance(risk, RiskLimits):
            raise TypeError(f"risk must be an alphaforge.execution.RiskLimits, got {risk!r}")
        self.mode: Mode = mode
        self.venue = venue
        self.cancel_on_stop = cancel_on_stop
        self.error_policy: OnError = on_error
        self.install_signal_handlers = install_signal_handlers
        self._risk = risk
        self._journal_arg = journal
        self._paper_balances = paper_balances
        self._paper_fees = paper_fees
        self._client_prefix = client_prefix
        latency_ns = round(paper_latency * 1e9) if mode == "paper" else None
        self.feed = LiveFeed(paper_latency_ns=latency_ns)
        self._strategies = {s.name: s for s in self.strategies}
        self._wanted: dict[str, set[Channel]] = {}
        self._books = BookSubscribers()
        self._subscriptions: set[tuple[str, str, str, str | None]] = set()
        self._bar_routes: dict[tuple[str, str, str], BarIndicators] = {}
        self._indicators: dict[int, Indicator] = {}  # registered, by id: each fed once
        self._stop: asyncio.Event | None = None
        self._halted = False
        self._running = False
        self._started = False
        self._counts = {"books": 0, "bars": 0, "fills": 0, "handler_errors": 0,
                        "venue_errors": 0, "bad_data": 0}  # fmt: skip
        self.engine: ExecutionEngine | None = None
        self.orders: LiveOrders | None = None
        self.contingent: ContingentOrders | None = None
        self._execution: ExecutionClient | None = None
        self.journal: Journal | None = None
        self.instruments: dict[str, InstrumentSpec] = {}
        self.connection_events: list[ConnectionEvent] = []
        self.recovery: RecoverySummary | None = None
        for strategy in self.strategies:
            strategy.attach(self)

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return f"TradingNode({self.mode}, {len(self.strategies)} strategies, {state})"

    # Running.
    def run(self, duration: float | None = None) -> NodeStatistics:
        """Run until stopped (SIGINT, SIGTERM, ``stop()``) or for `duration` seconds."""
        return asyncio.run(self.run_async(duration))

    async def run_async(self, duration: float | None = None) -> NodeStatistics:
        """Run inside an event loop that is already running."""
        if self._started:
            raise RuntimeError("this node already ran; build a new one for another session")
        if duration is not None and duration <= 0:
            raise ValueError(f"duration must be > 0 seconds, got {duration!r}")
        self._started = True
        self._halted = False
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        installed = self._install_signals(loop)
        try:
            async with aiohttp.ClientSession() as session:
                data, venue_execution = self._clients()
                try:
                    await self._start(session, data, venue_execution)
                    self._running = True
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), duration)
                finally:
                    await self._shutdown(data)
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
        return self.statistics()

    def stop(self) -> None:
        """Ask the node to stop: on_stop, then cancels if cancel_on_stop, then everything closes.

        From then on market data goes to no strategy; order reports and fills still apply."""
        self._halted = True
        if self._stop is not None:
            self._stop.set()

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> list[signal.Signals]:
        if not self.install_signal_handlers:
            return []
        installed: list[signal.Signals] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.stop)
            except (NotImplementedError, RuntimeError, ValueError):
                continue  # not the main thread, or a platform without them
            installed.append(sig)
        return installed

    def _clients(self) -> tuple[MarketDataClient, ExecutionClient]:
        if isinstance(self.venue, tuple):
            data, execution = self.venue
        else:
            data, execution = self.venue.clients()
        return data, execution

    async def _start(
        self,
        session: aiohttp.ClientSession,
        data: MarketDataClient,
        venue_execution: ExecutionClient,
    ) -> None:
        await data.start(session, self)
        self.instruments = await data.instruments(self._symbols())
        execution: ExecutionClient
        if self.mode == "paper":
            # No order leaves the machine: the venue's execution client is never started.
            quotes = {spec.quote for spec in self.instruments.values()}
            balances = self._paper_balances or {q: 100_000.0 for q in quotes}
            execution = PaperExecution(self.feed, self.instruments, balances, self._paper_fees)
        else:
            execution = venue_execution
        self._execution = execution
        await execution.start(session, self)
        self.engine = self._make_engine(await execution.balances())
        self.journal = self._open_journal()
        if self.journal is not None:
            self.journal.put_instruments(self.instruments)
        self.orders = LiveOrders(
            self.engine,
            execution,
            self.journal,
            self._client_prefix,
            self._order_changed,
            self._order_filled,
        )
        self.orders.set_instruments(self.instruments)
        self.contingent = ContingentOrders(
            self.orders,
            self.journal,
            self.instruments,
            self.now_ns,
            self._reference,
            self._deliver_order,
            self._deliver_fill,
            self._client_prefix,
        )
        if self.journal is not None:
            # The strategies start from the books as they stood, settled with the venue.
            self.contingent.restore()
            self.recovery = await reconcile(
                self.orders, self.journal, execution, paper=self.mode == "paper"
            )
            if self.mode == "live":
                for asset, balance in (await execution.balances()).items():
                    self.engine.set_balance(asset, balance.total, balance.locked)
        self.contingent.resume()
        for strategy in self.strategies:
            self._guard(strategy.on_start)
        for symbol, channels in self._wanted.items():
            if self.mode == "paper":
                # The fill model works on both, as the tick backtest's does.
                channels |= {"trades", "quotes"}
            await data.subscribe(symbol, frozenset(channels), self._books.depth(symbol, 10))

    def _symbols(self) -> list[str]:
        symbols = getattr(self.venue, "symbols", None)
        if not symbols:
            raise ValueError("the venue configuration names no symbols")
        return list(symbols)

    def _make_engine(self, balances: dict[str, Balance]) -> ExecutionEngine:
        quotes = {spec.quote for spec in self.instruments.values()}
        currency = next(iter(quotes)) if len(quotes) == 1 else "USDT"
        engine = ExecutionEngine(
            data_engine=self.feed,
            risk=self._risk,
            instruments=[_instrument(spec) for spec in self.instruments.values()],
            account="spot",
            currency=currency,
        )
        for asset, balance in balances.items():
            engine.set_balance(asset, balance.total, balance.locked)
        return engine

    def _open_journal(self) -> Journal | None:
        if self._journal_arg is None:
            return None
        if isinstance(self._journal_arg, Journal):
            return self._journal_arg
        return Journal(self._journal_arg)

    async def _shutdown(self, data: MarketDataClient) -> None:
        was_running = self._running
        self._running = False
        if was_running:
            for strategy in self.strategies:
                self._guard(strategy.on_stop)
        if self.contingent is not None:
            self.contingent.halt(cancel_all=self.cancel_on_stop and was_running)
        if self.orders is not None:
            await self.orders.drain()
            if self.cancel_on_stop and was_running:
                await self.orders.cancel_all()
            await self.orders.drain()
        # The bar under way is not flushed: it has not closed, and no strategy trades after
        # its on_stop.
        clients: list[MarketDataClient | ExecutionClient] = [data]
        if self._execution is not None:
            clients.insert(0, self._execution)
        for client in clients:
            try:
                await client.stop()
            except Exception:
                _log.exception("closing %r failed", client)
        if self.journal is not None and not isinstance(self._journal_arg, Journal):
            self.journal.close()

    def _guard(self, call: Callable[[], Any]) -> None:
        try:
            call()
        except Exception:
            self._handler_failed()

    def _handler_failed(self) -> None:
        self._counts["handler_errors"] += 1
        _log.exception("a strategy handler raised")
        if self.error_policy == "stop":
            self.stop()

    # The TradingContext the strategies talk to.
    def now_ns(self) -> int:
        """The time of the event being handled (the venue's), else the wall clock."""
        return self.feed.now_ns or time.time_ns()

    def _first(self, strategy: Strategy, kind: str, symbol: str, spec: str | None) -> bool:
        key = (strategy.name, kind, symbol, spec)
        if key in self._subscriptions:
            return False
        self._subscriptions.add(key)
        return True

    def subscribe_bars(self, strategy: Strategy, symbol: str, spec: str | None) -> None:
        """Bars of `symbol` built from its live trades by `spec`, as the tick backtest does."""
        if spec is None:
            raise ValueError(
                f"bars of {symbol} are built from its trades: give a spec such as '1min'"
            )
        if self._first(strategy, "bars", symbol, spec):
            self._bar_route(strategy, symbol, spec).handler = strategy.on_bar

    def register_indicator(
        self,
        strategy: Strategy,
        indicator: IndicatorT,
        symbol: str,
        spec: str | None,
        source: str | None,
    ) -> None:
        """Update `indicator` (in Python) with each bar of `symbol` built by `spec`, before
        the strategy's on_bar of that bar."""
        if spec is None:
            raise ValueError(
                f"bars of {symbol} are built from its trades: give a spec such as '1min'"
            )
        if id(indicator) in self._indicators:
            raise ValueError(f"{indicator!r} is already registered: register each object once")
        self._bar_route(strategy, symbol, spec).add(indicator, source)
        self._indicators[id(indicator)] = indicator

    def _bar_route(self, strategy: Strategy, symbol: str, spec: str) -> BarIndicators:
        """The one feed subscription of `strategy`'s bars of `symbol` by `spec`: its
        registered indicators, then its on_bar."""
        key = (strategy.name, symbol, spec)
        route = self._bar_routes.get(key)
        if route is None:
            parsed = BarSpec(spec)
            self._want(symbol, "trades")
            route = BarIndicators()
            self.feed.subscribe_bars(symbol, parsed, route)
            self._bar_routes[key] = route
        return route

    def subscribe_trades(self, strategy: Strategy, symbol: str) -> None:
        """Every trade of `symbol`."""
        if self._first(strategy, "trades", symbol, None):
            self._want(symbol, "trades")
            self.feed.subscribe_trades(symbol, strategy.on_trade)

    def subscribe_quotes(self, strategy: Strategy, symbol: str) -> None:
        """Every change of the best bid and ask of `symbol`."""
        if self._first(strategy, "quotes", symbol, None):
            self._want(symbol, "quotes")
            self.feed.subscribe_quotes(symbol, strategy.on_quote)

    def subscribe_book(self, strategy: Strategy, symbol: str, depth: int, every: int = 1) -> None:
        """The top `depth` levels of the venue's order book of `symbol`, after every `every`-th
        update of the local book."""
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
            raise ValueError(f"depth must be an int >= 1, got {depth!r}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an int >= 1, got {every!r}")
        if self._first(strategy, "book", symbol, str(depth)):
            self._want(symbol, "book")
            self._books.add(symbol, strategy.on_book, depth, every)

    def _want(self, symbol: str, channel: Channel) -> None:
        if self.instruments and symbol not in self.instruments:
            raise ValueError(
                f"symbol {symbol!r} is not one of the venue's: {list(self.instruments)}"
            )
        self._wanted.setdefault(symbol, set()).add(channel)

    def submit_order(
        self,
        strategy: str,
        symbol: str,
        side: str,
        type: str,
        qty: float,
        price: float | None,
        stop_price: float | None,
        time_in_force: str,
        reduce_only: bool,
    ) -> int:
        """Check, journal and send an order once; returns its order id."""
        return self._orders().submit(
            strategy, symbol, side, type, qty, price, stop_price, time_in_force, reduce_only
        )

    def cancel_order(self, strategy: str, order_id: int) -> bool:
        """Ask the venue to cancel one of `strategy`'s open orders (a held one ends here)."""
        contingent = self._contingent()
        if contingent.manages(order_id):
            return contingent.cancel(strategy, order_id)
        return self._orders().cancel(strategy, order_id)

    def submit_contingent(
        self,
        strategy: str,
        symbol: str,
        side: str,
        type: str,
        qty: float,
        price: float | None,
        stop_price: float | None,
        time_in_force: str,
        reduce_only: bool,
        terms: OrderTerms,
    ) -> int:
        """An order with an expiry (sent GTC, canceled by the node at its time and reported
        EXPIRED), a trailing stop (held by the node, a market order once reached) or an OCO
        group (the others canceled when one fills or ends)."""
        return self._contingent().submit_contingent(
            strategy, symbol, side, type, qty, price, stop_price, time_in_force, reduce_only,
            terms,
        )  # fmt: skip

    def submit_bracket(
        self,
        strategy: str,
        symbol: str,
        side: str,
        qty: float,
        price: float | None,
        stop_loss: float,
        take_profit: float,
    ) -> int:
        """A bracket's entry, sent now; as it fills, a stop-loss held by the node and a
        take-profit limit at the venue, one OCO group, for the quantity filled."""
        return self._contingent().submit_bracket(
            strategy, symbol, side, qty, price, stop_loss, take_profit
        )

    def bracket_children(self, strategy: str, entry_id: int) -> tuple[int | None, int | None]:
        """(stop-loss id, take-profit id) of a bracket; None before they are placed."""
        return self._contingent().bracket_children(strategy, entry_id)

    def modify_order(
        self,
        strategy: str,
        order_id: int,
        price: float | None,
        qty: float | None,
        stop_price: float | None,
    ) -> None:
        """Change an open order's terms under its id: a held order at once, a venue order by
        cancel, then (the cancel confirmed) a new order."""
        self._contingent().modify(strategy, order_id, price, qty, stop_price)

    def position(self, strategy: str, symbol: str) -> float:
        """`strategy`'s signed quantity in `symbol`."""
        return float(self._engine().position(symbol, strategy).quantity)

    def last_price(self, symbol: str) -> float | None:
        """The last trade of `symbol`, else its quote mid; None before any."""
        price = self.feed.last_price(symbol)
        if price is None:
            quote = self.feed.best_bid_ask(symbol)
            if quote is not None:
                price = (quote[0] + quote[1]) / 2.0
        return price

    def instrument(self, symbol: str) -> InstrumentSpec | None:
        """The venue's rules of `symbol` (lot size, tick size), once connected."""
        return self.instruments.get(symbol)

    def open_orders(self, strategy: str, symbol: str | None) -> list[OrderRecord]:
        """`strategy`'s open orders, those the node holds itself too."""
        return self._contingent().open_orders(strategy, symbol)

    def portfolio(self, strategy: str) -> dict[str, PositionRecord]:
        """`strategy`'s positions by symbol."""
        return {
            p.symbol: PositionRecord(
                p.symbol, p.quantity, p.avg_price, p.realized_pnl, p.unrealized_pnl, p.fees
            )
            for p in self._engine().positions()
            if p.strategy_id == strategy
        }

    def account(self) -> AccountRecord:
        """Cash, equity and buying power of the account."""
        a = self._engine().account()
        return AccountRecord(a.cash, a.equity, a.buying_power, a.margin_used)

    def balances(self) -> dict[str, Balance]:
        """The account's balance per asset, as the venue last reported it and fills moved it."""
        return {k: Balance(free, locked) for k, (free, locked) in self._engine().balances().items()}

    def _engine(self) -> ExecutionEngine:
        if self.engine is None:
            raise RuntimeError("the node has not connected to its venue yet")
        return self.engine

    def _orders(self) -> LiveOrders:
        if self.orders is None:
            raise RuntimeError("orders can be sent once the node runs (from on_start on)")
        return self.orders

    def _contingent(self) -> ContingentOrders:
        if self.contingent is None:
            raise RuntimeError("orders can be sent once the node runs (from on_start on)")
        return self.contingent

    def _reference(self, symbol: str, side: str) -> float | None:
        """Where a trailing stop starts: the last trade, else the quote on its side."""
        price = self.feed.last_price(symbol)
        if price is None:
            quote = self.feed.best_bid_ask(symbol)
            if quote is not None:
                price = quote[1] if side == "BUY" else quote[0]
        return price

    # The VenueListener the clients talk to.
    def on_trade(
        self, symbol: str, ts_ns: int, price: float, size: float, trade_id: int, buyer_maker: bool
    ) -> None:
        """A trade: bars, paper fills, then the strategies' on_trade."""
        if self._halted:
            return
        contingent = self.contingent
        try:
            if contingent is not None:
                contingent.before_event(symbol, ts_ns)
            self.feed.on_trade(symbol, ts_ns, price, size, trade_id)
            if contingent is not None:
                contingent.after_trade(symbol, price)
        except ValueError as error:
            self._bad_data("trade", symbol, error)
        except Exception:
            self._handler_failed()

    def on_quote(
        self, symbol: str, ts_ns: int, bid: float, ask: float, bid_size: float, ask_size: float
    ) -> None:
        """A change of the best bid and ask."""
        if self._halted:
            return
        try:
            self.feed.on_quote(symbol, ts_ns, bid, ask, bid_size, ask_size)
        except ValueError as error:
            self._bad_data("quote", symbol, error)
        except Exception:
            self._handler_failed()

    def on_book(self, book: BookView) -> None:
        """A local order book changed."""
        if self._halted:
            return
        self._counts["books"] += 1
        self._books.deliver(book, self._handler_failed)

    def on_order_report(self, report: OrderReport) -> None:
        """An order's status from the venue."""
        if self.orders is not None:
            self.orders.on_order_report(report)

    def on_fill_report(self, report: FillReport) -> None:
        """A fill from the venue."""
        if self.orders is not None:
            self.orders.on_fill_report(report)

    def on_balances(self, balances: dict[str, Balance], ts_ns: int) -> None:
        """The venue's balances are the account's truth."""
        if self.engine is None:
            return
        for asset, balance in balances.items():
            self.engine.set_balance(asset, balance.total, balance.locked)
        if self.journal is not None:
            self.journal.record_balances(
                {k: (b.free, b.locked) for k, b in balances.items()}, ts_ns
            )

    def on_connection(self, event: ConnectionEvent) -> None:
        """A connection changed state: logged and kept."""
        self.connection_events.append(event)
        _log.info("%s stream %s %s", event.stream, event.state, event.detail)

    def on_error(self, source: str, error: str) -> None:
        """A message that could not be parsed, or a failed request: counted, not fatal."""
        self._counts["venue_errors"] += 1
        _log.warning("%s: %s", source, error)

    def _bad_data(self, kind: str, symbol: str, error: Exception) -> None:
        self._counts["bad_data"] += 1
        _log.warning("%s of %s skipped: %s", kind, symbol, error)

    def _order_changed(self, strategy: str, record: OrderRecord) -> None:
        if self.contingent is not None:
            self.contingent.on_order(strategy, record)
        else:
            self._deliver_order(strategy, record)

    def _order_filled(self, strategy: str, record: FillRecord) -> None:
        if self.contingent is not None:
            self.contingent.on_fill(strategy, record)
        else:
            self._deliver_fill(strategy, record)

    def _deliver_order(self, strategy: str, record: OrderRecord) -> None:
        target = self._strategies.get(strategy)
        if target is not None:
            self._guard(lambda: target.on_order_update(record))

    def _deliver_fill(self, strategy: str, record: FillRecord) -> None:
        self._counts["fills"] += 1
        target = self._strategies.get(strategy)
        if target is not None:
            self._guard(lambda: target.on_fill(record))

    def statistics(self) -> NodeStatistics:
        """What the node has done so far."""
        data = self.feed.statistics()
        counters = self.orders.counters if self.orders is not None else None
        return NodeStatistics(
            trades=data.ticks_processed,
            quotes=data.quotes_processed,
            books=self._counts["books"],
            bars=data.bars_emitted,
            orders_sent=counters.sent if counters else 0,
            orders_refused=counters.refused if counters else 0,
            unknown_outcomes=counters.unknown_outcomes if counters else 0,
            fills=self._counts["fills"],
            duplicate_fills=counters.duplicate_fills if counters else 0,
            handler_errors=self._counts["handler_errors"],
            venue_errors=self._counts["venue_errors"],
            bad_data=self._counts["bad_data"],
        )


def _instrument(spec: InstrumentSpec) -> Instrument:
    return Instrument(
        spec.symbol,
        spec.tick_size,
        spec.lot_size,
        spec.min_qty,
        spec.min_notional,
        base=spec.base,
        quote=spec.quote,
    )
