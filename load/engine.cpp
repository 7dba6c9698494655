// The load generator. One io_context on the calling thread drives every
// client; a connection is a shared object whose callbacks are ignored once it
// is closed, so a pair can drop its connections at any point. Every wait has
// a deadline, checked by a sweep every 100 ms.
#include "gday/load/engine.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <memory>
#include <random>
#include <unordered_map>

#include "gday/net/stream.hpp"
#include "gday/net/transport.hpp"
#include "gday/wire/codec.hpp"
#include "gday/wire/frame.hpp"

namespace gday::load {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;
using wire::server_msg_type;

constexpr auto never = clock::time_point::max();
constexpr std::size_t max_examples = 8;

std::int64_t ns_since(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - t).count();
}

bool is_reset(const std::error_code& ec) {
  return ec == std::errc::connection_reset || ec == std::errc::broken_pipe;
}

// Forwards to the socket transport and remembers whether the peer reset the
// connection: the TLS layer reports a reset in the handshake as a failed
// handshake, and resets are their own error kind.
class reset_watching_transport final : public net::transport {
 public:
  reset_watching_transport(std::unique_ptr<net::transport> inner, bool& reset_seen)
      : inner_(std::move(inner)), reset_seen_(reset_seen) {}
  net::io_result read_some(std::span<char> buffer) override {
    return watch(inner_->read_some(buffer));
  }
  net::io_result write_some(std::span<const char> bytes) override {
    return watch(inner_->write_some(bytes));
  }
  void async_wait(net::wait_type what, wait_handler done) override {
    inner_->async_wait(what, std::move(done));
  }
  void cancel() noexcept override { inner_->cancel(); }
  std::error_code shutdown_send() noexcept override { return inner_->shutdown_send(); }
  void close() noexcept override { inner_->close(); }
  void reset() noexcept override { inner_->reset(); }
  asio::any_io_executor get_executor() override { return inner_->get_executor(); }

 private:
  net::io_result watch(net::io_result r) {
    if (r.status == net::io_status::failed && is_reset(r.error)) reset_seen_ = true;
    return r;
  }
  std::unique_ptr<net::transport> inner_;
  bool& reset_seen_;
};

class connection;

// What a connection reports to whoever drives it.
class connection_owner {
 public:
  virtual ~connection_owner() = default;
  virtual void on_open(connection& c) = 0;
  virtual void on_reply(connection& c, const wire::server_msg& msg) = 0;
  virtual void on_failure(connection& c, error_kind kind, const std::string& detail) = 0;
};

// The state every client shares: the target, the counters, the clock.
struct shared_state {
  asio::io_context io{1};
  target_address target;
  wire::profile profile = wire::profile::v1;
  std::chrono::milliseconds timeout{10000};
  std::uint32_t source_addresses = 0;
  std::uint32_t next_source = 0;
  std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t room_counter = 0;
  // Counters.
  std::uint64_t requests = 0, handshakes = 0;
  histogram request_latency, second_latency, connect_latency;
  error_counts errors;
  std::vector<std::string> examples;
  // Public address (ip << 16 | port) of every open connection -> its owner,
  // to tell a contact from another room.
  std::unordered_map<std::uint64_t, const void*> live;

  void count_error(error_kind kind, const std::string& detail) {
    errors.add(kind);
    if (examples.size() < max_examples) {
      std::string line = std::string(to_string(kind)) + (detail.empty() ? "" : ": " + detail);
      for (auto& ch : line) {
        if (ch == '\n') ch = ' ';
      }
      examples.push_back(std::move(line));
    }
  }

  std::string new_room_code() {
    static constexpr char hex[] = "0123456789abcdef";
    std::string code(32, '0');
    const std::uint64_t a = ++room_counter, b = rng();
    for (int i = 0; i < 16; ++i) {
      code[static_cast<std::size_t>(i)] = hex[(a >> (60 - 4 * i)) & 15];
      code[static_cast<std::size_t>(16 + i)] = hex[(b >> (60 - 4 * i)) & 15];
    }
    return code;
  }
};

