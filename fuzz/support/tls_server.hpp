#pragma once
// One TLS connection to the reference server itself: gday::server run on the
// calling thread (config::threads = 0, a clock of the fuzzer's), serving the
// shipped TLS stream (net::make_tls_stream) over an in-memory transport whose
// other end is the fuzzer's client. Shared by the tls_session fuzz target and
// the program that records its seeds (tls_session_seeds), so that both run
// exactly the same server, which is the one that ships.
//
// Replays are deterministic: the server certificate and key are fixed (below),
// and OpenSSL's random numbers come from fixed_random, restarted for every
// input, so the server's randoms, key shares and signatures are a function of
// the input alone. That is what lets a recorded client flight (Finished,
// application data) verify when the input is replayed.
//
// Input format (read with FuzzedDataProvider: integers off the end, bytes off
// the front): the last byte is the profile (1 v1, 2 v2, 3 v3, 0 v3; any byte
// modulo 3). Then, one control byte at a time from the end:
//   L = 1..255  the next L bytes from the front arrive from the client
//   0 A         an event, A % 4: 0 the client ends its output (EOF);
//               1 the server asks for a TLS 1.3 KeyUpdate (it leaves with
//               the next record the server writes); 2 the clock moves
//               (A >> 2) x 10 s; 3 the clock moves to the core's next deadline
// So an input is `client bytes + control bytes (last first) + profile`.

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#if __has_include(<fuzzer/FuzzedDataProvider.h>)
#include <fuzzer/FuzzedDataProvider.h>
#else
#include "support/fuzzed_data_provider.hpp"
#endif

#include "gday/net/memory.hpp"
#include "gday/net/stream.hpp"
#include "gday/net/tls.hpp"
#include "gday/server/server.hpp"
#include "gday/wire/address.hpp"
#include "gday/wire/profile.hpp"
#include "support/common.hpp"

namespace gday::fuzz::tls {

// A throwaway P-256 key and a self-signed certificate for it (CN and SAN
// localhost, 127.0.0.1, ::1; valid 2026-11-30 to 2126-11-06), fixed so that
// the Certificate and CertificateVerify messages are the same in every run.
// The server never checks its own certificate's dates, and the seed recorder's
// client does not verify it. Not a secret: it protects nothing.
inline constexpr std::string_view server_key_pem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgkXAyRCeliFNSLOTX
xuVoLmfR0ipKt+tXRPEeKswbvuuhRANCAATdXtj83PbVYndulfiJiVQufNAdOKcm
sx6uIOjjy1ud0RReeJIaIttHYxWnHBfCwDihKdA49n2G9wPWSS+cnJmE
-----END PRIVATE KEY-----
)";

inline constexpr std::string_view server_cert_pem = R"(-----BEGIN CERTIFICATE-----
MIIBxjCCAWugAwIBAgIIZ2RheWZ1enowCgYIKoZIzj0EAwIwFDESMBAGA1UEAwwJ
bG9jYWxob3N0MCAXDTI2MTEzMDAwNDExMloYDzIxMjYxMTA2MDA0MTEyWjAUMRIw
EAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATdXtj8
3PbVYndulfiJiVQufNAdOKcmsx6uIOjjy1ud0RReeJIaIttHYxWnHBfCwDihKdA4
9n2G9wPWSS+cnJmEo4GkMIGhMB0GA1UdDgQWBBRw1C3f4NnrNTyFTNvCEUukxkfp
vzAfBgNVHSMEGDAWgBRw1C3f4NnrNTyFTNvCEUukxkfpvzAsBgNVHREEJTAjggls
b2NhbGhvc3SHBH8AAAGHEAAAAAAAAAAAAAAAAAAAAAEwDAYDVR0TAQH/BAIwADAO
BgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEwCgYIKoZIzj0EAwID
SQAwRgIhAOH4KbU8SBeTD4rzi0iQ06NRg2pesYcFjnFE+wMmKSvSAiEAyjUhvj5d
dVsY8ib4p483g37lONHHxym8oQwjsPfHdck=
-----END CERTIFICATE-----
)";

/// Reports a broken invariant ("tls_session_fuzzer: <what>" and the detail on
/// stderr) and aborts.
[[noreturn]] inline void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "tls_session_fuzzer: %s\n%s\n", what, detail.c_str());
  std::abort();
}

inline void check(bool ok, const char* what, const std::string& detail = {}) {
  if (!ok) fail(what, detail);
}

/// OpenSSL's random numbers (RAND_bytes, RAND_priv_bytes, and through them
/// key generation and ECDSA nonces) from a fixed splitmix64 stream instead of
/// the system's entropy. Installed once per process; restart() before each
/// input makes the server's behaviour a function of the input. Never use this
/// outside a fuzzer: every "random" byte is predictable.
class fixed_random {
 public:
  /// The state a restarted stream starts from (the server's).
  static constexpr std::uint64_t server_seed = 0x6764617920746c73;  // "gday tls"

