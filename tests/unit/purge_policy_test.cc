#include "purge_policy.h"

#include <gtest/gtest.h>

namespace freshet {
namespace {

LookupDecision fresh() {
  LookupDecision d;
  d.action = LookupAction::kHit;
  d.reason = Reason::kFresh;
  d.ttl = 50;
  d.usable_if_error = true;
  return d;
}

EntryMeta storedAt(int64_t ms, uint32_t flags = 0) {
  EntryMeta m;
  m.response_time_ms = ms;
  m.lifetime = 60;
  m.flags = flags;
  return m;
}

TEST(PurgePolicy, NoPurgeLeavesTheDecision) {
  LookupDecision d = fresh();
  applyPurge(storedAt(1000), {}, d);
  EXPECT_EQ(d.action, LookupAction::kHit);
}

TEST(PurgePolicy, HardPurgeMakesOlderEntriesMisses) {
  LookupDecision d = fresh();
  applyPurge(storedAt(1000), {2000, 0}, d);
  EXPECT_EQ(d.action, LookupAction::kMiss);
  EXPECT_EQ(d.reason, Reason::kPurged);
  EXPECT_FALSE(d.usable_if_error);
}

TEST(PurgePolicy, EntriesFetchedAfterThePurgeAreKept) {
  LookupDecision d = fresh();
  applyPurge(storedAt(2001), {2000, 2000}, d);
  EXPECT_EQ(d.action, LookupAction::kHit);
}

TEST(PurgePolicy, AnEntryFetchedInThePurgesMillisecondIsCovered) {
  // The clock cannot order the two: the purge wins (workerd's clock moves
  // only between I/O, so a fetch and a purge often read the same value).
  LookupDecision hard = fresh();
  applyPurge(storedAt(2000), {2000, 0}, hard);
  EXPECT_EQ(hard.action, LookupAction::kMiss);
  LookupDecision soft = fresh();
  applyPurge(storedAt(2000), {0, 2000}, soft);
  EXPECT_EQ(soft.reason, Reason::kSoftPurged);
}

TEST(PurgePolicy, APurgeMadeWhileTheEntryWasFetchedCoversIt) {
  // Requested at 1500, answered at 2500: a purge at 2000 may have removed
  // what the answer carries.
  EntryMeta m = storedAt(2500);
  m.fetch_ms = 1000;
  LookupDecision hard = fresh();
  applyPurge(m, {2000, 0}, hard);
  EXPECT_EQ(hard.action, LookupAction::kMiss);
  LookupDecision soft = fresh();
  applyPurge(m, {0, 2000}, soft);
  EXPECT_EQ(soft.reason, Reason::kSoftPurged);
  LookupDecision unproven = fresh();
  applyPurge(m, {0, 0, 2000}, unproven);
  EXPECT_EQ(unproven.reason, Reason::kPurgeViewUnproven);
  // Requested after the purge: kept.
  LookupDecision after = fresh();
  applyPurge(m, {1499, 1499, 1500}, after);
  EXPECT_EQ(after.action, LookupAction::kHit);
}

TEST(PurgePolicy, SoftPurgeServesStaleWhileRevalidating) {
  LookupDecision d = fresh();
  applyPurge(storedAt(1000), {0, 2000}, d);
  EXPECT_EQ(d.action, LookupAction::kStale);
  EXPECT_EQ(d.reason, Reason::kSoftPurged);
  EXPECT_EQ(d.ttl, 0);
  EXPECT_TRUE(d.usable_if_error);
}

TEST(PurgePolicy, SoftPurgeOfAMustRevalidateEntryRevalidatesFirst) {
  LookupDecision d = fresh();
  applyPurge(storedAt(1000, kEntryMustRevalidate), {0, 2000}, d);
  EXPECT_EQ(d.action, LookupAction::kRevalidate);
}

TEST(PurgePolicy, HardBeatsSoft) {
  LookupDecision d = fresh();
  applyPurge(storedAt(1000), {1500, 2000}, d);
  EXPECT_EQ(d.action, LookupAction::kMiss);
}

// The view cannot prove entries stored before 2000 unpurged.
TEST(PurgePolicy, AnUnprovenView) {
  struct Case {
    const char* what;
    int64_t stored;
    PurgeFloors floors;
    LookupAction action;
    Reason reason;
  };
  const Case cases[] = {
      {"older entries are revalidated",
       1000,
       {0, 0, 2000},
       LookupAction::kRevalidate,
       Reason::kPurgeViewUnproven},
      {"entries stored since are kept", 2000, {0, 0, 2000}, LookupAction::kHit, Reason::kFresh},
      {"a soft-purged entry is revalidated first",
       1000,
       {0, 1500, 2000},
       LookupAction::kRevalidate,
       Reason::kPurgeViewUnproven},
      {"a known hard purge still wins",
       1000,
       {1500, 0, 2000},
       LookupAction::kMiss,
       Reason::kPurged},
  };
  for (const Case& c : cases) {
    LookupDecision d = fresh();
    applyPurge(storedAt(c.stored), c.floors, d);
    EXPECT_EQ(d.action, c.action) << c.what;
    EXPECT_EQ(d.reason, c.reason) << c.what;
  }
  // The origin failing too: stale-if-error still applies to a revalidated copy.
  LookupDecision d = fresh();
  applyPurge(storedAt(1000), {0, 0, 2000}, d);
  EXPECT_TRUE(d.usable_if_error);
}

}  // namespace
}  // namespace freshet
