// Fuzzes the reference server's TLS handshake and record layer, with the code
// that ships: gday::server (run on this thread, on the fuzzer's clock) serves
// the TLS stream of net::make_tls_stream, configured by
// net::make_server_context, over an in-memory transport whose other end
// plays the client's bytes from the input (fuzz/support/tls_server.hpp, which
// also describes the input format). It checks:
//  - the output is whole, well-formed TLS records, as many as OpenSSL's
//    message callback reports, and a fatal alert is the last record sent;
//  - no NewSessionTicket and no CertificateRequest is ever sent; a completed
//    handshake is TLS 1.2 or 1.3, with an ECDSA (or TLS 1.3) cipher, no client
//    certificate, no ALPN and no resumption;
//  - each reply of the core leaves in one record (spec T-6); v1 never sends
//    close_notify, and v2/v3 send one when the server ends an established
//    connection in order;
//  - two runs of one input write the same bytes (the replay is
//    deterministic: fixed certificate, fixed random numbers, the fuzzer's
//    clock).
//
// OpenSSL is not instrumented, so libFuzzer cannot see its branches. The
// run reports what OpenSSL does (states, state transitions, messages and
// alerts either way, the negotiated version, cipher and group) and what the
// server did after each step, and note() turns each value into a call to one
// of `signal_slots` distinct functions: a new value is new coverage, and the
// fuzzer keeps the input.
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "support/tls_server.hpp"

namespace {

namespace tls = gday::fuzz::tls;

constexpr std::size_t signal_slots = 1024;

/// One edge per slot: reaching it is coverage of its own.
template <std::size_t slot>
[[gnu::noinline]] void reached() {
  asm volatile("" ::: "memory");
}

template <std::size_t... slots>
constexpr std::array<void (*)(), sizeof...(slots)> make_slots(std::index_sequence<slots...>) {
  return {&reached<slots>...};
}

constexpr auto slot_functions = make_slots(std::make_index_sequence<signal_slots>{});

void note(tls::signal kind, std::uint32_t value) {
  std::uint64_t h = (static_cast<std::uint64_t>(kind) << 32) | value;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9;
  h ^= h >> 32;
  slot_functions[h % signal_slots]();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tls::server_context();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const tls::outcome first = tls::run_input(data, size, &note);
  const tls::outcome second = tls::run_input(data, size, nullptr);
  tls::check(first.output == second.output, "two runs of one input wrote different bytes",
             std::to_string(first.output.size()) + " vs " + std::to_string(second.output.size()) +
                 " bytes");
  return 0;
}
