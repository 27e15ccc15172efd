package storage

// Publishing a period's report: the artifacts, then the manifest last.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/countyreport/countyreport/internal/manifest"
)

// Publish writes one period's report: every artifact under
// reports/<period>/, then manifest.json last. manifestJSON must parse
// (internal/manifest) and name period; if its Artifacts list is empty it is
// filled in from artifacts, otherwise it must list exactly these artifacts
// with their sizes and SHA-256.
//
// Re-publishing replaces a period as one step for readers: the artifacts are
// uploaded as new versions of their keys, and only the final manifest write
// switches readers over, because the manifest object records (in its
// metadata) the version ID of every artifact it lists and readers fetch
// exactly those versions. Until that write, readers keep getting the
// previous report; if publishing fails half-way, the previous report stays
// intact and a retry starts over. The replaced versions stay in the bucket's
// history (versioning) until Retain removes the period.
//
// Publishing the same manifest over a complete, identical period writes
// nothing.
func (a *Archive) Publish(ctx context.Context, period string, artifacts []Artifact, manifestJSON []byte) (*Report, error) {
	const op = "publish"
	if err := checkPeriod(period); err != nil {
		return nil, a.fail(ErrInvalid, op, reportKey(period, ""), "%v", err)
	}
	if len(artifacts) == 0 {
		return nil, a.fail(ErrInvalid, op, reportKey(period, ""), "no artifacts")
	}
	files := make([]manifest.File, 0, len(artifacts))
	seen := map[string]bool{}
	for _, art := range artifacts {
		if err := checkFileName(art.Name); err != nil {
			return nil, a.fail(ErrInvalid, op, reportKey(period, ""), "%v", err)
		}
		if art.Name == ManifestName || seen[art.Name] {
			return nil, a.fail(ErrInvalid, op, reportKey(period, art.Name), "artifact named twice or named like the manifest")
		}
		seen[art.Name] = true
		files = append(files, manifest.FileOf(art.Name, art.Data))
	}
	m, err := manifest.Parse(manifestJSON)
	if err != nil {
		return nil, a.fail(ErrInvalid, op, reportKey(period, ManifestName), "%v", err)
	}
	if m.Period != period {
		return nil, a.fail(ErrInvalid, op, reportKey(period, ManifestName), "manifest is for period %q", m.Period)
	}
	if len(m.Artifacts) == 0 {
		m.Artifacts = files
		if manifestJSON, err = m.Marshal(); err != nil {
			return nil, a.fail(ErrInvalid, op, reportKey(period, ManifestName), "%v", err)
		}
	} else if err := sameFiles(m.Artifacts, files); err != nil {
		return nil, a.fail(ErrInvalid, op, reportKey(period, ManifestName), "manifest does not match the artifacts: %v", err)
	}

	// Steady state: the identical report is already complete.
	if cur, err := a.Report(ctx, period); err == nil && bytes.Equal(cur.raw, manifestJSON) {
		return cur, nil
	} else if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrIncomplete) && !errors.Is(err, ErrCorrupt) {
		return nil, err
	}

	// The artifacts go up concurrently (at most maxParallelPuts at once); the
	// first failure cancels the rest and no manifest is written.
	r := &Report{Period: period, Pages: m.Pages, Manifest: m, raw: manifestJSON}
	r.Artifacts = make([]Object, len(artifacts))
	putCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(artifacts))
	sem := make(chan struct{}, maxParallelPuts)
	var wg sync.WaitGroup
	for i, art := range artifacts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			// files[i] hashed art.Data above; the server checks the sum.
			o, err := a.putSum(putCtx, reportKey(period, art.Name), art.Data, files[i].SHA256, nil)
			if err != nil {
				errs[i] = err
				cancel()
				return
			}
			o.Name = art.Name
			r.Artifacts[i] = o
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, err
	}
	versions := map[string]string{}
	for _, o := range r.Artifacts {
		versions[o.Name] = o.VersionID
		r.Size += o.Size
	}
	meta := map[string]string{}
	pinned := true
	for _, v := range versions {
		pinned = pinned && v != ""
	}
	if pinned {
		meta[metaVersions] = encodeVersions(versions)
	}
	mo, err := a.put(ctx, reportKey(period, ManifestName), manifestJSON, meta)
	if err != nil {
		return nil, err
	}
	r.ManifestVersionID, r.pinned, r.Time = mo.VersionID, pinned, time.Now()
	return r, nil
}

// maxParallelPuts bounds the concurrent uploads of one Publish.
const maxParallelPuts = 4

// firstError prefers a real failure over the cancellations it caused.
func firstError(errs []error) error {
	var canceled error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if errors.Is(err, context.Canceled) {
			if canceled == nil {
				canceled = err
			}
			continue
		}
		return err
	}
	return canceled
}

func sameFiles(listed, actual []manifest.File) error {
	key := func(fs []manifest.File) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = fmt.Sprintf("%s %d %s", f.Name, f.Size, f.SHA256)
		}
		sort.Strings(out)
		return out
	}
	l, a := key(listed), key(actual)
	if !slices.Equal(l, a) {
		return fmt.Errorf("listed %v, given %v", l, a)
	}
	return nil
}
