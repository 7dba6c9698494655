// TLS contexts and handshakes that fail: every certificate, key and CA
// problem a user can bring is a bad_certificate failure naming what is
// wrong, and every handshake a client must refuse (an unknown CA, another
// name, a peer that does not speak TLS) fails on both sides instead of
// hanging.
#include "gday/net/tls.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "gday/net/memory.hpp"
#include "gday/net/stream.hpp"

namespace {

namespace net = gday::net;
using namespace std::chrono_literals;

const net::test_pki& pki() {
  static const net::test_pki value = [] {
    auto p = net::generate_test_pki();
    if (!p) throw std::runtime_error(p.error().what());
    return *p;
  }();
  return value;
}

const net::test_pki& other_pki() {
  static const net::test_pki value = [] {
    auto p = net::generate_test_pki();
    if (!p) throw std::runtime_error(p.error().what());
    return *p;
  }();
  return value;
}

net::tls_context client_trusting(const std::string& ca_pem, bool insecure = false) {
  net::client_tls_options o;
  o.ca_pem = ca_pem;
  o.insecure = insecure;
  return net::make_client_context(o).value();
}

// Expects a bad_certificate failure whose message contains `says`.
void expect_bad_certificate(const net::result<net::tls_context>& r, const std::string& says) {
  ASSERT_FALSE(r) << "accepted; expected: " << says;
  EXPECT_EQ(r.error().code, net::error::bad_certificate);
  EXPECT_NE(r.error().what().find(says), std::string::npos) << r.error().what();
}

TEST(tls_test, server_context_names_what_is_wrong_with_the_certificate_or_key) {
  expect_bad_certificate(net::make_server_context("not a certificate", pki().server_key_pem),
                         "the certificate is not a PEM X.509 certificate");
  expect_bad_certificate(net::make_server_context(pki().server_cert_pem, "not a key"),
                         "the key is not a PEM private key");
  expect_bad_certificate(
      net::make_server_context(pki().server_cert_pem, other_pki().server_key_pem),
      "the private key does not match the certificate");
  EXPECT_TRUE(net::make_server_context(pki().server_cert_pem, pki().server_key_pem));
}

// A PEM private key of another type (Ed25519) than the certificate's (P-256):
// OpenSSL files it beside the certificate instead of refusing it, and only
// the final check finds that the key has no certificate.
TEST(tls_test, server_context_refuses_a_key_of_another_type_than_the_certificate) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), &EVP_PKEY_free);
  ASSERT_TRUE(key);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr),
            1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  const std::string ed25519_pem(data, static_cast<std::size_t>(size));
  expect_bad_certificate(net::make_server_context(pki().server_cert_pem, ed25519_pem),
                         "the private key does not match the certificate");
}

