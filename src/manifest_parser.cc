#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#include "manifest_parser.h"
#include "text.h"

namespace freshet::manifest_detail {
namespace {

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (toLowerAscii(a[i - 1]) == toLowerAscii(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string didYouMean(std::string_view key, const std::vector<std::string_view>& known) {
  std::string_view best;
  size_t best_d = std::max<size_t>(3, key.size() / 3);  // suggest only close names
  for (auto k : known) {
    const size_t d = editDistance(key, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best.empty() ? std::string{} : " (did you mean \"" + std::string(best) + "\"?)";
}

}  // namespace

std::string shown(const json& v) {
  if (v.is_array()) return "an array of " + std::to_string(v.size()) + " item(s)";
  if (v.is_object()) return "an object";
  return v.dump();
}

std::string JsonPath::str() const {
  std::string out;
  appendTo(out);
  return out;
}

void JsonPath::appendTo(std::string& out) const {
  if (parent_) parent_->appendTo(out);
  switch (kind_) {
    case kRoot: out += name_; break;
    case kField:
      out += '.';
      out += name_;
      break;
    case kItem:
      out += '[';
      out += std::to_string(index_);
      out += ']';
      break;
  }
}

void Parser::checkKeys(const json& obj, const JsonPath& path,
                       const std::vector<std::string_view>& known) {
  for (const auto& [k, v] : obj.get_ref<const json::object_t&>()) {
    if (std::find(known.begin(), known.end(), k) == known.end()) unknownField(path, k, known);
  }
}

void Parser::unknownField(const JsonPath& path, const std::string& key,
                          const std::vector<std::string_view>& known) {
  error(path.field(key), "unknown field \"" + key + "\"" + didYouMean(key, known));
}

namespace {

// The names of RuleField, in its order: ruleKeys() then "name" and
// "pattern". Also the order in which a suggestion for an unknown field is
// chosen.
const std::vector<std::string_view>& fieldNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> keys = ruleKeys();
    keys.push_back("name");
    keys.push_back("pattern");
    return keys;
  }();
  return names;
}

// The index of the field named `key` among the first `count` of
// fieldNames(), or `count`. Every object of a manifest is looked up key by
// key, so the names are grouped by first character (a bit per field): a
// key is compared with at most four names instead of all of them.
size_t fieldIndex(std::string_view key, size_t count) {
  static_assert(static_cast<size_t>(RuleField::kCount) <= 32, "a bit per field");
  static const std::array<uint32_t, 128> by_first = [] {
    std::array<uint32_t, 128> bits{};
    const auto& names = fieldNames();
    for (size_t i = 0; i < names.size(); ++i) bits[names[i].front() & 127] |= 1u << i;
    return bits;
  }();
  const auto first = static_cast<unsigned char>(key.empty() ? 0 : key.front());
  if (first >= by_first.size()) return count;
  const auto& names = fieldNames();
  for (uint32_t bits = by_first[first] & ((1u << count) - 1); bits != 0; bits &= bits - 1) {
    const auto i = static_cast<size_t>(std::countr_zero(bits));
    if (names[i] == key) return i;
  }
  return count;
}

}  // namespace

void RuleFields::read(Parser& p, json& obj, const JsonPath& path, bool route) {
  const size_t count = route ? fieldNames().size() : ruleKeys().size();
  for (auto& [k, v] : obj.get_ref<json::object_t&>()) {
    const size_t i = fieldIndex(k, count);
    if (i == count) {
      p.unknownField(path, k, route ? fieldNames() : ruleKeys());
    } else {
      at_[i] = &v;
    }
  }
}

std::optional<int64_t> Parser::seconds(const json& v, const JsonPath& path, bool allow_forever) {
  if (allow_forever && v.is_string() && v.get_ref<const std::string&>() == "forever") {
    return kForever;
  }
  if (v.is_number_unsigned()) {
    return static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), uint64_t{kForever}));
  }
  if (v.is_number_integer()) {
    const int64_t n = v.get<int64_t>();
    if (n >= 0) return std::min(n, kForever);
    error(path, "must be a number of seconds >= 0, got " + shown(v));
    return std::nullopt;
  }
  error(path, std::string("must be a whole number of seconds") +
                  (allow_forever ? " or \"forever\"" : "") + ", got " + shown(v));
  return std::nullopt;
}

std::optional<int64_t> Parser::count(const json& v, const JsonPath& path) {
  if (v.is_number_unsigned()) {
    return static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), uint64_t{INT32_MAX}));
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return std::min<int64_t>(v.get<int64_t>(), INT32_MAX);
  error(path, "must be a whole number >= 0, got " + shown(v));
  return std::nullopt;
}

std::optional<bool> Parser::boolean(const json& v, const JsonPath& path) {
  if (v.is_boolean()) return v.get<bool>();
  error(path, "must be true or false, got " + shown(v));
  return std::nullopt;
}

std::optional<std::string> Parser::string(const json& v, const JsonPath& path) {
  if (v.is_string() && !v.get_ref<const std::string&>().empty()) return v.get<std::string>();
  error(path, "must be a non-empty string, got " + shown(v));
  return std::nullopt;
}

std::optional<std::vector<std::string>> Parser::stringList(const json& v, const JsonPath& path) {
  if (!v.is_array()) {
    error(path, "must be an array of strings, got " + shown(v));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) {
    if (auto s = string(v[i], path.item(i))) {
      out.push_back(std::move(*s));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<size_t> Parser::oneOf(const json& v, const JsonPath& path,
                                    const std::vector<std::string_view>& choices) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    for (size_t i = 0; i < choices.size(); ++i) {
      if (s == choices[i]) return i;
    }
  }
  std::string list;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i) list += i + 1 == choices.size() ? " or " : ", ";
    list += "\"" + std::string(choices[i]) + "\"";
  }
  error(path, "must be " + list + ", got " + shown(v));
  return std::nullopt;
}

}  // namespace freshet::manifest_detail
