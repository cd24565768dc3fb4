#include <algorithm>

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

void Parser::checkKeys(const json& obj, const std::string& path,
                       const std::vector<std::string_view>& known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& k = it.key();
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      error(path + "." + k, "unknown field \"" + k + "\"" + didYouMean(k, known));
    }
  }
}

std::optional<int64_t> Parser::seconds(const json& v, const std::string& path, bool allow_forever) {
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

std::optional<int64_t> Parser::count(const json& v, const std::string& path) {
  if (v.is_number_unsigned()) {
    return static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), uint64_t{INT32_MAX}));
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return std::min<int64_t>(v.get<int64_t>(), INT32_MAX);
  error(path, "must be a whole number >= 0, got " + shown(v));
  return std::nullopt;
}

std::optional<bool> Parser::boolean(const json& v, const std::string& path) {
  if (v.is_boolean()) return v.get<bool>();
  error(path, "must be true or false, got " + shown(v));
  return std::nullopt;
}

std::optional<std::string> Parser::string(const json& v, const std::string& path) {
  if (v.is_string() && !v.get_ref<const std::string&>().empty()) return v.get<std::string>();
  error(path, "must be a non-empty string, got " + shown(v));
  return std::nullopt;
}

std::optional<std::vector<std::string>> Parser::stringList(const json& v, const std::string& path) {
  if (!v.is_array()) {
    error(path, "must be an array of strings, got " + shown(v));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) {
    if (auto s = string(v[i], path + "[" + std::to_string(i) + "]")) {
      out.push_back(std::move(*s));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<size_t> Parser::oneOf(const json& v, const std::string& path,
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