std::uint64_t address_key(const wire::socket_addr_v4& a) {
  std::uint64_t ip = 0;
  for (auto o : a.octets) ip = (ip << 8) | o;
  return (ip << 16) | a.port;
}

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(shared_state& s, connection_owner& owner)
      : s_(s), owner_(owner), socket_(s.io), decoder_(s.profile) {}

  void open() {
    boost::system::error_code ec;
    const auto& remote = s_.target.remote;
    socket_.open(remote.protocol(), ec);
    if (!ec && remote.address().is_v4() && remote.address().is_loopback() &&
        s_.source_addresses > 1) {
      const int one = 1;
      ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      const auto source = source_address(s_.next_source++ % s_.source_addresses);
      socket_.bind(tcp::endpoint(source, 0), ec);
    }
    opened_at_ = clock::now();
    deadline_ = opened_at_ + s_.timeout;
    if (ec) return post_failure(error_kind::connect_failed, "socket: " + ec.message());
    socket_.async_connect(
        remote, [self = shared_from_this()](boost::system::error_code e) { self->connected(e); });
  }

  // Writes one request and starts its latency clock.
  void send(const wire::client_msg& msg) {
    if (closed_) return;
    auto frame = wire::encode_frame(msg, s_.profile);
    if (!frame) return fail(error_kind::write_failed, "cannot encode: " + frame.error().message);
    out_ = std::move(*frame);
    sent_at_ = clock::now();
    deadline_ = sent_at_ + s_.timeout;
    awaiting_reply_ = true;
    stream_->async_write(out_, [self = shared_from_this()](std::error_code ec) {
      if (self->closed_ || !ec) return;
      self->fail(self->reset_seen_ || is_reset(ec) ? error_kind::connection_reset
                                                   : error_kind::write_failed,
                 ec.message());
    });
  }

  // Expect a message that answers no request (PeerContact) within the timeout.
  void expect_unsolicited() { deadline_ = clock::now() + s_.timeout; }
  void idle() { deadline_ = never; }

  void close() noexcept {
    if (closed_) return;
    closed_ = true;
    if (registered_) s_.live.erase(address_key(local_));
    if (stream_) {
      stream_->close();
    } else {
      boost::system::error_code ec;
      socket_.close(ec);
    }
  }

  // Called by the sweep.
  void check_deadline(clock::time_point now) {
    if (!closed_ && now > deadline_) {
      fail(error_kind::timeout, awaiting_reply_ ? "no reply" : "nothing within the timeout");
    }
  }

  bool closed() const noexcept { return closed_; }
  const wire::socket_addr_v4& local() const noexcept { return local_; }
  void* user = nullptr;  // the owner's tag

 private:
  void post_failure(error_kind kind, std::string detail) {
    asio::post(s_.io, [self = shared_from_this(), kind, detail = std::move(detail)] {
      self->fail(kind, detail);
    });
  }

  void fail(error_kind kind, const std::string& detail) {
    if (closed_) return;
    close();
    owner_.on_failure(*this, kind, detail);
  }

  void connected(boost::system::error_code ec) {
    if (closed_) return;
    if (ec) {
      return fail(ec == asio::error::connection_reset ? error_kind::connection_reset
                                                      : error_kind::connect_failed,
                  ec.message());
    }
    socket_.set_option(tcp::no_delay(true), ec);
    const auto local = socket_.local_endpoint(ec);
    if (ec || !local.address().is_v4()) {
      return fail(error_kind::connect_failed, "no local IPv4 address");
    }
    local_.octets = local.address().to_v4().to_bytes();
    local_.port = local.port();
    s_.live[address_key(local_)] = this;
    registered_ = true;
    auto transport = std::make_unique<reset_watching_transport>(
        net::make_socket_transport(std::move(socket_)), reset_seen_);
    if (s_.target.tls) {
      const std::string host = s_.target.server_name.empty()
                                   ? s_.target.remote.address().to_string()
                                   : s_.target.server_name;
      auto stream = net::make_tls_stream(std::move(transport), s_.target.tls_context, false, host);
      if (!stream) return fail(error_kind::handshake_failed, stream.error().what());
      stream_ = std::move(*stream);
    } else {
      stream_ = net::make_plain_stream(std::move(transport));
    }
    stream_->async_handshake([self = shared_from_this()](std::error_code e) {
      if (self->closed_) return;
      if (e) {
        return self->fail(self->reset_seen_ || is_reset(e) ? error_kind::connection_reset
                                                           : error_kind::handshake_failed,
                          e.message());
      }
      ++self->s_.handshakes;
      self->s_.connect_latency.record(ns_since(self->opened_at_));
      self->deadline_ = never;
      self->read();
      self->owner_.on_open(*self);
    });
  }

  void read() {
    stream_->async_read_some(
        buffer_,
        [self = shared_from_this()](std::error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(std::error_code ec, std::size_t n) {
    if (closed_) return;
    if (ec) {
      if (reset_seen_ || is_reset(ec)) return fail(error_kind::connection_reset, ec.message());
      return fail(error_kind::closed,
                  net::is_orderly_close(ec) ? "the server closed the connection" : ec.message());
    }
    std::string_view bytes(buffer_.data(), n);
    while (!bytes.empty() && !closed_) {
      const auto used = decoder_.feed(bytes);
      bytes.remove_prefix(used);
      if (decoder_.status() == wire::frame_decoder::state::failed) {
        return fail(error_kind::undecodable_reply, decoder_.error().message);
      }
      if (decoder_.status() != wire::frame_decoder::state::frame_ready) continue;
      const auto body = decoder_.take_body();
      auto msg = wire::decode_server_msg(body, s_.profile);
      if (!msg) return fail(error_kind::undecodable_reply, msg.error().message);
      if (awaiting_reply_) {
        awaiting_reply_ = false;
        const auto ns = ns_since(sent_at_);
        s_.request_latency.record(ns);
        s_.second_latency.record(ns);
        ++s_.requests;
      }
      deadline_ = never;
      owner_.on_reply(*this, *msg);
    }
    if (!closed_) read();
  }

  shared_state& s_;
  connection_owner& owner_;
  tcp::socket socket_;
  std::unique_ptr<net::byte_stream> stream_;
  wire::frame_decoder decoder_;
  std::array<char, 2048> buffer_{};
  std::string out_;
  wire::socket_addr_v4 local_{};
  clock::time_point opened_at_{}, sent_at_{}, deadline_ = never;
  bool closed_ = false, reset_seen_ = false, awaiting_reply_ = false, registered_ = false;
};

// ---- exchange mode ----------------------------------------------------------

class exchange_run;

// One creator/joiner pair, running exchanges one after another.
class pair_session final : public connection_owner {
 public:
  pair_session(shared_state& s, exchange_run& run) : s_(s), run_(run) {}
  ~pair_session() override { drop_connections(); }

  void start();
  void sweep(clock::time_point now) {
    for (auto& side : sides_) {
      if (side.conn) side.conn->check_deadline(now);
    }
  }
  bool finished() const noexcept { return finished_; }

  void on_open(connection& c) override;
  void on_reply(connection& c, const wire::server_msg& msg) override;
  void on_failure(connection& c, error_kind kind, const std::string& detail) override;

 private:
  struct side_state {
    std::shared_ptr<connection> conn;
    side_view view;
    bool open = false;
    std::optional<server_msg_type> expect;
  };

  void open_connections();
  void begin_exchange();
  void complete_exchange();
  void next();
  void drop_connections() {
    for (auto& side : sides_) {
      if (side.conn) side.conn->close();
      side.conn.reset();
      side.open = false;
      side.expect.reset();
    }
  }
  side_state& side_of(connection& c) { return &c == sides_[0].conn.get() ? sides_[0] : sides_[1]; }
  void send_record(int who) {
    sides_[who].expect = server_msg_type::received_addr;
    sides_[who].conn->send(wire::record_public_addr{room_, who == 0});
  }
  void send_ready(int who) {
    auto& side = sides_[who];
    side.view.local_sent = wire::contact{side.conn->local(), std::nullopt};
    side.expect = server_msg_type::client_contact;
    side.conn->send(wire::ready_to_share{side.view.local_sent, room_, who == 0});
  }

  shared_state& s_;
  exchange_run& run_;
  std::array<side_state, 2> sides_;  // creator, joiner
  std::string room_;
  clock::time_point started_at_{};
  bool in_exchange_ = false, finished_ = false;
  int done_sides_ = 0;
  std::unique_ptr<asio::steady_timer> retry_;
};

class exchange_run {
 public:
  exchange_run(const target_address& target, const exchange_options& options)
      : options_(options), tick_(s_.io), sweep_(s_.io), stop_timer_(s_.io) {
    s_.target = target;
    s_.profile = options.profile;
    s_.timeout = options.timeout;
    s_.source_addresses = options.source_addresses;
  }

  run_stats run() {
    start_ = clock::now();
    last_tick_ = start_;
    for (unsigned i = 0; i < std::max(1u, options_.pairs); ++i) {
      pairs_.push_back(std::make_unique<pair_session>(s_, *this));
    }
    for (auto& p : pairs_) p->start();
    if (options_.duration) {
      stop_timer_.expires_after(*options_.duration);
      stop_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) stopping_ = true;
        check_done();
      });
    }
    schedule_tick();
    schedule_sweep();
    check_done();
    s_.io.run();
    stats_.seconds = std::chrono::duration<double>(clock::now() - start_).count();
    pairs_.clear();
    stats_.requests = s_.requests;
    stats_.handshakes = s_.handshakes;
    stats_.request_latency = s_.request_latency;
    stats_.connect_latency = s_.connect_latency;
    stats_.errors = s_.errors;
    stats_.error_examples = s_.examples;
    return std::move(stats_);
  }

  // Whether a pair may start another exchange (and counts it if so).
  bool may_start() {
    if (stopping_) return false;
    if (options_.exchanges && started_ >= options_.exchanges) return false;
    ++started_;
    return true;
  }
  void exchange_done(bool ok, clock::time_point started_at) {
    if (ok) {
      ++stats_.exchanges_ok;
      ++second_exchanges_;
      stats_.exchange_latency.record(ns_since(started_at));
    } else {
      ++stats_.exchanges_failed;
    }
  }
  void pair_finished() {
    asio::post(s_.io, [this] { check_done(); });
  }
  bool verify_contacts() const noexcept { return options_.verify_contacts; }
  bool fresh() const noexcept { return options_.fresh_connections; }

 private:
  void check_done() {
    if (done_) return;
    for (auto& p : pairs_) {
      if (!p->finished()) return;
    }
    done_ = true;
    tick_.cancel();
    sweep_.cancel();
    stop_timer_.cancel();
    emit_second(clock::now(), true);
    s_.io.stop();
  }

  void schedule_tick() {
    tick_.expires_at(last_tick_ + std::chrono::seconds(1));
    tick_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      emit_second(tick_.expiry(), false);
      schedule_tick();
    });
  }

  void schedule_sweep() {
    sweep_.expires_after(std::chrono::milliseconds(100));
    sweep_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      const auto now = clock::now();
      for (auto& p : pairs_) p->sweep(now);
      schedule_sweep();
    });
  }

  // A whole second (or, at the end, the rest of one if it is at least half).
  void emit_second(clock::time_point at, bool last) {
    if (last && at - last_tick_ < std::chrono::milliseconds(500)) return;
    second_sample sample;
    sample.elapsed_s = std::chrono::duration<double>(at - start_).count();
    sample.exchanges = second_exchanges_;
    sample.requests = s_.requests - last_requests_;
    sample.handshakes = s_.handshakes - last_handshakes_;
    sample.errors = s_.errors.total() - last_errors_;
    sample.p50_ns = s_.second_latency.quantile(0.5);
    sample.p99_ns = s_.second_latency.quantile(0.99);
    s_.second_latency.clear();
    second_exchanges_ = 0;
    last_requests_ = s_.requests;
    last_handshakes_ = s_.handshakes;
    last_errors_ = s_.errors.total();
    last_tick_ = at;
    stats_.series.push_back(sample);
    if (options_.on_second) options_.on_second(sample);
  }

  shared_state s_;
  exchange_options options_;
  run_stats stats_;
  std::vector<std::unique_ptr<pair_session>> pairs_;
  asio::steady_timer tick_, sweep_, stop_timer_;
  clock::time_point start_{}, last_tick_{};
  bool stopping_ = false, done_ = false;
  std::uint64_t started_ = 0, second_exchanges_ = 0, last_requests_ = 0, last_handshakes_ = 0,
                last_errors_ = 0;
};

