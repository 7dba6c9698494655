#pragma once
/// Socket addresses with Rust's `SocketAddrV4` / `SocketAddrV6` parse and
/// display rules (spec J-5), which the JSON codec uses for `v4` / `v6`.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gday::wire {

/// An IPv4 address and port: "1.2.3.4:5".
struct socket_addr_v4 {
  std::array<std::uint8_t, 4> octets{};
  std::uint16_t port = 0;
  friend auto operator<=>(const socket_addr_v4&, const socket_addr_v4&) = default;
};

/// An IPv6 address, port and scope id: "[fe80::1%2]:5". (Rust also has a
/// flowinfo, which the text form never carries; it is always 0 here.)
struct socket_addr_v6 {
  std::array<std::uint16_t, 8> segments{};
  std::uint16_t port = 0;
  std::uint32_t scope_id = 0;
  friend auto operator<=>(const socket_addr_v6&, const socket_addr_v6&) = default;
};

/// Parses exactly what Rust's `SocketAddrV4::from_str` accepts: four decimal
/// octets without leading zeros, then ':' and a decimal u16 port (leading
/// zeros allowed). nullopt otherwise.
std::optional<socket_addr_v4> parse_socket_addr_v4(std::string_view text) noexcept;

/// Parses exactly what Rust's `SocketAddrV6::from_str` accepts:
/// "[" IPv6 ["%" u32 scope] "]:" u16 port, hex groups of at most 4 digits,
/// one "::", an optional trailing embedded IPv4. nullopt otherwise.
std::optional<socket_addr_v6> parse_socket_addr_v6(std::string_view text) noexcept;

/// Rust's display form: "1.2.3.4:5".
std::string to_string(const socket_addr_v4& addr);

/// Rust's display form: RFC 5952 compression, "::ffff:a.b.c.d" for mapped
/// addresses, "%scope" only when non-zero: "[fe80::1%2]:5".
std::string to_string(const socket_addr_v6& addr);

}  // namespace gday::wire
