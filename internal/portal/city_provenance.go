package portal

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/period"
	citytpl "github.com/countyreport/countyreport/internal/render/templates/city"
	"github.com/countyreport/countyreport/internal/review"
)

// provenanceRow is one member on the ranking page: where its figures come
// from and whether the city has accepted them.
type provenanceRow struct {
	Name, From, Source, Review string
	// Mark is what its figures carry in the rankings ("" : accepted).
	Mark string
}

// provenance is the ranking page's account of its figures, as the city's
// report gives it (internal/render/templates/city: Provenance): figures
// its staff submitted through the portal, with the city's review, or
// compiled from the published source the dataset names.
type provenance struct {
	Summary string
	Rows    []provenanceRow
	// marks are the rankings' marks by county code; unaccepted names the
	// counties whose submitted figures are not accepted yet.
	marks      map[string]string
	unaccepted []string
}

// provenanceOf works out where each member's figures for p come from
// (datasets: as read for the ranking, nil when none).
func (s *cityServer) provenanceOf(ctx context.Context, members *city.Members, p period.Period, datasets map[string]*dataset.Dataset, lang string) provenance {
	deadline := review.Deadline(p, s.cfg.deadlineDay(), s.zone)
	pv := provenance{marks: map[string]string{}}
	rows := make([]provenanceRow, len(s.cfg.Members))
	portal, published := 0, 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, m := range s.cfg.Members {
		d := datasets[m.Code]
		rows[i] = provenanceRow{Name: s.memberName(m, lang), From: tr(lang, "rank.from.none"), Source: tr(lang, "none"), Review: tr(lang, "none")}
		if d == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := members.Status(ctx, m.Code, p.String(), deadline, s.now())
			if err != nil {
				return // the ranking's own problem line names an unreadable member
			}
			by, _ := members.Submitter(ctx, m.Code, p.String())
			row, _ := citytpl.Provenance(m.Code, m.Name, d, by != "" || st.Last != nil)
			mu.Lock()
			defer mu.Unlock()
			r := &rows[i]
			if row.From == citytpl.FromPublished {
				published++
				r.From, r.Source = tr(lang, "rank.from.published"), pick(lang, row.Source, firstNonEmpty(row.SourceEn, row.Source))
				r.Mark = tr(lang, "rank.mark.published")
				pv.marks[m.Code] = r.Mark
				return
			}
			portal++
			r.From, r.Review = tr(lang, "rank.from.portal"), review.StateWords(lang, st.State)
			if st.State != review.Accepted {
				r.Mark = tr(lang, "rank.mark.unaccepted", review.StateWords(lang, st.State))
				pv.marks[m.Code] = r.Mark
				pv.unaccepted = append(pv.unaccepted, tr(lang, "rank.unaccepted.one", r.Name, review.StateWords(lang, st.State)))
			}
		}()
	}
	wg.Wait()
	sort.Strings(pv.unaccepted)
	pv.Rows = rows
	switch {
	case portal > 0 && published > 0:
		pv.Summary = tr(lang, "rank.from.mixed", portal, published)
	case portal > 0:
		pv.Summary = tr(lang, "rank.from.allportal")
	case published > 0:
		pv.Summary = tr(lang, "rank.from.allpublished")
	}
	return pv
}

// chartSource is the charts' source line: what the figures are, never a
// submission that did not happen.
func (pv provenance) chartSource(lang string) string {
	portal, published := false, false
	for _, r := range pv.Rows {
		switch r.From {
		case tr(lang, "rank.from.portal"):
			portal = true
		case tr(lang, "rank.from.published"):
			published = true
		}
	}
	switch {
	case portal && published:
		return tr(lang, "rank.source.mixed")
	case published:
		return tr(lang, "rank.source.published")
	}
	return tr(lang, "rank.source")
}

// unacceptedNote is the ranking's line about provisional figures ("" when
// every ranked figure is accepted).
func unacceptedNote(lang string, names []string) string {
	if len(names) == 0 {
		return ""
	}
	sep := "、"
	if lang == "en" {
		sep = "; "
	}
	return tr(lang, "rank.unaccepted", strings.Join(names, sep))
}
