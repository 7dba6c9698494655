#include "gday/server/server.hpp"

#include "gday/net/sigpipe.hpp"

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <future>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

namespace gday::server {
namespace {

namespace asio = boost::asio;
using net::tcp;

using strand_type = asio::strand<asio::io_context::executor_type>;

std::string ip_key(const core::endpoint& ep) {
  if (const auto* v4 = std::get_if<wire::socket_addr_v4>(&ep)) {
    wire::socket_addr_v4 a = *v4;
    a.port = 0;
    return wire::to_string(a);
  }
  wire::socket_addr_v6 a = std::get<wire::socket_addr_v6>(ep);
  a.port = 0;
  return wire::to_string(a);
}

}  // namespace

core::endpoint to_core_endpoint(const tcp::endpoint& ep) {
  const auto address = ep.address();
  if (address.is_v4()) {
    return wire::socket_addr_v4{address.to_v4().to_bytes(), ep.port()};
  }
  const auto v6 = address.to_v6();
  const auto bytes = v6.to_bytes();
  wire::socket_addr_v6 out;
  for (std::size_t i = 0; i < 8; ++i) {
    out.segments[i] = static_cast<std::uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  }
  out.port = ep.port();
  out.scope_id = static_cast<std::uint32_t>(v6.scope_id());
  return out;
}

std::optional<tcp::endpoint> parse_endpoint(std::string_view text) {
  if (auto v4 = wire::parse_socket_addr_v4(text)) {
    return tcp::endpoint(asio::ip::address_v4(v4->octets), v4->port);
  }
  if (auto v6 = wire::parse_socket_addr_v6(text)) {
    asio::ip::address_v6::bytes_type bytes;
    for (std::size_t i = 0; i < 8; ++i) {
      bytes[2 * i] = static_cast<unsigned char>(v6->segments[i] >> 8);
      bytes[2 * i + 1] = static_cast<unsigned char>(v6->segments[i] & 0xff);
    }
    return tcp::endpoint(asio::ip::address_v6(bytes, v6->scope_id), v6->port);
  }
  return std::nullopt;
}

struct server::impl : std::enable_shared_from_this<server::impl> {
  explicit impl(config c)
      : cfg(std::move(c)), core_strand(asio::make_strand(io)), timer(core_strand) {}

  config cfg;
  asio::io_context io;
  strand_type core_strand;
  asio::steady_timer timer;
  std::optional<core::clock_time> armed_for;  // the deadline `timer` waits for (core strand)
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<tcp::endpoint> bound;
  std::vector<std::thread> threads;
  std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now();

  // Only touched on core_strand.
  std::unique_ptr<core::server_core> core;
  std::unordered_map<core::connection_id, std::shared_ptr<session>> sessions;
  std::set<core::connection_id> paused;
  std::map<std::string, std::size_t> per_ip;
  core::connection_id next_id = 1;
  bool stopping = false;

  std::atomic<bool> crashed{false};
  std::atomic<bool> started{false};
  bool stopped = false;  // under stop_mutex
  std::atomic<std::size_t> open_connections{0}, live_rooms{0};
  std::atomic<std::uint64_t> frames_in{0}, frames_out{0}, accepted{0}, refused{0},
      handshake_failures{0};
  std::mutex stop_mutex;

  core::clock_time now() const {
    if (cfg.clock) return cfg.clock();
    return std::chrono::duration_cast<core::clock_time>(std::chrono::steady_clock::now() - epoch);
  }

  void accept(tcp::acceptor& acceptor);
  void admit(std::unique_ptr<net::byte_stream> stream, core::endpoint peer);
  // Core-strand operations.
  void on_open(const std::shared_ptr<session>& s);
  void on_bytes(core::connection_id id, std::string bytes);
  void on_end_of_input(core::connection_id id);
  void on_gone(core::connection_id id);
  // `reader`: a connection whose read just completed; it reads on unless
  // the core paused it, whether or not its bytes produced any output.
  void after_core_event(std::optional<core::connection_id> reader = std::nullopt);
  void arm_timer();
};

// One connection: its stream, a strand (the socket's executor), a write
// queue. Reads one chunk at a time and reads again only when the core says
// the connection is not waiting (spec M-7), so input is never buffered beyond
// one chunk here.
class session : public std::enable_shared_from_this<session> {
 public:
  session(std::shared_ptr<server::impl> owner, std::unique_ptr<net::byte_stream> stream,
          core::endpoint peer)
      : owner_(std::move(owner)),
        stream_(std::move(stream)),
        peer_(peer),
        handshake_timer_(stream_->get_executor()) {}

