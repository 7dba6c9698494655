#pragma once
/// The strict reply oracle (spec J-9): is a reply body byte for byte what
/// upstream's serde_json writes for the message it decodes to?

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gday/wire/messages.hpp"
#include "gday/wire/profile.hpp"

namespace gday::harness {

/// How a decodable reply body differs from its canonical encoding.
struct canonical_difference {
  std::string expected;                   ///< the canonical body (upstream's bytes)
  std::string received;                   ///< the body as the server wrote it
  std::size_t offset = 0;                 ///< first byte at which they differ
  std::vector<std::string> requirements;  ///< "J-9", and "J-5" if an address text differs
  /// One line for reports: the requirement IDs, both forms side by side and
  /// the offset.
  std::string describe() const;
};

/// Compares `body` (which decodes to `msg` in profile `p`) with the
/// reference codec's encoding of `msg`. nullopt when identical, or when `msg`
/// has no canonical form in `p` (nothing to compare against).
std::optional<canonical_difference> compare_canonical(std::string_view body,
                                                      const wire::server_msg& msg, wire::profile p);

}  // namespace gday::harness
