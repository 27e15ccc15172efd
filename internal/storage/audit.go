package storage

import (
	"context"
	"regexp"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"

	"github.com/countyreport/countyreport/internal/limits"
)

// audit/<period>/<name>.json holds one entry of the tenant's audit log
// (internal/audit: who did what and when), in the tenant's own bucket.
// The month is the entry's month in the tenant's time zone; the name
// starts with the time inverted (internal/audit), so that a listing, which
// S3 returns in key order, gives the newest entry first. Entries are never
// overwritten (conditional writes), and the tenant's credentials cannot
// delete them (SessionPolicy); retention (Retain, admin credentials)
// removes months older than limits.AuditMonths. A city's member
// credentials never reach audit/ (MemberPolicy).
const prefixAudit = "audit/"

// auditNameRE is an entry's file name: 19 digits of inverted time, a dash,
// 16 hex digits of randomness.
var auditNameRE = regexp.MustCompile(`^[0-9]{19}-[0-9a-f]{16}\.json$`)

// CheckAuditName reports whether name is an audit entry's file name.
func CheckAuditName(name string) bool { return auditNameRE.MatchString(name) }

// auditKey is the object key of an entry, or an error.
func (a *Archive) auditKey(op, period, name string) (string, error) {
	key := prefixAudit + period + "/" + name
	if err := checkPeriod(period); err != nil {
		return key, a.fail(ErrInvalid, op, key, "%v", err)
	}
	if !CheckAuditName(name) {
		return key, a.fail(ErrInvalid, op, key, "not an audit entry name")
	}
	return key, nil
}

// PutAuditEntry writes one entry, never over an existing one (ErrConflict).
func (a *Archive) PutAuditEntry(ctx context.Context, period, name string, data []byte) error {
	const op = "put audit entry"
	key, err := a.auditKey(op, period, name)
	if err != nil {
		return err
	}
	if len(data) > limits.AuditEntryBytes {
		return a.fail(ErrInvalid, op, key, "%d bytes, more than %d", len(data), limits.AuditEntryBytes)
	}
	_, err = a.putNew(ctx, op, key, data, nil)
	return err
}

// GetAuditEntry reads one entry (at most limits.AuditEntryBytes).
func (a *Archive) GetAuditEntry(ctx context.Context, period, name string) ([]byte, error) {
	const op = "get audit entry"
	key, err := a.auditKey(op, period, name)
	if err != nil {
		return nil, err
	}
	data, _, err := a.getChecked(ctx, op, key, "", limits.AuditEntryBytes)
	return data, err
}

// AuditEntries names at most max entries of period after the name after
// ("" : from the newest), newest first. The listing stops at max: a month
// of any size costs one page.
func (a *Archive) AuditEntries(ctx context.Context, period, after string, max int) ([]string, error) {
	const op = "list audit entries"
	prefix := prefixAudit + period + "/"
	if err := checkPeriod(period); err != nil {
		return nil, a.fail(ErrInvalid, op, prefix, "%v", err)
	}
	if after != "" && !CheckAuditName(after) {
		return nil, a.fail(ErrInvalid, op, prefix+after, "not an audit entry name")
	}
	if max <= 0 || max > limits.AuditPageEntries+1 { // a page and one to see whether another follows
		max = limits.AuditPageEntries + 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := minio.ListObjectsOptions{Prefix: prefix, MaxKeys: max}
	if after != "" {
		opts.StartAfter = prefix + after
	}
	var out []string
	for o := range a.c.mc.ListObjects(ctx, a.bucket, opts) {
		if o.Err != nil {
			return nil, a.wrap(op, prefix, o.Err)
		}
		if name := strings.TrimPrefix(o.Key, prefix); CheckAuditName(name) {
			out = append(out, name)
		}
		if len(out) == max {
			break
		}
	}
	return out, nil
}

// AuditPeriods names the months that have entries, newest first (at most
// maxListed folders are walked).
func (a *Archive) AuditPeriods(ctx context.Context) ([]string, error) {
	const op = "list audit months"
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []string
	n := 0
	for o := range a.c.mc.ListObjects(ctx, a.bucket, minio.ListObjectsOptions{Prefix: prefixAudit}) {
		if o.Err != nil {
			return nil, a.wrap(op, prefixAudit, o.Err)
		}
		if n++; n > maxListed {
			return nil, a.tooMany(op, prefixAudit)
		}
		p := strings.TrimSuffix(strings.TrimPrefix(o.Key, prefixAudit), "/")
		if checkPeriod(p) == nil {
			out = append(out, p)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out, nil
}
