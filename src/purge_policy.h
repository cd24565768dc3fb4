// Purges (docs/admin.md): the worker tells the engine the latest hard and
// soft purge that covers an entry (by URL, prefix, tag or everything), and
// the engine decides whether the entry predates it.
#pragma once

#include <cstdint>

#include "decision.h"
#include "entry_meta.h"

namespace freshet {

struct PurgeFloors {
  int64_t hard_ms = 0;  // latest hard purge covering the entry, 0 = none
  int64_t soft_ms = 0;  // latest soft purge covering the entry, 0 = none
  // The worker's purge view cannot prove an entry stored before this time
  // unpurged (the purge log is out of reach, or records folded away): 0 = none.
  int64_t unproven_ms = 0;
};

// An entry is compared by the time its request left for the origin
// (requestTimeMs), not its answer's arrival: a purge made while it was
// being fetched covers it. An entry fetched before a hard purge, or in its
// millisecond, is gone (LookupAction::kMiss). One fetched before a soft
// purge (or in its millisecond) is stale: served while one revalidation
// runs (kStale), unless it may not be served stale (must-revalidate), in
// which case it is revalidated first. Entries fetched after the purge time
// are untouched. An entry fetched before
// `unproven_ms` that would be served as is (HIT or STALE) is revalidated
// with the origin first (Reason::kPurgeViewUnproven): a purge the view has
// not seen may cover it.
void applyPurge(const EntryMeta& entry, const PurgeFloors& floors, LookupDecision& d);

}  // namespace freshet
