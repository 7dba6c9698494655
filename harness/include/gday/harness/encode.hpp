#pragma once
/// The bytes a scenario's send steps put on the wire for a profile, once the
/// run has chosen its room codes. The runner sends these; the network fuzzer
/// feeds the same bytes to the reference core to predict the replies.

#include <map>
#include <string>
#include <string_view>

#include "gday/harness/scenario.hpp"
#include "gday/wire/profile.hpp"

namespace gday::harness {

/// Room-code variable name -> the code chosen for this run (raw bytes: 32 on
/// v1, UTF-8 text on v2/v3).
using room_codes = std::map<std::string, std::string>;

/// The room code's JSON form for the profile: a 32-integer array on v1, a
/// JSON string on v2/v3.
std::string room_code_json(std::string_view code, wire::profile p);

/// A `send_body` template with `${room}` replaced by room_code_json() and
/// `$$` by `$`. Unknown variables expand to nothing (the loader rejects them).
std::string expand_template(std::string_view text, const room_codes& rooms, wire::profile p);

/// The bytes of a `send`, `send_body` or `send_raw` step: a framed request,
/// a framed body (with the step's header overrides), or the raw bytes.
/// Empty for every other kind of step.
std::string step_bytes(const step& st, wire::profile p, const room_codes& rooms);

}  // namespace gday::harness
