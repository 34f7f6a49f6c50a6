#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "alphaforge/indicators_bars.hpp"
#include "alphaforge/indicators_series.hpp"

// The vectorised forms: out[i] is what the streaming indicator holds after the input rows
// begin .. i, where begin is the first row in which no input is NaN (leading NaN rows, the
// warm-up of an upstream indicator, are skipped as TA-Lib's Python wrapper skips them). Rows
// before begin + lookback are NaN. Any later non-finite value, a high below its low, a negative
// volume or inputs of different lengths throw std::invalid_argument naming the column and row.
// Outputs must have the inputs' length.
namespace alphaforge::indicators {

using Column = std::span<const double>;
using Output = std::span<double>;

void sma(Column values, std::size_t period, Output out);
void ema(Column values, std::size_t period, Output out);
void wma(Column values, std::size_t period, Output out);
void rsi(Column values, std::size_t period, Output out);
void rolling_std(Column values, std::size_t period, Output out);
void zscore(Column values, std::size_t period, Output out);
void macd(Column values, std::size_t fast, std::size_t slow, std::size_t signal, Output macd,
          Output signal_line, Output hist);
void bollinger(Column values, std::size_t period, double num_std, Output upper, Output middle,
               Output lower);

void atr(Column high, Column low, Column close, std::size_t period, Output out);
void stochastic(Column high, Column low, Column close, std::size_t fastk, std::size_t slowk,
                std::size_t slowd, Output k, Output d);
void adx(Column high, Column low, Column close, std::size_t period, Output out);
void obv(Column close, Column volume, Output out);
// `session`, when not empty, labels each row; the VWAP starts again where the label changes.
void vwap(Column high, Column low, Column close, Column volume, std::size_t period,
          std::span<const std::int64_t> session, Output out);

}  // namespace alphaforge::indicators
