// The engine's own metadata kept with every stored entry. The platform
// never returns expired entries and does not age them, so the engine stores
// with a longer platform lifetime and judges freshness from this record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace freshet {

enum EntryFlag : uint32_t {
  kEntryMustRevalidate = 1u << 0,  // RFC 9111 5.2.2.2 / 5.2.2.8
  kEntryNoCache = 1u << 1,         // RFC 9111 5.2.2.4: revalidate every use
  kEntryImmutable = 1u << 2,       // RFC 8246
  kEntryHasValidator = 1u << 3,    // ETag or Last-Modified: can revalidate
};

struct EntryMeta {
  int64_t response_time_ms = 0;        // when the response arrived (RFC 9111 4.2.3)
  int64_t initial_age = 0;             // corrected_initial_age, seconds
  int64_t lifetime = 0;                // freshness lifetime, seconds
  int64_t stale_while_revalidate = 0;  // RFC 5861 section 3, seconds
  int64_t stale_if_error = 0;          // RFC 5861 section 4, seconds
  uint32_t flags = 0;
  uint32_t route = 0;  // index of the route that stored it
  // From sending the request to the response's arrival, ms: a purge in
  // that time covers the entry (its content may predate the purge).
  int64_t fetch_ms = 0;

  bool operator==(const EntryMeta&) const = default;
};

// "1;t=<ms>;a=<s>;l=<s>;w=<s>;e=<s>;f=<flags>;r=<route>[;q=<ms>]" - the
// leading number is the format version; q (fetch_ms) only when not 0.
std::string encodeEntryMeta(const EntryMeta& m);
void appendEntryMeta(std::string& out, const EntryMeta& m);
std::optional<EntryMeta> decodeEntryMeta(std::string_view text);

// When the entry's request left for the origin: what a purge is compared
// with (purge_policy.cc).
inline int64_t requestTimeMs(const EntryMeta& m) {
  return m.response_time_ms - m.fetch_ms;
}

}  // namespace freshet