  core::connection_id id = 0;
  const core::endpoint& peer() const { return peer_; }

  void start() {
    auto self = shared_from_this();
    handshake_timer_.expires_after(owner_->cfg.handshake_deadline);
    handshake_timer_.async_wait([self](boost::system::error_code ec) {
      if (!ec && !self->handshake_done_) {
        self->owner_->handshake_failures++;
        self->abort();
      }
    });
    stream_->async_handshake([self](std::error_code ec) {
      self->handshake_done_ = true;
      self->handshake_timer_.cancel();
      if (ec || self->closed_) {
        // A handshake that the deadline (or stop()) cut off was counted there.
        if (ec && !self->closed_) self->owner_->handshake_failures++;
        self->abort();
        return;
      }
      asio::post(self->owner_->core_strand, [self] { self->owner_->on_open(self); });
    });
  }

  // Any thread: ask for the next chunk.
  void read() {
    asio::dispatch(stream_->get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  // Any thread: an output of the core for this connection.
  void deliver(core::output out) {
    asio::dispatch(stream_->get_executor(), [self = shared_from_this(), out = std::move(out)] {
      if (self->closed_) return;
      if (out.what == core::output::kind::send) {
        self->queue_.push_back(std::move(out.bytes));
      } else {
        self->close_after_writes_ = true;
        self->reset_ = out.what == core::output::kind::reset;
      }
      self->pump();
    });
  }

  // Any thread: drop the connection now (and tell the core strand, which
  // forgets it and frees its per-IP slot).
  void abort() {
    asio::dispatch(stream_->get_executor(), [self = shared_from_this()] {
      // Closing again is harmless, and ends an orderly shutdown whose
      // close_notify waits on a peer that does not read.
      self->handshake_timer_.cancel();
      self->stream_->close();
      if (self->closed_) return;
      self->closed_ = true;
      auto& owner = *self->owner_;
      asio::post(owner.core_strand, [&owner, self] { owner.on_gone(self->id); });
    });
  }

 private:
  void do_read() {
    if (closed_ || reading_) return;
    reading_ = true;
    auto self = shared_from_this();
    stream_->async_read_chunk(server::read_chunk_size, [self](std::error_code ec,
                                                              std::string bytes) {
      self->reading_ = false;
      if (self->closed_) return;
      auto& owner = *self->owner_;
      const auto conn = self->id;
      if (!ec) {
        asio::post(owner.core_strand, [&owner, conn, bytes = std::move(bytes), keep = self] {
          owner.on_bytes(conn, bytes);
        });
      } else if (net::is_orderly_close(ec)) {
        asio::post(owner.core_strand, [&owner, conn, keep = self] { owner.on_end_of_input(conn); });
      } else {
        self->closed_ = true;
        self->stream_->close();
        asio::post(owner.core_strand, [&owner, conn, keep = self] { owner.on_gone(conn); });
      }
    });
  }

  void pump() {
    if (writing_ || closed_) return;
    if (!queue_.empty()) {
      writing_ = true;
      auto self = shared_from_this();
      stream_->async_write(queue_.front(), [self](std::error_code ec) {
        self->writing_ = false;
        self->queue_.pop_front();
        if (ec) {
          if (!self->closed_) {
            self->closed_ = true;
            self->stream_->close();
            auto& owner = *self->owner_;
            asio::post(owner.core_strand, [&owner, id = self->id, self] { owner.on_gone(id); });
          }
          return;
        }
        self->pump();
      });
      return;
    }
    if (close_after_writes_ && reset_) {  // a scripted RST (client testing)
      closed_ = true;
      stream_->reset();
      auto& owner = *owner_;
      asio::post(owner.core_strand,
                 [&owner, id = id, self = shared_from_this()] { owner.on_gone(id); });
      return;
    }
    if (close_after_writes_) {
      closed_ = true;
      // v1 (gday 0.3.x) ends connections without close_notify; v2/v3 send it.
      const bool notify = owner_->cfg.core.profile != wire::profile::v1;
      auto self = shared_from_this();
      stream_->async_shutdown(notify, [self](std::error_code) {
        auto& owner = *self->owner_;
        asio::post(owner.core_strand, [&owner, id = self->id, self] { owner.on_gone(id); });
      });
    }
  }

  std::shared_ptr<server::impl> owner_;
  std::unique_ptr<net::byte_stream> stream_;
  core::endpoint peer_;
  asio::steady_timer handshake_timer_;
  std::list<std::string> queue_;  // node-based: a write holds its front; empty costs nothing
  bool handshake_done_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool close_after_writes_ = false;
  bool reset_ = false;  // close with an RST
  bool closed_ = false;
};

void server::impl::accept(tcp::acceptor& acceptor) {
  acceptor.async_accept(asio::make_strand(io),
                        [this, self = shared_from_this(), &acceptor](boost::system::error_code ec,
                                                                     tcp::socket socket) {
                          if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
                          if (!ec) {
                            boost::system::error_code ignored;
                            socket.set_option(tcp::no_delay(true), ignored);
                            const auto remote = socket.remote_endpoint(ignored);
                            if (!ignored) {
                              std::unique_ptr<net::byte_stream> stream;
                              if (cfg.tls) {
                                auto tls = net::make_tls_stream(std::move(socket), cfg.tls, true);
                                if (tls) stream = std::move(*tls);
                              } else {
                                stream = net::make_tcp_stream(std::move(socket));
                              }
                              if (stream) admit(std::move(stream), to_core_endpoint(remote));
                            }
                          }
                          accept(acceptor);
                        });
}

void server::impl::admit(std::unique_ptr<net::byte_stream> stream, core::endpoint peer) {
  auto s = std::make_shared<session>(shared_from_this(), std::move(stream), peer);
  asio::post(core_strand, [this, s] {
    const std::string key = ip_key(s->peer());
    if (stopping || crashed || sessions.size() >= cfg.max_connections ||
        per_ip[key] >= cfg.max_connections_per_ip) {
      refused++;
      if (cfg.on_refused && !stopping && !crashed) {
        const bool total = sessions.size() >= cfg.max_connections;
        cfg.on_refused(
            std::visit([](const auto& a) { return wire::to_string(a); }, s->peer()),
            total ? std::to_string(sessions.size()) + " connections are open (max_connections)"
                  : std::to_string(per_ip[key]) +
                        " connections from this address are open "
                        "(max_connections_per_ip)");
      }
      s->abort();
      return;
    }
    ++per_ip[key];
    accepted++;
    s->id = next_id++;
    sessions.emplace(s->id, s);
    s->start();
  });
}

void server::impl::on_open(const std::shared_ptr<session>& s) {
  if (stopping || crashed || !sessions.count(s->id)) return;
  core->open(s->id, s->peer(), now());
  after_core_event();
  if (!core->reading_paused(s->id)) s->read();
}

void server::impl::on_bytes(core::connection_id id, std::string bytes) {
  if (!sessions.count(id) || crashed) return;
  core->receive(id, bytes, now());
  after_core_event(id);
}

void server::impl::on_end_of_input(core::connection_id id) {
  if (!sessions.count(id) || crashed) return;
  core->end_of_input(id, now());
  after_core_event();
}

void server::impl::on_gone(core::connection_id id) {
  auto it = sessions.find(id);
  if (it == sessions.end()) return;
  auto s = it->second;
  sessions.erase(it);
  paused.erase(id);
  auto ip = per_ip.find(ip_key(s->peer()));
  if (ip != per_ip.end() && --ip->second == 0) per_ip.erase(ip);
  if (!crashed) {
    core->closed(id, now());
    after_core_event();
  }
}

// Hands the core's outputs to the sessions, resumes reading where the core
// allows it, reacts to a crash fault, and re-arms the timer.
void server::impl::after_core_event(std::optional<core::connection_id> reader) {
  std::set<core::connection_id> touched;
  // Mark a crash before handing out the outputs: a session may run them at
  // once (strand dispatch) and a client that sees its connection end must
  // already find the server crashed.
  const bool core_crashed = core->crashed();
  const bool first_crash = core_crashed && !crashed.exchange(true);
  // A chunk that ends inside a frame produces no output, yet the rest of the
  // frame must still be read.
  if (reader) touched.insert(*reader);
  for (auto& out : core->take_outputs()) {
    auto it = sessions.find(out.conn);
    if (it == sessions.end()) continue;
    touched.insert(out.conn);
    if (out.what != core::output::kind::send) paused.erase(out.conn);
    it->second->deliver(std::move(out));
  }
  open_connections = core->open_connections();
  live_rooms = core->live_rooms();
  frames_in = core->frames_in();
  frames_out = core->frames_out();
  if (core_crashed) {
    if (first_crash) {
      for (auto& [id, s] : sessions) s->abort();
      for (auto& a : acceptors) {
        boost::system::error_code ignored;
        a->close(ignored);
      }
      timer.cancel();
      armed_for.reset();
      if (cfg.on_crash) cfg.on_crash();
    }
    return;
  }
  // Every connection that just read, that the core answered, or that was
  // waiting, may read again.
  for (auto id : touched) {
    if (sessions.count(id) && core->reading_paused(id)) paused.insert(id);
  }
  for (auto id : touched) {
    auto it = sessions.find(id);
    if (it != sessions.end() && !core->reading_paused(id)) {
      paused.erase(id);
      it->second->read();
    }
  }
  for (auto it = paused.begin(); it != paused.end();) {
    auto s = sessions.find(*it);
    if (s == sessions.end()) {
      it = paused.erase(it);
    } else if (!core->reading_paused(*it)) {
      s->second->read();
      it = paused.erase(it);
    } else {
      ++it;
    }
  }
  arm_timer();
}

void server::impl::arm_timer() {
  const auto deadline = stopping || crashed ? std::nullopt : core->next_deadline();
  // Most requests leave the earliest deadline where it was: re-arming would
  // cost a timerfd update and a cancelled handler per request.
  if (deadline == armed_for) return;
  armed_for = deadline;
  if (cfg.clock) return;  // the caller's clock: poll() runs what is due
  if (!deadline) {
    timer.cancel();
    return;
  }
  timer.expires_at(epoch +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(*deadline));
  timer.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
    if (ec || stopping || crashed) return;
    armed_for.reset();
    core->advance(now());
    after_core_event();
  });
}

server::server(config cfg) : impl_(std::make_shared<impl>(std::move(cfg))) {}

server::~server() { stop(); }

net::result<net::done> server::start() {
  auto& m = *impl_;
  if (m.started.exchange(true)) return net::failure{net::error::bad_address, "already started"};
  m.core = std::make_unique<core::server_core>(m.cfg.core, m.now());
  if (m.cfg.listen.empty() && m.cfg.threads > 0) {
    return net::failure{net::error::bad_address, "no listen address given"};
  }
  std::vector<tcp::endpoint> wanted;
  for (const auto& text : m.cfg.listen) {
    auto ep = parse_endpoint(text);
    if (!ep) {
      return net::failure{net::error::bad_address,
                          "'" + text + "' is not an address like 127.0.0.1:2311 or [::1]:2311"};
    }
    wanted.push_back(*ep);
  }
  std::string last_error;
  for (int attempt = 0; attempt < 50; ++attempt) {
    m.acceptors.clear();
    m.bound.clear();
    std::uint16_t shared_port = 0;
    bool retry = false;
    for (const auto& want : wanted) {
      tcp::endpoint ep = want;
      if (ep.port() == 0 && shared_port != 0) ep.port(shared_port);
      auto acceptor = std::make_unique<tcp::acceptor>(m.io);
      boost::system::error_code ec;
      acceptor->open(ep.protocol(), ec);
      if (!ec && ep.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
      if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) acceptor->bind(ep, ec);
      if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        last_error = "cannot listen on " + ep.address().to_string() + " port " +
                     std::to_string(ep.port()) + ": " + ec.message();
        // A port picked for an earlier port-0 address may be taken here: retry.
        retry = want.port() == 0 && shared_port != 0 && ec == asio::error::address_in_use;
        if (!retry) {
          m.acceptors.clear();
          return net::failure{std::error_code(ec), last_error};
        }
        break;
      }
      const auto local = acceptor->local_endpoint();
      if (want.port() == 0 && shared_port == 0) shared_port = local.port();
      m.bound.push_back(local);
      m.acceptors.push_back(std::move(acceptor));
    }
    if (!retry) break;
  }
  if (m.acceptors.size() != wanted.size()) {
    m.acceptors.clear();
    return net::failure{std::make_error_code(std::errc::address_in_use), last_error};
  }
  for (auto& a : m.acceptors) m.accept(*a);
  asio::post(m.core_strand, [&m] { m.arm_timer(); });
  for (unsigned i = 0; i < m.cfg.threads; ++i) {
    m.threads.emplace_back([&m] {
      // OpenSSL writes with write(): a peer that vanished must not kill the
      // process with SIGPIPE (the write fails with EPIPE instead).
      net::sigpipe_guard no_sigpipe;
      auto guard = asio::make_work_guard(m.io);
      m.io.run();
    });
  }
  return net::done{};
}

