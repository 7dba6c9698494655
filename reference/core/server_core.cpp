#include "gday/core/server_core.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <deque>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <type_traits>
#include <utility>

#include "gday/wire/address.hpp"
#include "gday/wire/codec.hpp"
#include "gday/wire/frame.hpp"
#include "gday/wire/messages.hpp"

namespace gday::core {
namespace {

using wire::server_msg;
using wire::server_msg_type;

/// The source IP of a connection, the key of the rate limit (upstream keys
/// on `IpAddr`: the port and the v6 scope do not count).
struct ip_key {
  std::uint8_t family = 0;
  std::array<std::uint8_t, 16> bytes{};
  friend auto operator<=>(const ip_key&, const ip_key&) = default;
};

ip_key ip_of(const endpoint& peer) {
  ip_key key;
  if (const auto* v4 = std::get_if<wire::socket_addr_v4>(&peer)) {
    key.family = 4;
    std::copy(v4->octets.begin(), v4->octets.end(), key.bytes.begin());
  } else {
    const auto& v6 = std::get<wire::socket_addr_v6>(peer);
    key.family = 6;
    for (std::size_t i = 0; i < 8; ++i) {
      key.bytes[2 * i] = static_cast<std::uint8_t>(v6.segments[i] >> 8);
      key.bytes[2 * i + 1] = static_cast<std::uint8_t>(v6.segments[i] & 0xff);
    }
  }
  return key;
}

/// `t + d` without overflowing (huge timeouts mean "practically never").
clock_time later(clock_time t, clock_time d) {
  return d > clock_time::max() - t ? clock_time::max() : t + d;
}

server_msg reply_of(server_msg_type type) { return server_msg{type, {}}; }

server_msg contact_reply(server_msg_type type, const wire::full_contact& contact) {
  return server_msg{type, contact};
}

/// One side (creator or joiner) of a room.
struct side {
  wire::full_contact contact;
  bool ready = false;                   ///< sent ReadyToShare
  std::optional<connection_id> waiter;  ///< the connection waiting for PeerContact
};

struct room {
  std::uint64_t serial = 0;  ///< which CreateRoom made it (a code can be reused)
  std::optional<clock_time> expires_at;
  std::array<side, 2> sides;  ///< [0] joiner, [1] creator

  side& of(bool is_creator) { return sides[is_creator ? 1 : 0]; }
};

struct connection {
  connection(connection_id conn_id, endpoint peer_addr, wire::profile p)
      : id(conn_id), peer(peer_addr), ip(ip_of(peer_addr)), decoder(p) {}

  connection_id id;
  endpoint peer;
  ip_key ip;
  wire::frame_decoder decoder;
  std::string inbox;          ///< received, not yet given to the decoder
  std::size_t read_pos = 0;   ///< first unprocessed byte of `inbox`
  bool waiting = false;       ///< after ReadyToShare, until PeerContact / ErrorPeerTimedOut
  std::string waiting_room;   ///< the room whose side has this connection as its waiter
  bool end_of_input = false;  ///< the peer half-closed; handled after `inbox`
  bool stopped = false;       ///< no more input is processed (faults, handled EOF)
  bool closed = false;        ///< the core closed it
  bool runnable = false;      ///< in the run queue
  bool frame_split = false;   ///< the current frame spans several receive() calls
  clock_time frame_started{};
  std::optional<clock_time> frame_timer;
  bool eof_seen = false;                ///< end_of_input() was called
  std::vector<std::string> created;     ///< rooms it created (vanish faults)
  std::vector<std::string> used_rooms;  ///< rooms its requests named (vanish faults)

  std::size_t queued() const { return inbox.size() - read_pos; }
};

}  // namespace

struct server_core::impl {
  impl(config c, clock_time now) : cfg(c), start(now), current(now) {
    next_rate_reset = boundary_after(now);
  }

  bool has(fault f) const { return cfg.faults.test(f); }

  // ---- state --------------------------------------------------------------

  config cfg;
  clock_time start;
  clock_time current;  ///< the time of the event being handled
  bool crashed = false;

  std::map<connection_id, connection> conns;
  std::vector<connection_id> closed_ids;  ///< closed by the core, not yet swept
  std::size_t open_count = 0;
  std::map<std::string, room> rooms;
  std::uint64_t next_serial = 1;
  /// Room timers: (when, serial of the CreateRoom, code).
  std::set<std::tuple<clock_time, std::uint64_t, std::string>> room_timers;
  /// Frame deadlines: (when, connection).
  std::set<std::pair<clock_time, connection_id>> frame_timers;
  std::map<ip_key, std::uint32_t> request_counts;
  std::map<std::string, std::string> sent_texts;  ///< echo-local-as-sent: shown -> as sent
  // Vanish faults: what a server that mishandles peers that go away keeps.
  std::size_t resets_seen = 0;         ///< resets-leak-connection-slots
  bool refusing = false;               ///< new connections are closed at once
  std::set<std::string> locked_rooms;  ///< reset-leaves-room-locked
  std::map<std::pair<std::string, bool>, connection_id> side_owners;  ///< dead-side-slot-kept
  clock_time next_rate_reset{};

