#include "purge_policy.h"

namespace freshet {

void applyPurge(const EntryMeta& entry, const PurgeFloors& floors, LookupDecision& d) {
  // A purge covers every entry whose request left before it: an answer
  // fetched while the purge was made may carry what the purge removed
  // (the origin built it before the change the purge announces). In the
  // purge's own millisecond the clock cannot tell which came first (in
  // workerd it moves only between I/O): the purge wins. 0 is no purge.
  const int64_t fetched_ms = requestTimeMs(entry);
  if (fetched_ms <= floors.hard_ms && floors.hard_ms > 0) {
    d.action = LookupAction::kMiss;
    d.reason = Reason::kPurged;
    d.usable_if_error = false;  // a hard purge removes the copy for good
    return;
  }
  if (fetched_ms <= floors.soft_ms && floors.soft_ms > 0 && d.action != LookupAction::kRevalidate) {
    // Soft purge: the entry counts as stale from now on.
    if (d.ttl > 0) d.ttl = 0;
    d.reason = Reason::kSoftPurged;
    d.action = (entry.flags & kEntryMustRevalidate) != 0 ? LookupAction::kRevalidate
                                                         : LookupAction::kStale;
  }
  if (fetched_ms < floors.unproven_ms &&
      (d.action == LookupAction::kHit || d.action == LookupAction::kStale)) {
    d.action = LookupAction::kRevalidate;
    d.reason = Reason::kPurgeViewUnproven;
  }
}

}  // namespace freshet
