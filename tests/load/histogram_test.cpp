#include "gday/load/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace gday::load {
namespace {

TEST(histogram_test, empty_reads_zero) {
  histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.quantile(0.5), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(histogram_test, small_values_are_exact) {
  histogram h;
  for (int v = 0; v < 32; ++v) h.record(v);
  EXPECT_EQ(h.quantile(0.0), 0);
  EXPECT_EQ(h.quantile(1.0), 31);
  EXPECT_EQ(h.quantile(0.5), 15);  // the 16th of 32 values
  EXPECT_EQ(h.max(), 31);
}

TEST(histogram_test, buckets_cover_every_value_in_order) {
  std::size_t previous = 0;
  for (std::uint64_t v : {0ull, 1ull, 31ull, 32ull, 33ull, 63ull, 64ull, 1000ull, 123456789ull,
                          (1ull << 40) + 5, ~0ull}) {
    const auto b = histogram::bucket_of(v);
    ASSERT_LT(b, histogram::bucket_count) << v;
    EXPECT_GE(b, previous) << v;
    EXPECT_GE(histogram::bucket_upper(b), v) << v;
    if (b > 0) {
      EXPECT_LT(histogram::bucket_upper(b - 1), v) << v;
    }
    previous = b;
  }
}

TEST(histogram_test, bucket_width_is_within_three_percent) {
  for (std::size_t b = 32; b < histogram::bucket_count - 1; ++b) {
    const double low = static_cast<double>(histogram::bucket_upper(b - 1) + 1);
    const double high = static_cast<double>(histogram::bucket_upper(b));
    ASSERT_LE((high - low) / low, 1.0 / 32 + 1e-9) << b;
  }
}

TEST(histogram_test, quantiles_match_sorted_samples_within_bucket_precision) {
  std::mt19937_64 rng(2311);
  std::lognormal_distribution<double> latency(11.0, 1.0);  // ~60 us median, long tail
  std::vector<std::int64_t> samples;
  histogram h;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<std::int64_t>(latency(rng));
    samples.push_back(v);
    h.record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
    const auto exact = static_cast<double>(samples[rank - 1]);
    const auto got = static_cast<double>(h.quantile(q));
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(got, exact * (1 + 1.0 / 32) + 1) << q;
  }
  EXPECT_EQ(h.max(), samples.back());
  EXPECT_EQ(h.count(), samples.size());
}

TEST(histogram_test, merge_equals_recording_everything_in_one) {
  histogram a, b, all;
  for (int v = 0; v < 5000; v += 7) {
    (v % 2 ? a : b).record(v * 131);
    all.record(v * 131);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double q : {0.1, 0.5, 0.99}) EXPECT_EQ(a.quantile(q), all.quantile(q));
}

TEST(histogram_test, negative_values_count_as_zero_and_clear_forgets) {
  histogram h;
  h.record(-5);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.quantile(1.0), 0);
  h.clear();
  EXPECT_EQ(h.count(), 0u);
}

}  // namespace
}  // namespace gday::load
