#include "cache_control.h"

#include <algorithm>

#include "structured_field.h"
#include "text.h"

namespace freshet {
namespace {

struct Directive {
  std::string_view name;       // as sent; compare with is()
  std::string_view raw_value;  // without quotes
  bool has_value = false;
  bool quoted = false;

  // Directive names are case-insensitive (RFC 9111 section 5.2).
  bool is(std::string_view lower) const { return equalsIgnoreCase(name, lower); }
};

// The list elements of a Cache-Control value (RFC 9110 5.6.1, as
// forEachListElement splits them), each as a directive. One pass finds the
// element boundaries and each element's first '=' outside quotes: a name
// that holds a quote (where the first '=' may lie inside one) is no
// directive either way.
template <typename F>
void forEachDirective(std::string_view value, F&& f) {
  const char* p = value.data();
  const size_t n = value.size();
  size_t start = 0;
  size_t eq = std::string_view::npos;
  size_t i = 0;
  for (;;) {
    while (i < n && p[i] != ',' && p[i] != '"' && p[i] != '=') ++i;
    if (i < n && p[i] == '=') {
      if (eq == std::string_view::npos) eq = i;
      ++i;
      continue;
    }
    if (i < n && p[i] == '"') {
      for (++i; i < n && p[i] != '"'; ++i) {
        if (p[i] == '\\') ++i;
      }
      if (i > n) return;  // a final backslash inside quotes, as forEachListElement
      if (i < n) ++i;
      continue;
    }
    size_t b = start;
    size_t e = i;
    while (b < e && isOws(p[b])) ++b;
    while (e > b && isOws(p[e - 1])) --e;
    if (b < e) {
      // RFC 9111 5.2: cache-directive = token [ "=" ( token / quoted-string )
      // ] - no whitespace around "=". "max-age =60" is not a max-age
      // directive, and in "max-age= 60" the argument is malformed.
      Directive d;
      const std::string_view el(p + b, e - b);
      if (eq == std::string_view::npos || eq >= e) {
        d.name = el;
      } else {
        d.name = el.substr(0, eq - b);
        d.has_value = true;
        std::string_view v = el.substr(eq - b + 1);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
          v = v.substr(1, v.size() - 2);
          d.quoted = true;
        }
        d.raw_value = v;
      }
      if (!d.name.empty()) f(d);
    }
    if (i == n) return;
    start = ++i;
    eq = std::string_view::npos;
  }
}

// Duration argument. RFC 9111 section 1.2.2 delta-seconds; the quoted form is
// not allowed for these directives (5.2), but senders use it and peers accept
// it, so we accept it too. Returns nullopt for garbage.
std::optional<int64_t> durationOf(const Directive& d) {
  if (!d.has_value) return std::nullopt;
  return parseDeltaSeconds(d.raw_value);
}

void keepSmallest(std::optional<int64_t>& slot, int64_t v) {
  if (!slot || v < *slot) slot = v;
}

// RFC 9111 4.2.1: when a directive repeats, "either the first occurrence
// should be used or the response should be considered stale".
void keepFirst(std::optional<int64_t>& slot, int64_t v) {
  if (!slot) slot = v;
}

std::vector<std::string> fieldNames(std::string_view list) {
  std::vector<std::string> out;
  forEachListElement(list, [&](std::string_view el) { out.push_back(lowerAscii(el)); });
  return out;
}

}  // namespace

RequestCacheControl parseRequestCacheControl(std::string_view value) {
  RequestCacheControl cc;
  forEachDirective(value, [&](const Directive& d) {
    if (d.is("max-age")) {
      if (auto v = durationOf(d)) keepSmallest(cc.max_age, *v);
    } else if (d.is("max-stale")) {
      cc.max_stale = true;
      if (auto v = durationOf(d)) keepSmallest(cc.max_stale_value, *v);
    } else if (d.is("min-fresh")) {
      if (auto v = durationOf(d)) cc.min_fresh = cc.min_fresh ? std::max(*cc.min_fresh, *v) : *v;
    } else if (d.is("no-cache")) {
      cc.no_cache = true;
    } else if (d.is("no-store")) {
      cc.no_store = true;
    } else if (d.is("only-if-cached")) {
      cc.only_if_cached = true;
    }
  });
  return cc;
}