  /// Makes OpenSSL use this stream (RAND_set_rand_method; deprecated in
  /// OpenSSL 3 but still honoured by RAND_bytes_ex and RAND_priv_bytes_ex).
  static void install() {
    static const bool installed = [] {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      static const RAND_METHOD method = {&seed, &bytes, nullptr, &add, &bytes, &status};
      return RAND_set_rand_method(&method) == 1;
#pragma GCC diagnostic pop
    }();
    check(installed, "RAND_set_rand_method failed");
  }

  static void restart(std::uint64_t seed = server_seed) { state() = seed; }
  static std::uint64_t position() { return state(); }

 private:
  static std::uint64_t& state() {
    static std::uint64_t value = server_seed;
    return value;
  }

  static std::uint64_t next() {
    std::uint64_t z = (state() += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }

  static int bytes(unsigned char* out, int count) {
    for (int i = 0; i < count; i += 8) {
      std::uint64_t word = next();
      for (int j = i; j < count && j < i + 8; ++j) {
        out[j] = static_cast<unsigned char>(word);
        word >>= 8;
      }
    }
    return 1;
  }
  static int seed(const void*, int) { return 1; }
  static int add(const void*, int, double) { return 1; }
  static int status() { return 1; }
};

/// What the run tells the fuzzer about OpenSSL's progress: OpenSSL is not
/// instrumented, so these values are its only view into the TLS state machine.
enum class signal : std::uint32_t {
  state,        ///< SSL_get_state() at each step of the state machine
  transition,   ///< (previous state << 8) | state
  message_in,   ///< (content type << 8) | first byte of a message read
  message_out,  ///< the same for a message written
  alert_in,     ///< (level << 8) | description of an alert read
  alert_out,    ///< the same for an alert sent
  established,  ///< version, cipher id, negotiated group
  event,        ///< what the server did after an input step (counters moved)
};
using observer = void (*)(signal kind, std::uint32_t value);

/// What one input did.
struct outcome {
  std::string output;  ///< every byte the server wrote
  bool established = false;
  std::size_t replies = 0;        ///< frames the server's core sent
  bool closed_by_server = false;  ///< the server ended the connection
};

/// Watches one run through the server context's info and message callbacks
/// (one connection at a time: the fuzzer is single-threaded) and checks
/// what make_server_context and the server promise about every record.
class watcher {
 public:
  explicit watcher(observer observe) : observe_(observe) { current() = this; }
  ~watcher() { current() = nullptr; }
  watcher(const watcher&) = delete;
  watcher& operator=(const watcher&) = delete;

  static watcher*& current() {
    static watcher* value = nullptr;
    return value;
  }

  void note(signal kind, std::uint32_t value) const {
    if (observe_ != nullptr) observe_(kind, value);
  }

  /// The server's SSL, once the handshake started (for KeyUpdate).
  SSL* ssl() const { return ssl_; }
  bool established() const { return established_; }
  bool fatal_alert() const { return fatal_alert_out_ || fatal_alert_in_; }
  bool close_notify_sent() const { return close_notify_out_; }
  /// Records written whose (inner) content type is application data.
  std::size_t application_records() const { return application_records_; }
  std::size_t records() const { return records_; }

  // Every state the handshake state machine passes through.
  static void on_info(const SSL* ssl, int where, int) {
    watcher* self = current();
    if (self == nullptr) return;
    self->ssl_ = const_cast<SSL*>(ssl);
    if ((where & SSL_CB_HANDSHAKE_DONE) != 0) self->check_established(self->ssl_);
    if ((where & SSL_CB_LOOP) == 0) return;
    const auto state = static_cast<std::uint32_t>(SSL_get_state(ssl));
    self->note(signal::state, state);
    self->note(signal::transition, (self->last_state_ << 8) | state);
    self->last_state_ = state;
  }

