#include "gday/net/error.hpp"

#include <boost/asio/error.hpp>

namespace gday::net {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gday.net"; }
  std::string message(int value) const override {
    switch (static_cast<error>(value)) {
      case error::closed_with_close_notify:
        return "peer closed the TLS connection (close_notify, then EOF)";
      case error::closed_without_close_notify:
        return "peer closed the TCP connection without a TLS close_notify";
      case error::tls_handshake_failed:
        return "TLS handshake failed";
      case error::tls_failed:
        return "TLS error";
      case error::timed_out:
        return "timed out";
      case error::bad_certificate:
        return "unusable certificate or key";
      case error::bad_address:
        return "unusable address";
    }
    return "unknown gday.net error";
  }
};

}  // namespace

const std::error_category& net_category() noexcept {
  static const category instance;
  return instance;
}

std::error_code make_error_code(error e) noexcept { return {static_cast<int>(e), net_category()}; }

bool is_orderly_close(const std::error_code& ec) noexcept {
  static const std::error_code eof = boost::system::error_code(boost::asio::error::eof);
  return ec == eof || ec == error::closed_with_close_notify ||
         ec == error::closed_without_close_notify;
}

}  // namespace gday::net
