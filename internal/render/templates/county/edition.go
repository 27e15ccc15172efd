package county

import (
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/lang"
	"github.com/countyreport/countyreport/internal/typeset"
)

// OriginalMark marks, in the English edition, a Chinese text that has no
// English form in the dataset (the mark every template's English edition
// uses, lang.OriginalMark).
const OriginalMark = lang.OriginalMark

// Edition is the copy of ds in lang ("en", or Chinese otherwise) that the
// report shows: the portal's English pages show the same words.
func Edition(ds *dataset.Dataset, lang string) *dataset.Dataset { return edition(ds, lang == "en") }

// edition returns a copy of ds with every text in the edition's language:
// for English the …En forms (the Chinese original, marked, where none is
// given; units in their English form), for Chinese the Chinese ones. Chinese
// prose is given its full-width punctuation (typeset.Punctuate). ds itself
// is not touched: it stays as entered, and is what the bundle's
// dataset.json holds. In English, figures in 万 and 亿 units are counted
// the English way (54.98 亿元 is 5.498 billion yuan); in the copy, an
// indicator's UnitEn is the unit of its target.
func edition(ds *dataset.Dataset, en bool) *dataset.Dataset {
	p := typeset.Punctuate
	pick := func(zh, e string) string {
		if !en {
			return p(zh)
		}
		if e != "" {
			return e
		}
		if zh == "" {
			return ""
		}
		return OriginalMark + p(zh)
	}
	// name picks a short name: the original is shown as it is, not marked
	// (a proper name such as 衡阳日报 reads as itself).
	name := func(zh, e string) string {
		if en && e != "" {
			return e
		}
		return p(zh)
	}
	list := func(zh, e []string) []string {
		out := make([]string, len(zh))
		for i, s := range zh {
			t := ""
			if i < len(e) {
				t = e[i]
			}
			out[i] = pick(s, t)
		}
		return out
	}
	c := *ds
	m := &c.Meta
	m.CountyName = p(m.CountyName)
	if en && m.CountyNameEn != "" {
		m.CountyName = m.CountyNameEn
	}
	m.City = name(m.City, m.CityEn)
	m.Title, m.Subtitle = pick(m.Title, m.TitleEn), pick(m.Subtitle, m.SubtitleEn)
	m.Issuer = name(m.Issuer, m.IssuerEn)
	m.Lead = list(m.Lead, m.LeadEn)
	if m.Event != nil {
		e := *m.Event
		e.Name = pick(e.Name, e.NameEn)
		m.Event = &e
	}
	if m.Source != nil {
		s := *m.Source
		s.Publication, s.Headline = name(s.Publication, s.PublicationEn), pick(s.Headline, s.HeadlineEn)
		s.Authors = list(s.Authors, s.AuthorsEn)
		if en && len(s.AuthorsEn) == 0 {
			for i := range s.Authors {
				s.Authors[i] = p(ds.Meta.Source.Authors[i]) // names: as credited
			}
		}
		m.Source = &s
	}
	if t := m.Translation; t != nil {
		tc := *t
		tc.Note = pick(t.Note, t.NoteEn)
		m.Translation = &tc
	}
	c.Indicators = append([]dataset.Indicator(nil), ds.Indicators...)
	for i := range c.Indicators {
		in := &c.Indicators[i]
		in.Name = pick(in.Name, in.NameEn)
		in.Basis, in.Milestone = pick(in.Basis, in.BasisEn), pick(in.Milestone, in.MilestoneEn)
		if en && in.UnitEn == "" {
			// 54.98 亿元 reads 5.498 billion yuan; the target may take
			// another scale word, kept in UnitEn of this copy
			u := in.Unit
			if in.Target != nil {
				if v, ue, ok := dataset.EnglishAmount(in.Target.String(), u); ok {
					in.Target, _ = dataset.NewNumber(v)
					in.UnitEn = ue
				}
			}
			if in.Value != nil {
				if v, ue, ok := dataset.EnglishAmount(in.Value.String(), u); ok {
					in.Value, _ = dataset.NewNumber(v)
					in.Unit = ue
					continue
				}
			}
			if in.UnitEn != "" {
				in.Unit = in.UnitEn
				continue
			}
		}
		in.Unit = unit(in.Unit, in.UnitEn, en)
		in.UnitEn = in.Unit
	}
	c.Sections = append([]dataset.Section(nil), ds.Sections...)
	for i := range c.Sections {
		s := &c.Sections[i]
		s.Label, s.Title, s.Summary = pick(s.Label, s.LabelEn), pick(s.Title, s.TitleEn), pick(s.Summary, s.SummaryEn)
		s.Items = list(s.Items, s.ItemsEn)
		s.Notes = append([]dataset.Note(nil), s.Notes...)
		for j := range s.Notes {
			s.Notes[j].Text = pick(s.Notes[j].Text, s.Notes[j].TextEn)
		}
	}
	c.Projects = append([]dataset.Project(nil), ds.Projects...)
	for i := range c.Projects {
		pr := &c.Projects[i]
		pr.Name, pr.Status, pr.Note = pick(pr.Name, pr.NameEn), pick(pr.Status, pr.StatusEn), pick(pr.Note, pr.NoteEn)
		if en && pr.UnitEn == "" && pr.Investment != nil {
			if v, ue, ok := dataset.EnglishAmount(pr.Investment.String(), pr.Unit); ok {
				pr.Investment, _ = dataset.NewNumber(v)
				pr.Unit = ue
				continue
			}
		}
		pr.Unit = unit(pr.Unit, pr.UnitEn, en)
	}
	c.Photos = append([]dataset.Photo(nil), ds.Photos...)
	for i := range c.Photos {
		ph := &c.Photos[i]
		ph.Caption, ph.Credit = pick(ph.Caption, ph.CaptionEn), name(ph.Credit, ph.CreditEn)
	}
	return &c
}

func unit(u, uEn string, en bool) string {
	if !en {
		return typeset.Punctuate(u)
	}
	if e, ok := dataset.UnitEnglish(u, uEn); ok {
		return e
	}
	return u
}
