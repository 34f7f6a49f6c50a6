#include "indicator_feeds.hpp"

#include <string>

#include "alphaforge/indicators.hpp"
#include "arguments.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

namespace ind = alphaforge::indicators;
using Field = double BacktestBar::*;

Field source_field(const std::string& source) {
  if (source == "open") return &BacktestBar::open;
  if (source == "high") return &BacktestBar::high;
  if (source == "low") return &BacktestBar::low;
  if (source == "close") return &BacktestBar::close;
  if (source == "volume") return &BacktestBar::volume;
  throw py::value_error("source must be 'open', 'high', 'low', 'close' or 'volume', got '" +
                        source + "'");
}

template <typename Indicator>
bool series_feed(py::handle object, const std::optional<std::string>& source,
                 BarBacktest::BarFeed& out) {
  if (!py::isinstance<Indicator>(object)) return false;
  auto* indicator = object.cast<Indicator*>();
  const Field field = source_field(source.value_or("close"));
  out = [indicator, field](const BacktestBar& bar) { indicator->update(bar.*field); };
  return true;
}

template <typename Indicator, typename Update>
bool bar_feed(py::handle object, const std::optional<std::string>& source, Update update,
              BarBacktest::BarFeed& out) {
  if (!py::isinstance<Indicator>(object)) return false;
  if (source) {
    throw py::value_error(type_name(object) + " is updated with the whole bar: source must be " +
                          "None, got '" + *source + "'");
  }
  auto* indicator = object.cast<Indicator*>();
  out = [indicator, update](const BacktestBar& bar) { update(*indicator, bar); };
  return true;
}

}  // namespace

BarBacktest::BarFeed indicator_feed(py::handle object, const std::optional<std::string>& source) {
  BarBacktest::BarFeed feed;
  const auto hlc = [](auto& i, const BacktestBar& b) { i.update(b.high, b.low, b.close); };
  if (series_feed<ind::Sma>(object, source, feed) || series_feed<ind::Ema>(object, source, feed) ||
      series_feed<ind::Wma>(object, source, feed) || series_feed<ind::Rsi>(object, source, feed) ||
      series_feed<ind::RollingStd>(object, source, feed) ||
      series_feed<ind::ZScore>(object, source, feed) ||
      series_feed<ind::Macd>(object, source, feed) ||
      series_feed<ind::Bollinger>(object, source, feed) ||
      bar_feed<ind::Atr>(object, source, hlc, feed) ||
      bar_feed<ind::Adx>(object, source, hlc, feed) ||
      bar_feed<ind::Stochastic>(object, source, hlc, feed) ||
      bar_feed<ind::Obv>(
          object, source, [](ind::Obv& i, const BacktestBar& b) { i.update(b.close, b.volume); },
          feed) ||
      bar_feed<ind::Vwap>(
          object, source,
          [](ind::Vwap& i, const BacktestBar& b) { i.update(b.high, b.low, b.close, b.volume); },
          feed)) {
    return feed;
  }
  throw py::type_error("indicator must be a streaming indicator of alphaforge.indicators "
                       "(RSI(14), ATR(14), ...), got " + type_name(object));
}

}  // namespace alphaforge::bindings
