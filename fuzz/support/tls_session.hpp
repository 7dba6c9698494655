#pragma once
// The server side of one TLS connection, driven through a pair of memory BIOs
// the way the reference server drives its sockets (reference/net/stream.cpp,
// reference/server/server.cpp), with a server core behind it. Shared by the
// tls_session fuzz target and the program that records its seeds
// (tls_session_seeds), so that both run exactly the same server.
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
//               1 the server starts a TLS 1.3 KeyUpdate; 2 the clock moves
//               (A >> 2) x 10 s; 3 the clock moves to the core's next deadline
// So an input is `client bytes + control bytes (last first) + profile`.

#include <openssl/bio.h>
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

#include "gday/core/config.hpp"
#include "gday/core/server_core.hpp"
#include "gday/net/tls.hpp"
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

/// The server context, made once per process as the reference server makes
/// it (net::make_server_context) from the fixed certificate and key.
inline SSL_CTX* server_context() {
  static const net::tls_context context = [] {
    fixed_random::install();
    auto made = net::make_server_context(server_cert_pem, server_key_pem);
    if (!made) fail("make_server_context failed", made.error().what());
    return *made;
  }();
  return context.get();
}

/// What the session tells the fuzzer about OpenSSL's progress: OpenSSL is not
/// instrumented, so these values are its only view into the TLS state machine.
enum class signal : std::uint32_t {
  state,         ///< SSL_get_state() at each step of the state machine
  transition,    ///< (previous state << 8) | state
  message_in,    ///< (content type << 8) | first byte of a message read
  message_out,   ///< the same for a message written
  alert_in,      ///< (level << 8) | description of an alert read
  alert_out,     ///< the same for an alert sent
  call_result,   ///< (call << 8) | SSL_get_error()
  error_reason,  ///< (library << 16) | reason of a failed call's error
  established,   ///< version, cipher id, negotiated group
  event,         ///< input events the core saw (frames, replies, closes)
};
using observer = void (*)(signal kind, std::uint32_t value);

/// One server connection: OpenSSL's SSL with memory BIOs in front of a
/// server core, handled as the reference server handles a TLS session.
class session {
 public:
  static constexpr core::connection_id conn = 1;
  /// The reference server's read buffer.
  static constexpr std::size_t read_size = 2048;
  /// The largest plaintext in one record.
  static constexpr std::size_t max_fragment = 16384;

  session(wire::profile p, observer observe)
      : profile_(p), observe_(observe), core_(config(p), now_) {
    ssl_ = SSL_new(server_context());
    check(ssl_ != nullptr, "SSL_new failed");
    in_ = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    check(in_ != nullptr && out != nullptr, "BIO_new failed");
    SSL_set_bio(ssl_, in_, out);  // the SSL owns both
    out_ = out;
    SSL_set_accept_state(ssl_);
    SSL_set_app_data(ssl_, this);
    SSL_set_info_callback(ssl_, &session::on_info);
    SSL_set_msg_callback(ssl_, &session::on_message);
    SSL_set_msg_callback_arg(ssl_, this);
  }
  ~session() { SSL_free(ssl_); }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Bytes from the client (ignored once it ended its output).
  void receive(std::string_view bytes) {
    if (client_ended_ || bytes.empty()) return;
    const int written = BIO_write(in_, bytes.data(), static_cast<int>(bytes.size()));
    check(written == static_cast<int>(bytes.size()), "BIO_write to the input BIO failed");
    drive();
  }

  /// The client ends its output: once the input BIO is empty, reads see EOF.
  void end_of_input() {
    if (client_ended_) return;
    client_ended_ = true;
    BIO_set_mem_eof_return(in_, 0);
    drive();
  }

