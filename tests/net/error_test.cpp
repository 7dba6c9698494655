#include "gday/net/error.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <set>
#include <string>

namespace {

using gday::net::error;

constexpr int first_code = static_cast<int>(error::closed_with_close_notify);
constexpr int last_code = static_cast<int>(error::bad_address);

TEST(net_error_test, every_code_has_a_distinct_message) {
  std::set<std::string> messages;
  for (int v = first_code; v <= last_code; ++v) {
    const std::string message = std::error_code(static_cast<error>(v)).message();
    EXPECT_FALSE(message.empty()) << v;
    EXPECT_NE(message, "unknown gday.net error") << v;
    EXPECT_TRUE(messages.insert(message).second) << "two codes say '" << message << "'";
  }
  EXPECT_EQ(messages.size(), static_cast<std::size_t>(last_code - first_code + 1));
  EXPECT_EQ(std::error_code(static_cast<error>(last_code + 1)).message(), "unknown gday.net error");
}

TEST(net_error_test, the_messages_name_the_cause) {
  // What a user reads when a connection ends: the TLS close_notify (spec
  // T-5) is named either way.
  EXPECT_NE(std::error_code(error::closed_with_close_notify).message().find("close_notify"),
            std::string::npos);
  EXPECT_NE(std::error_code(error::closed_without_close_notify).message().find("without"),
            std::string::npos);
  EXPECT_NE(std::error_code(error::tls_handshake_failed).message().find("handshake"),
            std::string::npos);
  EXPECT_NE(std::error_code(error::bad_certificate).message().find("certificate"),
            std::string::npos);
  EXPECT_STREQ(std::error_code(error::timed_out).category().name(), "gday.net");
  EXPECT_EQ(&std::error_code(error::timed_out).category(), &gday::net::net_category());
}

TEST(net_error_test, orderly_closes_are_eof_and_both_tls_ends_not_resets) {
  EXPECT_TRUE(gday::net::is_orderly_close(boost::system::error_code(boost::asio::error::eof)));
  EXPECT_TRUE(gday::net::is_orderly_close(error::closed_with_close_notify));
  EXPECT_TRUE(gday::net::is_orderly_close(error::closed_without_close_notify));
  EXPECT_FALSE(
      gday::net::is_orderly_close(boost::system::error_code(boost::asio::error::connection_reset)));
  EXPECT_FALSE(gday::net::is_orderly_close(error::timed_out));
  EXPECT_FALSE(gday::net::is_orderly_close(error::tls_failed));
  EXPECT_FALSE(gday::net::is_orderly_close(std::error_code()));
}

TEST(net_error_test, failure_says_its_message_or_else_its_code) {
  EXPECT_EQ((gday::net::failure{error::timed_out, "no reply within 5 s"}.what()),
            "no reply within 5 s");
  EXPECT_EQ((gday::net::failure{error::timed_out, ""}.what()), "timed out");
}

}  // namespace