  // Every record header, inner content type, message and alert, either way.
  static void on_message(int write_p, int, int content_type, const void* buf, std::size_t len, SSL*,
                         void*) {
    watcher* self = current();
    if (self == nullptr) return;
    const auto* bytes = static_cast<const unsigned char*>(buf);
    const bool out = write_p != 0;
    if (content_type == SSL3_RT_HEADER) {
      if (!out || len < 1) return;
      check(!self->fatal_alert_out_, "a record was sent after a fatal alert");
      self->close_record();
      self->open_record_type_ = bytes[0];
      return;
    }
    if (content_type == SSL3_RT_INNER_CONTENT_TYPE) {
      // TLS 1.3: the real type of the record whose header came just before.
      if (out && len >= 1 && self->open_record_type_) self->open_record_type_ = bytes[0];
      return;
    }
    const std::uint32_t first = len >= 1 ? bytes[0] : 0;
    self->note(out ? signal::message_out : signal::message_in,
               (static_cast<std::uint32_t>(content_type & 0xff) << 8) | first);
    if (content_type == SSL3_RT_HANDSHAKE && out) {
      // make_server_context: no session tickets and no client certificates.
      check(first != SSL3_MT_NEWSESSION_TICKET, "the server sent a NewSessionTicket");
      check(first != SSL3_MT_CERTIFICATE_REQUEST, "the server asked for a client certificate");
    }
    if (content_type == SSL3_RT_ALERT && len >= 2) {
      const std::uint32_t level = bytes[0];
      const std::uint32_t description = bytes[1];
      self->note(out ? signal::alert_out : signal::alert_in, (level << 8) | description);
      // user_canceled is never fatal in TLS 1.3 (RFC 8446 §6.1), whatever
      // its level byte says.
      if (level == SSL3_AL_FATAL && description != SSL_AD_USER_CANCELLED) {
        (out ? self->fatal_alert_out_ : self->fatal_alert_in_) = true;
      }
      if (out && description == SSL_AD_CLOSE_NOTIFY) self->close_notify_out_ = true;
    }
  }

  /// Counts the last record written (call once the run is over).
  void close_record() {
    if (!open_record_type_) return;
    ++records_;
    if (*open_record_type_ == SSL3_RT_APPLICATION_DATA) ++application_records_;
    open_record_type_.reset();
  }

 private:
  // What make_server_context promises about every completed handshake.
  void check_established(SSL* ssl) {
    const int version = SSL_version(ssl);
    check(version == TLS1_2_VERSION || version == TLS1_3_VERSION,
          "a handshake completed outside TLS 1.2 and 1.3", std::to_string(version));
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    check(cipher != nullptr, "a completed handshake without a cipher");
    const int auth = SSL_CIPHER_get_auth_nid(cipher);
    check(auth == (version == TLS1_3_VERSION ? NID_auth_any : NID_auth_ecdsa),
          "a cipher that does not authenticate with the server's ECDSA key",
          SSL_CIPHER_get_name(cipher));
    check(SSL_get0_peer_certificate(ssl) == nullptr, "the client presented a certificate");
    const unsigned char* alpn = nullptr;
    unsigned int alpn_length = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_length);
    check(alpn_length == 0, "an ALPN protocol was selected");
    check(SSL_session_reused(ssl) == 0, "a session was resumed without a cache or tickets");
    established_ = true;
    note(signal::established, static_cast<std::uint32_t>(version));
    note(signal::established, SSL_CIPHER_get_id(cipher) & 0xffffff);
    note(signal::established,
         0x1000000 | static_cast<std::uint32_t>(SSL_get_negotiated_group(ssl)));
  }

  observer observe_;
  SSL* ssl_ = nullptr;
  bool established_ = false;
  std::uint32_t last_state_ = 0;
  std::optional<unsigned> open_record_type_;  // the record being written
  std::size_t records_ = 0;
  std::size_t application_records_ = 0;
  bool fatal_alert_out_ = false;
  bool fatal_alert_in_ = false;
  bool close_notify_out_ = false;
};

/// The server context, made once per process as the reference server makes
/// it (net::make_server_context) from the fixed certificate and key, with
/// the watcher's callbacks on it.
inline const net::tls_context& server_context() {
  static const net::tls_context context = [] {
    fixed_random::install();
    auto made = net::make_server_context(server_cert_pem, server_key_pem);
    if (!made) fail("make_server_context failed", made.error().what());
    SSL_CTX_set_info_callback(made->get(), &watcher::on_info);
    SSL_CTX_set_msg_callback(made->get(), &watcher::on_message);
    return *made;
  }();
  return context;
}

/// Checks that `output` is whole, well-formed TLS records; returns how many.
inline std::size_t count_records(const std::string& output) {
  constexpr std::size_t max_fragment = 16384;
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < output.size()) {
    check(output.size() - pos >= 5, "output ends inside a record header");
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(output[pos + i]); };
    const unsigned type = byte(0);
    const unsigned version = (byte(1) << 8) | byte(2);
    const std::size_t length = (static_cast<std::size_t>(byte(3)) << 8) | byte(4);
    check(type >= SSL3_RT_CHANGE_CIPHER_SPEC && type <= SSL3_RT_APPLICATION_DATA,
          "a record of an unknown content type", std::to_string(type));
    // TLS 1.2 and 1.3 records say 1.2 (RFC 8446 §5.1). Only the alert that
    // refuses a client's version may carry the version it refuses: OpenSSL
    // answers in the client's version.
    check(version == TLS1_2_VERSION || type == SSL3_RT_ALERT, "a record with a bad version",
          std::to_string(version));
    // RFC 5246 §6.2.3: at most 2^14 + 2048 bytes of ciphertext.
    check(length > 0 && length <= max_fragment + 2048, "a record of a bad length",
          std::to_string(length));
    check(output.size() - pos - 5 >= length, "output ends inside a record");
    pos += 5 + length;
    ++count;
  }
  return count;
}

