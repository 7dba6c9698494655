#include "gday/test/json_schema.hpp"

#include <regex.h>
#include <algorithm>
#include <cmath>

#include <memory>
#include <set>
#include <stdexcept>

namespace gday::test {
namespace {

using nlohmann::json;

// Keywords that only annotate: they never make an instance invalid.
const std::set<std::string> annotations = {"$schema", "title", "description", "default"};

// Keywords whose value is one subschema / an array of them / an object of them.
const std::set<std::string> one_schema = {
    "additionalProperties", "propertyNames", "items", "not", "if", "then"};
const std::set<std::string> schema_arrays = {"oneOf", "anyOf", "allOf"};
const std::set<std::string> schema_maps = {"properties", "$defs", "dependentSchemas"};
const std::set<std::string> plain = {
    "$ref",     "type",        "required",     "enum",    "const",
    "pattern",  "minLength",   "minimum",      "maximum", "exclusiveMinimum",
    "minItems", "uniqueItems", "minProperties"};

// `where` extended by one key, as a JSON pointer.
std::string child(const std::string& where, const std::string& key) {
  return (json::json_pointer(where) / key).to_string();
}

bool has_type(const json& instance, const std::string& type) {
  if (type == "object") return instance.is_object();
  if (type == "array") return instance.is_array();
  if (type == "string") return instance.is_string();
  if (type == "boolean") return instance.is_boolean();
  if (type == "null") return instance.is_null();
  if (type == "number") return instance.is_number();
  if (type == "integer") {
    if (instance.is_number_integer()) return true;
    if (!instance.is_number_float()) return false;
    const double d = instance.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }
  throw std::invalid_argument("json_schema: unknown type name '" + type + "'");
}

// The ECMAScript pattern as a POSIX extended regular expression. std::regex
// recurses once per character and overflows the stack on long strings; the
// C library's matcher does not. Only the subset the schema uses translates:
// anything else throws, so no pattern is silently read another way.
std::string posix_pattern(const std::string& ecma) {
  auto unsupported = [&](const std::string& what) {
    return std::invalid_argument("json_schema: pattern " + ecma + ": " + what +
                                 " is not implemented");
  };
  std::string out;
  bool in_class = false;
  for (std::size_t i = 0; i < ecma.size(); ++i) {
    const char c = ecma[i];
    if (c == '\\') {
      if (++i == ecma.size()) throw unsupported("a trailing backslash");
      const char e = ecma[i];
      if (e == 'r' || e == 'n' || e == 't') {
        out += e == 'r' ? '\r' : e == 'n' ? '\n' : '\t';
      } else if (e == 's') {
        out += in_class ? "[:space:]" : "[[:space:]]";
      } else if (std::string_view("$.^*+?()[]{}|/").find(e) != std::string_view::npos) {
        if (in_class) {
          if (e == '^' || e == ']') throw unsupported(std::string("\\") + e + " in a class");
          out += e;
        } else {
          out += e == '/' || e == ']' ? std::string(1, e) : std::string("\\") + e;
        }
      } else {
        throw unsupported(std::string("\\") + e);
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < ecma.size() && ecma[i + 1] == '^') out += ecma[++i];
      if (i + 1 < ecma.size() && ecma[i + 1] == ']') throw unsupported("']' first in a class");
      continue;
    }
    if (c == '.') throw unsupported("'.' (ECMAScript excludes line ends, POSIX does not)");
    if (c == '(' && i + 1 < ecma.size() && ecma[i + 1] == '?') throw unsupported("'(?'");
    if ((c == '?' || c == '*' || c == '+' || c == '}') && i + 1 < ecma.size() &&
        ecma[i + 1] == '?') {
      throw unsupported("a lazy quantifier");
    }
    out += c;
  }
  if (in_class) throw unsupported("an unclosed class");
  return out;
}

// One compiled pattern.
class pattern {
 public:
  explicit pattern(const std::string& ecma) {
    if (regcomp(&re_, posix_pattern(ecma).c_str(), REG_EXTENDED | REG_NOSUB) != 0) {
      throw std::invalid_argument("json_schema: pattern " + ecma + " does not compile");
    }
  }
  ~pattern() { regfree(&re_); }
  pattern(const pattern&) = delete;
  pattern& operator=(const pattern&) = delete;
  bool found_in(const std::string& text) const {
    regmatch_t span[1];  // REG_STARTEND: the whole text, NUL bytes included
    span[0].rm_so = 0;
    span[0].rm_eo = static_cast<regoff_t>(text.size());
    return regexec(&re_, text.c_str(), 1, span, REG_STARTEND) == 0;
  }

