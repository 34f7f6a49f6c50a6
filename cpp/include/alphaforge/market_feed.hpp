#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "alphaforge/market_channel.hpp"
#include "alphaforge/market_data.hpp"

namespace alphaforge {

// A producer the engine runs on its own thread from start() until it is done or stopped.
class MarketFeed {
 public:
  virtual ~MarketFeed() = default;
  // Publishes into `channel` until the source is exhausted or `stop` becomes true.
  virtual void run(MarketChannel& channel, const std::atomic<bool>& stop) = 0;
};

// Replays events held in memory, in batches.
class ArrayFeed final : public MarketFeed {
 public:
  explicit ArrayFeed(std::vector<MarketEvent> events, std::size_t batch = 256)
      : events_(std::move(events)), batch_(batch == 0 ? 1 : batch) {}

  void run(MarketChannel& channel, const std::atomic<bool>& stop) override;

 private:
  std::vector<MarketEvent> events_;
  std::size_t batch_;
};

// Replays a file of raw TradeTick records (what numpy's TRADE_TICK_DTYPE array.tofile()
// writes), reading it in chunks so the file never has to fit in memory. The symbol_id of each
// record indexes `symbol_ids`, the engine's ids for the file's symbols; a record pointing
// outside it reaches the engine with an unknown id and is counted as rejected there.
class FileReplayFeed final : public MarketFeed {
 public:
  FileReplayFeed(std::string path, std::vector<std::uint32_t> symbol_ids,
                 std::size_t chunk_records = 4096);

  void run(MarketChannel& channel, const std::atomic<bool>& stop) override;
  [[nodiscard]] std::uint64_t records() const noexcept { return records_; }

 private:
  std::string path_;
  std::vector<std::uint32_t> symbol_ids_;
  std::size_t chunk_;
  std::uint64_t records_;
};

// An id no engine hands out: events carrying it are rejected as unknown symbols.
inline constexpr std::uint32_t kUnknownSymbol = 0xFFFFFFFFu;

}  // namespace alphaforge
