package city

import (
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/ranking"
)

// Input is what the report shows: the city, each member's row (where its
// figures came from and, when it was asked to submit them through the
// portal, its submission), the ranking (which carries its own input) and
// the sources.
type Input struct {
	Lang       string // zh-CN (default) or en
	CityName   string // 衡阳市
	CityNameEn string // Hengyang City
	Period     string // YYYY-MM, the report's period
	// Deadline is the portal's deadline as shown (2023年2月5日24时);
	// "" when no county was asked to submit anything (a report rendered
	// from dataset files): then no deadline and no submission state is shown.
	Deadline string
	Board    []BoardRow
	Ranking  *ranking.Result
	Sources  []Source
	// Unreadable are the members (by code) whose data could not be read:
	// named under the board, left out of the comparison.
	Unreadable []string
	// NamesEn are the members' English names by county code; a member
	// without one here has its ranking member's NameEn.
	NamesEn map[string]string
}

// Where a county's figures came from.
const (
	FromPortal    = "portal"    // submitted by its staff through the portal, reviewed by the city
	FromPublished = "published" // compiled from published sources (据公开资料整理)
)

// BoardRow is one county: where its figures came from and, for figures
// submitted through the portal, the submission as the board shows it
// (state, time, by, verdict, in the edition's language).
type BoardRow struct {
	Code, Name                      string
	From                            string // FromPortal, FromPublished, or "" when there are no figures
	Source                          string // the publication compiled from (FromPublished), as named in Chinese
	SourceEn                        string
	Figures                         string // the period the figures are for ("2022"); "" when none
	State, SubmittedAt, By, Verdict string
}

// Source is where one county's figures were published (Date YYYY-MM-DD).
type Source struct {
	Code, County, Publication, PublicationEn, Headline, HeadlineEn, Date, URL string
}

// Provenance is a county's row and source from its dataset d (nil: no
// figures). submitted says whether d came through the portal (a
// submission record); a dataset that did not, and names its source, was
// compiled from published sources.
func Provenance(code, name string, d *dataset.Dataset, submitted bool) (BoardRow, *Source) {
	row := BoardRow{Code: code, Name: name}
	if d == nil {
		return row, nil
	}
	row.Figures = d.Meta.Figures()
	if ref := commonBasis(d); d.Meta.ReferencePeriod == "" && ref != "" {
		row.Figures = ref
	}
	row.From = FromPortal
	if !submitted && d.Meta.Source != nil {
		row.From, row.Source, row.SourceEn = FromPublished, d.Meta.Source.Publication, d.Meta.Source.PublicationEn
	}
	s := d.Meta.Source
	if s == nil {
		return row, nil
	}
	return row, &Source{Code: code, County: name, Publication: s.Publication, PublicationEn: s.PublicationEn,
		Headline: s.Headline, HeadlineEn: s.HeadlineEn, Date: s.Date, URL: s.URL}
}

// commonBasis is the year every indicator of d states as its basis
// ("2022年" → "2022"), for datasets that give it per figure; "" otherwise.
func commonBasis(d *dataset.Dataset) string {
	year := ""
	for _, in := range d.Indicators {
		b := strings.TrimSuffix(in.Basis, "年")
		if len(b) != 4 || !dataset.ValidReferencePeriod(b) || year != "" && b != year {
			return ""
		}
		year = b
	}
	return year
}

// process reports whether any county was asked to submit (a deadline).
func (in *Input) process() bool { return in.Deadline != "" }

// count is how many rows come from from.
func (in *Input) count(from string) int {
	n := 0
	for _, b := range in.Board {
		if b.From == from {
			n++
		}
	}
	return n
}

// figures is the period of the figures: the one every county with
// figures gives, or the distinct ones in order ("" when none).
func (in *Input) figures() []string {
	var ps []string
	for _, b := range in.Board {
		if b.Figures != "" && !contains(ps, b.Figures) {
			ps = append(ps, b.Figures)
		}
	}
	return ps
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
