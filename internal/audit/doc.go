// Package audit is a tenant's audit log: who did what and when on its
// portal (sign-ins and failed sign-ins, sign-outs, submissions, verdicts,
// "generate now", account changes, refusals), kept where the tenant's
// editors can read it and nobody else can.
//
// # Where entries live
//
// One object per entry, audit/<YYYY-MM>/<name>.json in the tenant's own
// bucket (internal/storage builds and checks the keys; this package owns
// what is in them and how they are named). The month is the entry's month
// in the tenant's time zone. The name is the entry's time inverted
// (math.MaxInt64 minus Unix nanoseconds, 19 digits) and 16 random hex
// digits, so that
//
//   - a listing, which S3 returns in key order, gives the newest first, and
//     a page of the log is one bounded listing (StartAfter, MaxKeys) and
//     that many small reads, whatever the size of the month;
//   - two replicas, or a replica restarted, never write the same key: each
//     entry is written once, conditionally (If-None-Match), before the
//     request that made it is answered, so nothing held in a process's
//     memory can be lost.
//
// # Bounds
//
// An entry is at most limits.AuditEntryBytes with at most
// limits.AuditDetails details; a page lists limits.AuditPageEntries; the
// months read and kept are limits.AuditMonths (older ones are removed by
// the operator's retention, with the admin credentials: the tenant's own
// credentials cannot delete an entry). Failed sign-ins, which anyone can
// make without an account, are written at most limits.AuditFailuresPerHour
// an hour by one replica; the rest are counted, and the count is written
// as one entry when the hour is over. What a signed-in account does is
// always written.
package audit
