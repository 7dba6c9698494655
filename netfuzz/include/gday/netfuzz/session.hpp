#pragma once
/// Sessions for the network fuzzer: a few connections and rooms and the
/// actions taken on them (sends, malformed frames, closes), written as
/// scenario steps. Generated from a seed by mutating the upstream client's
/// valid exchange, so the same seed always gives the same session.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gday/harness/scenario.hpp"
#include "gday/wire/profile.hpp"

namespace gday::netfuzz {

/// A connection of a session: its scenario name and address family.
struct connection {
  std::string name;
  int family = 4;  ///< 4 or 6
  friend bool operator==(const connection&, const connection&) = default;
};

/// A multi-party session. `actions` are scenario steps (the harness's model,
/// scenarios/README.md) that act and expect nothing: `send`, `send_body`,
/// `send_raw`, `close`, `wait`, and `concurrent` with two one-send branches
/// (two requests in flight at once).
/// What the server should answer comes from the reference (oracle.hpp).
struct session {
  wire::profile profile = wire::profile::v1;
  std::vector<connection> connections;
  std::vector<std::string> rooms;  ///< room-code variables
  std::vector<harness::step> actions;
};

/// What the generator may use.
struct generator_options {
  wire::profile profile = wire::profile::v1;
  bool ipv6 = true;               ///< IPv6 connections (the target listens on ::1)
  std::size_t max_mutations = 6;  ///< mutations applied to the base exchange, at most
};

/// The fuzzer's random source: std::mt19937_64 (its output is fixed by the
/// standard) with helpers whose results do not depend on the standard
/// library's distributions, so a seed means the same session everywhere.
class rng {
 public:
  explicit rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  /// Uniform in [0, n); 0 when n is 0.
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
  /// True with probability percent/100.
  bool chance(unsigned percent) { return below(100) < percent; }
  template <typename T>
  const T& pick(const std::vector<T>& from) {
    return from[below(from.size())];
  }

 private:
  std::mt19937_64 engine_;
};

/// A session for `seed`: the exchange an upstream client pair performs (each
/// side on IPv4 and, if allowed, IPv6), with up to max_mutations of: a step
/// removed, repeated (on its own or another connection), moved or sent on
/// another connection; a field changed
/// (room, is_creator, variant, local contact); the body rewritten (fields
/// dropped, added or retyped, bytes cut or appended, empty); the header
/// changed (version byte, length); the bytes split into small writes with
/// pauses; raw bytes, a client close (FIN, RST, half-close) or a short wait
/// inserted; and races: a send closed at once (FIN, half-close), two sends in
/// flight at once, a close between a frame's two halves, a side that
/// vanishes and rejoins on a new connection, client processes killed (their
/// connections reset).
session generate_session(std::uint64_t seed, const generator_options& options);

/// Applies one of the mutations above to `s`.
void mutate(session& s, rng& r, const generator_options& options);

}  // namespace gday::netfuzz
