"""Two strategies trading one portfolio: a fast and a slow SMA crossover on the same bars."""

import alphaforge as af
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.console_log import log_to_console
from alphaforge.samples import orcl

log_to_console()  # strategy log lines on stderr; ALPHAFORGE_LOG_LEVEL=DEBUG shows each cross
engine = af.BacktestEngine(cash=100_000.0, fees=0.001)
engine.add_bars("ORCL", orcl())
engine.add_strategy(SmaCross("ORCL", fast=5, slow=20, size=500, name="fast"))
engine.add_strategy(SmaCross("ORCL", fast=20, slow=60, size=500, name="slow"))
frames = engine.run_frames()

fills = frames["fills"]
print(fills.groupby("strategy").agg(fills=("qty", "size"), fees=("fee", "sum")).to_string())
print(frames["positions"].to_string(index=False))
print(f"final equity {frames['equity']['equity'].iloc[-1]:,.2f} (one account, shared cash)")
