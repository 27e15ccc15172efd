package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
)

// reconcileRanking keeps the comparison of the month under review in the
// city's bucket (rankings/<period>/ranking.json), with the input it was
// computed from. It is recomputed only when its inputs change (the ranking
// spec, a member joining or leaving, a member's dataset), which the board
// has just read; otherwise nothing is read or written. The city's report
// (the PDF) is not rendered here but by the city's ReportRuns (RenderCity).
func (r *CityReportReconciler) reconcileRanking(ctx context.Context, st *cityState) error {
	c := st.city
	if r.Storage == nil || st.boardPeriod == "" || c.Status.Bucket == "" ||
		!meta.IsStatusConditionTrue(c.Status.Conditions, v1alpha1.ConditionStorageReady) {
		return nil
	}
	digest, err := rankingDigest(c, st)
	if err != nil {
		return err
	}
	if prev := c.Status.Ranking; prev != nil && prev.Period == st.boardPeriod && prev.InputsDigest == digest {
		return nil
	}
	res, out, _, err := r.computeRanking(ctx, st)
	var se *storage.Error
	if errors.As(err, &se) {
		st.softErr = err
		return nil
	}
	if err != nil {
		return err
	}
	ctx, cancel := r.storageDeadline(ctx, 1)
	defer cancel()
	obj, err := r.Storage.Archive(c.Status.Bucket).PutRanking(ctx, st.boardPeriod, out)
	if err != nil {
		st.softErr = err
		return nil
	}
	ref := &v1alpha1.RankingReference{Period: st.boardPeriod, Key: obj.Key, SHA256: obj.SHA256, InputsDigest: digest}
	if len(res.Composite) > 0 && res.Composite[0].Rank == 1 {
		ref.Leader = res.Composite[0].Code
	}
	c.Status.Ranking = ref
	return nil
}

// computeRanking ranks the members on st's board period from their stored
// datasets (read with the admin credentials), as reconcileRanking stores it
// and the city's report shows it: the result, its JSON and the datasets.
// A storage error is a *storage.Error.
func (r *CityReportReconciler) computeRanking(ctx context.Context, st *cityState) (*ranking.Result, []byte, map[string]*dataset.Dataset, error) {
	c := st.city
	ctx, cancel := r.storageDeadline(ctx, 1+len(st.members))
	defer cancel()
	datasets := map[string]*dataset.Dataset{}
	names := map[string]string{}
	for _, m := range st.members {
		code := m.county.Spec.County.Code
		names[code] = m.county.Spec.County.Name
		if st.datasets[code] == "" || st.unreadable[code] != "" {
			continue
		}
		// The very version the board judged, never whatever is stored by
		// now: the report shows a verdict beside the figures it was given on.
		s := st.statuses[code]
		version := ""
		if storage.RealVersion(s.DatasetVersion) {
			version = s.DatasetVersion
		}
		raw, read, err := r.Storage.Archive(m.bucket).ReadDataset(ctx, st.boardPeriod, version)
		if err != nil && memberFault(err) {
			r.memberUnreadable(st, code, st.boardPeriod, err)
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		st.statuses[code] = review.Recheck(s, read)
		d, err := dataset.Parse(raw, code+"/"+st.boardPeriod)
		if err != nil {
			// A stored dataset passed validation when it was written; one that
			// does not parse now (written straight into the county's bucket)
			// is left out and named.
			r.memberUnreadable(st, code, st.boardPeriod, fmt.Errorf("does not parse: %.500v", err))
			continue
		}
		datasets[code] = d
	}
	res, err := ranking.Compute(city.RankingInput(c.Spec, st.boardPeriod, datasets, names))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("rank %s: %w", st.boardPeriod, err)
	}
	out, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, nil, nil, err
	}
	return res, out, datasets, nil
}

// rankingDigest names the inputs of the month's ranking and report: the
// ranking spec and each member's code, name, dataset identity (its version
// id), state and newest verdict.
func rankingDigest(c *v1alpha1.CityReport, st *cityState) (string, error) {
	// The board's states and verdicts are in the report too.
	type member struct{ Code, Name, Dataset, State, Verdict string }
	var ms []member
	for _, m := range st.members {
		code := m.county.Spec.County.Code
		s := st.statuses[code]
		verdict := ""
		if s.Last != nil {
			verdict = s.Last.Verdict + s.Last.At.String() + s.Last.By + s.Last.Comment
		}
		ms = append(ms, member{code, m.county.Spec.County.Name, st.datasets[code], s.State, verdict})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Code < ms[j].Code })
	b, err := json.Marshal(struct {
		Period  string
		Ranking v1alpha1.RankingSpec
		Members []member
	}{st.boardPeriod, c.Spec.Ranking, ms})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16]), nil
}
