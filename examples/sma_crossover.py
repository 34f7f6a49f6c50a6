"""SMA 10/30 crossover on Oracle daily bars 1995-2014 (bundled), one strategy, fees 0.1%."""

import alphaforge as af
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.console_log import log_to_console
from alphaforge.samples import orcl

log_to_console()  # strategy log lines on stderr; ALPHAFORGE_LOG_LEVEL=DEBUG shows each cross
engine = af.BacktestEngine(cash=100_000.0, fees=0.001)
engine.add_bars("ORCL", orcl())
engine.add_strategy(SmaCross("ORCL", fast=10, slow=30, size=1000))
frames = engine.run_frames()

fills, equity = frames["fills"], frames["equity"]
print(f"{len(fills)} fills, fees {fills['fee'].sum():,.2f}")
print(fills.head().to_string(index=False))
print(f"final equity {equity['equity'].iloc[-1]:,.2f} from 100,000.00")