  std::deque<connection_id> run_queue;
  std::vector<output> outputs;
  std::vector<unsigned> script_seen;  ///< per script rule: requests it applied to so far
  std::uint64_t frames_in = 0;
  std::uint64_t frames_out = 0;

  // ---- helpers --------------------------------------------------------------

  bool rate_windows() const {
    return cfg.rate_window > clock_time::zero() && !has(fault::rate_window_never_resets);
  }

  clock_time boundary_after(clock_time t) const {
    if (!rate_windows()) return clock_time::max();
    const auto windows = std::max(t - start, clock_time::zero()) / cfg.rate_window + 1;
    if (windows > (clock_time::max() - start) / cfg.rate_window) return clock_time::max();
    return start + windows * cfg.rate_window;
  }

  connection* find(connection_id id) {
    auto it = conns.find(id);
    return it == conns.end() || it->second.closed ? nullptr : &it->second;
  }
  const connection* find(connection_id id) const {
    auto it = conns.find(id);
    return it == conns.end() || it->second.closed ? nullptr : &it->second;
  }

  bool reading(const connection& c) const {
    return !c.closed && !c.stopped && !(c.waiting && !has(fault::reads_while_waiting));
  }

  void schedule(connection& c) {
    if (c.runnable) return;
    c.runnable = true;
    run_queue.push_back(c.id);
  }

  void set_now(clock_time now) { current = std::max(current, now); }

  // ---- outputs --------------------------------------------------------------

  void send(connection& c, const server_msg& msg) {
    auto frame = has(fault::omit_null_addresses) || has(fault::echo_local_as_sent)
                     ? wire::encode_frame(deviating_body(msg), cfg.profile)
                     : wire::encode_frame(msg, cfg.profile);
    // Replies are short and ErrorInternal is never sent, so encoding cannot fail.
    assert(frame.has_value());
    if (!frame) return;
    std::string bytes = std::move(frame).value();
    if (has(fault::reply_wrong_version)) {
      bytes[0] = static_cast<char>(cfg.profile == wire::profile::v1 ? 2 : 1);
    }
    if (has(fault::reply_length_off_by_one)) {
      const std::size_t length = bytes.size() - wire::header_size + 1;
      bytes[1] = static_cast<char>((length >> 8) & 0xff);
      bytes[2] = static_cast<char>(length & 0xff);
    }
    ++frames_out;
    if (has(fault::reply_split_writes)) {
      outputs.push_back({output::kind::send, c.id, bytes.substr(0, wire::header_size)});
      outputs.push_back({output::kind::send, c.id, bytes.substr(wire::header_size)});
      return;
    }
    outputs.push_back({output::kind::send, c.id, std::move(bytes)});
  }

  /// The reply body as the J-9 / J-5 faults write it.
  std::string deviating_body(const server_msg& msg) const {
    auto encoded = wire::encode_body(msg, cfg.profile);
    assert(encoded.has_value());
    std::string body = encoded ? std::move(encoded).value() : std::string();
    if (has(fault::echo_local_as_sent)) {
      for (const auto& [shown, sent] : sent_texts) {
        replace_all(body, '"' + shown + '"', '"' + sent + '"');
      }
    }
    if (has(fault::omit_null_addresses)) {
      replace_all(body, "\"v4\":null,", "");
      replace_all(body, ",\"v6\":null", "");
      replace_all(body, "{\"v6\":null}", "{}");
    }
    return body;
  }

  static void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }

  /// echo-local-as-sent: remembers each address text of a request that is
  /// not in display form, keyed by its display form.
  void remember_sent_texts(std::string_view body) {
    if (sent_texts.size() > 1000) sent_texts.clear();
    for (std::size_t open = body.find('"'); open != std::string_view::npos;) {
      const std::size_t close = body.find('"', open + 1);
      if (close == std::string_view::npos) return;
      const std::string_view text = body.substr(open + 1, close - open - 1);
      std::optional<std::string> shown;
      if (auto a = wire::parse_socket_addr_v4(text)) shown = wire::to_string(*a);
      if (auto a = wire::parse_socket_addr_v6(text)) shown = wire::to_string(*a);
      if (shown && *shown != text) sent_texts[*shown] = std::string(text);
      open = body.find('"', close + 1);
    }
  }

  void close(connection& c, bool reset = false) {
    if (c.closed) return;
    c.closed = true;
    closed_ids.push_back(c.id);
    c.waiting = false;
    drop_frame_timer(c);
    --open_count;
    outputs.push_back({reset ? output::kind::reset : output::kind::close, c.id, {}});
  }

  void trace(trace_event::kind what, connection_id id, std::string bytes = {}, bool reset = false) {
    if (cfg.trace) cfg.trace({what, id, current, std::move(bytes), reset});
  }

  // ---- scripted answers (client testing) --------------------------------------

