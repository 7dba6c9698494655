// The launched target (--server-cmd): how it reports a server that cannot be
// used, and what it learns from one that can.
#include "gday/harness/target.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <stdexcept>
#include <string>

#include "gday/harness/suite.hpp"
#include "gday/net/tls.hpp"

namespace {

namespace h = gday::harness;
using gday::wire::profile;
using std::chrono::milliseconds;

const std::string server_bin = std::string(GDAY_BIN_DIR) + "/gday-reference-server";
const std::string settings_flags = " -t {timeout} -r {request_limit} -v off";
const std::string both_families = " -a 127.0.0.1:{port} -a [::1]:{port}";

// Why `command` cannot be prepared (it must not be).
h::failure launch_failure(const std::string& command, bool plain = true,
                          milliseconds ready = milliseconds(10000)) {
  auto t = h::make_launched_target({command, plain, ready});
  auto got = t->prepare({}, profile::v1);
  if (got) throw std::runtime_error("the launch of '" + command + "' succeeded");
  return got.error();
}

bool matches(const std::string& text, const std::string& pattern) {
  return std::regex_match(text, std::regex(pattern));
}

TEST(launched_test, a_command_that_is_not_found_is_reported_with_its_exit_code) {
  const auto f = launch_failure("gday-no-such-server-here --port {port}");
  EXPECT_EQ(f.code, h::error::target_unusable);
  EXPECT_TRUE(matches(f.what(),
                      "the server exited \\(code 127\\) before accepting connections: "
                      "gday-no-such-server-here --port [0-9]+\n(.|\n)*"))
      << f.what();
  // The shell's own words are in it: the log is read to its end first.
  EXPECT_NE(f.what().find("gday-no-such-server-here: not found"), std::string::npos) << f.what();
}

TEST(launched_test, a_server_that_exits_at_once_is_reported_with_its_exit_code) {
  // The command runs as "exec COMMAND": a shell builtin needs a shell of its own.
  const auto f = launch_failure("sh -c 'exit 3'");
  EXPECT_EQ(f.code, h::error::target_unusable);
  EXPECT_TRUE(f.what().starts_with(
      "the server exited (code 3) before accepting connections: sh -c 'exit 3'"))
      << f.what();
}

TEST(launched_test, a_server_that_never_listens_is_given_up_at_the_deadline) {
  const auto f = launch_failure("sleep 30", true, milliseconds(150));
  EXPECT_EQ(f.code, h::error::target_unusable);
  EXPECT_TRUE(matches(f.what(),
                      "the server did not accept connections on port [0-9]+ within 150 ms: "
                      "sleep 30\n"))
      << f.what();
}

TEST(launched_test, a_server_rejecting_its_key_is_reported_as_exited) {
  // Unusable TLS material: the key file is empty.
  const auto f = launch_failure(
      server_bin + " -k /dev/null -c {cert}" + both_families + settings_flags, false);
  EXPECT_EQ(f.code, h::error::target_unusable);
  EXPECT_TRUE(matches(f.what(),
                      "the server exited \\(code [1-9][0-9]*\\) before accepting "
                      "connections: .*gday-reference-server -k /dev/null -c "
                      "/tmp/gday-conformance-[^ ]+/cert.pem (.|\n)*"))
      << f.what();
}

TEST(launched_test, a_server_listening_on_ipv4_only_is_seen_refusing_ipv6) {
  auto t = h::make_launched_target(
      {server_bin + " -u -a 127.0.0.1:{port}" + settings_flags, true, milliseconds(10000)});
  auto got = t->prepare({}, profile::v1);
  ASSERT_TRUE(got) << got.error().what();
  const auto& ep = (*got)->endpoints();
  EXPECT_NE(ep.port4, 0);
  EXPECT_EQ(ep.port6, 0);
  EXPECT_FALSE(ep.tls);
  EXPECT_EQ(ep.no_v6_seen,
            "[::1]:" + std::to_string(ep.port4) + " refused the connection (Connection refused)");
  EXPECT_TRUE((*got)->alive());
  EXPECT_GT((*got)->server_pid(), 0);
}

TEST(launched_test, a_dual_stack_server_is_restarted_for_other_settings) {
  auto t = h::make_launched_target(
      {server_bin + " -u" + both_families + settings_flags, true, milliseconds(10000)});
  int first_pid = 0;
  {
    auto got = t->prepare({}, profile::v1);
    ASSERT_TRUE(got) << got.error().what();
    const auto& ep = (*got)->endpoints();
    EXPECT_EQ(ep.port6, ep.port4);
    EXPECT_TRUE(ep.no_v6_seen.empty()) << ep.no_v6_seen;
    first_pid = (*got)->server_pid();
  }
  {
    // The same settings: the same server.
    auto again = t->prepare({}, profile::v1);
    ASSERT_TRUE(again) << again.error().what();
    EXPECT_EQ((*again)->server_pid(), first_pid);
  }
  h::settings limited;
  limited.request_limit = 5;
  auto other = t->prepare(limited, profile::v1);
  ASSERT_TRUE(other) << other.error().what();
  EXPECT_NE((*other)->server_pid(), first_pid);
}

TEST(launched_test, a_plain_server_behind_a_tls_target_fails_the_handshake) {
  auto t = h::make_launched_target(
      {server_bin + " -u" + both_families + settings_flags, false, milliseconds(10000)});
  const auto got = h::probe_profile(*t);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::target_unusable);
  EXPECT_TRUE(matches(got.error().what(),
                      "TLS handshake with 127\\.0\\.0\\.1 port [0-9]+ failed \\(untrusted "
                      "certificate, or not TLS\\?\\)"))
      << got.error().what();
}

TEST(launched_test, a_server_with_a_certificate_the_harness_did_not_issue_is_untrusted) {
  // A certificate and key of another (throwaway) CA, not the harness's.
  auto pki = gday::net::generate_test_pki();
  ASSERT_TRUE(pki);
  std::string dir = (std::filesystem::temp_directory_path() / "gday-launched-test-XXXXXX");
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  ASSERT_TRUE(gday::net::write_file(dir + "/cert.pem", pki->server_cert_pem));
  ASSERT_TRUE(gday::net::write_file(dir + "/key.pem", pki->server_key_pem));
  auto t = h::make_launched_target({server_bin + " -k " + dir + "/key.pem -c " + dir + "/cert.pem" +
                                        both_families + settings_flags,
                                    false, milliseconds(10000)});
  const auto got = h::probe_profile(*t);
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, h::error::target_unusable);
  EXPECT_TRUE(got.error().what().ends_with("failed (untrusted certificate, or not TLS?)"))
      << got.error().what();
}

TEST(launched_test, a_tls_server_with_the_harness_certificate_is_probed_for_its_profile) {
  auto t = h::make_launched_target(
      {server_bin + " -k {key} -c {cert} --protocol 3" + both_families + settings_flags, false,
       milliseconds(10000)});
  const auto got = h::probe_profile(*t);
  ASSERT_TRUE(got) << got.error().what();
  EXPECT_EQ(*got, profile::v3);
}

}  // namespace
