package render

import (
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/typeset"
)

// punctuated returns a copy of ds whose prose, titles, captions and table
// text carry full-width punctuation where they are Chinese
// (typeset.Punctuate): "1月9日,中共" is set as "1月9日，中共". The dataset
// itself is not touched (it stays as entered, and is what the bundle's
// dataset.json holds). Only data is punctuated, never the edition's labels,
// so the English edition's "Hengshan County (衡山县)" stays as it is while a
// Chinese paragraph in it is set the Chinese way. Identifiers, codes,
// periods, dates, asset paths and the source URL are left alone.
func punctuated(ds *dataset.Dataset) *dataset.Dataset {
	p := typeset.Punctuate
	list := func(ss []string) []string {
		if ss == nil {
			return nil
		}
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = p(s)
		}
		return out
	}
	c := *ds
	m := &c.Meta
	m.CountyName, m.City = p(m.CountyName), p(m.City)
	m.Title, m.Subtitle, m.Issuer = p(m.Title), p(m.Subtitle), p(m.Issuer)
	m.Lead = list(m.Lead)
	if m.Event != nil {
		e := *m.Event
		e.Name = p(e.Name)
		m.Event = &e
	}
	if m.Source != nil {
		s := *m.Source
		s.Publication, s.Headline = p(s.Publication), p(s.Headline)
		s.Authors = list(s.Authors)
		m.Source = &s
	}
	c.Indicators = append([]dataset.Indicator(nil), ds.Indicators...)
	for i := range c.Indicators {
		in := &c.Indicators[i]
		in.Name, in.NameEn, in.Unit = p(in.Name), p(in.NameEn), p(in.Unit)
		in.Basis, in.Milestone = p(in.Basis), p(in.Milestone)
	}
	c.Sections = append([]dataset.Section(nil), ds.Sections...)
	for i := range c.Sections {
		s := &c.Sections[i]
		s.Label, s.Title, s.Summary = p(s.Label), p(s.Title), p(s.Summary)
		s.Items = list(s.Items)
	}
	c.Projects = append([]dataset.Project(nil), ds.Projects...)
	for i := range c.Projects {
		pr := &c.Projects[i]
		pr.Name, pr.Unit, pr.Status, pr.Note = p(pr.Name), p(pr.Unit), p(pr.Status), p(pr.Note)
	}
	c.Photos = append([]dataset.Photo(nil), ds.Photos...)
	for i := range c.Photos {
		ph := &c.Photos[i]
		ph.Caption, ph.Credit = p(ph.Caption), p(ph.Credit)
	}
	return &c
}
