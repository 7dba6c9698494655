// gday-bench-server: figures for the reference server (issue targets: each
// reply in one write, request median <= 50 us and p99 <= 250 us on loopback,
// <= 16 kB of server RSS per idle TLS connection holding a room). Starts
// build/bin/gday-reference-server as a separate process so that its RSS is
// its own, then measures with the reference client. Figures, not a test.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "gday/client/client.hpp"
#include "gday/net/tls.hpp"

extern char** environ;

namespace {

namespace wire = gday::wire;

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string random_code(std::mt19937_64& rng) {
  std::string code(32, '\0');
  for (auto& c : code) c = static_cast<char>(rng() & 0xff);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  const int requests = argc > 1 ? std::stoi(argv[1]) : 5000;
  const int idle = argc > 2 ? std::stoi(argv[2]) : 400;
  const auto dir = std::filesystem::path(argv[0]).parent_path();
  const auto tmp =
      std::filesystem::temp_directory_path() / ("gday-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  auto pki = gday::net::generate_test_pki();
  if (!pki) return std::fprintf(stderr, "%s\n", pki.error().what().c_str()), 1;
  if (!gday::net::write_file((tmp / "cert.pem").string(), pki->server_cert_pem) ||
      !gday::net::write_file((tmp / "key.pem").string(), pki->server_key_pem)) {
    std::fprintf(stderr, "cannot write the certificate to %s\n", tmp.c_str());
    return 1;
  }

  // Start the server; its first stdout line names the port.
  int out[2];
  if (::pipe(out) != 0) return 1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  const std::string server = (dir / "gday-reference-server").string();
  const std::string cert = (tmp / "cert.pem").string(), key = (tmp / "key.pem").string();
  std::vector<std::string> args = {server,        "-k", key,       "-c", cert, "-a",
                                   "127.0.0.1:0", "-r", "1000000", "-v", "off"};
  std::vector<char*> argp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, server.c_str(), &actions, nullptr, argp.data(), environ) != 0) {
    std::fprintf(stderr, "cannot start %s\n", server.c_str());
    return 1;
  }
  ::close(out[1]);
  std::string line;
  char ch = 0;
  while (::read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
  const auto colon = line.rfind(':');
  if (line.rfind("listening on", 0) != 0 || colon == std::string::npos) {
    std::fprintf(stderr, "server did not start: %s\n", line.c_str());
    return 1;
  }
  const auto port = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));

  gday::client::connect_options o;
  o.port = port;
  o.tls_options.ca_pem = pki->ca_cert_pem;
  std::mt19937_64 rng(2311);
  int rc = 0;

  // 1. Request/reply round trips on one persistent TLS connection.
  {
    auto c = gday::client::connection::open(o);
    if (!c) return std::fprintf(stderr, "%s\n", c.error().what().c_str()), 1;
    std::vector<double> us;
    us.reserve(requests);
    for (int i = 0; i < requests; ++i) {
      const auto start = std::chrono::steady_clock::now();
      if (!c->send(wire::create_room{random_code(rng)})) return 1;
      auto reply = c->receive(std::chrono::seconds(5));
      if (!reply || reply->type != wire::server_msg_type::room_created) {
        std::fprintf(stderr, "unexpected reply\n");
        return 1;
      }
      us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::sort(us.begin(), us.end());
    std::printf(
        "round trip over TLS, %d requests on one connection: median %.1f us, p99 %.1f us, "
        "max %.1f us\n",
        requests, us[us.size() / 2], us[us.size() * 99 / 100], us.back());
  }

  // 2. Server RSS per idle TLS connection that holds a room.
  {
    const long before = rss_kib(pid);
    std::vector<gday::client::connection> held;
    for (int i = 0; i < idle; ++i) {
      auto c = gday::client::connection::open(o);
      if (!c) {
        std::fprintf(stderr, "connection %d: %s\n", i, c.error().what().c_str());
        rc = 1;
        break;
      }
      if (!c->send(wire::create_room{random_code(rng)}) || !c->receive(std::chrono::seconds(5))) {
        rc = 1;
        break;
      }
      held.push_back(std::move(*c));
    }
    const long after = rss_kib(pid);
    std::printf(
        "server RSS: %ld KiB before, %ld KiB with %zu idle TLS connections holding a room: "
        "%.1f kB each\n",
        before, after, held.size(),
        held.empty() ? 0.0
                     : static_cast<double>(after - before) * 1024.0 / 1000.0 /
                           static_cast<double>(held.size()));
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::filesystem::remove_all(tmp);
  return rc;
}
