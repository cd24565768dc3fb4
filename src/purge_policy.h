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
};

// An entry stored before a hard purge is gone (LookupAction::kMiss). One
// stored before a soft purge is stale: served while one revalidation runs
// (kStale), unless it may not be served stale (must-revalidate), in which
// case it is revalidated first. Entries stored at or after the purge time
// are untouched.
void applyPurge(const EntryMeta& entry, const PurgeFloors& floors, LookupDecision& d);

}  // namespace freshet
