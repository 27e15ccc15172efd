// Package city is what the city's tools (the city CLI, the city portal and
// the city's report runs in the manager) do with the member credentials the operator writes into
// the Secret <city>-members: read each member county's datasets and reports,
// build the period's comparison, and record the city's verdicts on the
// counties' submissions.
//
// Each member has its own credentials (storage.MemberPolicy), so the city
// opens each county's bucket with that county's credentials only: a bug here
// cannot show one county's objects under another's name.
package city

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/submission"
)

// Members opens the member counties' buckets, each with its own credentials.
type Members struct {
	codes    []string
	archives map[string]*storage.Archive
}

// Open reads a member credentials Secret's data (as the operator writes it,
// or as mounted: ReadSecretDir). base carries settings the Secret does not,
// such as a CA bundle file's contents; its keys are replaced.
func Open(data map[string][]byte, base storage.Config) (*Members, error) {
	base.Endpoint = string(data[storage.SecretEndpoint])
	base.Insecure, _ = strconv.ParseBool(string(data[storage.SecretInsecure]))
	if ca := data[storage.SecretCABundle]; len(ca) > 0 {
		base.CABundle = ca
	}
	m := &Members{archives: map[string]*storage.Archive{}}
	for _, code := range storage.MemberCodes(data) {
		get := func(f string) string { return string(data[storage.MemberKey(code, f)]) }
		cfg := base
		cfg.AccessKey, cfg.SecretKey, cfg.SessionToken = get(storage.SecretAccessKey), get(storage.SecretSecretKey), get(storage.SecretSessionToken)
		bucket := get(storage.SecretBucket)
		if cfg.AccessKey == "" || bucket == "" {
			return nil, fmt.Errorf("city: member %s is listed but has no credentials or bucket", code)
		}
		c, err := storage.New(cfg)
		if err != nil {
			return nil, fmt.Errorf("city: member %s: %w", code, err)
		}
		m.codes = append(m.codes, code)
		m.archives[code] = c.Archive(bucket)
	}
	sort.Strings(m.codes)
	return m, nil
}

