// gday-reference-server: the reference gday contact exchange server.
// Upstream's flags (-k -c -u -a -t -r -v) plus --protocol, --fault,
// --list-faults, --threads and --self-check.
#include <pthread.h>
#include <signal.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "gday/base/hex.hpp"
#include "gday/cli/program.hpp"
#include "gday/client/self_check.hpp"
#include "gday/core/fault.hpp"
#include "gday/harness/loader.hpp"
#include "gday/server/server.hpp"
#include "gday/wire/codec.hpp"

namespace po = boost::program_options;
namespace core = gday::core;
namespace wire = gday::wire;

namespace {

constexpr int exit_usage = 2;
constexpr std::string_view program = "gday-reference-server";

int usage_error(const std::string& message) { return gday::cli::usage_error(program, message); }

// Prints the self-check as it goes; the exit code: 0 passed, 1 failed.
int self_check(wire::profile profile) {
  gday::client::self_check_callbacks callbacks;
  callbacks.note = [](const std::string& text) { std::printf("self-check: %s\n", text.c_str()); };
  callbacks.on_step = [](const gday::client::self_check_step& step) {
    std::printf("%s %s%s%s\n", step.ok ? "PASS" : "FAIL", step.what.c_str(),
                step.detail.empty() ? "" : ": ", step.detail.c_str());
  };
  const auto outcome = gday::client::self_check(profile, callbacks);
  if (outcome.completed) {
    std::printf("self-check: %s (%zu failed)\n", outcome.failed == 0 ? "passed" : "FAILED",
                outcome.failed);
  }
  return outcome.passed() ? 0 : 1;
}

/// Bytes as hex, the first 64 only.
std::string short_hex(std::string_view bytes) {
  if (bytes.size() <= 64) return gday::base::encode_hex(bytes);
  return gday::base::encode_hex(bytes.substr(0, 64)) + "... (" + std::to_string(bytes.size()) +
         " bytes)";
}

/// One line on stderr per event of a scripted conversation.
void log_trace(const core::trace_event& e, wire::profile p) {
  using kind = core::trace_event::kind;
  const std::string head = "conn#" + std::to_string(e.conn) + " ";
  std::string line;
  switch (e.what) {
    case kind::opened:
      line = head + "connected from " + e.bytes;
      break;
    case kind::received:
      line = head + "<- " + short_hex(e.bytes);
      break;
    case kind::frame: {
      auto m = wire::decode_client_msg(e.bytes, p);
      line =
          head + "   request " +
          (m ? std::string(wire::variant_name(*m)) : "that does not decode: " + m.error().what());
      break;
    }
    case kind::sent:
      line = head + "-> " + short_hex(e.bytes);
      break;
    case kind::closed:
      line = head + (e.reset ? "server reset the connection" : "server closed the connection");
      break;
    case kind::gone:
      line = head + "client ended the connection (" + e.bytes + ")";
      break;
  }
  std::fprintf(stderr, "gday-reference-server: %s\n", line.c_str());
}

}  // namespace

int main(int argc, char** argv) try {
  po::options_description opts("gday-reference-server options");
  std::string key, cert, protocol = "1", verbosity = "info", script_file;
  std::vector<std::string> addresses, faults;
  std::uint64_t timeout = 600;
  std::uint32_t request_limit = 10;
  unsigned threads = 1;
  double frame_deadline = 30;
  std::size_t max_connections = 20000, max_connections_per_ip = 1000;
  opts.add_options()("help,h", "show this help")("version", "print the version and exit")(
      "key,k", po::value(&key), "PEM file of the private TLS server key")(
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
      "list-faults", "list the fault names and exit")(
      "script", po::value(&script_file),
      "for trying a client by hand: answer as the \"server\" rules of this client scenario say "
      "(scenarios/client/*.json), and log every request and reply to stderr")(
      "threads", po::value(&threads), "I/O threads (default 1)")(
      "max-connections", po::value(&max_connections),
      "open connections in all; beyond, a new one is reset at once and logged (default 20000)")(
      "max-connections-per-ip", po::value(&max_connections_per_ip),
      "open connections from one IP address; beyond, a new one is reset at once and logged "
      "(default 1000)")(
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
  if (vm.count("version")) {
    std::cout << gday::cli::version_line("gday-reference-server") << "\n";
    return 0;
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
    // Like mkdir -p: the folder is made if missing (an error shows on writing).
    std::error_code ignored;
    std::filesystem::create_directories(dir, ignored);
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
  if (max_connections == 0 || max_connections_per_ip == 0) {
    return usage_error("--max-connections and --max-connections-per-ip take 1 or more");
  }
  cfg.max_connections = max_connections;
  cfg.max_connections_per_ip = max_connections_per_ip;
  if (verbosity != "off" && verbosity != "error" && verbosity != "warn") {
    // At info level; after the first 20, one line per 1000 (a flood must
    // not turn into a flood of log lines).
    cfg.on_refused = [count = std::uint64_t{0}](const std::string& peer,
                                                const std::string& why) mutable {
      ++count;
      if (count <= 20 || count % 1000 == 0) {
        std::fprintf(stderr,
                     "gday-reference-server: refused a connection from %s: %s; see "
                     "--max-connections-per-ip and --max-connections%s\n",
                     peer.c_str(), why.c_str(),
                     count == 20  ? " (from now on, one line per 1000 refusals)"
                     : count > 20 ? (" (" + std::to_string(count) + " refused so far)").c_str()
                                  : "");
      }
    };
  }
  for (const auto& f : faults) {
    auto parsed = core::parse_fault(f);
    if (!parsed) return usage_error("unknown fault '" + f + "' (see --list-faults)");
    cfg.core.faults.set(*parsed);
  }
  if (!script_file.empty()) {
    std::ifstream in(script_file, std::ios::binary);
    if (!in) return usage_error("cannot read --script file '" + script_file + "'");
    std::ostringstream text;
    text << in.rdbuf();
    auto s = gday::harness::parse_scenario(text.str(), script_file);
    if (!s) return usage_error(s.error().what());
    if (!s->client) return usage_error("--script takes a client scenario (with \"client\")");
    cfg.core.script = s->client->server;
    cfg.core.trace = [p = *profile](const core::trace_event& e) { log_trace(e, p); };
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
  std::printf("listening on %s\n", gday::client::describe_endpoints(server).c_str());
  std::fflush(stdout);
  if (verbosity != "off") {
    std::fprintf(stderr,
                 "gday-reference-server: protocol %s, %s, room timeout %llus, request "
                 "limit %u%s%s\n",
                 std::string(wire::to_string(*profile)).c_str(), cfg.tls ? "TLS" : "plain TCP",
                 static_cast<unsigned long long>(timeout), request_limit,
                 faults.empty() ? "" : ", FAULTS INJECTED",
                 script_file.empty() ? "" : (", SCRIPTED by " + script_file).c_str());
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "gday-reference-server: %s\n", e.what());
  return 1;
}
