#include "gday/load/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace gday::load {

std::size_t histogram::bucket_of(std::uint64_t v) noexcept {
  constexpr std::uint64_t sub = 1u << sub_bits;
  if (v < sub) return static_cast<std::size_t>(v);
  const unsigned top = static_cast<unsigned>(std::bit_width(v)) - 1;  // >= sub_bits
  const unsigned shift = top - sub_bits;
  const std::uint64_t mantissa = (v >> shift) - sub;  // 0..sub-1
  return static_cast<std::size_t>((static_cast<std::uint64_t>(shift + 1) << sub_bits) + mantissa);
}

std::uint64_t histogram::bucket_upper(std::size_t i) noexcept {
  constexpr std::uint64_t sub = 1u << sub_bits;
  if (i < sub) return i;
  const unsigned shift = static_cast<unsigned>(i >> sub_bits) - 1;
  const std::uint64_t mantissa = (i & (sub - 1)) + sub;
  const std::uint64_t low = mantissa << shift;
  return low + ((std::uint64_t{1} << shift) - 1);
}

void histogram::record(std::int64_t nanoseconds) noexcept {
  const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(nanoseconds, 0));
  ++counts_[std::min(bucket_of(v), bucket_count - 1)];
  ++count_;
  max_ = std::max(max_, static_cast<std::int64_t>(v));
  sum_ += static_cast<long double>(v);
}

void histogram::merge(const histogram& other) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void histogram::clear() noexcept { *this = histogram{}; }

std::int64_t histogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return std::min(static_cast<std::int64_t>(bucket_upper(i)), max_);
    }
  }
  return max_;
}

double histogram::mean() const noexcept {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

}  // namespace gday::load
