#pragma once
/// A small expected-like result type: a value or an `error_info`.

#include <cassert>
#include <utility>
#include <variant>

#include "gday/wire/error.hpp"

namespace gday::wire {

/// Either a `T` or the `E` that explains why there is none. Accessing the
/// wrong alternative is a programmer error (asserts).
template <class T, class E>
class [[nodiscard]] basic_result {
 public:
  basic_result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  basic_result(E err) : state_(std::in_place_index<1>, std::move(err)) {}      // NOLINT

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

  const E& error() const {
    assert(!has_value());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, E> state_;
};

/// The wire layer's result: a value or an `error_info`.
template <class T>
using result = basic_result<T, error_info>;

/// Makes an error_info in one expression.
inline error_info make_error(error code, std::string message, std::size_t offset = 0) {
  return error_info{code, std::move(message), offset};
}

}  // namespace gday::wire