// ReadSecretDir reads a Secret mounted as files (one file per key).
func ReadSecretDir(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	data := map[string][]byte{}
	for _, e := range entries {
		// Kubernetes mounts keys as symlinks into ..data; skip its own entries.
		if e.IsDir() || e.Name()[0] == '.' {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		data[e.Name()] = b
	}
	return data, nil
}

// Codes lists the members, in code order.
func (m *Members) Codes() []string { return append([]string(nil), m.codes...) }

// ErrNotMember: the county is not a member (no credentials for it).
var ErrNotMember = errors.New("not a member of this city")

func (m *Members) archive(code string) (*storage.Archive, error) {
	a, ok := m.archives[code]
	if !ok {
		return nil, fmt.Errorf("city: county %s: %w", code, ErrNotMember)
	}
	return a, nil
}

// Dataset reads a member's validated dataset for period; nil when it has
// not submitted one.
func (m *Members) Dataset(ctx context.Context, code, period string) (*dataset.Dataset, error) {
	a, err := m.archive(code)
	if err != nil {
		return nil, err
	}
	raw, err := a.GetDataset(ctx, period)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return dataset.Parse(raw, code+"/"+period+"/dataset.json")
}

// Status is a member's submission state for period, with deadline and now.
func (m *Members) Status(ctx context.Context, code, period string, deadline, now time.Time) (review.Status, error) {
	a, err := m.archive(code)
	if err != nil {
		return review.Status{}, err
	}
	return MemberStatus(ctx, a, period, deadline, now)
}

// MemberStatus derives a member's submission state for period from its
// archive: its dataset (if any) and the city's verdicts on it. The city
// portal (with the member's read credentials) and the operator's board
// (with the admin's) both read it here, so they cannot disagree.
func MemberStatus(ctx context.Context, a *storage.Archive, period string, deadline, now time.Time) (review.Status, error) {
	var ds *storage.DatasetInfo
	info, err := a.DescribeDataset(ctx, period)
	switch {
	case err == nil:
		ds = &info
	case !errors.Is(err, storage.ErrNotFound):
		return review.Status{}, err
	}
	log, err := review.Read(ctx, a, period)
	if err != nil {
		return review.Status{}, err
	}
	return review.Derive(ds, log, deadline, now), nil
}

// Verdict records the city's verdict (review.VerdictAccepted or
// review.VerdictReturned, the latter with a comment) on the dataset the
// member has stored for period now. There must be one.
func (m *Members) Verdict(ctx context.Context, code, period, verdict, by, comment string, at time.Time) (review.Log, error) {
	return m.VerdictOn(ctx, code, period, "", verdict, by, comment, at)
}

// ErrChanged: the county resubmitted since the reviewer read the dataset;
// the verdict would judge figures the reviewer has not seen.
var ErrChanged = errors.New("the dataset changed since it was reviewed")

// ErrAlreadyDecided: the latest verdict on this very dataset is the same
// one; a second 通过 (a double click, a stale page) would only add a
// duplicate line to the county's review log.
var ErrAlreadyDecided = errors.New("this dataset already has that verdict")

// VerdictOn is Verdict on the dataset the reviewer saw, named by its
// storage.DatasetInfo.ContentID (any when ""); a dataset stored since is
// ErrChanged. The verdict is bound to what the county cannot forge: the
// version id the server gave the dataset and the SHA-256 computed here from
// the bytes of that version (review.BindingCityRead).
func (m *Members) VerdictOn(ctx context.Context, code, period, seen, verdict, by, comment string, at time.Time) (review.Log, error) {
	a, err := m.archive(code)
	if err != nil {
		return review.Log{}, err
	}
	info, err := a.DescribeDataset(ctx, period)
	if errors.Is(err, storage.ErrNotFound) {
		return review.Log{}, fmt.Errorf("city: %s has submitted nothing for %s (未上报): no verdict to give: %w", code, period, err)
	}
	if err != nil {
		return review.Log{}, err
	}
	if seen != "" && seen != info.ContentID() {
		return review.Log{}, fmt.Errorf("city: %s %s: %w", code, period, ErrChanged)
	}
	version := ""
	if storage.RealVersion(info.VersionID) {
		version = info.VersionID
	}
	_, read, err := a.ReadDataset(ctx, period, version)
	if err != nil {
		return review.Log{}, err
	}
	if seen != "" && seen != read.ContentID() {
		return review.Log{}, fmt.Errorf("city: %s %s: %w", code, period, ErrChanged) // changed between the two reads
	}
	log, err := review.Read(ctx, a, period)
	if err != nil {
		return review.Log{}, err
	}
	if n := len(log.Entries); n > 0 && verdict == review.VerdictAccepted {
		if last := log.Entries[n-1]; last.Verdict == verdict && last.DatasetSHA256 == read.ContentSHA256 {
			return log, fmt.Errorf("city: %s %s: %w", code, period, ErrAlreadyDecided)
		}
	}
	return review.Append(ctx, a, period, review.Entry{
		Verdict: verdict, By: by, At: at, Comment: comment,
		DatasetSHA256: read.ContentSHA256, DatasetVersion: read.VersionID, Binding: review.BindingCityRead,
	})
}

// Submitter is the portal account that confirmed the submission of the
// member's current dataset for period ("" when unknown or none).
func (m *Members) Submitter(ctx context.Context, code, period string) (string, error) {
	a, err := m.archive(code)
	if err != nil {
		return "", err
	}
	rec, err := submission.Current(ctx, a, period)
	if err != nil || rec == nil {
		return "", err
	}
	return rec.By, nil
}

// Periods lists the periods the member has stored datasets for, oldest first.
func (m *Members) Periods(ctx context.Context, code string) ([]string, error) {
	a, err := m.archive(code)
	if err != nil {
		return nil, err
	}
	return a.Datasets(ctx)
}

// RankingInput is the comparison input of a period from the city's spec
// and the members' datasets (nil: not submitted). County names come from
// the datasets, or from names for members that submitted nothing.
func RankingInput(spec v1alpha1.CityReportSpec, period string, datasets map[string]*dataset.Dataset, names map[string]string) ranking.Input {
	in := ranking.Input{Period: period, Method: string(spec.Ranking.Method)}
	if in.Method == "" {
		in.Method = ranking.Efficacy
	}
	for _, t := range spec.Ranking.Indicators {
		term := ranking.Term{ID: t.ID, Measure: string(t.Measure), Weight: int(t.Weight), Direction: string(t.Direction)}
		if term.Measure == "" {
			term.Measure = ranking.Value
		}
		if term.Weight == 0 {
			term.Weight = 1
		}
		if term.Direction == "" {
			term.Direction = ranking.Higher
		}
		in.Terms = append(in.Terms, term)
	}
	codes := make([]string, 0, len(names))
	for code := range names {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		d := datasets[code]
		name, nameEn := names[code], ""
		if d != nil {
			name, nameEn = d.Meta.CountyName, d.Meta.CountyNameEn
		}
		in.Members = append(in.Members, ranking.FromDataset(code, name, nameEn, d))
	}
	return in
}