void pair_session::start() { next(); }

void pair_session::next() {
  if (!run_.may_start()) {
    drop_connections();
    finished_ = true;
    run_.pair_finished();
    return;
  }
  if (sides_[0].open && sides_[1].open) return begin_exchange();
  open_connections();
}

void pair_session::open_connections() {
  drop_connections();
  in_exchange_ = true;  // a failure to connect fails this exchange
  started_at_ = clock::now();
  for (auto& side : sides_) {
    side.conn = std::make_shared<connection>(s_, *this);
    side.conn->open();
  }
}

void pair_session::on_open(connection& c) {
  side_of(c).open = true;
  side_of(c).view.seen_address = c.local();
  if (sides_[0].open && sides_[1].open) begin_exchange();
}

void pair_session::begin_exchange() {
  in_exchange_ = true;
  done_sides_ = 0;
  started_at_ = clock::now();
  room_ = s_.new_room_code();
  sides_[0].expect = server_msg_type::room_created;
  sides_[1].expect.reset();
  sides_[0].conn->send(wire::create_room{room_});
}

void pair_session::on_reply(connection& c, const wire::server_msg& msg) {
  auto& me = side_of(c);
  const int who = &me == &sides_[0] ? 0 : 1;
  if (!me.expect) {
    return on_failure(c, error_kind::unexpected_reply,
                      std::string(wire::variant_name(msg.type)) + " when no reply was due");
  }
  if (auto wrong = check_reply_type(*me.expect, msg.type)) {
    return on_failure(c, *wrong,
                      std::string(wire::variant_name(msg.type)) + " instead of " +
                          std::string(wire::variant_name(*me.expect)));
  }
  switch (msg.type) {
    case server_msg_type::room_created:
      send_record(0);
      send_record(1);
      break;
    case server_msg_type::received_addr:
      send_ready(who);
      break;
    case server_msg_type::client_contact:
      if (run_.verify_contacts()) {
        if (auto wrong = check_client_contact(me.view, msg.contact)) {
          return on_failure(c, *wrong, wire::describe(msg.contact));
        }
      }
      me.expect = server_msg_type::peer_contact;
      c.expect_unsolicited();
      break;
    case server_msg_type::peer_contact:
      if (run_.verify_contacts()) {
        const auto& peer = sides_[1 - who];
        auto other = [&](const wire::socket_addr_v4& a) {
          auto it = s_.live.find(address_key(a));
          return it != s_.live.end() && it->second != sides_[0].conn.get() &&
                 it->second != sides_[1].conn.get();
        };
        if (auto wrong = check_peer_contact(me.view, peer.view, msg.contact, other)) {
          return on_failure(c, *wrong, wire::describe(msg.contact));
        }
      }
      me.expect.reset();
      c.idle();
      if (++done_sides_ == 2) complete_exchange();
      break;
    default:
      break;
  }
}