std::vector<tcp::endpoint> server::endpoints() const { return impl_->bound; }

std::uint16_t server::port(bool v6) const {
  for (const auto& ep : impl_->bound) {
    if (ep.address().is_v6() == v6) return ep.port();
  }
  return 0;
}

void server::stop() {
  auto& m = *impl_;
  std::lock_guard lock(m.stop_mutex);
  if (!m.started || m.stopped) return;
  m.stopped = true;
  std::promise<void> closed;
  auto done = closed.get_future();
  asio::post(m.core_strand, [&m, &closed] {
    m.stopping = true;
    for (auto& a : m.acceptors) {
      boost::system::error_code ignored;
      a->close(ignored);
    }
    for (auto& [id, s] : m.sessions) s->abort();
    m.timer.cancel();
    m.armed_for.reset();
    closed.set_value();
  });
  if (!m.threads.empty()) {
    done.wait_for(std::chrono::seconds(2));
    m.io.stop();
    for (auto& t : m.threads) t.join();
    m.threads.clear();
  }
  // Run what stopping made ready (the aborts, cancelled reads and waits,
  // cancelled accepts). Each such handler holds a session or this impl, which
  // owns the io_context: left queued they would keep everything alive (a
  // reference cycle) and sockets open after stop(). A thread of its own, so
  // that SIGPIPE is blocked there and the caller's signal mask is untouched.
  std::thread([&m] {
    net::sigpipe_guard no_sigpipe;
    m.io.restart();
    m.io.poll();
  }).join();
  m.sessions.clear();
}

bool server::crashed() const { return impl_->crashed; }

counters server::stats() const {
  const auto& m = *impl_;
  return counters{m.open_connections, m.live_rooms, m.frames_in,         m.frames_out,
                  m.accepted,         m.refused,    m.handshake_failures};
}

void server::adopt(std::unique_ptr<net::byte_stream> stream, core::endpoint peer) {
  impl_->admit(std::move(stream), peer);
}

boost::asio::any_io_executor server::executor() { return asio::make_strand(impl_->io); }

void server::poll() {
  auto& m = *impl_;
  asio::post(m.core_strand, [&m] {
    if (m.stopping || m.crashed || !m.core) return;
    const auto deadline = m.core->next_deadline();
    if (!deadline || *deadline > m.now()) return;
    m.armed_for.reset();
    m.core->advance(m.now());
    m.after_core_event();
  });
  // An io_context that ran out of work stays stopped until restarted.
  do {
    m.io.restart();
  } while (m.io.poll() > 0);
}

std::optional<core::clock_time> server::next_deadline() const {
  return impl_->core ? impl_->core->next_deadline() : std::nullopt;
}

}  // namespace gday::server