 private:
  regex_t re_;
};

// JSON Schema equality: numbers compare by value (1 == 1.0).
bool same(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

}  // namespace

json_schema::json_schema(json schema) : root_(std::move(schema)) { check_keywords(root_, ""); }

void json_schema::check_keywords(const json& schema, const std::string& where) const {
  if (schema.is_boolean()) return;
  if (!schema.is_object()) {
    throw std::invalid_argument("json_schema: " + where + " is not a schema");
  }
  for (const auto& [key, value] : schema.items()) {
    const std::string at = child(where, key);
    if (annotations.count(key) || plain.count(key)) {
      if (key == "$ref" && !value.get<std::string>().starts_with("#/")) {
        throw std::invalid_argument("json_schema: only local $refs are implemented, at " + at);
      }
      if (key == "pattern") pattern(value.get<std::string>());  // throws if not translatable
      continue;
    }
    if (one_schema.count(key)) {
      check_keywords(value, at);
    } else if (schema_arrays.count(key)) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        check_keywords(value[i], at + "/" + std::to_string(i));
      }
    } else if (schema_maps.count(key)) {
      for (const auto& [name, sub] : value.items()) check_keywords(sub, child(at, name));
    } else {
      throw std::invalid_argument("json_schema: keyword '" + key + "' at " + where +
                                  " is not implemented");
    }
  }
}

std::vector<std::string> json_schema::validate(const json& instance) const {
  std::vector<std::string> errors;
  check(root_, instance, "", errors);
  return errors;
}

bool json_schema::valid(const json& schema, const json& instance) const {
  std::vector<std::string> errors;
  check(schema, instance, "", errors);
  return errors.empty();
}

