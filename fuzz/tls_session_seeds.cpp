// Records the seeds of tls_session_fuzzer (scripts/regenerate-corpus runs it):
// a real OpenSSL client, in this process and over memory BIOs, talks to the
// reference server as the fuzzer runs it (fuzz/support/tls_server.hpp) and every byte it sends
// becomes part of the input, in the fuzzer's input format. The server is run
// afresh on the input so far after each client flight, exactly as the fuzzer
// will run it, and its new output goes back to the client; because the
// server's random numbers restart with every run, the recorded Finished and
// application data still verify when the seed is replayed. The client draws
// from a random stream of its own, so the seeds are the same on every run.
//
// Each conversation picks a client configuration (TLS 1.2 or 1.3, cipher,
// group, SNI, ALPN, renegotiation, encrypt-then-MAC, ...), a profile, how the
// client's bytes are split into chunks, and what the client does once the
// handshake is done (gday requests, garbage, KeyUpdate, close_notify, EOF,
// waiting out a room).
//
// Usage: tls_session_seeds
// Writes one seed per line, as hex, to stdout and a line per seed to stderr;
// exits 1 if a conversation does not go as planned when replayed (the server
// did not replay deterministically, or the handshake did not complete).
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gday/net/tls.hpp"
#include "gday/wire/frame.hpp"
#include "gday/wire/messages.hpp"
#include "gday/wire/profile.hpp"
#include "support/tls_server.hpp"

namespace {

namespace net = gday::net;
namespace tls = gday::fuzz::tls;
namespace wire = gday::wire;
using gday::fuzz::hex;
using tls::check;
using tls::fail;

/// How the client is set up.
struct client_setup {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  const char* ciphers = nullptr;  ///< TLS 1.2 cipher list
  const char* suites = nullptr;   ///< TLS 1.3 cipher suites
  const char* groups = nullptr;
  bool sni = true;
  bool alpn = false;
  std::uint64_t options = 0;  ///< SSL_OP_... set on the client
  int security_level = -1;    ///< -1: OpenSSL's default

