"""Market data: records, bar aggregation, the data engine, loaders and a Parquet catalog.

``DataEngine`` ingests trades and quotes one at a time or in numpy batches (applied before the
call returns), or drains lock-free rings fed by producer threads on its own engine thread. It
keeps the last trade and best quote per symbol, builds bars per subscription and calls Python
handlers. ``DepthBook`` is the L2 book venue adapters keep; ``check_depth_chain`` checks the
update-id chain of recorded depth messages, which ``load_binance_depth`` and
``load_bybit_depth`` read. ``aggregate_bars`` is the vectorised path from arrays to a DataFrame
of bars.
"""

from alphaforge._core.data import (
    BAR_DTYPE,
    QUOTE_TICK_DTYPE,
    TRADE_TICK_DTYPE,
    AggressorSide,
    Bar,
    BarSpec,
    DataEngine,
    DataEngineConfig,
    DataEngineStatistics,
    DepthBook,
    Publisher,
    QuoteTick,
    TradeTick,
)
from alphaforge.data.bars import aggregate_bars
from alphaforge.data.catalog import DataCatalog
from alphaforge.data.depth_chain import check_depth_chain
from alphaforge.data.depth_loaders import load_binance_depth, load_bybit_depth
from alphaforge.data.loaders import from_dataframe, load_csv, load_parquet
from alphaforge.data.notices import DepthGapWarning, DepthMessageWarning, TimestampWarning

__all__ = [
    "BAR_DTYPE",
    "QUOTE_TICK_DTYPE",
    "TRADE_TICK_DTYPE",
    "AggressorSide",
    "Bar",
    "BarSpec",
    "DataCatalog",
    "DataEngine",
    "DataEngineConfig",
    "DataEngineStatistics",
    "DepthBook",
    "DepthGapWarning",
    "DepthMessageWarning",
    "Publisher",
    "QuoteTick",
    "TimestampWarning",
    "TradeTick",
    "aggregate_bars",
    "check_depth_chain",
    "from_dataframe",
    "load_binance_depth",
    "load_bybit_depth",
    "load_csv",
    "load_parquet",
]
