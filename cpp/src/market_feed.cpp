#include "alphaforge/market_feed.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace alphaforge {

void ArrayFeed::run(MarketChannel& channel, const std::atomic<bool>& stop) {
  for (std::size_t i = 0; i < events_.size() && !stop.load(std::memory_order_relaxed);) {
    const std::size_t n = std::min(batch_, events_.size() - i);
    channel.publish(events_.data() + i, n);
    i += n;
  }
}

FileReplayFeed::FileReplayFeed(std::string path, std::vector<std::uint32_t> symbol_ids,
                               std::size_t chunk_records)
    : path_(std::move(path)), symbol_ids_(std::move(symbol_ids)),
      chunk_(std::max<std::size_t>(chunk_records, 1)) {
  std::ifstream file(path_, std::ios::binary | std::ios::ate);
  if (!file) throw std::invalid_argument("cannot open replay file '" + path_ + "'");
  const auto bytes = static_cast<std::uint64_t>(file.tellg());
  if (bytes % sizeof(TradeTick) != 0) {
    throw std::invalid_argument("replay file '" + path_ + "' holds " + std::to_string(bytes) +
                                " bytes, not a whole number of " +
                                std::to_string(sizeof(TradeTick)) + "-byte TradeTick records");
  }
  records_ = bytes / sizeof(TradeTick);
}

void FileReplayFeed::run(MarketChannel& channel, const std::atomic<bool>& stop) {
  std::ifstream file(path_, std::ios::binary);
  std::vector<TradeTick> records(chunk_);
  std::vector<MarketEvent> events(chunk_);
  while (file && !stop.load(std::memory_order_relaxed)) {
    file.read(reinterpret_cast<char*>(records.data()),
              static_cast<std::streamsize>(chunk_ * sizeof(TradeTick)));
    const auto n = static_cast<std::size_t>(file.gcount()) / sizeof(TradeTick);
    for (std::size_t i = 0; i < n; ++i) {
      TradeTick t = records[i];
      t.symbol_id = t.symbol_id < symbol_ids_.size() ? symbol_ids_[t.symbol_id] : kUnknownSymbol;
      events[i] = MarketEvent::of(t);
    }
    channel.publish(events.data(), n);
  }
}

}  // namespace alphaforge
