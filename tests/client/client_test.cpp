// The reference client: room codes, connection failures and timeouts, the
// exchange's options, and an end-to-end run of gday-reference-server with two
// gday-reference-client processes.
#include "gday/client/client.hpp"

#include <stdlib.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "gday/base/hex.hpp"
#include "gday/net/memory.hpp"
#include "gday/net/tls.hpp"
#include "gday/server/server.hpp"
#include "gday/test/support.hpp"

namespace {

using namespace std::chrono_literals;
namespace client = gday::client;
namespace net = gday::net;
namespace wire = gday::wire;
using clock_type = std::chrono::steady_clock;
using t = wire::server_msg_type;

const net::test_pki& pki() {
  static const net::test_pki value = [] {
    auto made = net::generate_test_pki();
    if (!made) throw std::runtime_error(made.error().what());
    return *made;
  }();
  return value;
}

// An in-process TLS server on loopback (IPv4 and IPv6).
std::unique_ptr<gday::server::server> start_server(std::uint32_t request_limit = 100000) {
  gday::server::config cfg;
  auto ctx = net::make_server_context(pki().server_cert_pem, pki().server_key_pem);
  if (!ctx) throw std::runtime_error(ctx.error().what());
  cfg.tls = *ctx;
  cfg.core.request_limit = request_limit;
  auto s = std::make_unique<gday::server::server>(cfg);
  if (auto started = s->start(); !started) throw std::runtime_error(started.error().what());
  return s;
}

client::connect_options options(std::uint16_t port, bool v6 = false) {
  client::connect_options o;
  o.host = v6 ? "::1" : "127.0.0.1";
  o.port = port;
  o.tls_options.ca_pem = pki().ca_cert_pem;
  o.timeout = 2s;
  return o;
}

// ---- room codes ----------------------------------------------------------------

TEST(client_test, room_code_from_text_is_sha256_for_v1) {
  // FIPS 180-2 test vector: SHA-256("abc").
  EXPECT_EQ(gday::base::encode_hex(client::room_code_from_text("abc", wire::profile::v1)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(gday::base::encode_hex(client::room_code_from_text("", wire::profile::v1)),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(client::room_code_from_text("any text", wire::profile::v1).size(), 32u);
}

TEST(client_test, room_code_from_text_is_the_text_itself_for_v2_and_v3) {
  EXPECT_EQ(client::room_code_from_text("abc", wire::profile::v3), "abc");
  EXPECT_EQ(client::room_code_from_text("hv-7ud4y3e7", wire::profile::v2), "hv-7ud4y3e7");
  EXPECT_EQ(client::room_code_from_text("", wire::profile::v3), "");
}

// ---- connection failures and timeouts --------------------------------------------

TEST(client_test, open_fails_clearly_on_a_closed_port) {
  // A port that is bound but not listening refuses connections, and nothing
  // else can take it while the socket stays bound.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket reserved(io);
  reserved.open(boost::asio::ip::tcp::v4());
  reserved.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = reserved.local_endpoint().port();
  const auto started = clock_type::now();
  auto c = client::connection::open(options(port));
  ASSERT_FALSE(c);
  EXPECT_LT(clock_type::now() - started, 2s);
  EXPECT_EQ(c.error().code, std::errc::connection_refused) << c.error().what();
  EXPECT_NE(c.error().what().find("cannot connect to 127.0.0.1 port " + std::to_string(port)),
            std::string::npos)
      << c.error().what();
}

TEST(client_test, open_fails_clearly_on_an_untrusted_certificate) {
  auto srv = start_server();
  auto other = net::generate_test_pki();  // a CA that did not sign the server's certificate
  ASSERT_TRUE(other);
  auto o = options(srv->port(false));
  o.tls_options.ca_pem = other->ca_cert_pem;
  const auto started = clock_type::now();
  auto c = client::connection::open(o);
  ASSERT_FALSE(c);
  EXPECT_LT(clock_type::now() - started, o.timeout);
  EXPECT_EQ(c.error().code, net::error::tls_handshake_failed) << c.error().what();
  EXPECT_NE(c.error().what().find("certificate verify failed"), std::string::npos)
      << c.error().what();
  // The same server with the right CA works.
  EXPECT_TRUE(client::connection::open(options(srv->port(false))));
}

TEST(client_test, open_times_out_on_a_server_that_never_handshakes) {
  // A listening socket nobody accepts on: the kernel completes the TCP
  // connection, and the TLS handshake never gets an answer.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto o = options(silent.local_endpoint().port());
  o.timeout = 300ms;
  const auto started = clock_type::now();
  auto c = client::connection::open(o);
  const auto took = clock_type::now() - started;
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, net::error::timed_out) << c.error().what();
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1s);
}

TEST(client_test, receive_times_out_cleanly_against_a_silent_server) {
  auto srv = start_server();
  auto c = client::connection::open(options(srv->port(false)));
  ASSERT_TRUE(c) << c.error().what();
  const auto started = clock_type::now();
  auto reply = c->receive(300ms);  // nothing was asked, so the server says nothing
  const auto took = clock_type::now() - started;
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, net::error::timed_out) << reply.error().what();
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1s);
  // The timed-out connection is closed; using it again fails at once.
  EXPECT_FALSE(c->send(wire::create_room{std::string(32, 'x')}));
  EXPECT_FALSE(c->receive(5s));
}

