#include "alphaforge/bar_spec.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace alphaforge {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;

struct TimeUnit {
  std::string_view suffix;
  std::int64_t ns;
};

// Largest first: to_string() names a step in the largest unit that divides it.
constexpr TimeUnit kTimeUnits[] = {{"d", 86400 * kNsPerSecond}, {"h", 3600 * kNsPerSecond},
                                   {"min", 60 * kNsPerSecond},  {"s", kNsPerSecond},
                                   {"ms", kNsPerMs},            {"us", 1000},
                                   {"ns", 1}};

// Built with append(): GCC 12 reports a false -Wrestrict on `"'" + std::string(...)`.
std::string quoted(std::string_view text) {
  std::string out(1, '\'');
  out.append(text);
  out.push_back('\'');
  return out;
}

[[noreturn]] void bad_spec(std::string_view text, const std::string& why) {
  throw std::invalid_argument(std::string("bar spec ")
                                  .append(quoted(text))
                                  .append(": ")
                                  .append(why)
                                  .append(" (examples: '1s', '5min', '1h', '1d', '100tick', "
                                          "'2.5volume')"));
}

std::int64_t parse_count(std::string_view number, std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error != std::errc() || end != number.data() + number.size() || value <= 0) {
    bad_spec(text, quoted(number).append(" is not a positive integer"));
  }
  return value;
}

std::string with_suffix(std::string number, std::string_view suffix) {
  number.append(suffix);
  return number;
}

}  // namespace

BarSpec BarSpec::time(std::int64_t step_ns) {
  if (step_ns <= 0) {
    throw std::invalid_argument("time bar step must be > 0 ns, got " + std::to_string(step_ns));
  }
  return {BarKind::kTime, step_ns, 0.0};
}

BarSpec BarSpec::ticks(std::int64_t count) {
  if (count <= 0) {
    throw std::invalid_argument("tick bar count must be > 0, got " + std::to_string(count));
  }
  return {BarKind::kTick, count, 0.0};
}

BarSpec BarSpec::volume(double threshold) {
  if (!std::isfinite(threshold) || threshold <= 0.0) {
    throw std::invalid_argument("volume bar threshold must be a finite number > 0, got " +
                                std::to_string(threshold));
  }
  return {BarKind::kVolume, 0, threshold};
}

BarSpec BarSpec::parse(std::string_view text) {
  const auto unit_at = text.find_first_not_of("0123456789.");
  if (unit_at == 0 || unit_at == std::string_view::npos) {
    bad_spec(text, "expected a number followed by a unit");
  }
  const std::string_view number = text.substr(0, unit_at);
  // "D" as pandas writes a day ("1D"), beside "d".
  const std::string_view unit = text.substr(unit_at) == "D" ? "d" : text.substr(unit_at);
  if (unit == "tick" || unit == "ticks") return ticks(parse_count(number, text));
  if (unit == "volume") {
    double threshold = 0.0;
    const auto [end, error] =
        std::from_chars(number.data(), number.data() + number.size(), threshold);
    if (error != std::errc() || end != number.data() + number.size() || !(threshold > 0.0)) {
      bad_spec(text, quoted(number).append(" is not a positive number"));
    }
    return volume(threshold);
  }
  for (const auto& u : kTimeUnits) {
    if (unit == u.suffix) {
      const std::int64_t count = parse_count(number, text);
      if (count > std::numeric_limits<std::int64_t>::max() / u.ns) bad_spec(text, "too long");
      return time(count * u.ns);
    }
  }
  bad_spec(text, std::string("unknown unit ").append(quoted(unit)));
}

std::string BarSpec::to_string() const {
  switch (kind_) {
    case BarKind::kTick:
      return with_suffix(std::to_string(step_), "tick");
    case BarKind::kVolume: {
      char buffer[64];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, threshold_);
      return with_suffix(std::string(buffer, result.ptr), "volume");
    }
    case BarKind::kTime:
      break;
  }
  // The largest unit that divides the step exactly; "1d" rather than "24h" or "1440min".
  for (const auto& u : kTimeUnits) {
    if (step_ % u.ns == 0) return with_suffix(std::to_string(step_ / u.ns), u.suffix);
  }
  return with_suffix(std::to_string(step_), "ns");  // not reached: "ns" divides every step
}

}  // namespace alphaforge
