// Structured Field Dictionaries (RFC 8941, src/structured_field.cc) and the
// targeted cache fields read through them (RFC 9213, parseTargetedCacheControl).
// Invariants: a failed parse yields no members and an offset inside the
// input; a successful one has unique keys that are valid RFC 8941 keys,
// Integers of at most 15 digits and Decimals of at most 12.3 digits; parsing
// is deterministic; a valid targeted field has every duration in [0, 2^31].
#include <string>

#include "cache_control.h"
#include "fuzz_util.h"
#include "structured_field.h"

namespace {

namespace sf = freshet::sf;

constexpr int64_t kMaxInteger = 999999999999999LL;

bool validKey(std::string_view k) {
  if (k.empty() || !((k[0] >= 'a' && k[0] <= 'z') || k[0] == '*')) return false;
  for (char c : k) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                    c == '.' || c == '*';
    if (!ok) return false;
  }
  return true;
}

void checkBare(const sf::BareItem& v) {
  switch (v.type) {
    case sf::Type::kInteger: FUZZ_CHECK(v.number >= -kMaxInteger && v.number <= kMaxInteger); break;
    case sf::Type::kDecimal:
      FUZZ_CHECK(v.number >= -999999999999999LL && v.number <= 999999999999999LL);
      break;
    case sf::Type::kBoolean: FUZZ_CHECK(v.number == 0 || v.number == 1); break;
    case sf::Type::kToken: FUZZ_CHECK(!v.text.empty()); break;
    case sf::Type::kString:
      for (char c : v.unescaped()) FUZZ_CHECK(c >= 0x20 && c <= 0x7e);
      FUZZ_CHECK(v.unescaped().size() <= v.text.size());
      break;
    case sf::Type::kByteSequence: break;
  }
}

void checkParams(const sf::Parameters& ps) {
  for (size_t i = 0; i < ps.size(); ++i) {
    FUZZ_CHECK(validKey(ps[i].key));
    checkBare(ps[i].value);
    for (size_t j = i + 1; j < ps.size(); ++j) FUZZ_CHECK(ps[i].key != ps[j].key);
  }
}

void checkDuration(const std::optional<int64_t>& v) {
  if (v) FUZZ_CHECK(*v >= 0 && *v <= 2147483648LL);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::text(data, size);

  const sf::DictionaryResult d = sf::parseDictionary(in);
  if (!d.ok()) {
    FUZZ_CHECK(d.members.empty());
    FUZZ_CHECK(d.offset <= in.size());
  }
  for (size_t i = 0; i < d.members.size(); ++i) {
    const sf::Member& m = d.members[i];
    FUZZ_CHECK(validKey(m.key));
    for (size_t j = i + 1; j < d.members.size(); ++j) FUZZ_CHECK(m.key != d.members[j].key);
    if (m.is_inner_list) {
      for (const auto& it : m.inner_list) {
        checkBare(it.value);
        checkParams(it.params);
      }
      checkParams(m.list_params);
    } else {
      checkBare(m.item.value);
      checkParams(m.item.params);
    }
    FUZZ_CHECK(d.find(m.key) == &m);
  }
  const sf::DictionaryResult again = sf::parseDictionary(in);
  FUZZ_CHECK(again.error == d.error && again.offset == d.offset &&
             again.members.size() == d.members.size());

  (void)sf::isParameters(in);
  (void)sf::errorName(d.error);

  const auto t = freshet::parseTargetedCacheControl(in);
  if (t.valid()) {
    FUZZ_CHECK(d.ok() && !d.members.empty());
    checkDuration(t.cc.max_age);
    checkDuration(t.cc.s_maxage);
    checkDuration(t.cc.stale_while_revalidate);
    checkDuration(t.cc.stale_if_error);
  } else {
    FUZZ_CHECK(t.cc == freshet::ResponseCacheControl{});
  }
  return 0;
}
