// gday-bench-server: figures for the reference server (issue targets: each
// reply in one write, request median <= 50 us and p99 <= 250 us on loopback,
// <= 16 kB of server RSS per idle TLS connection holding a room). Starts
// build/bin/gday-reference-server as a separate process so that its RSS is
// its own, then measures round trips with the reference client, with a bare
// blocking OpenSSL client, and with that client and the server on one CPU
// (no cross-CPU wake-ups: the server's own cost), then the RSS. Figures, not
// a test.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gday/cli/program.hpp"
#include "gday/client/client.hpp"
#include "gday/net/tls.hpp"
#include "gday/wire/frame.hpp"

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

// A count argument: a whole number from 1 to 10^7, or nullopt.
std::optional<int> count_arg(const char* text) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < 1 || v > 10000000) return std::nullopt;
  return static_cast<int>(v);
}

void print_figures(const char* what, int requests, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  std::printf(
      "round trip over TLS, %d requests on one connection, %s: median %.1f us, p99 %.1f "
      "us, max %.1f us\n",
      requests, what, us[us.size() / 2], us[us.size() * 99 / 100], us.back());
}

// Round trips with a bare blocking OpenSSL client (no event loop, no
// deadlines): what the server itself costs, with as little client overhead
// as a client can have. Empty on failure.
std::vector<double> bare_round_trips(std::uint16_t port, int requests, std::mt19937_64& rng) {
  std::vector<double> us;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = ctx ? SSL_new(ctx) : nullptr;  // no certificate check: figures only
  if (fd < 0 || !ssl || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1) {
    std::fprintf(stderr, "bare client: cannot connect over TLS\n");
  } else {
    us.reserve(static_cast<std::size_t>(requests));
    char reply[512];
    for (int i = 0; i < requests; ++i) {
      const auto frame = wire::encode_frame(wire::create_room{random_code(rng)}, wire::profile::v1);
      const auto start = std::chrono::steady_clock::now();
      if (SSL_write(ssl, frame->data(), static_cast<int>(frame->size())) <= 0) break;
      std::size_t got = 0, want = wire::header_size;
      while (got < want) {
        const int n = SSL_read(ssl, reply + got, static_cast<int>(sizeof reply - got));
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
        if (want == wire::header_size && got >= wire::header_size) {
          want +=
              (static_cast<unsigned char>(reply[1]) << 8) | static_cast<unsigned char>(reply[2]);
        }
      }
      if (got < want) break;
      us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
              .count());
    }
    if (us.size() != static_cast<std::size_t>(requests)) {
      std::fprintf(stderr, "bare client: the connection failed after %zu requests\n", us.size());
      us.clear();
    }
  }
  if (ssl) SSL_free(ssl);
  if (ctx) SSL_CTX_free(ctx);
  if (fd >= 0) ::close(fd);
  return us;
}

// Sets the CPU affinity of every thread of process `pid` (0: this one).
void set_affinity(pid_t pid, const cpu_set_t& cpus) {
  const std::string dir = "/proc/" + (pid ? std::to_string(pid) : std::string("self")) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(dir)) {
    const auto tid = static_cast<pid_t>(std::strtol(task.path().filename().c_str(), nullptr, 10));
    ::sched_setaffinity(tid, sizeof cpus, &cpus);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::printf("%s\n", gday::cli::version_line("gday-bench-server").c_str());
    return 0;
  }
  if (argc > 3 ||
      (argc > 1 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help"))) {
    std::printf(
        "usage: gday-bench-server [REQUESTS [IDLE_CONNECTIONS]] | --version  (defaults 5000, "
        "400)\n");
    return argc > 3 ? 2 : 0;
  }
  const auto requests = argc > 1 ? count_arg(argv[1]) : std::optional<int>(5000);
  const auto idle = argc > 2 ? count_arg(argv[2]) : std::optional<int>(400);
  if (!requests || !idle) {
    std::fprintf(stderr, "gday-bench-server: counts are whole numbers from 1 to 10000000\n");
    return 2;
  }
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
  const auto port = static_cast<std::uint16_t>(std::strtoul(line.c_str() + colon + 1, nullptr, 10));

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
    us.reserve(static_cast<std::size_t>(*requests));
    for (int i = 0; i < *requests; ++i) {
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
    print_figures("reference client", *requests, us);
  }
  {
    auto us = bare_round_trips(port, *requests, rng);
    if (us.empty()) {
      rc = 1;
    } else {
      print_figures("bare blocking OpenSSL client", *requests, us);
    }
  }
  // The same with client and server on one CPU: no cross-CPU wake-ups, whose
  // cost depends on the machine (tens of microseconds each way on some VMs)
  // and says nothing about the server. This is the figure the server's
  // targets are about.
  cpu_set_t all, one;
  if (::sched_getaffinity(0, sizeof all, &all) == 0) {
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &all)) {
        CPU_SET(cpu, &one);
        break;
      }
    }
    set_affinity(0, one);
    set_affinity(pid, one);
    auto us = bare_round_trips(port, *requests, rng);
    if (us.empty()) {
      rc = 1;
    } else {
      print_figures("bare client, client and server on one CPU", *requests, us);
    }
    set_affinity(0, all);
    set_affinity(pid, all);
  }

  // 2. Server RSS per idle TLS connection that holds a room.
  {
    const long before = rss_kib(pid);
    std::vector<gday::client::connection> held;
    for (int i = 0; i < *idle; ++i) {
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
