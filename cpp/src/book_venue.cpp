#include "alphaforge/book_venue.hpp"

#include <algorithm>
#include <utility>

#include "alphaforge/backtest_records.hpp"
#include "alphaforge/book_sweep.hpp"

namespace alphaforge {

BookVenue::BookVenue(Instrument grid, QueueModel model)
    : book_(grid), resting_(model, grid.lot_size()) {}

void BookVenue::arrive(std::uint64_t id, OrderSide side, std::optional<Ticks> limit,
                       TimeInForce tif, double qty, VenueEvents& out) {
  const OrderSide opposite = side == OrderSide::kBuy ? OrderSide::kSell : OrderSide::kBuy;
  const std::optional<DepthLevel> best = book_.best(opposite);
  const bool marketable =
      best && (!limit || (side == OrderSide::kBuy ? best->price <= *limit : best->price >= *limit));
  if (limit) {
    if (const auto reason = expiry_on_arrival(tif, marketable)) {
      out.expiries.push_back(VenueExpiry{id, *reason});
      return;
    }
  }
  double left = qty;
  if (marketable) {
    const Sweep taken = sweep(book_, side, qty, limit, limit ? tif : TimeInForce::kIoc);
    for (const LevelFill& f : taken.fills) {
      out.fills.push_back(VenueFill{id, f.price, f.qty, Liquidity::kTaker});
    }
    left = taken.rest;
  }
  if (left <= 0.0) return;
  if (!limit) {
    out.expiries.push_back(VenueExpiry{id, "market order: the book ran out of size"});
  } else if (tif == TimeInForce::kIoc || tif == TimeInForce::kFok) {
    out.expiries.push_back(VenueExpiry{
        id, tif == TimeInForce::kFok ? "FOK order: the book could not fill it whole"
                                     : "IOC order: the book could not fill the rest"});
  } else {
    resting_.rest(id, side, *limit, left, book_);
  }
}

void BookVenue::on_trade(double price, double qty, AggressorSide taker, VenueEvents& out) {
  if (resting_.size() == 0) return;
  maker_fills_.clear();
  resting_.on_trade(book_.grid().nearest_ticks(price, "trade price"), qty, taker, maker_fills_);
  for (const RestingFill& f : maker_fills_) {
    out.fills.push_back(VenueFill{f.order_id, f.price, f.qty, Liquidity::kMaker});
  }
}

void BookVenue::set_level(OrderSide side, double price, double size) {
  if (resting_.size() == 0) {
    book_.set(side, price, size);
    return;
  }
  const double before = book_.size_at(side, price);
  book_.set(side, price, size);
  resting_.on_level(side, book_.grid().nearest_ticks(price, "price"), before, size);
}

void BookVenue::on_depth(const std::uint8_t* is_bid, const double* price, const double* size,
                         std::size_t n, bool snapshot, VenueEvents& out) {
  const auto best = [this](OrderSide side) -> std::optional<Ticks> {
    const auto level = book_.best(side);
    return level ? std::optional<Ticks>(level->price) : std::nullopt;
  };
  const bool watching = resting_.size() != 0;  // without orders, the book alone moves
  const std::optional<Ticks> before_bid = watching ? best(OrderSide::kBuy) : std::nullopt;
  const std::optional<Ticks> before_ask = watching ? best(OrderSide::kSell) : std::nullopt;
  const auto side_of = [&](std::size_t r) { return is_bid[r] != 0 ? OrderSide::kBuy : OrderSide::kSell; };
  if (snapshot) {
    // The levels our orders rest at change from what they showed to what the snapshot shows.
    // Each level once: on_level moves every order resting there.
    std::vector<std::pair<OrderSide, Ticks>> levels = resting_.levels();
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    std::vector<std::pair<std::pair<OrderSide, Ticks>, double>> before;
    for (const auto& level : levels) {
      before.emplace_back(level, book_.size_at(level.first, book_.grid().ticks_to_price(level.second)));
    }
    book_.clear();
    for (std::size_t r = 0; r < n; ++r) book_.set(side_of(r), price[r], size[r]);
    for (const auto& [level, size_before] : before) {
      const double after = book_.size_at(level.first, book_.grid().ticks_to_price(level.second));
      resting_.on_level(level.first, level.second, size_before, after);
    }
  } else {
    for (std::size_t r = 0; r < n; ++r) set_level(side_of(r), price[r], size[r]);
  }
  if (!watching || resting_.size() == 0) return;
  maker_fills_.clear();
  resting_.on_book(book_, before_bid, before_ask, maker_fills_);
  for (const RestingFill& f : maker_fills_) {
    out.fills.push_back(VenueFill{f.order_id, f.price, f.qty, Liquidity::kMaker});
  }
}

}  // namespace alphaforge