TEST(client_test, open_refuses_a_host_that_is_not_an_ip_literal) {
  auto o = options(2311);
  o.host = "localhost";  // names are not resolved: the harness works on literals only
  auto c = client::connection::open(o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, net::error::bad_address);
  EXPECT_EQ(c.error().what(), "'localhost' is not an IPv4 or IPv6 address");
}

TEST(client_test, open_with_no_time_left_times_out_while_connecting) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor listening(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto o = options(listening.local_endpoint().port());
  o.timeout = 0ms;
  auto c = client::connection::open(o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, net::error::timed_out) << c.error().what();
  EXPECT_EQ(c.error().what(), "connecting to 127.0.0.1 port " +
                                  std::to_string(listening.local_endpoint().port()) + " timed out");
}

TEST(client_test, receive_with_no_time_left_times_out_and_closes_the_connection) {
  auto srv = start_server();
  auto c = client::connection::open(options(srv->port(false)));
  ASSERT_TRUE(c) << c.error().what();
  auto reply = c->receive(0ms);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, net::error::timed_out);
  EXPECT_EQ(reply.error().what(), "waiting for a reply timed out");
  auto again = c->receive(1s);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, std::errc::not_connected);
  EXPECT_EQ(again.error().what(),
            "the connection is closed (an earlier wait timed out, or close() was called)");
}

TEST(client_test, a_connection_moved_by_assignment_carries_on) {
  auto srv = start_server();
  auto first = client::connection::open(options(srv->port(false)));
  auto second = client::connection::open(options(srv->port(true), true));
  ASSERT_TRUE(first && second);
  const auto second_local = second->local_endpoint();
  *first = std::move(*second);  // the first connection is closed and replaced
  EXPECT_EQ(first->local_endpoint(), second_local);
  ASSERT_TRUE(first->send(wire::create_room{std::string(32, 'm')}));
  auto reply = first->receive(2s);
  ASSERT_TRUE(reply) << reply.error().what();
  EXPECT_EQ(reply->type, t::room_created);
}

TEST(client_test, shutdown_send_reports_a_transport_that_cannot_half_close) {
  boost::asio::io_context io;
  net::memory_transport* own_end = nullptr;
  std::unique_ptr<net::memory_transport> server_end;
  auto o = options(0);
  o.tls = false;
  auto c = client::connection::open(o, [&](boost::asio::any_io_executor executor) {
    auto ends = net::memory_transport::make_pair(executor, io.get_executor());
    own_end = ends.first.get();
    server_end = std::move(ends.second);
    return std::unique_ptr<net::transport>(std::move(ends.first));
  });
  ASSERT_TRUE(c) << c.error().what();
  ASSERT_NE(own_end, nullptr);
  own_end->close();  // the transport fails under the connection
  auto r = c->shutdown_send();
  ASSERT_FALSE(r);
  const auto ebadf = std::make_error_code(std::errc::bad_file_descriptor);
  EXPECT_EQ(r.error().code, ebadf);
  EXPECT_EQ(r.error().what(), "half-closing the connection failed: " + ebadf.message());
}