  /// The rule for a frame whose request is `type` ("" if it did not decode)
  /// from `role` ("creator", "joiner", or "" if it did not decode).
  const script_rule* script_for(std::string_view type, std::string_view role) {
    if (cfg.script.empty()) return nullptr;
    script_seen.resize(cfg.script.size());
    const script_rule* chosen = nullptr;
    for (std::size_t i = 0; i < cfg.script.size(); ++i) {
      const script_rule& rule = cfg.script[i];
      if (rule.on != "*" && rule.on != type) continue;
      if (!rule.role.empty() && rule.role != role) continue;
      ++script_seen[i];
      if (!chosen && (rule.nth == 0 || script_seen[i] == rule.nth)) chosen = &rule;
    }
    return chosen;
  }

  server_msg scripted_reply(server_msg_type type) const {
    return wire::carries_contact(type) ? contact_reply(type, script_contact()) : reply_of(type);
  }

  /// Does what `rule` says instead of answering; true when the frame is
  /// handled (false: answer it normally, then call after_script()).
  bool run_script(connection& c, const script_rule& rule) {
    if (rule.unsolicited) send(c, scripted_reply(*rule.unsolicited));
    using act = script_rule::action;
    switch (rule.what) {
      case act::answer:
        return false;
      case act::reply:
        send(c, scripted_reply(rule.reply));
        break;
      case act::stall:
        c.stopped = true;
        return true;
      case act::close:
        close(c);
        return true;
      case act::reset:
        close(c, /*reset=*/true);
        return true;
      case act::raw:
        outputs.push_back({output::kind::send, c.id, rule.raw});
        break;
    }
    if (rule.then_close) close(c);
    return true;
  }

  /// Writes the replies to `c` from outputs[from] on as `rule` says.
  void after_script(connection& c, const script_rule& rule, std::size_t from) {
    using shape = script_rule::shape;
    std::vector<output> mine, kept;
    for (std::size_t i = from; i < outputs.size(); ++i) {
      auto& o = outputs[i];
      (o.conn == c.id && o.what == output::kind::send ? mine : kept).push_back(std::move(o));
    }
    outputs.resize(from);
    std::vector<output> shaped;
    switch (rule.writes) {
      case shape::whole:
        shaped = std::move(mine);
        break;
      case shape::bytewise:
        for (const auto& o : mine) {
          for (char b : o.bytes) shaped.push_back({output::kind::send, c.id, std::string(1, b)});
        }
        break;
      case shape::coalesced: {
        std::string all;
        for (const auto& o : mine) all += o.bytes;
        if (!all.empty()) shaped.push_back({output::kind::send, c.id, std::move(all)});
        break;
      }
      case shape::extra_field:
        for (auto o : mine) {
          o.bytes = with_extra_field(o.bytes);
          shaped.push_back(std::move(o));
        }
        break;
      case shape::largest:
        for (auto o : mine) {
          o.bytes = padded_to_largest(o.bytes);
          shaped.push_back(std::move(o));
        }
        break;
    }
    // Sends to `c` first, in order; others (PeerContact to the peer, closes) after.
    outputs.insert(outputs.end(), shaped.begin(), shaped.end());
    outputs.insert(outputs.end(), kept.begin(), kept.end());
    if (rule.then_close) close(c);
  }

  /// A frame whose contact reply body gains `"extra":0` in its innermost
  /// object (v1: inside the variant; v2/v3: beside "type"); others unchanged.
  std::string with_extra_field(const std::string& frame) const {
    std::string body = frame.substr(std::min(frame.size(), wire::header_size));
    if (body.find("\"local\"") == std::string::npos) return frame;
    const std::size_t at = cfg.profile == wire::profile::v1 ? body.size() - 2 : body.size() - 1;
    body.insert(at, ",\"extra\":0");
    auto framed = wire::encode_frame(body, cfg.profile);
    return framed ? std::move(framed).value() : frame;
  }

  /// A frame whose body is padded with trailing spaces (JSON whitespace,
  /// which serde_json accepts) to the largest body the profile allows.
  std::string padded_to_largest(const std::string& frame) const {
    std::string body = frame.substr(std::min(frame.size(), wire::header_size));
    body.resize(std::max(body.size(), wire::max_body_length(cfg.profile)), ' ');
    auto framed = wire::encode_frame(body, cfg.profile);
    return framed ? std::move(framed).value() : frame;
  }

  /// After an error reply that leaves the connection open (spec M-6).
  void after_error_reply(connection& c) {
    if (has(fault::close_after_error_reply)) close(c);
  }

  void reply_error(connection& c, server_msg_type type) {
    send(c, reply_of(type));
    after_error_reply(c);
  }

  void reply_too_many_requests(connection& c) {
    send(c, reply_of(server_msg_type::error_too_many_requests));
    if (!has(fault::keep_open_after_too_many_requests)) close(c);
  }

