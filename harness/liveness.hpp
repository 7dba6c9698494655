#pragma once
// Private to gday::harness: the liveness probe's scenario (tlsfuzzer's
// "sanity" check), run after every scenario and before the first one.

#include "gday/harness/scenario.hpp"

namespace gday::harness::detail {

/// A full exchange in a fresh room by two fresh connections: the creator on
/// IPv4 and the joiner on IPv6, or both on the one family the target has.
/// At least one of `v4`, `v6` must be true.
const scenario& liveness_scenario(bool v4, bool v6);

/// Slots of probe runs are this far above their scenario's, so that the
/// probe's connections come from other 127.0.x.y addresses (a scenario that
/// exhausted its address's request limit must not fail the probe).
inline constexpr unsigned liveness_slot_offset = 20000;

}  // namespace gday::harness::detail
