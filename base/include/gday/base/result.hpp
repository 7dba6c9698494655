#pragma once
/// A small expected-like result type: a value or the error that explains why
/// there is none.

#include <cassert>
#include <utility>
#include <variant>

namespace gday::base {

/// Either a `T` or the `E` that explains why there is none. Accessing the
/// wrong alternative is a programmer error (asserts).
template <class T, class E>
class [[nodiscard]] basic_result {
 public:
  basic_result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  basic_result(E err) : state_(std::in_place_index<1>, std::move(err)) {}      // NOLINT

  /// True when the result holds a value.
  bool has_value() const noexcept { return state_.index() == 0; }
  /// Same as has_value().
  explicit operator bool() const noexcept { return has_value(); }

  /// The value; the result must hold one.
  T& value() & {
    assert(has_value());
    return std::get<0>(state_);
  }
  /// The value; the result must hold one.
  const T& value() const& {
    assert(has_value());
    return std::get<0>(state_);
  }
  /// The value, moved out; the result must hold one.
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  /// The error; the result must hold one.
  const E& error() const {
    assert(!has_value());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, E> state_;
};

}  // namespace gday::base