TEST(client_test, open_names_a_source_address_it_cannot_use) {
  auto srv = start_server();
  auto o = options(srv->port(false));
  o.bind_address = "not an address";
  auto c = client::connection::open(o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().what().rfind("cannot open a socket: ", 0), 0u) << c.error().what();
  // An address this host does not have (TEST-NET-1).
  o.bind_address = "192.0.2.1";
  c = client::connection::open(o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, std::errc::address_not_available) << c.error().what();
  EXPECT_EQ(c.error().what(), "cannot open a socket: " +
                                  std::make_error_code(std::errc::address_not_available).message());
}

TEST(client_test, open_reports_an_unusable_ca_instead_of_handshaking) {
  auto srv = start_server();
  auto o = options(srv->port(false));
  o.tls_options.ca_pem = "no certificate here";
  auto c = client::connection::open(o);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, net::error::bad_certificate);
  EXPECT_EQ(c.error().what(), "the CA text holds no PEM certificate");
}

TEST(client_test, shutdown_send_ends_the_input_and_the_answer_still_arrives) {
  auto srv = start_server();
  auto c = client::connection::open(options(srv->port(false)));
  ASSERT_TRUE(c) << c.error().what();
  ASSERT_TRUE(c->send(wire::create_room{std::string(32, 'h')}));
  ASSERT_TRUE(c->shutdown_send());
  // Upstream answers an end of input with ErrorSyntax, then closes (spec F-5).
  auto created = c->receive(2s);
  ASSERT_TRUE(created) << created.error().what();
  EXPECT_EQ(created->type, t::room_created);
  auto raw = c->receive_raw_frame(2s);
  ASSERT_TRUE(raw) << raw.error().what();
  EXPECT_EQ(gday::base::encode_hex(*raw), "01000d224572726f7253796e74617822");  // "ErrorSyntax"
  auto end = c->receive(2s);
  ASSERT_FALSE(end);
  EXPECT_TRUE(net::is_orderly_close(end.error().code)) << end.error().what();
}

// ---- exchange() ------------------------------------------------------------------

client::exchange_options side(const gday::server::server& srv, const std::string& room,
                              bool creator) {
  client::exchange_options o;
  o.v4 = options(srv.port(false));
  o.v6 = options(srv.port(true), true);
  o.room_code = client::room_code_from_text(room, wire::profile::v1);
  o.is_creator = creator;
  o.reply_timeout = 2s;
  o.peer_timeout = 5s;
  return o;
}

// Beast's fail_count pattern on the client's own transport: its n-th read (or
// write) fails, for n = 1, 2, ... until a request gets its answer. Each
// failure is reported at once, with the transport's error and what the client
// was doing; none is a time-out.
void client_reports_a_failure_at_every_transport_operation(bool reads) {
  auto srv = start_server();
  auto server_context = net::make_server_context(pki().server_cert_pem, pki().server_key_pem);
  ASSERT_TRUE(server_context);
  const auto injected = std::make_error_code(std::errc::io_error);
  std::size_t n = 1;
  for (;; ++n) {
    ASSERT_LT(n, 100u) << "the request never got through";
    net::memory_faults faults;
    (reads ? faults.fail_read_at : faults.fail_write_at) = n;
    faults.error = injected;
    auto c = client::connection::open(options(0), [&](boost::asio::any_io_executor executor) {
      auto ends = net::memory_transport::make_pair(executor, srv->executor());
      ends.first->set_faults(faults);
      srv->adopt(net::make_tls_stream(std::move(ends.second), *server_context, true).value(),
                 *wire::parse_socket_addr_v4("192.0.2.7:7"));
      return std::unique_ptr<net::transport>(std::move(ends.first));
    });
    if (!c) {
      EXPECT_EQ(c.error().code, net::error::tls_handshake_failed) << "n = " << n;
      EXPECT_NE(c.error().what().find("TLS handshake with the transport failed"), std::string::npos)
          << c.error().what();
      continue;
    }
    const wire::client_msg request = wire::create_room{std::string(32, static_cast<char>(n))};
    if (auto sent = c->send(request); !sent) {
      EXPECT_EQ(sent.error().code, injected) << "n = " << n;
      EXPECT_NE(sent.error().what().find("sending failed"), std::string::npos)
          << sent.error().what();
      continue;
    }
    auto reply = c->receive(5s);
    if (!reply) {
      EXPECT_EQ(reply.error().code, injected) << "n = " << n << ": " << reply.error().what();
      EXPECT_NE(reply.error().what().find("connection ended while waiting for a reply"),
                std::string::npos)
          << reply.error().what();
      continue;
    }
    EXPECT_EQ(reply->type, t::room_created);
    break;
  }
  EXPECT_GT(n, 2u) << "the faults were never reached";
}

