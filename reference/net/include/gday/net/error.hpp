#pragma once
/// Errors of the transport layer as values.

#include <string>
#include <system_error>

#include "gday/base/result.hpp"

namespace gday::net {

/// Transport outcomes that the system categories do not name.
enum class error {
  closed_with_close_notify = 1,  ///< peer ended TLS cleanly (close_notify), then EOF
  closed_without_close_notify,   ///< TCP EOF with no TLS close_notify (spec T-5)
  tls_handshake_failed,          ///< handshake failed; the detail says why
  tls_failed,                    ///< a TLS record could not be processed
  timed_out,                     ///< a deadline passed
  bad_certificate,               ///< certificate or key file unusable
  bad_address,                   ///< not an address this tool can use
};

/// The category named "gday.net".
const std::error_category& net_category() noexcept;
std::error_code make_error_code(error e) noexcept;

/// True for every way a peer can end a connection in order (plain EOF, TLS
/// with or without close_notify); false for resets and other failures.
bool is_orderly_close(const std::error_code& ec) noexcept;

/// A failure with a sentence for a human.
struct failure {
  std::error_code code;
  std::string message;
  std::string what() const { return message.empty() ? code.message() : message; }
};

/// A value or a `failure`.
template <class T>
using result = base::basic_result<T, failure>;

/// For operations with nothing to return.
struct done {};

}  // namespace gday::net

template <>
struct std::is_error_code_enum<gday::net::error> : std::true_type {};