  /// The server updates its TLS 1.3 sending keys and asks the client to do
  /// the same (KeyUpdate, update_requested); nothing in other states.
  void key_update() {
    if (phase_ != phase::established || SSL_version(ssl_) != TLS1_3_VERSION) return;
    begin_call();
    const int rc = SSL_key_update(ssl_, SSL_KEY_UPDATE_REQUESTED);
    end_call(call::key_update, rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, rc));
    if (rc != 1) return;
    begin_call();
    const int sent = SSL_do_handshake(ssl_);
    const int err = sent == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, sent);
    end_call(call::handshake, err);
    if (sent != 1) return lose_transport();
    check(written_.size() == 1, "a KeyUpdate took other than one record",
          std::to_string(written_.size()) + " records");
    drive();
  }

  /// Time passes: the core's timers run (room expiry, frame deadline), and
  /// reading resumes where a wait ended.
  void advance(core::clock_time by) {
    now_ += by;
    core_.advance(now_);
    pump_core();
    drive();
  }

  /// Moves the clock to the core's next deadline, if it has one.
  void advance_to_deadline() {
    if (auto deadline = core_.next_deadline()) {
      advance(*deadline > now_ ? *deadline - now_ : core::clock_time(0));
    }
  }

  /// Every byte the server wrote to the client so far.
  const std::string& output() const { return output_; }
  bool established() const { return established_; }
  std::size_t replies() const { return replies_; }
  bool closed_by_core() const { return closed_by_core_; }

 private:
  enum class phase {
    handshake,    ///< SSL_do_handshake until it completes
    established,  ///< reading into the core, writing its replies
    gone,         ///< the transport is closed: no more OpenSSL calls
  };
  enum class call : std::uint32_t { handshake, read, write, shutdown, key_update };

  static core::config config(wire::profile p) {
    core::config cfg;
    cfg.profile = p;
    return cfg;
  }

  static session& of(const SSL* ssl) { return *static_cast<session*>(SSL_get_app_data(ssl)); }

  void note(signal kind, std::uint32_t value) const {
    if (observe_ != nullptr) observe_(kind, value);
  }

  // Every state the handshake state machine passes through.
  static void on_info(const SSL* ssl, int where, int) {
    session& self = of(ssl);
    if ((where & SSL_CB_LOOP) == 0) return;
    const auto state = static_cast<std::uint32_t>(SSL_get_state(ssl));
    self.note(signal::state, state);
    self.note(signal::transition, (self.last_state_ << 8) | state);
    self.last_state_ = state;
  }

  // Every record header, inner content type, message and alert, either way.
  static void on_message(int write_p, int, int content_type, const void* buf, std::size_t len, SSL*,
                         void* arg) {
    session& self = *static_cast<session*>(arg);
    const auto* bytes = static_cast<const unsigned char*>(buf);
    const bool out = write_p != 0;
    if (content_type == SSL3_RT_HEADER) {
      if (out && len >= 1) self.written_.push_back(bytes[0]);
      return;
    }
    if (content_type == SSL3_RT_INNER_CONTENT_TYPE) {
      // TLS 1.3: the real type of the record whose header came just before.
      if (out && len >= 1 && !self.written_.empty()) self.written_.back() = bytes[0];
      return;
    }
    const std::uint32_t first = len >= 1 ? bytes[0] : 0;
    self.note(out ? signal::message_out : signal::message_in,
              (static_cast<std::uint32_t>(content_type & 0xff) << 8) | first);
    if (content_type == SSL3_RT_HANDSHAKE && out) {
      // make_server_context: no session tickets and no client certificates.
      check(first != SSL3_MT_NEWSESSION_TICKET, "the server sent a NewSessionTicket");
      check(first != SSL3_MT_CERTIFICATE_REQUEST, "the server asked for a client certificate");
    }
    if (content_type == SSL3_RT_ALERT && len >= 2) {
      const std::uint32_t level = bytes[0];
      const std::uint32_t description = bytes[1];
      self.note(out ? signal::alert_out : signal::alert_in, (level << 8) | description);
      if (level == SSL3_AL_FATAL) {
        // user_canceled is never fatal in TLS 1.3 (RFC 8446 §6.1), whatever
        // its level byte says.
        if (out) {
          self.fatal_alert_out_at_ = self.written_.size();
        } else if (description != SSL_AD_USER_CANCELLED) {
          self.fatal_alert_in_ = true;
        }
      }
      if (out && description == SSL_AD_CLOSE_NOTIFY) self.close_notify_out_ = true;
    }
  }

  void begin_call() {
    ERR_clear_error();
    written_.clear();
    fatal_alert_out_at_.reset();
    fatal_alert_in_ = false;
    close_notify_out_ = false;
  }

  // After each OpenSSL call: takes what it wrote and checks it, and that the
  // call ended the way OpenSSL with memory BIOs can end it.
  void end_call(call what, int err) {
    note(signal::call_result,
         (static_cast<std::uint32_t>(what) << 8) | static_cast<std::uint32_t>(err));
    const std::string detail =
        "call " + std::to_string(static_cast<int>(what)) + ", SSL_get_error " + std::to_string(err);
    if (err == SSL_ERROR_SSL) {
      const unsigned long e = ERR_peek_error();
      note(signal::error_reason, (static_cast<std::uint32_t>(ERR_GET_LIB(e)) << 16) |
                                     static_cast<std::uint32_t>(ERR_GET_REASON(e) & 0xffff));
      // make_server_context sets SSL_OP_IGNORE_UNEXPECTED_EOF: a client's EOF
      // is an orderly end (spec F-5), never this error.
      check(!(ERR_GET_LIB(e) == ERR_LIB_SSL &&
              ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING),
            "EOF was reported as an error despite SSL_OP_IGNORE_UNEXPECTED_EOF", detail);
    }
    switch (err) {
      case SSL_ERROR_NONE:
      case SSL_ERROR_SSL:
        break;
      case SSL_ERROR_WANT_READ:
        // A memory BIO never blocks writes; only reads wait for the client.
        check(what == call::handshake || what == call::read,
              "a call other than a handshake or read waits for input", detail);
        break;
      case SSL_ERROR_ZERO_RETURN:
        check(what == call::handshake || what == call::read,
              "a call other than a handshake or read saw the end of input", detail);
        break;
      default:
        // WANT_WRITE (memory BIOs accept every write), SYSCALL (no system
        // calls), WANT_X509_LOOKUP, WANT_ASYNC, WANT_CLIENT_HELLO_CB... (no
        // callbacks, engines or async jobs are set up).
        fail("SSL_get_error returned a value this setup cannot produce", detail);
    }

    // Whatever was written: whole, well-formed records, as many as the
    // message callback saw.
    const std::size_t before = output_.size();
    char buffer[4096];
    while (true) {
      const int n = BIO_read(out_, buffer, sizeof buffer);
      if (n <= 0) break;
      output_.append(buffer, static_cast<std::size_t>(n));
    }
    const std::size_t records = check_records(before);
    check(records == written_.size(), "the output holds a different number of records than written",
          std::to_string(records) + " vs " + std::to_string(written_.size()));
    if (fatal_alert_out_at_) {
      check(*fatal_alert_out_at_ == written_.size(), "a record was sent after a fatal alert",
            detail);
      check(err == SSL_ERROR_SSL, "a call that sent a fatal alert did not fail", detail);
    }
    if (fatal_alert_in_)
      check(err == SSL_ERROR_SSL, "a fatal alert from the client was not fatal", detail);
    if (close_notify_out_)
      check(what == call::shutdown, "close_notify sent outside SSL_shutdown", detail);
  }

  // Checks the records written from `from` on; returns how many there are.
  std::size_t check_records(std::size_t from) const {
    std::size_t count = 0;
    std::size_t pos = from;
    while (pos < output_.size()) {
      check(output_.size() - pos >= 5, "output ends inside a record header");
      const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(output_[pos + i]); };
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
      check(output_.size() - pos - 5 >= length, "output ends inside a record");
      pos += 5 + length;
      ++count;
    }
    return count;
  }

  void drive() {
    if (phase_ == phase::handshake) handshake();
    if (phase_ == phase::established) read_available();
  }

  void handshake() {
    begin_call();
    const int rc = SSL_do_handshake(ssl_);
    const int err = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, rc);
    end_call(call::handshake, err);
    if (err == SSL_ERROR_WANT_READ) return;
    if (rc != 1) {
      // The reference server closes a connection whose handshake failed
      // (spec F-6); the core never hears of it.
      phase_ = phase::gone;
      return;
    }
    phase_ = phase::established;
    established_ = true;
    check_established();
    core_.open(conn, wire::socket_addr_v4{{127, 0, 0, 1}, 40000}, now_);
    pump_core();
  }

  // What make_server_context promises about every completed handshake.
  void check_established() const {
    const int version = SSL_version(ssl_);
    check(version == TLS1_2_VERSION || version == TLS1_3_VERSION,
          "a handshake completed outside TLS 1.2 and 1.3", std::to_string(version));
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_);
    check(cipher != nullptr, "a completed handshake without a cipher");
    const int auth = SSL_CIPHER_get_auth_nid(cipher);
    check(auth == (version == TLS1_3_VERSION ? NID_auth_any : NID_auth_ecdsa),
          "a cipher that does not authenticate with the server's ECDSA key",
          SSL_CIPHER_get_name(cipher));
    check(SSL_get0_peer_certificate(ssl_) == nullptr, "the client presented a certificate");
    const unsigned char* alpn = nullptr;
    unsigned int alpn_length = 0;
    SSL_get0_alpn_selected(ssl_, &alpn, &alpn_length);
    check(alpn_length == 0, "an ALPN protocol was selected");
    check(SSL_session_reused(ssl_) == 0, "a session was resumed without a cache or tickets");
    note(signal::established, static_cast<std::uint32_t>(version));
    note(signal::established, SSL_CIPHER_get_id(cipher) & 0xffffff);
    note(signal::established,
         0x1000000 | static_cast<std::uint32_t>(SSL_get_negotiated_group(ssl_)));
  }

  // Reads what the client sent into the core, as the reference server's
  // session does: one read of up to read_size bytes at a time, none while the
  // core pauses the connection (spec M-7), none after the end of input.
  void read_available() {
    while (phase_ == phase::established && !input_ended_ && !core_.reading_paused(conn)) {
      char buffer[read_size];
      std::size_t n = 0;
      begin_call();
      const int rc = SSL_read_ex(ssl_, buffer, sizeof buffer, &n);
      const int err = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, rc);
      end_call(call::read, err);
      if (rc == 1) {
        check(n > 0 && n <= sizeof buffer, "SSL_read_ex returned a bad length", std::to_string(n));
        note(signal::event, 1);
        core_.receive(conn, std::string_view(buffer, n), now_);
        pump_core();
        continue;
      }
      if (err == SSL_ERROR_WANT_READ) return;
      if (err == SSL_ERROR_ZERO_RETURN) {
        // close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF): the core
        // answers ErrorSyntax and closes (spec F-5).
        note(signal::event, 2);
        input_ended_ = true;
        core_.end_of_input(conn, now_);
        pump_core();
        return;
      }
      lose_transport();
    }
  }

  // The reference server closes the socket on a failed read or write and
  // tells the core the connection is gone.
  void lose_transport() {
    phase_ = phase::gone;
    core_.closed(conn, now_);
    note(signal::event, 3);
  }

  // Carries out the core's outputs.
  void pump_core() {
    for (core::output& out : core_.take_outputs()) {
      check(out.conn == conn, "the core wrote to an unknown connection");
      if (phase_ != phase::established) continue;
      if (out.what == core::output::kind::send) {
        write_reply(out.bytes);
      } else {
        close();
      }
    }
  }

  // One SSL_write_ex per reply, which must leave as one record (spec T-6).
  void write_reply(const std::string& bytes) {
    begin_call();
    std::size_t written = 0;
    const int rc = SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written);
    const int err = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, rc);
    end_call(call::write, err);
    check(rc == 1 && written == bytes.size(), "a reply could not be written on an open connection",
          "SSL_get_error " + std::to_string(err));
    ++replies_;
    note(signal::event, 4);
    std::size_t application_records = 0;
    for (unsigned type : written_) application_records += type == SSL3_RT_APPLICATION_DATA ? 1 : 0;
    const std::size_t expected = (bytes.size() + max_fragment - 1) / max_fragment;
    check(application_records == expected, "a reply did not leave in as few records as it fits",
          std::to_string(bytes.size()) + " bytes in " + std::to_string(application_records) +
              " records");
  }

  // The core closes the connection: v2/v3 send close_notify first, v1 (like
  // gday 0.3.x) just closes (reference/server/server.cpp).
  void close() {
    closed_by_core_ = true;
    note(signal::event, 5);
    if (profile_ != wire::profile::v1) {
      begin_call();
      const int rc = SSL_shutdown(ssl_);
      const int err = rc >= 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_, rc);
      end_call(call::shutdown, err);
      check(rc >= 0, "SSL_shutdown failed on an open connection",
            "SSL_get_error " + std::to_string(err));
      check(close_notify_out_, "SSL_shutdown sent no close_notify");
    }
    lose_transport();
  }

  wire::profile profile_;
  observer observe_;
  core::clock_time now_ = std::chrono::seconds(1000);
  core::server_core core_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // client -> server, owned by ssl_
  BIO* out_ = nullptr;  // server -> client, owned by ssl_
  phase phase_ = phase::handshake;
  bool established_ = false;
  bool client_ended_ = false;
  bool input_ended_ = false;
  bool closed_by_core_ = false;
  std::size_t replies_ = 0;
  std::string output_;
  std::uint32_t last_state_ = 0;
  // Per call, from the message callback.
  std::vector<unsigned> written_;  // content type of each record written
  std::optional<std::size_t> fatal_alert_out_at_;
  bool fatal_alert_in_ = false;
  bool close_notify_out_ = false;
};

/// What one input did.
struct outcome {
  std::string output;  ///< every byte the server wrote
  bool established = false;
  std::size_t replies = 0;
  bool closed_by_core = false;
};

/// Runs one input (format at the top of this file) against a fresh server.
inline outcome run_input(const std::uint8_t* data, std::size_t size, observer observe) {
  server_context();
  fixed_random::restart();
  FuzzedDataProvider in(data, size);
  session s(profile_of(in.ConsumeIntegral<std::uint8_t>()), observe);
  while (in.remaining_bytes() > 0) {
    const auto length = in.ConsumeIntegral<std::uint8_t>();
    if (length != 0) {
      s.receive(in.ConsumeBytesAsString(length));
      continue;
    }
    const auto event = in.ConsumeIntegral<std::uint8_t>();
    switch (event % 4) {
      case 0:
        s.end_of_input();
        break;
      case 1:
        s.key_update();
        break;
      case 2:
        s.advance(std::chrono::seconds(10 * (event >> 2)));
        break;
      default:
        s.advance_to_deadline();
        break;
    }
  }
  ERR_clear_error();
  return {s.output(), s.established(), s.replies(), s.closed_by_core()};
}

}  // namespace gday::fuzz::tls