  /// ErrorSyntax, then close (spec F-2, F-3, F-5). `can_continue` is false when
  /// the stream cannot be read on (bad header, end of input).
  void syntax_error(connection& c, bool can_continue) {
    if (has(fault::silent_close_on_syntax_error)) {
      close(c);
      return;
    }
    send(c, reply_of(server_msg_type::error_syntax));
    if (has(fault::keep_open_after_syntax_error)) {
      if (!can_continue) c.stopped = true;
      return;
    }
    close(c);
  }

  void crash() {
    crashed = true;
    for (auto& [id, c] : conns) {
      close(c);
      c.runnable = false;
    }
    run_queue.clear();
  }

  // ---- rate limit (spec R-1..R-3) --------------------------------------------

  /// Upstream's increment_request_count: true (and no count) when the limit is
  /// reached, else counts the request.
  bool over_limit(const connection& c) {
    if (has(fault::rate_limit_disabled)) return false;
    std::uint32_t& count = request_counts[has(fault::rate_limit_global) ? ip_key{} : c.ip];
    const bool over =
        has(fault::rate_limit_off_by_one) ? count > cfg.request_limit : count >= cfg.request_limit;
    if (over) return true;
    if (count < std::numeric_limits<std::uint32_t>::max()) ++count;
    return false;
  }

  /// An error reply that counts against the limit (ErrorNoSuchRoomCode,
  /// ErrorUnexpectedMsg): past the limit it becomes ErrorTooManyRequests.
  void counted_error(connection& c, server_msg_type type) {
    if (over_limit(c)) {
      reply_too_many_requests(c);
    } else {
      reply_error(c, type);
    }
  }

  // ---- rooms ----------------------------------------------------------------

  room* find_room(const std::string& code) {
    auto it = rooms.find(code);
    return it == rooms.end() ? nullptr : &it->second;
  }

  /// The peer ended `c` (EOF, or a reset when `reset`): the vanish faults.
  void peer_gone(connection& c, bool reset) {
    if (has(fault::room_dies_with_creator_connection)) {
      for (const std::string& code : c.created) remove_room(code);
      c.created.clear();
    }
    if (!reset) return;
    if (has(fault::reset_leaves_room_locked)) {
      locked_rooms.insert(c.used_rooms.begin(), c.used_rooms.end());
    }
    if (has(fault::resets_leak_connection_slots) && ++resets_seen >= 3) refusing = true;
  }

  /// dead-side-slot-kept: true (and ErrorUnexpectedMsg sent) when the side
  /// is bound to another connection that is gone.
  bool side_slot_dead(connection& c, const std::string& code, bool is_creator) {
    if (!has(fault::dead_side_slot_kept) || find_room(code) == nullptr) return false;
    const auto [it, fresh] = side_owners.try_emplace({code, is_creator}, c.id);
    if (fresh || it->second == c.id || find(it->second) != nullptr) return false;
    reply_error(c, server_msg_type::error_unexpected_msg);
    return true;
  }

  /// dead-side-slot-kept binds sides of a room, not of its code.
  void forget_side_owners(const std::string& code) {
    side_owners.erase({code, false});
    side_owners.erase({code, true});
  }

  void remove_room(const std::string& code) {
    forget_side_owners(code);
    auto it = rooms.find(code);
    if (it == rooms.end()) return;
    // With code-timer, timers belong to codes and outlive their room (L-7 defect).
    if (!has(fault::code_timer) && it->second.expires_at) {
      room_timers.erase({*it->second.expires_at, it->second.serial, code});
    }
    rooms.erase(it);
  }

  /// Ends a connection's wait with `msg` and lets it read its queued input.
  void release_waiter(connection_id id, const server_msg& msg) {
    connection* c = find(id);
    if (c == nullptr) return;
    if (msg.type == server_msg_type::error_peer_timed_out && has(fault::no_peer_timed_out)) {
      return;  // never told: it keeps waiting
    }
    c->waiting = false;
    c->waiting_room.clear();
    send(*c, msg);
    if (msg.type == server_msg_type::error_peer_timed_out) after_error_reply(*c);
    if (!c->closed) schedule(*c);
  }

  void expire_room(const std::string& code) {
    room* r = find_room(code);
    if (r == nullptr) return;
    std::vector<connection_id> waiters;
    for (const side& s : r->sides) {
      if (s.waiter) waiters.push_back(*s.waiter);
    }
    rooms.erase(code);
    forget_side_owners(code);
    for (connection_id w : waiters) {
      release_waiter(w, reply_of(server_msg_type::error_peer_timed_out));
    }
  }

  // ---- requests (spec §4) -------------------------------------------------------

