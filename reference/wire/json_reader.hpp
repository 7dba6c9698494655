#pragma once
// Private to gday::wire: a pull reader over one JSON body that mirrors the
// grammar and the two validation regimes of serde_json 1.x:
//  - typed reads (keys, variant names, known fields) validate strings fully;
//  - skip_value() ignores an unknown value as serde_json's ignore_value does in
//    v1 (grammar only: no UTF-8 or surrogate checks, no depth limit);
//  - validate_document() is what v2/v3's buffering into serde's Content does
//    to the whole body (UTF-8 everywhere, depth <= 127, numbers fit f64).
// Every read returns false on failure and records the first error.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gday/wire/error.hpp"

namespace gday::wire::detail {

class json_reader {
 public:
  explicit json_reader(std::string_view body) : text_(body) {}

  std::size_t pos() const { return pos_; }
  void seek(std::size_t pos) { pos_ = pos; }

  /// Skips JSON whitespace and returns the next byte without consuming it, or
  /// -1 at the end of the body.
  int peek_token();

  /// Consumes one byte (after peek_token()).
  void bump() { ++pos_; }

  /// True when only whitespace is left; else records trailing_characters.
  bool expect_end();

  /// Reads a string (at '"') with full validation into `out`.
  bool read_string(std::string& out);

  /// Reads `true` / `false`; anything else is invalid_type (valid JSON) or a
  /// syntax error.
  bool read_bool(bool& out, std::string_view field);

  /// Skips one value with v1's lenient rules.
  bool skip_value();

  /// Validates the whole body with v2/v3's rules (then rewinds to 0).
  bool validate_document();

  /// After a value of the wrong type starts here: checks it is at least valid
  /// JSON (leniently), then records invalid_type with `message`.
  bool wrong_type(std::string message);

  /// Reads the keys of an object (at '{') and the offsets of their values,
  /// skipping the values.
  struct entry {
    std::string key;
    std::size_t value_pos;
  };
  bool collect_object(std::vector<entry>& out);

  /// Reads the offsets of an array's elements (at '['), skipping them.
  bool collect_array(std::vector<std::size_t>& out);

  /// Records an error at the current position (or `at`); returns false.
  bool fail(error code, std::string message);
  bool fail_at(std::size_t at, error code, std::string message);

  /// The first error recorded.
  const error_info& failure() const { return *error_; }
  bool failed() const { return error_.has_value(); }

  /// A byte that can start a JSON value.
  static bool starts_value(int c);

  /// Reads a JSON number token's extent; `integer` tells whether it has no
  /// fraction, no exponent and no sign. Grammar errors are recorded.
  bool scan_number(std::size_t& begin, std::size_t& end, bool& plain_integer);

  std::string_view text() const { return text_; }

 private:
  bool skip_string_lenient();
  bool read_literal(std::string_view word);
  bool validate_value(int depth);
  bool validate_number();
  bool eof_or(error code, std::string message);

  std::string_view text_;
  std::size_t pos_ = 0;
  std::optional<error_info> error_;
};

/// Describes a byte for error messages: "'x'" or "byte 0xff" or "end of body".
std::string describe_byte(int c);

}  // namespace gday::wire::detail
