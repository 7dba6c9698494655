#pragma once
/// The wire layer's result type: a value or an `error_info`.

#include <string>
#include <utility>

#include "gday/base/result.hpp"
#include "gday/wire/error.hpp"

namespace gday::wire {

/// base::basic_result under its old name, for code written before gday::base
/// existed; new code names gday::base::basic_result.
using base::basic_result;

/// The wire layer's result: a value or an `error_info`.
template <class T>
using result = base::basic_result<T, error_info>;

/// Makes an error_info in one expression.
inline error_info make_error(error code, std::string message, std::size_t offset = 0) {
  return error_info{code, std::move(message), offset};
}

}  // namespace gday::wire