  void on_create_room(connection& c, const wire::create_room& msg) {
    // Upstream counts every CreateRoom, before looking at the code.
    if (over_limit(c)) {
      reply_too_many_requests(c);
      return;
    }
    if (rooms.contains(msg.room_code)) {
      reply_error(c, has(fault::wrong_error_for_taken_room) ? server_msg_type::error_unexpected_msg
                                                            : server_msg_type::error_room_taken);
      return;
    }
    room r;
    r.serial = next_serial++;
    if (!has(fault::room_never_expires)) {
      const clock_time timeout =
          has(fault::room_expires_early) ? cfg.room_timeout / 2 : cfg.room_timeout;
      r.expires_at = later(current, timeout);
      room_timers.emplace(*r.expires_at, r.serial, msg.room_code);
    }
    rooms.emplace(msg.room_code, std::move(r));
    if (has(fault::room_dies_with_creator_connection) && c.created.size() < 64) {
      c.created.push_back(msg.room_code);
    }
    send(c, reply_of(server_msg_type::room_created));
  }

  void record_public(wire::contact& contact, const endpoint& peer) {
    if (const auto* v4 = std::get_if<wire::socket_addr_v4>(&peer)) {
      if (!has(fault::public_addr_wrong_family)) {
        contact.v4 = *v4;
        return;
      }
      const auto& o = v4->octets;
      wire::socket_addr_v6 mapped;  // ::ffff:a.b.c.d
      mapped.segments[5] = 0xffff;
      mapped.segments[6] = static_cast<std::uint16_t>((o[0] << 8) | o[1]);
      mapped.segments[7] = static_cast<std::uint16_t>((o[2] << 8) | o[3]);
      mapped.port = v4->port;
      contact.v6 = mapped;
      return;
    }
    const auto& v6 = std::get<wire::socket_addr_v6>(peer);
    if (!has(fault::public_addr_wrong_family)) {
      contact.v6 = v6;
      return;
    }
    const auto& s = v6.segments;
    if (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0xffff) {
      contact.v4 = wire::socket_addr_v4{
          {static_cast<std::uint8_t>(s[6] >> 8), static_cast<std::uint8_t>(s[6] & 0xff),
           static_cast<std::uint8_t>(s[7] >> 8), static_cast<std::uint8_t>(s[7] & 0xff)},
          v6.port};
    }
  }

  // The side an update (RecordPublicAddr, or a local address in
  // ReadyToShare) goes to; null once the error upstream gives for an update
  // of a side that is done is sent.
  side* side_to_update(connection& c, room& r, bool is_creator) {
    side& s = r.of(is_creator);
    if (s.ready && !has(fault::unexpected_msg_accepted)) {
      counted_error(c, server_msg_type::error_unexpected_msg);
      return nullptr;
    }
    return &s;
  }

  void on_record_public_addr(connection& c, const wire::record_public_addr& msg) {
    room* r = find_room(msg.room_code);
    if (r == nullptr) {
      if (has(fault::no_such_room_accepted)) {
        send(c, reply_of(server_msg_type::received_addr));
      } else {
        counted_error(c, server_msg_type::error_no_such_room_code);
      }
      return;
    }
    side* s = side_to_update(c, *r, msg.is_creator);
    if (s == nullptr) return;
    if (has(fault::rate_limit_counts_successes) && over_limit(c)) {
      reply_too_many_requests(c);
      return;
    }
    record_public(s->contact.public_, c.peer);
    send(c, reply_of(server_msg_type::received_addr));
  }

  void on_ready_to_share(connection& c, const wire::ready_to_share& msg) {
    const wire::contact local =
        has(fault::local_contact_dropped) ? wire::contact{} : msg.local_contact;

    // Upstream first records each given local address as its own update, each
    // of which fails like RecordPublicAddr does (unknown room, side done).
    const bool unknown_room_accepted =
        has(fault::no_such_room_accepted) && find_room(msg.room_code) == nullptr;
    if (unknown_room_accepted) {
      send(c, contact_reply(server_msg_type::client_contact, wire::full_contact{local, {}}));
      return;
    }
    if (local.v4 || local.v6) {
      room* r = find_room(msg.room_code);
      if (r == nullptr) {
        counted_error(c, server_msg_type::error_no_such_room_code);
        return;
      }
      side* s = side_to_update(c, *r, msg.is_creator);
      if (s == nullptr) return;
      if (local.v4) s->contact.local.v4 = local.v4;
      if (local.v6) s->contact.local.v6 = local.v6;
    }

    room* r = find_room(msg.room_code);
    if (r == nullptr) {
      counted_error(c, server_msg_type::error_no_such_room_code);
      return;
    }
    if (has(fault::rate_limit_counts_successes) && over_limit(c)) {
      reply_too_many_requests(c);
      return;
    }
    side& me = r->of(msg.is_creator);
    side& other = r->of(!msg.is_creator);

    // A second ReadyToShare from the same side replaces the waiter (L-4).
    std::optional<connection_id> replaced;
    bool keep_old_waiter = false;
    if (me.ready && me.waiter) {
      if (has(fault::second_ready_not_replacing)) {
        keep_old_waiter = true;
      } else {
        replaced = me.waiter;
        me.waiter.reset();
      }
    }
    me.ready = true;
    const wire::full_contact mine = me.contact;

    if (replaced) release_waiter(*replaced, reply_of(server_msg_type::error_peer_timed_out));
    if (c.closed) return;  // close-after-error-reply on a self-replacement

    if (!other.ready) {
      send(c, contact_reply(server_msg_type::client_contact, mine));
      if (!keep_old_waiter) {
        me.waiter = c.id;
        c.waiting = true;
        c.waiting_room = msg.room_code;
      }
      return;
    }

    // Both sides are ready: exchange (M-4) and remove the room (L-1).
    const wire::full_contact theirs = other.contact;
    const std::optional<connection_id> other_waiter = other.waiter;
    const bool own = has(fault::own_contact_in_peer_contact);
    const server_msg client_contact = contact_reply(server_msg_type::client_contact, mine);
    const server_msg peer_contact =
        contact_reply(server_msg_type::peer_contact, own ? mine : theirs);
    if (has(fault::room_kept_after_exchange)) {
      for (side& s : r->sides) {
        s.ready = false;
        s.waiter.reset();
      }
    } else {
      remove_room(msg.room_code);
    }
    if (has(fault::peer_contact_before_client_contact)) {
      send(c, peer_contact);
      send(c, client_contact);
    } else {
      send(c, client_contact);
      send(c, peer_contact);
    }
    if (other_waiter) {
      release_waiter(*other_waiter,
                     contact_reply(server_msg_type::peer_contact, own ? theirs : mine));
    }
  }