ResponseCacheControl parseResponseCacheControl(std::string_view value) {
  ResponseCacheControl cc;
  forEachDirective(value, [&](const Directive& d) {
    // By name length first: one comparison per directive instead of up to
    // thirteen.
    switch (d.name.size()) {
      case 6:
        if (d.is("public")) cc.is_public = true;
        break;
      case 7:
        if (d.is("max-age")) {
          // 4.2.1: an invalid max-age makes the response stale.
          keepFirst(cc.max_age, durationOf(d).value_or(0));
        } else if (d.is("private")) {
          if (d.has_value && !d.raw_value.empty()) {
            for (auto& f : fieldNames(d.raw_value)) cc.private_fields.push_back(std::move(f));
          } else {
            cc.is_private = true;
          }
        }
        break;
      case 8:
        if (d.is("s-maxage")) {
          keepFirst(cc.s_maxage, durationOf(d).value_or(0));
        } else if (d.is("no-cache")) {
          if (d.has_value && !d.raw_value.empty()) {
            // 5.2.2.4: qualified no-cache names fields that must not be sent
            // without revalidation; a shared cache that keeps the entry must
            // strip them. We take the conservative route in the store policy.
            for (auto& f : fieldNames(d.raw_value)) cc.no_cache_fields.push_back(std::move(f));
          } else {
            cc.no_cache = true;
          }
        } else if (d.is("no-store")) {
          cc.no_store = true;
        }
        break;
      case 9:
        if (d.is("immutable")) cc.immutable = true;
        break;
      case 12:
        if (d.is("no-transform")) cc.no_transform = true;
        break;
      case 14:
        if (d.is("stale-if-error")) {
          if (auto v = durationOf(d)) keepSmallest(cc.stale_if_error, *v);
        }
        break;
      case 15:
        if (d.is("must-revalidate")) {
          cc.must_revalidate = true;
        } else if (d.is("must-understand")) {
          cc.must_understand = true;
        }
        break;
      case 16:
        if (d.is("proxy-revalidate")) cc.proxy_revalidate = true;
        break;
      case 22:
        if (d.is("stale-while-revalidate")) {
          if (auto v = durationOf(d)) keepSmallest(cc.stale_while_revalidate, *v);
        }
        break;
      default: break;
    }
  });
  return cc;
}

namespace {

// RFC 9213 2.1: the known directives of a targeted field and their types.
// A duration is an Integer >= 0; a flag is Boolean true; no-cache and
// private are Boolean true or a String of field names.
using Rcc = ResponseCacheControl;
struct TargetedDirective {
  std::string_view name;
  std::optional<int64_t> Rcc::*duration = nullptr;
  bool Rcc::*flag = nullptr;
  std::vector<std::string> Rcc::*fields = nullptr;
};

const TargetedDirective kTargetedDirectives[] = {
    {"max-age", &Rcc::max_age},
    {"s-maxage", &Rcc::s_maxage},
    {"stale-while-revalidate", &Rcc::stale_while_revalidate},
    {"stale-if-error", &Rcc::stale_if_error},
    {"must-revalidate", nullptr, &Rcc::must_revalidate},
    {"proxy-revalidate", nullptr, &Rcc::proxy_revalidate},
    {"must-understand", nullptr, &Rcc::must_understand},
    {"no-store", nullptr, &Rcc::no_store},
    {"no-transform", nullptr, &Rcc::no_transform},
    {"public", nullptr, &Rcc::is_public},
    {"immutable", nullptr, &Rcc::immutable},
    {"no-cache", nullptr, &Rcc::no_cache, &Rcc::no_cache_fields},
    {"private", nullptr, &Rcc::is_private, &Rcc::private_fields},
};

// Applies one Dictionary member to `cc`; false when a known directive has
// a value of another type. Unknown directives and parameters are ignored.
bool applyTargeted(const sf::Member& m, ResponseCacheControl& cc) {
  const TargetedDirective* d = nullptr;
  for (const auto& t : kTargetedDirectives) {
    if (t.name == m.key) d = &t;
  }
  if (d == nullptr) return true;
  if (m.is_inner_list) return false;
  const sf::BareItem& v = m.item.value;
  if (d->duration != nullptr) {
    if (v.type != sf::Type::kInteger || v.number < 0) return false;
    // delta-seconds (RFC 9111 1.2.2): capped at 2^31.
    cc.*(d->duration) = std::min(v.number, kDeltaSecondsMax);
  } else if (v.isTrue() ||
             (d->fields != nullptr && v.type == sf::Type::kString && v.text.empty())) {
    cc.*(d->flag) = true;  // an empty String is the unqualified form, as in Cache-Control
  } else if (d->fields != nullptr && v.type == sf::Type::kString) {
    cc.*(d->fields) = fieldNames(v.unescaped());  // 5.2.2.4, 5.2.2.7
  } else {
    return false;
  }
  return true;
}

}  // namespace

TargetedCacheControl parseTargetedCacheControl(std::string_view value) {
  TargetedCacheControl out;
  const sf::DictionaryResult dict = sf::parseDictionary(value);
  if (!dict.ok()) {
    out.status = TargetedStatus::kInvalidDictionary;
  } else if (dict.members.empty()) {
    out.status = TargetedStatus::kEmpty;
  } else {
    // Keys are unique in a parsed Dictionary: each directive applies once.
    for (const sf::Member& m : dict.members) {
      if (!applyTargeted(m, out.cc)) {
        out.status = TargetedStatus::kWrongType;
        out.cc = ResponseCacheControl{};
        break;
      }
    }
  }
  return out;
}

std::string surrogateDirectivesFor(std::string_view value, std::string_view device) {
  std::string out;
  forEachListElement(value, [&](std::string_view el) {
    // A ";target" suffix outside quotes addresses one surrogate only.
    bool quoted = false;
    size_t semi = std::string_view::npos;
    for (size_t i = 0; i < el.size(); ++i) {
      if (el[i] == '"') quoted = !quoted;
      if (el[i] == ';' && !quoted) {
        semi = i;
        break;
      }
    }
    if (semi != std::string_view::npos) {
      if (!equalsIgnoreCase(trimOws(el.substr(semi + 1)), device)) return;
      el = trimOws(el.substr(0, semi));
    }
    if (el.empty()) return;
    if (!out.empty()) out += ", ";
    out += el;
  });
  return out;
}

}  // namespace freshet
