// Package notifier is the manager's notification loop: every pass it reads
// the tenants (CountyReports, CityReports, ReportRuns, the review logs in
// each county's bucket), derives the events that are due, enqueues them in
// each tenant's outbox (internal/notify; the same event always has the same
// key, so re-deriving it changes nothing) and delivers what is due through
// the tenant's own channels, built from its spec and its own Secrets.
//
// It runs only on the elected leader; the outbox's conditional writes keep
// a second manager (a leader hand-over mid-pass) from sending twice.
package notifier