TEST(client_test, reports_a_failed_transport_read_at_every_step) {
  client_reports_a_failure_at_every_transport_operation(true);
}

TEST(client_test, reports_a_failed_transport_write_at_every_step) {
  client_reports_a_failure_at_every_transport_operation(false);
}

TEST(client_test, exchange_gives_each_side_the_other_ones_contact) {
  auto srv = start_server();
  auto creator = side(*srv, "both sides", true);
  auto joiner = side(*srv, "both sides", false);
  creator.local_contact.v4 = wire::parse_socket_addr_v4("10.0.0.1:1");
  joiner.local_contact.v6 = wire::parse_socket_addr_v6("[fd00::2]:2");
  // The creator waits for its peer inside exchange(), so it runs on its own thread.
  auto creator_result = std::async(std::launch::async, [&] { return client::exchange(creator); });
  joiner.wait_for_room = 2s;  // the creator may not have created the room yet
  auto joined = client::exchange(joiner);
  ASSERT_EQ(creator_result.wait_for(5s), std::future_status::ready);
  auto created = creator_result.get();
  ASSERT_TRUE(created) << created.error().what();
  ASSERT_TRUE(joined) << joined.error().what();
  EXPECT_EQ(created->peer, joined->own);
  EXPECT_EQ(joined->peer, created->own);
  EXPECT_EQ(created->own.local, creator.local_contact);
  EXPECT_EQ(joined->own.local, joiner.local_contact);
  EXPECT_TRUE(created->own.public_.v4 && created->own.public_.v6) << "both families recorded";
}

TEST(client_test, exchange_names_the_servers_error_in_words) {
  auto srv = start_server();
  auto joiner = side(*srv, "nobody created this", false);
  auto r = client::exchange(joiner);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what().find("ErrorNoSuchRoomCode"), std::string::npos) << r.error().what();
  EXPECT_NE(r.error().what().find("No room with this code currently exists on the server."),
            std::string::npos)
      << r.error().what();
}

TEST(client_test, a_joiner_that_waits_for_the_room_retries_until_it_exists) {
  auto srv = start_server();
  auto joiner = side(*srv, "late creator", false);
  joiner.wait_for_room = 5s;
  std::promise<void> waiting;
  auto is_waiting = waiting.get_future();
  std::vector<std::string> notices;
  joiner.notice = [&](const std::string& sentence) {
    notices.push_back(sentence);
    if (notices.size() == 1) waiting.set_value();
  };
  auto joined = std::async(std::launch::async, [&] { return client::exchange(joiner); });
  // The creator starts only once the joiner has been told "no such room".
  ASSERT_EQ(is_waiting.wait_for(5s), std::future_status::ready);
  auto created = client::exchange(side(*srv, "late creator", true));
  ASSERT_EQ(joined.wait_for(10s), std::future_status::ready);
  auto j = joined.get();
  ASSERT_TRUE(created) << created.error().what();
  ASSERT_TRUE(j) << j.error().what();
  EXPECT_EQ(created->peer, j->own);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("does not exist yet"), std::string::npos) << notices[0];
}

