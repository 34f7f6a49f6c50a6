"""Live and paper trading: the TradingNode, its journal and the paper venue."""

from alphaforge._core.execution import RiskLimits
from alphaforge.live.journal import Journal
from alphaforge.live.node import NodeStatistics, TradingNode
from alphaforge.live.recovery import ReconciliationError, RecoverySummary

__all__ = [
    "Journal",
    "NodeStatistics",
    "ReconciliationError",
    "RecoverySummary",
    "RiskLimits",
    "TradingNode",
]