void pair_session::complete_exchange() {
  in_exchange_ = false;
  run_.exchange_done(true, started_at_);
  if (run_.fresh()) drop_connections();
  next();
}

void pair_session::on_failure(connection& /*c*/, error_kind kind, const std::string& detail) {
  s_.count_error(kind, detail);
  const bool was_in_exchange = in_exchange_;
  in_exchange_ = false;
  drop_connections();
  if (was_in_exchange) run_.exchange_done(false, started_at_);
  // Start over on new connections, after a pause so that a server refusing
  // everything is not hammered in a tight loop.
  retry_ = std::make_unique<asio::steady_timer>(s_.io, std::chrono::milliseconds(20));
  retry_->async_wait([this](boost::system::error_code ec) {
    if (!ec) next();
  });
}

// ---- idle mode --------------------------------------------------------------

class idle_run final : public connection_owner {
  enum class phase { opening, creating, holding, checking, done, failed };

 public:
  idle_run(const target_address& target, const idle_options& options)
      : options_(options), sweep_(s_.io) {
    s_.target = target;
    s_.profile = options.profile;
    s_.timeout = options.timeout;
    s_.source_addresses = options.source_addresses;
  }

  idle_stats run() {
    const auto start = clock::now();
    clients_.resize(options_.connections);
    const std::size_t first =
        std::min<std::size_t>(options_.connections, std::max(1u, options_.opening_at_once));
    for (std::size_t i = 0; i < first; ++i) open_next();
    schedule_sweep();
    maybe_held();
    s_.io.run();
    for (auto& c : clients_) {
      if (c.conn) c.conn->close();
    }
    stats_.seconds = std::chrono::duration<double>(clock::now() - start).count();
    stats_.connect_latency = s_.connect_latency;
    stats_.errors = s_.errors;
    stats_.error_examples = s_.examples;
    return std::move(stats_);
  }