TEST(client_test, a_joiner_gives_up_waiting_for_the_room_after_its_deadline) {
  auto srv = start_server();
  auto joiner = side(*srv, "never created", false);
  joiner.wait_for_room = 500ms;
  const auto started = clock_type::now();
  auto r = client::exchange(joiner);
  const auto took = clock_type::now() - started;
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().what().find("gave up waiting"), std::string::npos) << r.error().what();
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2s);
}

TEST(client_test, exchange_goes_on_over_ipv4_when_the_optional_ipv6_connection_fails) {
  auto srv = start_server();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket reserved(io);  // bound, not listening: refuses
  reserved.open(boost::asio::ip::tcp::v6());
  reserved.bind({boost::asio::ip::make_address("::1"), 0});
  auto creator = side(*srv, "v4 only", true);
  creator.v6->port = reserved.local_endpoint().port();
  creator.v6_optional = true;
  std::vector<std::string> notices;
  creator.notice = [&](const std::string& sentence) { notices.push_back(sentence); };
  auto joiner = side(*srv, "v4 only", false);
  joiner.v6.reset();
  joiner.wait_for_room = 2s;
  auto created = std::async(std::launch::async, [&] { return client::exchange(creator); });
  auto joined = client::exchange(joiner);
  ASSERT_EQ(created.wait_for(5s), std::future_status::ready);
  auto c = created.get();
  ASSERT_TRUE(c) << c.error().what();
  ASSERT_TRUE(joined) << joined.error().what();
  EXPECT_TRUE(c->own.public_.v4);
  EXPECT_FALSE(c->own.public_.v6);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("IPv4 only"), std::string::npos) << notices[0];
  // Without v6_optional the same failure ends the exchange.
  auto strict = side(*srv, "v6 required", true);
  strict.v6->port = reserved.local_endpoint().port();
  auto failed = client::exchange(strict);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, std::errc::connection_refused) << failed.error().what();
}

// ---- end to end: the two binaries ------------------------------------------------

std::string bin(const char* name) { return std::string(GDAY_BIN_DIR) + "/" + name; }

// A temporary folder holding the test PKI as PEM files; removed at the end.
class pki_folder {
 public:
  pki_folder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gday-client-test-XXXXXX");
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    for (auto [name, text] :
         {std::pair{"ca.pem", &pki().ca_cert_pem}, std::pair{"cert.pem", &pki().server_cert_pem},
          std::pair{"key.pem", &pki().server_key_pem}}) {
      auto written = net::write_file(file(name), *text);
      if (!written) throw std::runtime_error(written.error().what());
    }
  }
  ~pki_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const char* name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// gday-reference-server on port 0 of both loopbacks; its port from the
// readiness line.
struct running_server {
  explicit running_server(const pki_folder& files)
      : process({bin("gday-reference-server"), "-k", files.file("key.pem"), "-c",
                 files.file("cert.pem"), "-a", "127.0.0.1:0", "-a", "[::1]:0", "-r", "1000", "-v",
                 "off"}) {
    auto line = process.read_line(10s);
    if (!line) {
      process.signal(SIGKILL);
      process.wait_for_exit(5s);
      throw std::runtime_error("no readiness line; stderr: " + process.stderr_text());
    }
    std::smatch m;
    if (!std::regex_match(*line, m,
                          std::regex(R"(listening on 127\.0\.0\.1:(\d+) \[::1\]:(\d+))"))) {
      throw std::runtime_error("unexpected readiness line: " + *line);
    }
    port = m[1].str();
    if (m[2].str() != port) throw std::runtime_error("v4 and v6 ports differ: " + *line);
  }
  gday::test::child_process process;
  std::string port;
};