  // ---- input ----------------------------------------------------------------

  void on_frame(connection& c) {
    std::string body = c.decoder.take_body();
    ++frames_in;
    trace(trace_event::kind::frame, c.id, body);
    if (!cfg.script.empty()) {
      auto decoded = wire::decode_client_msg(body, cfg.profile);
      const std::string type = decoded ? std::string(wire::variant_name(*decoded)) : "";
      std::string_view role;
      if (decoded) {
        const bool creator = std::visit(
            [](const auto& m) {
              if constexpr (requires { m.is_creator; }) {
                return m.is_creator;
              } else {
                return true;  // CreateRoom
              }
            },
            *decoded);
        role = creator ? "creator" : "joiner";
      }
      if (const script_rule* rule = script_for(type, role)) {
        if (run_script(c, *rule)) return;
        const std::size_t from = outputs.size();
        answer(c, std::move(body));
        after_script(c, *rule, from);
        return;
      }
    }
    answer(c, std::move(body));
  }

  /// The normal answer to a frame's body.
  void answer(connection& c, std::string body) {
    const bool split = c.frame_split;
    c.frame_split = false;
    if (has(fault::split_frame_rejected) && split) {
      syntax_error(c, true);
      return;
    }
    if (has(fault::crash_on_empty_body) && body.empty()) {
      crash();
      return;
    }
    auto msg = wire::decode_client_msg(body, cfg.profile);
    if (!msg) {
      if (has(fault::hang_on_unknown_variant) && msg.error().code == wire::error::unknown_variant) {
        c.stopped = true;
        return;
      }
      syntax_error(c, true);
      return;
    }
    if (has(fault::echo_local_as_sent)) remember_sent_texts(body);
    const auto [code, is_creator, updates] = std::visit(
        [](const auto& request) {
          using T = std::decay_t<decltype(request)>;
          if constexpr (std::is_same_v<T, wire::create_room>) {
            return std::tuple<std::string, bool, bool>{request.room_code, false, false};
          } else {
            return std::tuple<std::string, bool, bool>{request.room_code, request.is_creator, true};
          }
        },
        *msg);
    if (has(fault::reset_leaves_room_locked) &&
        std::find(c.used_rooms.begin(), c.used_rooms.end(), code) == c.used_rooms.end() &&
        c.used_rooms.size() < 64) {
      c.used_rooms.push_back(code);
    }
    if (has(fault::reset_leaves_room_locked) && locked_rooms.count(code)) {
      c.stopped = true;  // the handler waits on the room's lock forever
      return;
    }
    if (updates && side_slot_dead(c, code, is_creator)) return;
    std::visit(
        [&](const auto& request) {
          using T = std::decay_t<decltype(request)>;
          if constexpr (std::is_same_v<T, wire::create_room>) {
            on_create_room(c, request);
          } else if constexpr (std::is_same_v<T, wire::record_public_addr>) {
            on_record_public_addr(c, request);
          } else {
            on_ready_to_share(c, request);
          }
        },
        *msg);
  }