TEST(tls_test, server_context_from_files_names_the_file_it_cannot_read) {
  std::string pattern = (std::filesystem::temp_directory_path() / "gday-tls-test-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path dir = pattern;
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  ASSERT_TRUE(net::write_file(cert, pki().server_cert_pem));
  ASSERT_TRUE(net::write_file(key, pki().server_key_pem));
  const std::string missing = (dir / "missing.pem").string();
  expect_bad_certificate(net::make_server_context_from_files(missing, key),
                         "cannot read certificate file '" + missing + "'");
  expect_bad_certificate(net::make_server_context_from_files(cert, missing),
                         "cannot read key file '" + missing + "'");
  // Swapped files: each is readable, neither is what it should be.
  EXPECT_FALSE(net::make_server_context_from_files(key, cert));
  EXPECT_TRUE(net::make_server_context_from_files(cert, key));
  std::filesystem::remove_all(dir);
}

TEST(tls_test, client_context_names_an_unusable_ca) {
  net::client_tls_options file;
  file.ca_file = "/nonexistent/ca.pem";
  expect_bad_certificate(net::make_client_context(file),
                         "cannot load CA file '/nonexistent/ca.pem'");
  net::client_tls_options text;
  text.ca_pem = "no certificate here";
  expect_bad_certificate(net::make_client_context(text), "the CA text holds no PEM certificate");
}

TEST(tls_test, write_file_reports_a_folder_it_cannot_write) {
  const auto r = net::write_file("/nonexistent/folder/key.pem", "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what().find("cannot write /nonexistent/folder/key.pem"), std::string::npos)
      << r.error().what();
}

// A write that the file system refuses half way (here: the file size limit,
// as on a full disk) is reported, not taken for a written key. In a forked
// child, whose limit does not reach the other tests.
TEST(tls_test, write_file_reports_a_write_the_file_system_refuses) {
  std::string pattern = (std::filesystem::temp_directory_path() / "gday-tls-test-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::string path = (std::filesystem::path(pattern) / "key.pem").string();
  EXPECT_EXIT(
      {
        ::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead
        rlimit original{};
        ::getrlimit(RLIMIT_FSIZE, &original);
        rlimit limit = original;
        limit.rlim_cur = 1024;
        ::setrlimit(RLIMIT_FSIZE, &limit);
        const auto r = net::write_file(path, std::string(64 * 1024, 'k'));
        ::setrlimit(RLIMIT_FSIZE, &original);  // for what the process writes on exit
        if (r) std::exit(1);
        std::fprintf(stderr, "<%s> <%s>\n", r.error().code.message().c_str(),
                     r.error().what().c_str());
        std::exit(0);
      },
      ::testing::ExitedWithCode(0),
      "<" + std::make_error_code(std::errc::io_error).message() + "> <cannot write " + path + ">");
  std::filesystem::remove_all(pattern);
}

// Both handshakes over an in-memory pipe; {server's, client's} outcome, or
// timed_out for a side that did not finish within 5 s.
std::pair<std::error_code, std::error_code> handshake(std::unique_ptr<net::byte_stream> server,
                                                      std::unique_ptr<net::byte_stream> client,
                                                      boost::asio::io_context& io) {
  std::optional<std::error_code> s, c;
  server->async_handshake([&](std::error_code ec) {
    s = ec;
    if (ec) server->close();
  });
  client->async_handshake([&](std::error_code ec) {
    c = ec;
    if (ec) client->close();
  });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!(s && c) && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(deadline - std::chrono::steady_clock::now());
  }
  return {s.value_or(net::error::timed_out), c.value_or(net::error::timed_out)};
}

// A TLS server and a TLS client with `client_ctx` asking for `host`.
std::pair<std::error_code, std::error_code> tls_handshake(const net::tls_context& client_ctx,
                                                          const std::string& host) {
  boost::asio::io_context io;
  auto [s, c] = net::memory_transport::make_pair(io.get_executor(), io.get_executor());
  auto server_ctx = net::make_server_context(pki().server_cert_pem, pki().server_key_pem).value();
  auto server = net::make_tls_stream(std::move(s), server_ctx, true).value();
  auto client = net::make_tls_stream(std::move(c), client_ctx, false, host).value();
  return handshake(std::move(server), std::move(client), io);
}

TEST(tls_test, a_client_refuses_a_server_signed_by_another_ca) {
  const auto [server, client] =
      tls_handshake(client_trusting(other_pki().ca_cert_pem), "localhost");
  EXPECT_EQ(client, net::error::tls_handshake_failed) << client.message();
  EXPECT_TRUE(server) << "the server's handshake must fail too (the client's alert)";
  EXPECT_NE(server, net::error::timed_out);
}

TEST(tls_test, a_client_refuses_a_certificate_for_another_name) {
  const auto [server, client] = tls_handshake(client_trusting(pki().ca_cert_pem), "gday.example");
  EXPECT_EQ(client, net::error::tls_handshake_failed) << client.message();
  EXPECT_NE(server, net::error::timed_out);
}

TEST(tls_test, the_names_and_addresses_on_the_test_certificate_pass) {
  for (const char* host : {"localhost", "127.0.0.1", "::1"}) {
    const auto [server, client] = tls_handshake(client_trusting(pki().ca_cert_pem), host);
    EXPECT_FALSE(server) << host << ": " << server.message();
    EXPECT_FALSE(client) << host << ": " << client.message();
  }
}

TEST(tls_test, insecure_accepts_a_certificate_it_cannot_verify) {
  const auto [server, client] =
      tls_handshake(client_trusting(other_pki().ca_cert_pem, /*insecure=*/true), "gday.example");
  EXPECT_FALSE(client) << client.message();
  EXPECT_FALSE(server) << server.message();
}

TEST(tls_test, a_peer_that_does_not_speak_tls_fails_the_server_handshake) {
  boost::asio::io_context io;
  auto [s, c] = net::memory_transport::make_pair(io.get_executor(), io.get_executor());
  auto server_ctx = net::make_server_context(pki().server_cert_pem, pki().server_key_pem).value();
  auto server = net::make_tls_stream(std::move(s), server_ctx, true).value();
  auto client = net::make_plain_stream(std::move(c));
  // A gday frame instead of a ClientHello.
  const std::string frame = std::string("\x01\x00\x0d", 3) + "\"RoomCreated\"";
  std::optional<std::error_code> handshake_result, write_result;
  server->async_handshake([&](std::error_code ec) { handshake_result = ec; });
  client->async_write(frame, [&](std::error_code ec) { write_result = ec; });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!handshake_result && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(deadline - std::chrono::steady_clock::now());
  }
  ASSERT_TRUE(handshake_result.has_value()) << "the server's handshake hangs on non-TLS bytes";
  EXPECT_EQ(*handshake_result, net::error::tls_handshake_failed) << handshake_result->message();
}

}  // namespace