  void on_open(connection& c) override {
    auto& me = of(c);
    me.room = s_.new_room_code();
    me.state = phase::creating;
    c.send(wire::create_room{me.room});
  }

  void on_reply(connection& c, const wire::server_msg& msg) override {
    auto& me = of(c);
    if (me.state == phase::creating) {
      if (auto wrong = check_reply_type(server_msg_type::room_created, msg.type)) {
        return on_failure(c, *wrong, std::string(wire::variant_name(msg.type)) + " to CreateRoom");
      }
      me.state = phase::holding;
      c.idle();
      ++stats_.held;
      settle_one();
    } else if (me.state == phase::checking) {
      if (auto wrong = check_reply_type(server_msg_type::received_addr, msg.type)) {
        return on_failure(c, *wrong,
                          std::string(wire::variant_name(msg.type)) + " to RecordPublicAddr");
      }
      me.state = phase::done;
      c.idle();
      ++stats_.served;
      check_one();
    } else {
      on_failure(c, error_kind::unexpected_reply,
                 std::string(wire::variant_name(msg.type)) + " while holding the room");
    }
  }

  void on_failure(connection& c, error_kind kind, const std::string& detail) override {
    c.close();  // when the failure is a wrong reply, the connection is still open
    auto& me = of(c);
    const auto was = me.state;
    me.state = phase::failed;
    if (was == phase::holding || was == phase::checking) {
      s_.count_error(error_kind::not_served, std::string(to_string(kind)) + ": " + detail);
    } else {
      s_.count_error(kind, detail);
    }
    if (was == phase::opening || was == phase::creating) {
      settle_one();
    } else if (was == phase::checking) {
      check_one();
    }
  }

