// gday-bench-codec: frames decoded per second for typical v1 and v3 messages
// (frame decoder + JSON decode), and encodes per second. Figures, not a test.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "gday/cli/program.hpp"
#include "gday/wire/codec.hpp"
#include "gday/wire/frame.hpp"

namespace {

namespace wire = gday::wire;
using clock_type = std::chrono::steady_clock;

std::vector<wire::client_msg> typical_requests(wire::profile p) {
  const std::string code = p == wire::profile::v1 ? std::string(32, '\x9c') : "hv-7ud4y3e7nv59";
  wire::contact local;
  local.v4 = wire::parse_socket_addr_v4("192.168.1.20:40123");
  local.v6 = wire::parse_socket_addr_v6("[fe80::1c2a:3bff:fe4d:5e6f%2]:40123");
  return {wire::create_room{code}, wire::record_public_addr{code, true},
          wire::ready_to_share{local, code, false}};
}

template <class Fn>
double per_second(std::size_t iterations, Fn&& fn) {
  const auto start = clock_type::now();
  for (std::size_t i = 0; i < iterations; ++i) fn(i);
  const std::chrono::duration<double> took = clock_type::now() - start;
  return static_cast<double>(iterations) / took.count();
}

int bench(wire::profile p, std::size_t iterations) {
  const auto requests = typical_requests(p);
  std::string stream;
  for (const auto& m : requests) {
    auto frame = wire::encode_frame(m, p);
    if (!frame) {
      std::fprintf(stderr, "encode failed: %s\n", frame.error().what().c_str());
      return 1;
    }
    stream += *frame;
  }
  std::size_t decoded = 0;
  const double streams_per_s = per_second(iterations, [&](std::size_t) {
    wire::frame_decoder decoder(p);
    std::string_view rest = stream;
    while (!rest.empty()) {
      rest.remove_prefix(decoder.feed(rest));
      if (decoder.status() != wire::frame_decoder::state::frame_ready) break;
      auto msg = wire::decode_client_msg(decoder.take_body(), p);
      decoded += msg.has_value() ? 1 : 0;
    }
  });
  if (decoded != iterations * requests.size()) {
    std::fprintf(stderr, "decode failed\n");
    return 1;
  }
  const double encodes_per_s = per_second(iterations * requests.size(), [&](std::size_t i) {
    auto frame = wire::encode_frame(requests[i % requests.size()], p);
    decoded += frame->size();
  });
  std::printf("%s  decode: %10.0f frames/s  (%zu-byte stream of %zu typical requests)\n",
              std::string(wire::to_string(p)).c_str(),
              streams_per_s * static_cast<double>(requests.size()), stream.size(), requests.size());
  std::printf("%s  encode: %10.0f frames/s\n", std::string(wire::to_string(p)).c_str(),
              encodes_per_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t iterations = 200000;
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::printf("%s\n", gday::cli::version_line("gday-bench-codec").c_str());
    return 0;
  }
  if (argc > 1) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(argv[1], &end, 10);
    if (argc > 2 || errno != 0 || end == argv[1] || *end != '\0' || v < 1 || v > 1000000000ULL) {
      std::fprintf(
          stderr,
          "usage: gday-bench-codec [ITERATIONS | --version]  (1 to 10^9, default 200000)\n");
      return 2;
    }
    iterations = static_cast<std::size_t>(v);
  }
  int rc = 0;
  for (auto p : {wire::profile::v1, wire::profile::v3}) rc |= bench(p, iterations);
  return rc;
}
