from alphaforge._core import backtest as backtest
from alphaforge._core import bench as bench
from alphaforge._core import cache as cache
from alphaforge._core import data as data
from alphaforge._core import execution as execution
from alphaforge._core import indicators as indicators
from alphaforge._core import live as live
from alphaforge._core import ring as ring

__version__: str
