#pragma once
// The part of LLVM's <fuzzer/FuzzedDataProvider.h> that the fuzz targets use,
// for compilers that do not ship it (g++). It consumes bytes exactly as the
// original does (integers from the end of the input, byte runs from the
// front), so a corpus file means the same thing in the replay build as under
// libFuzzer. Targets include it only when the real header is missing.

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

class FuzzedDataProvider {
 public:
  FuzzedDataProvider(const std::uint8_t* data, std::size_t size)
      : data_ptr_(data), remaining_bytes_(size) {}
  FuzzedDataProvider(const FuzzedDataProvider&) = delete;
  FuzzedDataProvider& operator=(const FuzzedDataProvider&) = delete;

  /// An integer in [min, max], built from bytes taken off the end of the
  /// input; `min` once the input is exhausted.
  template <typename T>
  T ConsumeIntegralInRange(T min, T max) {
    static_assert(std::is_integral_v<T>, "an integral type is required");
    static_assert(sizeof(T) <= sizeof(std::uint64_t), "unsupported integral type");
    if (min > max) std::abort();
    const std::uint64_t range = static_cast<std::uint64_t>(max) - static_cast<std::uint64_t>(min);
    std::uint64_t result = 0;
    std::size_t offset = 0;
    while (offset < sizeof(T) * CHAR_BIT && (range >> offset) > 0 && remaining_bytes_ != 0) {
      --remaining_bytes_;
      result = (result << CHAR_BIT) | data_ptr_[remaining_bytes_];
      offset += CHAR_BIT;
    }
    if (range != std::numeric_limits<std::uint64_t>::max()) result = result % (range + 1);
    return static_cast<T>(static_cast<std::uint64_t>(min) + result);
  }

  /// An integer over the whole range of `T`.
  template <typename T>
  T ConsumeIntegral() {
    return ConsumeIntegralInRange(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  }

  /// The low bit of one byte from the end.
  bool ConsumeBool() { return (ConsumeIntegral<std::uint8_t>() & 1) != 0; }

  /// Up to `num_bytes` bytes from the front of the input.
  template <typename T>
  std::vector<T> ConsumeBytes(std::size_t num_bytes) {
    static_assert(sizeof(T) == sizeof(std::uint8_t), "a byte-sized type is required");
    num_bytes = num_bytes < remaining_bytes_ ? num_bytes : remaining_bytes_;
    std::vector<T> result(num_bytes);
    if (num_bytes != 0) std::memcpy(result.data(), data_ptr_, num_bytes);
    Advance(num_bytes);
    return result;
  }

  /// Up to `num_bytes` bytes from the front of the input, as a string.
  std::string ConsumeBytesAsString(std::size_t num_bytes) {
    num_bytes = num_bytes < remaining_bytes_ ? num_bytes : remaining_bytes_;
    std::string result(reinterpret_cast<const char*>(data_ptr_), num_bytes);
    Advance(num_bytes);
    return result;
  }

  /// Everything that is left.
  template <typename T>
  std::vector<T> ConsumeRemainingBytes() {
    return ConsumeBytes<T>(remaining_bytes_);
  }

  std::size_t remaining_bytes() const { return remaining_bytes_; }

 private:
  void Advance(std::size_t num_bytes) {
    data_ptr_ += num_bytes;
    remaining_bytes_ -= num_bytes;
  }

  const std::uint8_t* data_ptr_;
  std::size_t remaining_bytes_;
};