  /// Processes a connection's input until it runs out, waits, or closes.
  void pump(connection& c) {
    while (!crashed && reading(c)) {
      using state = wire::frame_decoder::state;
      if (c.decoder.status() == state::need_more && c.queued() > 0) {
        const bool starting = c.decoder.frame_bytes_seen() == 0;
        if (starting && has(fault::accept_wrong_version)) {
          c.inbox[c.read_pos] = static_cast<char>(wire::version_byte(cfg.profile));
        }
        const std::size_t used = c.decoder.feed(std::string_view(c.inbox).substr(c.read_pos));
        if (starting && used > 0) c.frame_started = current;
        c.read_pos += used;
      }
      switch (c.decoder.status()) {
        case state::frame_ready:
          on_frame(c);
          continue;
        case state::failed:  // bad version or over-long length, seen in the header
          syntax_error(c, false);
          continue;
        case state::need_more:
          break;
      }
      if (c.queued() > 0) continue;
      if (c.end_of_input) {
        c.end_of_input = false;
        if (has(fault::eof_mid_frame_blocks_new_connections) && c.decoder.mid_frame()) {
          refusing = true;
        }
        syntax_error(c, false);
        continue;
      }
      break;
    }
    if (crashed) return;
    if (!c.closed && c.decoder.mid_frame()) c.frame_split = true;
    if (c.read_pos > 0) {
      c.inbox.erase(0, c.read_pos);
      c.read_pos = 0;
    }
    update_frame_timer(c);
  }

  void drop_frame_timer(connection& c) {
    if (c.frame_timer) frame_timers.erase({*c.frame_timer, c.id});
    c.frame_timer.reset();
  }

  void update_frame_timer(connection& c) {
    std::optional<clock_time> want;
    if (cfg.frame_deadline > clock_time::zero() && !c.closed && reading(c) &&
        c.decoder.mid_frame()) {
      want = later(c.frame_started, cfg.frame_deadline);
    }
    if (want == c.frame_timer) return;
    drop_frame_timer(c);
    if (want) {
      c.frame_timer = want;
      frame_timers.emplace(*want, c.id);
    }
  }

  /// Runs queued connections until none has work left.
  void drain() {
    while (!run_queue.empty() && !crashed) {
      const connection_id id = run_queue.front();
      run_queue.pop_front();
      auto it = conns.find(id);
      if (it == conns.end()) continue;
      it->second.runnable = false;
      if (!it->second.closed) pump(it->second);
    }
  }

  /// Before a connection is forgotten: its room must not keep its id as a
  /// waiter, or a later connection reusing the id would get that room's
  /// PeerContact / ErrorPeerTimedOut. (The side stays ready, as upstream's.)
  void unlink(connection& c) {
    if (c.waiting_room.empty()) return;
    if (room* r = find_room(c.waiting_room)) {
      for (side& sd : r->sides) {
        if (sd.waiter == c.id) sd.waiter.reset();
      }
    }
    c.waiting_room.clear();
  }

  /// Forgets connections the core has closed since the last sweep (in id
  /// order, as a walk over `conns` would): after every call, so its cost is
  /// the closed ones, not every open connection.
  void sweep() {
    if (closed_ids.empty()) return;
    std::sort(closed_ids.begin(), closed_ids.end());
    for (const connection_id id : closed_ids) {
      auto it = conns.find(id);
      if (it == conns.end() || !it->second.closed) continue;
      unlink(it->second);
      conns.erase(it);
    }
    closed_ids.clear();
  }

  // ---- timers ---------------------------------------------------------------

  /// Fires every timer due at or before `now`, in time order (ties: rate
  /// reset, rooms, frames), each at its own time.
  void run_until(clock_time now) {
    now = std::max(current, now);
    while (!crashed) {
      std::optional<clock_time> room_at;
      if (!room_timers.empty()) room_at = std::get<0>(*room_timers.begin());
      std::optional<clock_time> frame_at;
      if (!frame_timers.empty()) frame_at = frame_timers.begin()->first;
      std::optional<clock_time> other_at;
      if (room_at) other_at = room_at;
      if (frame_at && (!other_at || *frame_at < *other_at)) other_at = frame_at;

      if (rate_windows() && next_rate_reset <= now && (!other_at || next_rate_reset <= *other_at)) {
        set_now(next_rate_reset);
        if (request_counts.empty()) {
          // Nothing to clear: skip the empty windows up to the next event.
          next_rate_reset = boundary_after(other_at ? std::min(*other_at, now) : now);
        } else {
          request_counts.clear();
          next_rate_reset = boundary_after(current);
        }
        continue;
      }
      if (room_at && *room_at <= now && (!frame_at || *room_at <= *frame_at)) {
        auto [when, serial, code] = *room_timers.begin();
        room_timers.erase(room_timers.begin());
        set_now(when);
        const room* r = find_room(code);
        // A timer belongs to its room (L-7) unless the code-timer fault is on.
        if (r != nullptr && (has(fault::code_timer) || r->serial == serial)) expire_room(code);
        drain();
        continue;
      }
      if (frame_at && *frame_at <= now) {
        const auto [when, id] = *frame_timers.begin();
        set_now(when);
        auto it = conns.find(id);
        if (it != conns.end()) {
          drop_frame_timer(it->second);
          close(it->second);  // stalled frame: close without a reply
        } else {
          frame_timers.erase(frame_timers.begin());
        }
        continue;
      }
      break;
    }
    set_now(now);
  }

  void finish_call() {
    drain();
    sweep();
  }
};

