package portal

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/period"
	"github.com/countyreport/countyreport/internal/review"
)

// unaccepted names the members whose figures for p are in the ranking but
// not (yet) accepted by the city, with their review state in lang
// ("样例县（已报送待审核）"), so the ranking says which of its figures are
// still provisional. Members with nothing stored are not listed: the
// ranking already shows them as 未报送.
func (s *cityServer) unaccepted(ctx context.Context, members *city.Members, p period.Period, lang string) []string {
	deadline := review.Deadline(p, s.cfg.deadlineDay(), s.zone)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var out []string
	for _, m := range s.cfg.Members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := members.Status(ctx, m.Code, p.String(), deadline, s.now())
			if err != nil || st.DatasetID == "" || st.State == review.Accepted {
				return // an unreadable member is named by the ranking's own problem line
			}
			mu.Lock()
			out = append(out, tr(lang, "rank.unaccepted.one", s.memberName(m, lang), reviewLabel(lang, st.State)))
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Strings(out)
	return out
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