TEST(client_test, reference_client_processes_exchange_through_the_reference_server) {
  pki_folder files;
  running_server server(files);
  gday::test::child_process creator(
      {bin("gday-reference-client"), "--creator", "--room", "end to end", "--port", server.port,
       "--ca", files.file("ca.pem"), "--local-v4", "10.0.0.1:1000", "--timeout", "5"});
  gday::test::child_process joiner({bin("gday-reference-client"), "--joiner", "--room",
                                    "end to end", "--port", server.port, "--ca",
                                    files.file("ca.pem"), "--local-v6", "[fd00::2]:2000",
                                    "--wait-for-room", "5", "--timeout", "5"});
  const auto creator_exit = creator.wait_for_exit(15s);
  const auto joiner_exit = joiner.wait_for_exit(15s);
  ASSERT_EQ(creator_exit, 0) << creator.stderr_text();
  ASSERT_EQ(joiner_exit, 0) << joiner.stderr_text();
  const auto c = nlohmann::json::parse(creator.stdout_text());
  const auto j = nlohmann::json::parse(joiner.stdout_text());
  EXPECT_EQ(c["own"], j["peer"]);
  EXPECT_EQ(c["peer"], j["own"]);
  EXPECT_EQ(c["own"]["local"], nlohmann::json::parse(R"({"v4":"10.0.0.1:1000","v6":null})"));
  EXPECT_EQ(j["own"]["local"], nlohmann::json::parse(R"({"v4":null,"v6":"[fd00::2]:2000"})"));
  const std::regex v4_public(R"(127\.0\.0\.1:\d+)"), v6_public(R"(\[::1\]:\d+)");
  for (const auto* side : {&c, &j}) {
    EXPECT_TRUE(std::regex_match((*side)["own"]["public"]["v4"].get<std::string>(), v4_public));
    EXPECT_TRUE(std::regex_match((*side)["own"]["public"]["v6"].get<std::string>(), v6_public));
  }
  EXPECT_EQ(creator.stdout_text().find('\n'), creator.stdout_text().size() - 1)
      << "one JSON object on one line";

  server.process.signal(SIGTERM);
  EXPECT_EQ(server.process.wait_for_exit(5s), 0) << server.process.stderr_text();
}

TEST(client_test, reference_client_reports_failures_and_bad_flags) {
  pki_folder files;
  running_server server(files);
  gday::test::child_process lonely({bin("gday-reference-client"), "--joiner", "--room",
                                    "nobody here", "--port", server.port, "--ca",
                                    files.file("ca.pem")});
  EXPECT_EQ(lonely.wait_for_exit(10s), 1);
  EXPECT_NE(lonely.stderr_text().find("No room with this code currently exists on the server."),
            std::string::npos)
      << lonely.stderr_text();
  EXPECT_EQ(lonely.stdout_text(), "");

  gday::test::child_process untrusted(
      {bin("gday-reference-client"), "--creator", "--room", "x", "--port", server.port});
  EXPECT_EQ(untrusted.wait_for_exit(10s), 1);  // the system's CAs do not know the test CA
  EXPECT_NE(untrusted.stderr_text().find("TLS handshake"), std::string::npos)
      << untrusted.stderr_text();

  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--creator", "--joiner", "--room", "x"},
        std::vector<std::string>{"--creator"},
        std::vector<std::string>{"--creator", "--room", "x", "--port", "70000"},
        std::vector<std::string>{"--creator", "--room-hex", "abcd"},
        std::vector<std::string>{"--creator", "--room", "x", "--protocol", "4"},
        std::vector<std::string>{"--creator", "--room", "x", "--local-v4", "[::1]:5"},
        std::vector<std::string>{"--creator", "--room", "x", "--ca", "f", "--insecure"},
        std::vector<std::string>{"--creator", "--room", "x", "--no-such-flag"}}) {
    std::vector<std::string> argv{bin("gday-reference-client")};
    argv.insert(argv.end(), flags.begin(), flags.end());
    gday::test::child_process bad(argv);
    EXPECT_EQ(bad.wait_for_exit(10s), 2) << flags.back() << ": " << bad.stderr_text();
  }

  server.process.signal(SIGTERM);
  EXPECT_EQ(server.process.wait_for_exit(5s), 0) << server.process.stderr_text();
}

}  // namespace
