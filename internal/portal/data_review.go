package portal

import (
	"context"
	"sync"
)

// reviewReaders bounds the storage reads of the periods list's review
// column: two small objects per period, a few at a time.
const reviewReaders = 4

// reviews fills in each row's city review (已退回, 已通过, ...), so the
// periods list says what the city made of each month without opening it.
// A county without a city shows no column.
func (d *dataPages) reviews(ctx context.Context, rows []periodRow, lang string) {
	if !d.s.reviewEnabled() {
		return
	}
	sem := make(chan struct{}, reviewReaders)
	var wg sync.WaitGroup
	for i := range rows {
		wg.Add(1)
		sem <- struct{}{}
		go func(r *periodRow) {
			defer func() { <-sem; wg.Done() }()
			r.Review = d.s.periodReview(ctx, r.Period, lang)
		}(&rows[i])
	}
	wg.Wait()
}
