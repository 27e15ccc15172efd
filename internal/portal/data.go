package portal

import (
	"context"
	"errors"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/storage"
)

// dataPages are the Data pages, built on internal/submission.
type dataPages struct {
	s *server
}

func newDataPages(s *server) *dataPages { return &dataPages{s: s} }

func (d *dataPages) dataRoutes(in *gin.RouterGroup, edit gin.HandlerFunc) {}

func (s *server) dataRoutes(in *gin.RouterGroup, edit gin.HandlerFunc) { s.data.dataRoutes(in, edit) }

// periods lists the periods with a stored dataset, oldest first.
// TEMPORARY until internal/submission lists them: the archive's periods and
// the last three months.
func (d *dataPages) periods(ctx context.Context) ([]string, error) {
	set := map[string]bool{}
	reps, err := d.s.archive.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range reps {
		set[r.Period] = true
	}
	now := storage.PeriodOf(d.s.now())
	for i := 0; i < 40; i++ {
		p := storage.Period{Year: now.Year, Month: now.Month}
		_ = p
	}
	var out []string
	for p := range set {
		if _, err := d.s.archive.GetDataset(ctx, p); err == nil {
			out = append(out, p)
		} else if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

func (d *dataPages) dataset(ctx context.Context, period string) (*dataset.Dataset, error) {
	b, err := d.s.archive.GetDataset(ctx, period)
	if err != nil {
		return nil, err
	}
	return dataset.Parse(b, "data/"+period+"/dataset.json")
}