/// Runs one input (format at the top of this file) against a fresh server.
inline outcome run_input(const std::uint8_t* data, std::size_t size, observer observe) {
  const net::tls_context& context = server_context();
  fixed_random::restart();
  ERR_clear_error();
  FuzzedDataProvider in(data, size);
  const wire::profile profile = profile_of(in.ConsumeIntegral<std::uint8_t>());
  watcher watch(observe);

  core::clock_time now = std::chrono::seconds(1000);
  server::config cfg;
  cfg.core.profile = profile;
  cfg.listen.clear();
  cfg.threads = 0;
  cfg.tls = context;
  cfg.clock = [&now] { return now; };
  server::server srv(cfg);
  if (auto started = srv.start(); !started)
    fail("the server did not start", started.error().what());
  auto ends = net::memory_transport::make_pair(srv.executor(), srv.executor());
  const std::unique_ptr<net::memory_transport> client = std::move(ends.first);
  auto stream = net::make_tls_stream(std::move(ends.second), context, true);
  if (!stream) fail("make_tls_stream failed", stream.error().what());
  srv.adopt(std::move(*stream), wire::socket_addr_v4{{127, 0, 0, 1}, 40000});

  outcome result;
  bool client_ended = false;
  server::counters seen;
  // Runs the server until it has nothing left to do, and collects its bytes.
  const auto settle = [&] {
    srv.poll();
    char buffer[4096];
    while (!result.closed_by_server) {
      const net::io_result r = client->read_some(buffer);
      if (r.status == net::io_status::done) {
        result.output.append(buffer, r.bytes);
      } else {
        result.closed_by_server = r.status != net::io_status::would_block;
        break;
      }
    }
    const server::counters now_seen = srv.stats();
    watch.note(signal::event, static_cast<std::uint32_t>(now_seen.frames_in - seen.frames_in));
    watch.note(signal::event,
               0x100 | static_cast<std::uint32_t>(now_seen.frames_out - seen.frames_out));
    watch.note(signal::event, 0x200 | static_cast<std::uint32_t>(now_seen.open_connections));
    seen = now_seen;
  };
  settle();
  while (in.remaining_bytes() > 0) {
    const auto length = in.ConsumeIntegral<std::uint8_t>();
    if (length != 0) {
      const std::string bytes = in.ConsumeBytesAsString(length);
      // Bytes after the client's end of output, or to a closed connection,
      // go nowhere.
      if (!client_ended && !bytes.empty()) (void)client->write_some(bytes);
      settle();
      continue;
    }
    const auto event = in.ConsumeIntegral<std::uint8_t>();
    switch (event % 4) {
      case 0:
        client_ended = true;
        client->shutdown_send();
        break;
      case 1:
        if (watch.established() && watch.ssl() != nullptr &&
            SSL_version(watch.ssl()) == TLS1_3_VERSION) {
          SSL_key_update(watch.ssl(), SSL_KEY_UPDATE_REQUESTED);
          ERR_clear_error();
        }
        break;
      case 2:
        now += std::chrono::seconds(10 * (event >> 2));
        break;
      default:
        if (auto deadline = srv.next_deadline(); deadline && *deadline > now) now = *deadline;
        break;
    }
    settle();
  }
  watch.close_record();

  // What the server promises about what it wrote.
  result.established = watch.established();
  result.replies = srv.stats().frames_out;
  check(count_records(result.output) == watch.records(),
        "the output holds a different number of records than OpenSSL wrote");
  // Each reply leaves in one record (spec T-6): never more application-data
  // records than replies, and exactly as many while no fatal alert ended the
  // connection.
  const std::size_t application = watch.application_records();
  check(application <= result.replies && (watch.fatal_alert() || application == result.replies),
        "replies and application-data records differ",
        std::to_string(result.replies) + " replies, " + std::to_string(application) + " records");
  // v1 (gday 0.3.x) ends connections without close_notify; v2/v3 send one
  // when the server ends an established connection in order.
  if (profile == wire::profile::v1) {
    check(!watch.close_notify_sent(), "a v1 server sent close_notify");
  } else if (result.closed_by_server && watch.established() && !watch.fatal_alert()) {
    check(watch.close_notify_sent(), "a v2/v3 server ended a connection without close_notify");
  }
  srv.stop();
  ERR_clear_error();
  return result;
}

}  // namespace gday::fuzz::tls
