#pragma once
/// A small expected-like result type: a value or an `error_info`.

#include <cassert>
#include <utility>
#include <variant>

#include "gday/wire/error.hpp"

namespace gday::wire {

/// Either a `T` or the `error_info` that explains why there is none.
/// Accessing the wrong alternative is a programmer error (asserts).
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}       // NOLINT
  result(error_info err) : state_(std::in_place_index<1>, std::move(err)) {}  // NOLINT

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error_info& error() const {
    assert(!has_value());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, error_info> state_;
};

/// Makes an error_info in one expression.
inline error_info make_error(error code, std::string message, std::size_t offset = 0) {
  return error_info{code, std::move(message), offset};
}

}  // namespace gday::wire