 private:
  struct idle_client {
    std::shared_ptr<connection> conn;
    std::string room;
    phase state = phase::opening;
  };

  idle_client& of(connection& c) { return clients_[reinterpret_cast<std::size_t>(c.user)]; }

  void open_next() {
    if (next_ >= clients_.size()) return;
    const std::size_t i = next_++;
    clients_[i].conn = std::make_shared<connection>(s_, *this);
    clients_[i].conn->user = reinterpret_cast<void*>(i);
    clients_[i].conn->open();
  }

  // One more connection holds its room or failed trying: open the next.
  void settle_one() {
    ++settled_;
    open_next();
    maybe_held();
  }

  void maybe_held() {
    if (settled_ < clients_.size() || checking_) return;
    checking_ = true;
    if (options_.on_held) options_.on_held(stats_.held);
    for (auto& c : clients_) {
      if (c.state == phase::holding) {
        c.state = phase::checking;
        ++checks_pending_;
        c.conn->send(wire::record_public_addr{c.room, true});
      }
    }
    if (checks_pending_ == 0) finish();
  }

  void check_one() {
    if (--checks_pending_ == 0) finish();
  }

  void finish() {
    sweep_.cancel();
    s_.io.stop();
  }

  void schedule_sweep() {
    sweep_.expires_after(std::chrono::milliseconds(100));
    sweep_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      const auto now = clock::now();
      for (auto& c : clients_) {
        if (c.conn) c.conn->check_deadline(now);
      }
      schedule_sweep();
    });
  }

  shared_state s_;
  idle_options options_;
  idle_stats stats_;
  std::vector<idle_client> clients_;
  asio::steady_timer sweep_;
  std::size_t next_ = 0, settled_ = 0, checks_pending_ = 0;
  bool checking_ = false;
};

}  // namespace

boost::asio::ip::address_v4 source_address(std::uint32_t n) noexcept {
  const std::uint32_t hosts = 254u * 65536u;  // 127.a.b.(1..254)
  n %= hosts;
  const std::uint32_t last = 1 + n % 254, rest = n / 254;
  return boost::asio::ip::address_v4((127u << 24) | (rest << 8) | last);
}

run_stats run_exchange_load(const target_address& target, const exchange_options& options) {
  exchange_run run(target, options);
  return run.run();
}

void merge(run_stats& into, const run_stats& more) {
  for (auto sample : more.series) {
    sample.elapsed_s += into.seconds;
    into.series.push_back(sample);
  }
  into.seconds += more.seconds;
  into.exchanges_ok += more.exchanges_ok;
  into.exchanges_failed += more.exchanges_failed;
  into.requests += more.requests;
  into.handshakes += more.handshakes;
  into.request_latency.merge(more.request_latency);
  into.exchange_latency.merge(more.exchange_latency);
  into.connect_latency.merge(more.connect_latency);
  into.errors.merge(more.errors);
  for (const auto& e : more.error_examples) {
    if (into.error_examples.size() < max_examples) into.error_examples.push_back(e);
  }
}

idle_stats run_idle(const target_address& target, const idle_options& options) {
  idle_run run(target, options);
  return run.run();
}

}  // namespace gday::load
