#pragma once
/// JSON bodies: decode exactly what upstream's serde_json decoder accepts
/// (spec J-1..J-8) and encode the exact bytes upstream writes.

#include <string>
#include <string_view>

#include "gday/wire/messages.hpp"
#include "gday/wire/profile.hpp"
#include "gday/wire/result.hpp"

namespace gday::wire {

/// Decodes one request body. Accepts exactly what the upstream server of that
/// profile accepts; otherwise the error names the rule and the place.
result<client_msg> decode_client_msg(std::string_view body, profile p);

/// Decodes one reply body, with the same serde rules as requests.
result<server_msg> decode_server_msg(std::string_view body, profile p);

/// Encodes a request as upstream's serde_json::to_vec does: compact, keys in
/// declaration order. Fails (`unencodable`) when the message has no form in
/// this profile: a v1 room code that is not 32 bytes, invalid UTF-8 in a v2/v3
/// room code.
result<std::string> encode_body(const client_msg& msg, profile p);

/// Encodes a reply. Fails (`unencodable`) for `ErrorInternal` in v2/v3.
result<std::string> encode_body(const server_msg& msg, profile p);

/// Encodes a JSON string literal exactly as serde_json does (escapes `"`, `\`
/// and control characters; `\u00XX` in lower-case hex; everything else raw).
std::string encode_json_string(std::string_view text);

}  // namespace gday::wire