void json_schema::check(const json& schema, const json& instance, const std::string& pointer,
                        std::vector<std::string>& errors) const {
  auto error = [&](const std::string& what) {
    errors.push_back((pointer.empty() ? "(root)" : pointer) + ": " + what);
  };
  if (schema.is_boolean()) {
    if (!schema.get<bool>()) error("not allowed here");
    return;
  }
  if (const auto ref = schema.find("$ref"); ref != schema.end()) {
    const std::string target = ref->get<std::string>().substr(1);
    check(root_.at(json::json_pointer(target)), instance, pointer, errors);
  }
  if (const auto type = schema.find("type"); type != schema.end()) {
    const json types = type->is_array() ? *type : json::array({*type});
    const bool ok = std::any_of(types.begin(), types.end(), [&](const json& t) {
      return has_type(instance, t.get<std::string>());
    });
    if (!ok) {
      error("expected type " + type->dump() + ", got " + instance.type_name());
      return;
    }
  }
  if (const auto e = schema.find("enum"); e != schema.end()) {
    if (std::none_of(e->begin(), e->end(), [&](const json& v) { return same(v, instance); })) {
      error(instance.dump() + " is not one of " + e->dump());
    }
  }
  if (const auto c = schema.find("const"); c != schema.end() && !same(*c, instance)) {
    error("expected " + c->dump() + ", got " + instance.dump());
  }
  if (instance.is_string()) {
    const auto& text = instance.get_ref<const std::string&>();
    if (const auto p = schema.find("pattern"); p != schema.end()) {
      if (!pattern(p->get<std::string>()).found_in(text))
        error(instance.dump() + " does not match " + p->dump());
    }
    if (const auto m = schema.find("minLength"); m != schema.end()) {
      std::size_t code_points = 0;  // UTF-8: count the bytes that start a code point
      for (unsigned char ch : text) code_points += (ch & 0xc0) != 0x80;
      if (code_points < m->get<std::size_t>()) error("shorter than " + m->dump());
    }
  }
  if (instance.is_number()) {
    const double v = instance.get<double>();
    if (const auto m = schema.find("minimum"); m != schema.end() && v < m->get<double>()) {
      error(instance.dump() + " is below the minimum " + m->dump());
    }
    if (const auto m = schema.find("maximum"); m != schema.end() && v > m->get<double>()) {
      error(instance.dump() + " is above the maximum " + m->dump());
    }
    if (const auto m = schema.find("exclusiveMinimum");
        m != schema.end() && v <= m->get<double>()) {
      error(instance.dump() + " is not above " + m->dump());
    }
  }
  if (instance.is_array()) {
    if (const auto m = schema.find("minItems"); m != schema.end() && instance.size() < *m) {
      error("fewer than " + m->dump() + " items");
    }
    if (const auto u = schema.find("uniqueItems"); u != schema.end() && u->get<bool>()) {
      for (std::size_t i = 0; i < instance.size(); ++i) {
        for (std::size_t j = i + 1; j < instance.size(); ++j) {
          if (same(instance[i], instance[j]))
            error("items " + std::to_string(i) + " and " + std::to_string(j) + " are equal");
        }
      }
    }
    if (const auto items = schema.find("items"); items != schema.end()) {
      for (std::size_t i = 0; i < instance.size(); ++i) {
        check(*items, instance[i], pointer + "/" + std::to_string(i), errors);
      }
    }
  }
  if (instance.is_object()) {
    if (const auto m = schema.find("minProperties"); m != schema.end() && instance.size() < *m) {
      error("fewer than " + m->dump() + " properties");
    }
    if (const auto r = schema.find("required"); r != schema.end()) {
      for (const auto& key : *r) {
        if (!instance.contains(key.get<std::string>())) error("missing required " + key.dump());
      }
    }
    const auto properties = schema.find("properties");
    const auto additional = schema.find("additionalProperties");
    const auto names = schema.find("propertyNames");
    for (const auto& [key, value] : instance.items()) {
      const std::string at = child(pointer, key);
      if (names != schema.end()) check(*names, json(key), at, errors);
      if (properties != schema.end() && properties->contains(key)) {
        check((*properties)[key], value, at, errors);
      } else if (additional != schema.end()) {
        check(*additional, value, at, errors);
      }
    }
    if (const auto d = schema.find("dependentSchemas"); d != schema.end()) {
      for (const auto& [key, sub] : d->items()) {
        if (instance.contains(key)) check(sub, instance, pointer, errors);
      }
    }
  }
  if (const auto all = schema.find("allOf"); all != schema.end()) {
    for (const auto& sub : *all) check(sub, instance, pointer, errors);
  }
  if (const auto any = schema.find("anyOf"); any != schema.end()) {
    if (std::none_of(any->begin(), any->end(),
                     [&](const json& sub) { return valid(sub, instance); })) {
      error("matches none of the anyOf alternatives");
    }
  }
  if (const auto one = schema.find("oneOf"); one != schema.end()) {
    const auto n = std::count_if(one->begin(), one->end(),
                                 [&](const json& sub) { return valid(sub, instance); });
    if (n != 1) {
      // With none matching, the closest alternative's errors say the most.
      std::vector<std::string> best;
      if (n == 0) {
        for (const auto& sub : *one) {
          std::vector<std::string> mine;
          check(sub, instance, pointer, mine);
          if (best.empty() || mine.size() < best.size()) best = std::move(mine);
        }
      }
      error("matches " + std::to_string(n) + " of the oneOf alternatives, not exactly one" +
            (best.empty() ? std::string() : " (closest: " + best.front() + ")"));
    }
  }
  if (const auto n = schema.find("not"); n != schema.end() && valid(*n, instance)) {
    error("matches a schema it must not match: " + n->dump());
  }
  if (const auto i = schema.find("if"); i != schema.end()) {
    const auto then = schema.find("then");
    if (then != schema.end() && valid(*i, instance)) check(*then, instance, pointer, errors);
  }
}

}  // namespace gday::test
