// Mirrors the grammar of Rust's std::net parser (library/core/src/net/parser.rs)
// as a small backtracking cursor: every read either succeeds or leaves the
// position unchanged.
#include "gday/wire/address.hpp"

#include <cstdio>

namespace gday::wire {
namespace {

class cursor {
 public:
  explicit cursor(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  std::size_t pos() const { return pos_; }
  void rewind(std::size_t pos) { pos_ = pos; }

  bool read_char(char expected) {
    if (pos_ < text_.size() && text_[pos_] == expected) {
      ++pos_;
      return true;
    }
    return false;
  }

  // Rust's read_number: digits in `radix`, at most `max_digits` of them (0 =
  // no limit), no leading zero unless `allow_zero_prefix`, no overflow of
  // `max_value`. Atomic.
  std::optional<std::uint64_t> read_number(unsigned radix, std::size_t max_digits,
                                           bool allow_zero_prefix, std::uint64_t max_value) {
    const std::size_t start = pos_;
    const bool leading_zero = pos_ < text_.size() && text_[pos_] == '0';
    std::uint64_t value = 0;
    std::size_t digits = 0;
    while (pos_ < text_.size()) {
      const int digit = digit_value(text_[pos_], radix);
      if (digit < 0) break;
      ++pos_;
      value = value * radix + static_cast<std::uint64_t>(digit);
      ++digits;
      if (value > max_value || (max_digits != 0 && digits > max_digits)) {
        pos_ = start;
        return std::nullopt;
      }
    }
    if (digits == 0 || (!allow_zero_prefix && leading_zero && digits > 1)) {
      pos_ = start;
      return std::nullopt;
    }
    return value;
  }

 private:
  static int digit_value(char c, unsigned radix) {
    if (c >= '0' && c <= '9') return c - '0';
    if (radix == 16 && c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (radix == 16 && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

std::optional<std::array<std::uint8_t, 4>> read_ipv4(cursor& in) {
  const std::size_t start = in.pos();
  std::array<std::uint8_t, 4> octets{};
  for (std::size_t i = 0; i < 4; ++i) {
    if (i > 0 && !in.read_char('.')) {
      in.rewind(start);
      return std::nullopt;
    }
    auto octet = in.read_number(10, 3, false, 255);
    if (!octet) {
      in.rewind(start);
      return std::nullopt;
    }
    octets[i] = static_cast<std::uint8_t>(*octet);
  }
  return octets;
}

// Reads colon-separated groups into `groups` (at most `limit`), with an
// optional trailing embedded IPv4 address taking two groups. Returns the
// number of groups read and whether an IPv4 tail was read.
std::pair<std::size_t, bool> read_groups(cursor& in, std::uint16_t* groups, std::size_t limit) {
  for (std::size_t i = 0; i < limit; ++i) {
    if (i + 1 < limit) {
      const std::size_t before = in.pos();
      if (i == 0 || in.read_char(':')) {
        if (auto v4 = read_ipv4(in)) {
          groups[i] = static_cast<std::uint16_t>(((*v4)[0] << 8) | (*v4)[1]);
          groups[i + 1] = static_cast<std::uint16_t>(((*v4)[2] << 8) | (*v4)[3]);
          return {i + 2, true};
        }
      }
      in.rewind(before);
    }
    const std::size_t before = in.pos();
    if (i > 0 && !in.read_char(':')) {
      return {i, false};
    }
    auto group = in.read_number(16, 4, true, 0xffff);
    if (!group) {
      in.rewind(before);
      return {i, false};
    }
    groups[i] = static_cast<std::uint16_t>(*group);
  }
  return {limit, false};
}

std::optional<std::array<std::uint16_t, 8>> read_ipv6(cursor& in) {
  const std::size_t start = in.pos();
  std::array<std::uint16_t, 8> head{};
  auto [head_size, head_ipv4] = read_groups(in, head.data(), 8);
  if (head_size == 8) return head;
  if (head_ipv4 || !in.read_char(':') || !in.read_char(':')) {
    in.rewind(start);
    return std::nullopt;
  }
  std::array<std::uint16_t, 7> tail{};
  const std::size_t limit = 8 - (head_size + 1);
  auto [tail_size, tail_ipv4] = read_groups(in, tail.data(), limit);
  (void)tail_ipv4;
  for (std::size_t i = 0; i < tail_size; ++i) {
    head[8 - tail_size + i] = tail[i];
  }
  return head;
}

std::optional<std::uint16_t> read_port(cursor& in) {
  const std::size_t start = in.pos();
  if (!in.read_char(':')) return std::nullopt;
  auto port = in.read_number(10, 0, true, 0xffff);
  if (!port) {
    in.rewind(start);
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(*port);
}

void append_hex(std::string& out, std::uint16_t value) {
  char buf[8];
  const int n = std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(value));
  out.append(buf, static_cast<std::size_t>(n));
}

void append_ipv4(std::string& out, const std::array<std::uint8_t, 4>& octets) {
  for (std::size_t i = 0; i < 4; ++i) {
    if (i > 0) out.push_back('.');
    out.append(std::to_string(octets[i]));
  }
}

}  // namespace

std::optional<socket_addr_v4> parse_socket_addr_v4(std::string_view text) noexcept {
  cursor in(text);
  auto ip = read_ipv4(in);
  if (!ip) return std::nullopt;
  auto port = read_port(in);
  if (!port || !in.at_end()) return std::nullopt;
  return socket_addr_v4{*ip, *port};
}

std::optional<socket_addr_v6> parse_socket_addr_v6(std::string_view text) noexcept {
  cursor in(text);
  if (!in.read_char('[')) return std::nullopt;
  auto ip = read_ipv6(in);
  if (!ip) return std::nullopt;
  std::uint32_t scope_id = 0;
  {
    const std::size_t before = in.pos();
    if (in.read_char('%')) {
      if (auto scope = in.read_number(10, 0, true, 0xffffffffu)) {
        scope_id = static_cast<std::uint32_t>(*scope);
      } else {
        in.rewind(before);
      }
    }
  }
  if (!in.read_char(']')) return std::nullopt;
  auto port = read_port(in);
  if (!port || !in.at_end()) return std::nullopt;
  return socket_addr_v6{*ip, *port, scope_id};
}

std::string to_string(const socket_addr_v4& addr) {
  std::string out;
  append_ipv4(out, addr.octets);
  out.push_back(':');
  out.append(std::to_string(addr.port));
  return out;
}

std::string to_string(const socket_addr_v6& addr) {
  const auto& s = addr.segments;
  std::string out = "[";
  const bool mapped =
      s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0xffff;
  if (mapped) {
    out.append("::ffff:");
    append_ipv4(out,
                {static_cast<std::uint8_t>(s[6] >> 8), static_cast<std::uint8_t>(s[6] & 0xff),
                 static_cast<std::uint8_t>(s[7] >> 8), static_cast<std::uint8_t>(s[7] & 0xff)});
  } else {
    // The longest run of zero groups (the first on a tie) is compressed when
    // it is at least two groups long.
    std::size_t best_start = 0, best_len = 0, cur_start = 0, cur_len = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      if (s[i] == 0) {
        if (cur_len == 0) cur_start = i;
        ++cur_len;
        if (cur_len > best_len) {
          best_len = cur_len;
          best_start = cur_start;
        }
      } else {
        cur_len = 0;
      }
    }
    auto write_run = [&](std::size_t from, std::size_t to) {
      for (std::size_t i = from; i < to; ++i) {
        if (i > from) out.push_back(':');
        append_hex(out, s[i]);
      }
    };
    if (best_len > 1) {
      write_run(0, best_start);
      out.append("::");
      write_run(best_start + best_len, 8);
    } else {
      write_run(0, 8);
    }
  }
  if (addr.scope_id != 0) {
    out.push_back('%');
    out.append(std::to_string(addr.scope_id));
  }
  out.append("]:");
  out.append(std::to_string(addr.port));
  return out;
}

}  // namespace gday::wire
