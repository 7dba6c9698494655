// gday-reference-server: the reference gday contact exchange server.
// Upstream's flags (-k -c -u -a -t -r -v) plus --protocol, --fault,
// --list-faults, --threads and --self-check.
#include <pthread.h>
#include <signal.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <thread>

#include "gday/client/client.hpp"
#include "gday/core/fault.hpp"
#include "gday/server/server.hpp"

namespace po = boost::program_options;
namespace core = gday::core;
namespace wire = gday::wire;

namespace {

constexpr int exit_usage = 2;

int usage_error(const std::string& message) {
  std::cerr << "gday-reference-server: " << message << "\n"
            << "Try 'gday-reference-server --help'.\n";
  return exit_usage;
}

std::string describe_endpoints(const gday::server::server& s) {
  std::string out;
  for (const auto& ep : s.endpoints()) {
    if (!out.empty()) out += ' ';
    out += ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    out += ":" + std::to_string(ep.port());
  }
  return out;
}

// Starts an in-process server over TLS with a throwaway certificate and runs
// a full exchange through the reference client on IPv4 and IPv6.
int self_check(wire::profile profile) {
  std::printf("self-check: protocol %s, TLS with a generated P-256 certificate\n",
              std::string(wire::to_string(profile)).c_str());
  auto pki = gday::net::generate_test_pki();
  if (!pki) return std::printf("FAIL certificate: %s\n", pki.error().what().c_str()), 1;
  auto tls = gday::net::make_server_context(pki->server_cert_pem, pki->server_key_pem);
  if (!tls) return std::printf("FAIL TLS context: %s\n", tls.error().what().c_str()), 1;
  gday::server::config cfg;
  cfg.core.profile = profile;
  cfg.tls = *tls;
  gday::server::server server(cfg);
  if (auto started = server.start(); !started) {
    return std::printf("FAIL start: %s\n", started.error().what().c_str()), 1;
  }
  std::printf("self-check: listening on %s\n", describe_endpoints(server).c_str());
  int failures = 0;
  auto check = [&](bool ok, const std::string& what, const std::string& detail = {}) {
    std::printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", what.c_str(), detail.empty() ? "" : ": ",
                detail.c_str());
    failures += ok ? 0 : 1;
    return ok;
  };
  auto connect = [&](bool v6) {
    gday::client::connect_options o;
    o.host = v6 ? "::1" : "127.0.0.1";
    o.port = server.port(v6);
    o.profile = profile;
    o.tls_options.ca_pem = pki->ca_cert_pem;
    return gday::client::connection::open(o);
  };
  auto c4 = connect(false), c6 = connect(true), j4 = connect(false);
  if (!check(c4 && j4, "TLS connections over IPv4 verify the certificate",
             c4 ? (j4 ? "" : j4.error().what()) : c4.error().what())) {
    return 1;
  }
  const bool have_v6 = c6.has_value();
  check(true, have_v6 ? "TLS connection over IPv6" : "IPv6 unavailable here, skipped");
  const auto timeout = std::chrono::seconds(5);
  auto ask = [&](gday::client::connection& c, const wire::client_msg& m, wire::server_msg_type want,
                 const std::string& what) -> std::optional<wire::server_msg> {
    auto sent = c.send(m);
    if (!sent) return check(false, what, sent.error().what()), std::nullopt;
    auto reply = c.receive(timeout);
    if (!reply) return check(false, what, reply.error().what()), std::nullopt;
    if (!check(reply->type == want, what, std::string(wire::variant_name(reply->type)))) {
      return std::nullopt;
    }
    return *reply;
  };
  const std::string code = gday::client::room_code_from_text("self-check room", profile);
  wire::contact creator_local, joiner_local;
  creator_local.v4 = wire::parse_socket_addr_v4("10.0.0.1:1111");
  joiner_local.v6 = wire::parse_socket_addr_v6("[fd00::2]:2222");
  using t = wire::server_msg_type;
  ask(*c4, wire::create_room{code}, t::room_created, "CreateRoom -> RoomCreated (M-1)");
  ask(*c4, wire::create_room{code}, t::error_room_taken,
      "CreateRoom again -> ErrorRoomTaken (M-1)");
  ask(*c4, wire::record_public_addr{code, true}, t::received_addr, "RecordPublicAddr v4 (M-2)");
  if (have_v6) {
    ask(*c6, wire::record_public_addr{code, true}, t::received_addr, "RecordPublicAddr v6 (M-2)");
  }
  ask(*j4, wire::record_public_addr{code, false}, t::received_addr, "joiner RecordPublicAddr");
  auto own = ask(*c4, wire::ready_to_share{creator_local, code, true}, t::client_contact,
                 "creator ReadyToShare -> ClientContact (M-3)");
  if (own) {
    const auto expect4 = gday::server::to_core_endpoint(c4->local_endpoint());
    check(own->contact.public_.v4 == std::get<wire::socket_addr_v4>(expect4) &&
              own->contact.local == creator_local,
          "ClientContact holds the recorded public and the sent local contact",
          wire::describe(own->contact));
    if (have_v6) {
      const auto expect6 = gday::server::to_core_endpoint(c6->local_endpoint());
      check(own->contact.public_.v6 == std::get<wire::socket_addr_v6>(expect6),
            "ClientContact.public.v6 is the IPv6 connection's address");
    }
  }
  auto joiner = ask(*j4, wire::ready_to_share{joiner_local, code, false}, t::client_contact,
                    "joiner ReadyToShare -> ClientContact");
  auto joiner_peer = j4->receive(timeout);
  auto creator_peer = c4->receive(timeout);
  if (check(joiner_peer && creator_peer, "both sides get PeerContact (M-4)")) {
    check(own && joiner_peer->type == t::peer_contact && joiner_peer->contact == own->contact,
          "the joiner's PeerContact is the creator's contact");
    check(
        joiner && creator_peer->type == t::peer_contact && creator_peer->contact == joiner->contact,
        "the creator's PeerContact is the joiner's contact");
  }
  ask(*j4, wire::record_public_addr{code, false}, t::error_no_such_room_code,
      "the room is gone after the exchange (L-1)");
  ask(*c4, wire::create_room{code}, t::room_created, "its code is free again (L-1)");
  auto g = connect(false);
  const auto garbage = wire::encode_frame(std::string_view("{}"), profile);
  if (g && g->send_raw(*garbage, timeout)) {
    auto reply = g->receive(timeout);
    check(reply && reply->type == t::error_syntax, "a malformed request gets ErrorSyntax (F-3)");
    auto after = g->receive(timeout);
    check(!after && gday::net::is_orderly_close(after.error().code),
          "then the server closes the connection");
  }
  server.stop();
  std::printf("self-check: %s (%d failed)\n", failures == 0 ? "passed" : "FAILED", failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) try {
  po::options_description opts("gday-reference-server options");
  std::string key, cert, protocol = "1", verbosity = "info";
  std::vector<std::string> addresses, faults;
  std::uint64_t timeout = 600;
  std::uint32_t request_limit = 10;
  unsigned threads = 1;
  double frame_deadline = 30;
  opts.add_options()("help,h", "show this help")("key,k", po::value(&key),
                                                 "PEM file of the private TLS server key")(
      "certificate,c", po::value(&cert), "PEM file of the signed TLS server certificate")(
      "unencrypted,u", "use plain TCP instead of TLS")(
      "addresses,a", po::value(&addresses)->composing(),
      "socket address to listen on (repeatable; default 127.0.0.1:2311 and [::1]:2311; port 0 "
      "picks a free port, the same for every address)")(
      "timeout,t", po::value(&timeout), "seconds before a new room is deleted (default 600)")(
      "request-limit,r", po::value(&request_limit),
      "CreateRoom and failed requests an IP may send per minute (default 10)")(
      "verbosity,v", po::value(&verbosity), "log verbosity (off, error, warn, info, debug, trace)")(
      "protocol", po::value(&protocol), "protocol profile 1, 2 or 3 (default 1)")(
      "fault", po::value(&faults)->composing(),
      "inject a deliberate deviation (repeatable; see --list-faults)")(
      "list-faults", "list the fault names and exit")("threads", po::value(&threads),
                                                      "I/O threads (default 1)")(
      "frame-deadline", po::value(&frame_deadline),
      "seconds a half-received frame may stall before the connection is dropped (0 = never)")(
      "self-check", "start in-process, run a TLS exchange through the reference client, exit")(
      "generate-cert", po::value<std::string>(),
      "write a throwaway CA (ca.pem) and a server certificate and key for localhost, 127.0.0.1 "
      "and ::1 (cert.pem, key.pem) into this folder, then exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return 0;
  }
  if (vm.count("list-faults")) {
    for (auto f : core::all_faults()) {
      std::printf("%-40s %s\n", std::string(core::name(f)).c_str(),
                  std::string(core::description(f)).c_str());
    }
    return 0;
  }
  if (vm.count("generate-cert")) {
    const std::string dir = vm["generate-cert"].as<std::string>();
    auto pki = gday::net::generate_test_pki(365);
    if (!pki) return usage_error(pki.error().what());
    for (const auto& [file, text] :
         {std::pair{"/ca.pem", &pki->ca_cert_pem}, std::pair{"/cert.pem", &pki->server_cert_pem},
          std::pair{"/key.pem", &pki->server_key_pem}}) {
      if (auto written = gday::net::write_file(dir + file, *text); !written) {
        return usage_error(written.error().what());
      }
    }
    std::printf("wrote %s/ca.pem, %s/cert.pem, %s/key.pem\n", dir.c_str(), dir.c_str(),
                dir.c_str());
    return 0;
  }
  auto profile = wire::parse_profile(protocol);
  if (!profile) return usage_error("--protocol takes 1, 2 or 3, not '" + protocol + "'");
  if (vm.count("self-check")) return self_check(*profile);

  gday::server::config cfg;
  cfg.core.profile = *profile;
  cfg.core.room_timeout = std::chrono::seconds(timeout);
  cfg.core.request_limit = request_limit;
  cfg.core.frame_deadline =
      std::chrono::duration_cast<core::clock_time>(std::chrono::duration<double>(frame_deadline));
  cfg.threads = threads == 0 ? 1 : threads;
  for (const auto& f : faults) {
    auto parsed = core::parse_fault(f);
    if (!parsed) return usage_error("unknown fault '" + f + "' (see --list-faults)");
    cfg.core.faults.set(*parsed);
  }
  if (!addresses.empty())
    cfg.listen = addresses;
  else
    cfg.listen = {"127.0.0.1:2311", "[::1]:2311"};
  if (vm.count("unencrypted")) {
    if (!key.empty() || !cert.empty()) {
      return usage_error("--unencrypted conflicts with --key and --certificate");
    }
  } else {
    if (key.empty() || cert.empty()) {
      return usage_error("TLS needs --key and --certificate (or --unencrypted)");
    }
    auto ctx = gday::net::make_server_context_from_files(cert, key);
    if (!ctx) return usage_error(ctx.error().what());
    cfg.tls = *ctx;
  }
  cfg.on_crash = [] {
    std::fprintf(stderr, "gday-reference-server: crash fault triggered, aborting\n");
    std::abort();
  };
  // SIGINT/SIGTERM are blocked in every thread and taken by sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  gday::server::server server(cfg);
  if (auto started = server.start(); !started) {
    std::fprintf(stderr, "gday-reference-server: %s\n", started.error().what().c_str());
    return exit_usage;
  }
  std::printf("listening on %s\n", describe_endpoints(server).c_str());
  std::fflush(stdout);
  if (verbosity != "off") {
    std::fprintf(stderr,
                 "gday-reference-server: protocol %s, %s, room timeout %llus, request "
                 "limit %u%s\n",
                 std::string(wire::to_string(*profile)).c_str(), cfg.tls ? "TLS" : "plain TCP",
                 static_cast<unsigned long long>(timeout), request_limit,
                 faults.empty() ? "" : ", FAULTS INJECTED");
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "gday-reference-server: %s\n", e.what());
  return 1;
}
