package storage

// Retention: removing the periods a tenant no longer keeps.

import (
	"context"
	"sort"
	"time"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/period"
)

// RetainResult says what Retain removed.
type RetainResult struct {
	Periods  []string // periods that had objects removed, oldest first
	Versions int      // object versions and delete markers removed
}

// Retain keeps the last months periods before now's month and removes every
// older period: all versions and delete markers under reports/<period>/,
// data/<period>/, uploads/<period>/, review/<period>/ and (a city's)
// rankings/<period>/, and audit/<period>/ older than limits.AuditMonths
// (manifests first, so a period never
// looks complete while it is being removed). Assets (shared and
// content-addressed) and keys outside the layout are left alone. With
// months=12 and now in June 2024, 2023-06 .. 2024-05 (and later) stay.
// Pass now in the county's time zone.
func (a *Archive) Retain(ctx context.Context, months int, now time.Time) (RetainResult, error) {
	if months < 1 {
		return RetainResult{}, a.fail(ErrInvalid, "retain", "", "retention of %d months: want at least 1", months)
	}
	removed := map[string]bool{}
	var res RetainResult
	for _, prefix := range []string{prefixReports, prefixData, prefixUploads, prefixReview, prefixRankings, prefixAudit} {
		keep := months
		if prefix == prefixAudit {
			keep = limits.AuditMonths - 1 // this month and the months before it: the audit log's own window
		}
		n, err := a.c.removeVersions(ctx, a.bucket, prefix, func(key string) (bool, bool) {
			k, err := ParseKey(key)
			if err != nil || k.Kind == KindAsset {
				return false, false
			}
			if !Expired(k.Period, keep, now) {
				return false, false
			}
			removed[k.Period] = true
			return true, k.Kind == KindReport && k.Name == ManifestName
		})
		res.Versions += n
		if err != nil {
			return res, err
		}
	}
	for p := range removed {
		res.Periods = append(res.Periods, p)
	}
	sort.Strings(res.Periods)
	return res, nil
}

// Expired reports whether the period name falls outside a retention of months
// counted back from now's month (see Retain). Malformed periods never expire.
func Expired(name string, months int, now time.Time) bool {
	p, err := period.Parse(name)
	return err == nil && months >= 1 && p.Index() < period.Of(now, nil).Index()-months
}
