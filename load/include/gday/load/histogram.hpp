#pragma once
/// A log-bucket latency histogram: fixed memory, O(1) record, no allocation
/// per sample. Values are nanoseconds; each bucket is at most 1/32 (about
/// 3 %) wide relative to its lower bound, so a percentile read from it is
/// within 3 % of the true sample.

#include <array>
#include <cstdint>

namespace gday::load {

/// Counts of nanosecond values in log-linear buckets: 32 linear sub-buckets
/// per power of two from 32 ns up, exact below. Copyable and mergeable.
class histogram {
 public:
  /// Records one value (negative values count as 0).
  void record(std::int64_t nanoseconds) noexcept;

  /// Adds every count of `other`.
  void merge(const histogram& other) noexcept;

  /// Forgets every value.
  void clear() noexcept;

  /// Values recorded.
  std::uint64_t count() const noexcept { return count_; }

  /// The smallest value v such that at least `q` (0..1) of the values are
  /// <= v, as the upper bound of its bucket (never above max()); 0 when
  /// empty.
  std::int64_t quantile(double q) const noexcept;

  /// The largest value recorded, exactly; 0 when empty.
  std::int64_t max() const noexcept { return max_; }

  /// The mean, from the exact sum; 0 when empty.
  double mean() const noexcept;

  /// Index of the bucket holding `v` (exposed for tests).
  static std::size_t bucket_of(std::uint64_t v) noexcept;
  /// The largest value bucket `i` holds.
  static std::uint64_t bucket_upper(std::size_t i) noexcept;

  static constexpr unsigned sub_bits = 5;  ///< 32 sub-buckets per power of two
  static constexpr std::size_t bucket_count = (64 - sub_bits + 1) << sub_bits;

 private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace gday::load