server_core::server_core(config cfg, clock_time now) : impl_(std::make_unique<impl>(cfg, now)) {}
server_core::~server_core() = default;
server_core::server_core(server_core&&) noexcept = default;
server_core& server_core::operator=(server_core&&) noexcept = default;

void server_core::open(connection_id id, endpoint peer, clock_time now) {
  impl& s = *impl_;
  s.run_until(now);
  if (s.conns.contains(id) && !s.conns.at(id).closed) return;
  if (auto old = s.conns.find(id); old != s.conns.end()) s.unlink(old->second);
  s.conns.erase(id);
  auto [it, inserted] = s.conns.try_emplace(id, id, peer, s.cfg.profile);
  ++s.open_count;
  s.trace(trace_event::kind::opened, id,
          std::visit([](const auto& a) { return wire::to_string(a); }, peer));
  if (s.crashed || s.refusing) s.close(it->second);
  s.finish_call();
}

void server_core::receive(connection_id id, std::string_view bytes, clock_time now) {
  impl& s = *impl_;
  s.run_until(now);
  connection* c = s.find(id);
  if (s.crashed || c == nullptr) return s.finish_call();
  s.trace(trace_event::kind::received, id, std::string(bytes));
  if (!c->stopped) c->inbox.append(bytes);
  if (s.reading(*c)) {
    s.schedule(*c);
    s.drain();
  }
  c = s.find(id);
  if (c != nullptr && c->queued() > max_queued_input) s.close(*c);
  s.finish_call();
}

void server_core::end_of_input(connection_id id, clock_time now) {
  impl& s = *impl_;
  s.run_until(now);
  connection* c = s.find(id);
  if (s.crashed || c == nullptr) return s.finish_call();
  c->end_of_input = true;
  if (!c->eof_seen) {
    c->eof_seen = true;
    s.trace(trace_event::kind::gone, id, "eof");
    s.peer_gone(*c, /*reset=*/false);
  }
  if (s.reading(*c)) s.schedule(*c);
  s.finish_call();
}

void server_core::closed(connection_id id, clock_time now) {
  impl& s = *impl_;
  s.run_until(now);
  auto it = s.conns.find(id);
  if (it != s.conns.end() && !it->second.closed) s.trace(trace_event::kind::gone, id, "closed");
  if (it != s.conns.end()) {
    // Ended by the peer without an EOF first: a reset (or a write to a gone
    // peer failed).
    if (!it->second.closed && !it->second.eof_seen) s.peer_gone(it->second, /*reset=*/true);
    s.drop_frame_timer(it->second);
    if (!it->second.closed) --s.open_count;
    s.unlink(it->second);
    s.conns.erase(it);
    std::erase(s.run_queue, id);
  }
  std::erase_if(s.outputs, [id](const output& o) { return o.conn == id; });
  s.finish_call();
}

void server_core::advance(clock_time now) {
  impl_->run_until(now);
  impl_->finish_call();
}

std::optional<clock_time> server_core::next_deadline() const {
  const impl& s = *impl_;
  if (s.crashed) return std::nullopt;
  std::optional<clock_time> next;
  auto consider = [&next](clock_time t) {
    if (!next || t < *next) next = t;
  };
  if (s.rate_windows() && !s.request_counts.empty()) consider(s.next_rate_reset);
  if (!s.room_timers.empty()) consider(std::get<0>(*s.room_timers.begin()));
  if (!s.frame_timers.empty()) consider(s.frame_timers.begin()->first);
  return next;
}

std::vector<output> server_core::take_outputs() {
  auto out = std::exchange(impl_->outputs, {});
  if (impl_->cfg.trace) {
    for (const auto& o : out) {
      impl_->trace(
          o.what == output::kind::send ? trace_event::kind::sent : trace_event::kind::closed,
          o.conn, o.what == output::kind::send ? o.bytes : std::string(),
          o.what == output::kind::reset);
    }
  }
  return out;
}

wire::full_contact script_contact() {
  wire::full_contact c;
  c.local.v4 = wire::socket_addr_v4{{192, 0, 2, 10}, 4000};
  c.public_.v4 = wire::socket_addr_v4{{198, 51, 100, 20}, 5000};
  wire::socket_addr_v6 v6;
  v6.segments = {0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x20};
  v6.port = 5000;
  c.public_.v6 = v6;
  return c;
}

bool server_core::reading_paused(connection_id id) const {
  const connection* c = impl_->find(id);
  // A recorded conversation (client testing) shows requests when they arrive.
  return c != nullptr && !impl_->reading(*c) && !impl_->cfg.trace;
}

bool server_core::crashed() const noexcept { return impl_->crashed; }

std::size_t server_core::open_connections() const noexcept { return impl_->open_count; }

std::size_t server_core::live_rooms() const noexcept { return impl_->rooms.size(); }

std::uint64_t server_core::frames_in() const noexcept { return impl_->frames_in; }

std::uint64_t server_core::frames_out() const noexcept { return impl_->frames_out; }

const config& server_core::settings() const noexcept { return impl_->cfg; }

}  // namespace gday::core