  client_setup& versions(int min, int max) {
    min_version = min;
    max_version = max;
    return *this;
  }
  client_setup& with_ciphers(const char* list) {
    ciphers = list;
    return *this;
  }
  client_setup& with_suites(const char* list) {
    suites = list;
    return *this;
  }
  client_setup& with_groups(const char* list) {
    groups = list;
    return *this;
  }
  client_setup& with_alpn_without_sni() {
    alpn = true;
    sni = false;
    return *this;
  }
  client_setup& with_options(std::uint64_t set) {
    options = set;
    return *this;
  }
  client_setup& with_security_level(int level) {
    security_level = level;
    return *this;
  }
};

client_setup tls13() { return client_setup().versions(TLS1_3_VERSION, TLS1_3_VERSION); }
client_setup tls12(const char* ciphers) {
  return client_setup().versions(TLS1_2_VERSION, TLS1_2_VERSION).with_ciphers(ciphers);
}

/// What the client does once the handshake is done.
enum class act {
  create_room,        ///< CreateRoom (RoomCreated)
  record,             ///< RecordPublicAddr as creator (ReceivedAddr)
  ready,              ///< ReadyToShare as creator: the server waits for the peer
  split_record,       ///< RecordPublicAddr in two TLS records
  big_garbage,        ///< 5000 bytes that are no frame of any profile
  garbage,            ///< a frame header with a wrong version byte
  key_update,         ///< TLS 1.3 KeyUpdate asking the server to update too
  renegotiate,        ///< TLS 1.2 renegotiation (the server refuses it)
  server_key_update,  ///< the fuzzer's event: the server updates its keys
  wait_out_room,      ///< the fuzzer's event: 610 s pass (room and wait expire)
  close_notify,       ///< the client's close_notify
  eof,                ///< the fuzzer's event: the client's output ends
};

struct conversation {
  const char* name;
  client_setup setup;
  wire::profile profile = wire::profile::v3;
  std::size_t split = 0;    ///< chunk size; 0: each client write in chunks of 255
  bool hello_only = false;  ///< stop after the client's first flight
  bool must_fail = false;   ///< the server refuses the handshake
  std::vector<act> acts;
};

std::string room_code() {
  std::string code = "tls-seed-room";
  code.resize(32, '.');  // valid in every profile (v1: exactly 32 bytes)
  return code;
}

std::string request(const wire::client_msg& msg, wire::profile p) {
  auto frame = wire::encode_frame(msg, p);
  check(frame.has_value(), "a request does not encode");
  return *frame;
}

std::string drain(BIO* bio) {
  std::string out;
  char buffer[4096];
  while (true) {
    const int n = BIO_read(bio, buffer, sizeof buffer);
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

/// One conversation: the client, the steps of the input so far, and the
/// server's output so far.
class recorder {
 public:
  /// Runs `f` on the client's random stream.
  template <class F>
  auto as_client(F&& f) {
    tls::fixed_random::restart(client_random_);
    auto result = std::forward<F>(f)();
    client_random_ = tls::fixed_random::position();
    return result;
  }

  recorder(const conversation& c, std::uint64_t client_seed)
      : conversation_(c), client_random_(client_seed) {
    as_client([&] {
      net::client_tls_options options;
      options.insecure = true;  // the test certificate's dates are not checked
      auto made = net::make_client_context(options);
      if (!made) fail("make_client_context failed", made.error().what());
      context_ = *made;
      SSL_CTX* ctx = context_.get();
      const client_setup& s = c.setup;
      if (s.security_level >= 0) SSL_CTX_set_security_level(ctx, s.security_level);
      check(SSL_CTX_set_min_proto_version(ctx, s.min_version) == 1 &&
                SSL_CTX_set_max_proto_version(ctx, s.max_version) == 1,
            "cannot set the client's versions");
      if (s.ciphers) check(SSL_CTX_set_cipher_list(ctx, s.ciphers) == 1, "bad cipher list");
      if (s.suites) check(SSL_CTX_set_ciphersuites(ctx, s.suites) == 1, "bad cipher suites");
      if (s.groups) check(SSL_CTX_set1_groups_list(ctx, s.groups) == 1, "bad groups");
      SSL_CTX_set_options(ctx, s.options);
      client_ = SSL_new(ctx);
      check(client_ != nullptr, "SSL_new failed (client)");
      in_ = BIO_new(BIO_s_mem());
      BIO* out = BIO_new(BIO_s_mem());
      check(in_ != nullptr && out != nullptr, "BIO_new failed (client)");
      SSL_set_bio(client_, in_, out);
      out_ = out;
      SSL_set_connect_state(client_);
      if (s.sni) SSL_set_tlsext_host_name(client_, "localhost");
      if (s.alpn) {
        static constexpr unsigned char protocols[] = {4, 'g', 'd', 'a', 'y', 2, 'h', '2'};
        check(SSL_set_alpn_protos(client_, protocols, sizeof protocols) == 0, "bad ALPN list");
      }
      return 0;
    });
  }
  ~recorder() { SSL_free(client_); }
  recorder(const recorder&) = delete;
  recorder& operator=(const recorder&) = delete;

  /// Runs the conversation; returns the seed.
  std::string run() {
    const conversation& c = conversation_;
    bool established = false;
    for (int flight = 0; flight < 8 && !established; ++flight) {
      const int rc = as_client([&] { return SSL_do_handshake(client_); });
      const int err = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(client_, rc);
      exchange();
      if (c.hello_only) break;
      if (rc == 1) {
        established = true;
      } else if (err != SSL_ERROR_WANT_READ) {
        if (c.must_fail) break;
        fail("the seed client's handshake failed", c.name);
      }
    }
    if (!c.hello_only && !c.must_fail) {
      check(established, "the seed client's handshake did not finish", c.name);
      // TLS 1.3: the client is done before the server has read its Finished.
      as_client([&] { return SSL_do_handshake(client_); });
      exchange();
    }
    for (act a : c.acts) perform(a);
    return encode();
  }

  /// The last replay of the server.
  const tls::outcome& server() const { return last_; }

 private:
  void perform(act a) {
    const wire::profile p = conversation_.profile;
    const std::string code = room_code();
    switch (a) {
      case act::create_room:
        return write(request(wire::create_room{code}, p));
      case act::record:
        return write(request(wire::record_public_addr{code, true}, p));
      case act::ready:
        return write(request(wire::ready_to_share{{}, code, true}, p));
      case act::split_record: {
        const std::string frame = request(wire::record_public_addr{code, false}, p);
        const std::size_t half = frame.size() / 2;
        write(frame.substr(0, half));
        return write(frame.substr(half));
      }
      case act::big_garbage:
        return write(std::string(5000, 'x'));
      case act::garbage:
        return write(std::string("\x07\x00\x02{}", 5));
      case act::key_update:
        as_client([&] {
          check(SSL_key_update(client_, SSL_KEY_UPDATE_REQUESTED) == 1, "SSL_key_update failed");
          return SSL_do_handshake(client_);
        });
        return exchange();
      case act::renegotiate:
        as_client([&] {
          check(SSL_renegotiate(client_) == 1, "SSL_renegotiate failed");
          return SSL_do_handshake(client_);
        });
        exchange();
        // The server's no_renegotiation warning: the client sends a fatal
        // handshake_failure alert.
        as_client([&] { return SSL_do_handshake(client_); });
        return exchange();
      case act::server_key_update:
        return event(1);
      case act::wait_out_room:
        return event((61 << 2) | 2);
      case act::close_notify:
        as_client([&] { return SSL_shutdown(client_); });
        return exchange();
      case act::eof:
        return event(0);
    }
  }

  void write(const std::string& bytes) {
    as_client([&] {
      std::size_t written = 0;
      check(SSL_write_ex(client_, bytes.data(), bytes.size(), &written) == 1,
            "the seed client cannot write", conversation_.name);
      return 0;
    });
    exchange();
  }

  void event(std::uint8_t code) {
    steps_.push_back({true, {}, code});
    exchange();
  }

  // Client bytes into the input; the server run again; its new bytes to the
  // client, which reads whatever replies they hold.
  void exchange() {
    const std::string sent = drain(out_);
    const std::size_t split = conversation_.split == 0 ? 255 : conversation_.split;
    for (std::size_t at = 0; at < sent.size(); at += split) {
      steps_.push_back({false, sent.substr(at, split), 0});
    }
    const std::string input = encode();
    last_ =
        tls::run_input(reinterpret_cast<const std::uint8_t*>(input.data()), input.size(), nullptr);
    check(last_.output.size() >= server_seen_ &&
              last_.output.compare(0, server_seen_, server_output_) == 0,
          "the server's output changed in a replay: it is not deterministic", conversation_.name);
    const std::string fresh = last_.output.substr(server_seen_);
    server_output_ = last_.output;
    server_seen_ = last_.output.size();
    if (!fresh.empty()) BIO_write(in_, fresh.data(), static_cast<int>(fresh.size()));
    as_client([&] {
      char buffer[4096];
      std::size_t n = 0;
      while (SSL_read_ex(client_, buffer, sizeof buffer, &n) == 1) {
      }
      ERR_clear_error();
      return 0;
    });
  }

  std::string encode() const {
    std::string front;
    std::string controls;  // in the order the fuzzer reads them
    for (const step& s : steps_) {
      if (s.event) {
        controls += '\0';
        controls += static_cast<char>(s.code);
      } else {
        front += s.bytes;
        controls += static_cast<char>(s.bytes.size());
      }
    }
    return front + std::string(controls.rbegin(), controls.rend()) +
           static_cast<char>(wire::version_byte(conversation_.profile));
  }

  struct step {
    bool event;
    std::string bytes;  ///< client bytes (1..255 of them)
    std::uint8_t code;  ///< the event's byte
  };

  const conversation& conversation_;
  std::uint64_t client_random_;
  net::tls_context context_;
  SSL* client_ = nullptr;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
  std::vector<step> steps_;
  std::string server_output_;
  std::size_t server_seen_ = 0;
  tls::outcome last_;
};

std::vector<conversation> conversations() {
  using wire::profile;
  const char* gcm = "ECDHE-ECDSA-AES128-GCM-SHA256";
  return {
      // TLS 1.3: each cipher suite and group, each profile.
      {"tls13 exchange v3",
       tls13(),
       profile::v3,
       0,
       false,
       false,
       {act::create_room, act::record, act::close_notify}},
      {"tls13 aes256 p256 v2",
       tls13().with_suites("TLS_AES_256_GCM_SHA384").with_groups("P-256"),
       profile::v2,
       0,
       false,
       false,
       {act::create_room, act::garbage}},
      {"tls13 chacha x448 v1",
       tls13().with_suites("TLS_CHACHA20_POLY1305_SHA256").with_groups("X448"),
       profile::v1,
       0,
       false,
       false,
       {act::create_room, act::eof}},
      {"tls13 p384 key updates",
       tls13().with_groups("P-384"),
       profile::v3,
       0,
       false,
       false,
       {act::key_update, act::create_room, act::server_key_update, act::record, act::close_notify}},
      {"tls13 p521 ready and wait",
       tls13().with_groups("P-521"),
       profile::v3,
       0,
       false,
       false,
       {act::create_room, act::ready, act::wait_out_room, act::eof}},
      {"tls13 ffdhe2048 v2",
       tls13().with_groups("ffdhe2048"),
       profile::v2,
       0,
       false,
       false,
       {act::split_record, act::close_notify}},
      {"tls13 bytewise",
       tls13(),
       profile::v3,
       1,
       false,
       false,
       {act::create_room, act::close_notify}},
      {"tls13 in 7-byte chunks",
       tls13(),
       profile::v1,
       7,
       false,
       false,
       {act::create_room, act::big_garbage}},
      {"tls13 alpn, no sni",
       tls13().with_alpn_without_sni(),
       profile::v3,
       0,
       false,
       false,
       {act::create_room, act::eof}},
      // TLS 1.2: each kind of cipher.
      {"tls12 aes128-gcm v3",
       tls12(gcm),
       profile::v3,
       0,
       false,
       false,
       {act::create_room, act::record, act::close_notify}},
      {"tls12 aes256-gcm p384 v2",
       tls12("ECDHE-ECDSA-AES256-GCM-SHA384").with_groups("P-384:P-256"),
       profile::v2,
       0,
       false,
       false,
       {act::create_room, act::eof}},
      {"tls12 chacha v1",
       tls12("ECDHE-ECDSA-CHACHA20-POLY1305"),
       profile::v1,
       0,
       false,
       false,
       {act::create_room, act::ready, act::eof}},
      {"tls12 cbc sha256",
       tls12("ECDHE-ECDSA-AES128-SHA256"),
       profile::v3,
       0,
       false,
       false,
       {act::create_room, act::garbage}},
      {"tls12 cbc sha1 mac-then-encrypt",
       tls12("ECDHE-ECDSA-AES256-SHA").with_options(SSL_OP_NO_ENCRYPT_THEN_MAC),
       profile::v3,
       0,
       false,
       false,
       {act::create_room, act::big_garbage}},
      {"tls12 no extended master secret",
       tls12(gcm).with_options(SSL_OP_NO_EXTENDED_MASTER_SECRET),
       profile::v2,
       0,
       false,
       false,
       {act::split_record, act::close_notify}},
      {"tls12 renegotiation refused",
       tls12(gcm),
       profile::v3,
       0,
       false,
       false,
       {act::create_room, act::renegotiate}},
      {"tls12 in 5-byte chunks",
       tls12(gcm),
       profile::v2,
       5,
       false,
       false,
       {act::create_room, act::eof}},
      // Handshakes that stop early.
      {"tls13 hello then eof", tls13(), profile::v3, 0, true, false, {act::eof}},
      {"tls12 hello then eof", tls12(gcm), profile::v3, 0, true, false, {act::eof}},
      {"tls13 hello bytewise then eof", tls13(), profile::v3, 1, true, false, {act::eof}},
      {"any version hello",
       client_setup().with_groups("X25519:P-256:P-384"),
       profile::v3,
       0,
       true,
       false,
       {}},
      {"tls11 refused",
       client_setup().versions(TLS1_VERSION, TLS1_1_VERSION).with_security_level(0),
       profile::v3,
       0,
       false,
       true,
       {}},
  };
}

}  // namespace

int main() {
  tls::server_context();
  int failures = 0;
  std::uint64_t client_seed = 0x636c69656e74;  // "client"
  for (const conversation& c : conversations()) {
    recorder r(c, ++client_seed);
    const std::string seed = r.run();
    // Replay the finished seed as the fuzzer will.
    const tls::outcome replay =
        tls::run_input(reinterpret_cast<const std::uint8_t*>(seed.data()), seed.size(), nullptr);
    const bool conversed = !c.hello_only && !c.must_fail;
    const bool ok = replay.output == r.server().output &&
                    (conversed ? replay.established && replay.replies > 0 : !replay.established);
    std::fprintf(stderr, "%s %s: %zu bytes, %s, %zu replies%s\n", ok ? "ok  " : "FAIL", c.name,
                 seed.size(), replay.established ? "handshake done" : "no handshake",
                 replay.replies, replay.closed_by_server ? ", closed by the server" : "");
    if (!ok) ++failures;
    std::printf("%s\n", hex(seed).c_str());
  }
  return failures == 0 ? 0 : 1;
}
