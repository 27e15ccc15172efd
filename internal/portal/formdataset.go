package portal

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/submission"
)

// The web form's dataset is built in the dataset model itself, as the
// workbook's columns are derived from it: the form, the workbook, JSON and
// YAML then meet one validation (dataset.ParseForm inside
// submission.Parse), and its problems come back by dataset path, which
// formerrors.go names as the page labels its rows and fields.

// newFormView is the form of period filled from ds (nil: empty).
func newFormView(period string, ds *dataset.Dataset) *formView {
	v := &formView{Period: period, Kinds: []string{dataset.KindReview, dataset.KindPlan, dataset.KindNote}}
	if ds == nil {
		return v
	}
	v.Title = ds.Meta.Title
	for i, in := range ds.Indicators {
		fi := formIndicator{N: i, ID: in.ID, Name: in.Name, NameEn: in.NameEn, Unit: in.Unit, Basis: in.Basis}
		if in.Value != nil {
			fi.Value = in.Value.String()
		}
		if in.Change != nil {
			fi.Change = in.Change.String()
		}
		v.Indicators = append(v.Indicators, fi)
	}
	for i, s := range ds.Sections {
		v.Sections = append(v.Sections, formSection{N: i, Kind: s.Kind, Label: s.Label, Title: s.Title, Summary: s.Summary, Items: strings.Join(s.Items, "\n")})
	}
	return v
}

// dataset is the form over base (the period's stored dataset, else the
// latest earlier one; nil: none): the form's fields are put over it, so
// what the form does not show (history, targets, projects, photos, the
// source) is kept as it was. An indicator keeps its other fields by id; a
// section is made anew from its row. typed is the text of the figures that
// are not numbers, by dataset path, for dataset.ParseForm to refuse as it
// refuses that text in a file.
func (v *formView) dataset(base *dataset.Dataset, county *Config) (_ *dataset.Dataset, typed map[string]string) {
	typed = map[string]string{}
	ds := &dataset.Dataset{Meta: dataset.Meta{CountyCode: county.CountyCode, CountyName: county.CountyName, CountyNameEn: county.EnglishName}}
	old := map[string]dataset.Indicator{}
	if base != nil {
		ds.Meta, ds.Projects, ds.Photos = base.Meta, base.Projects, base.Photos
		for _, in := range base.Indicators {
			if in.ID != "" {
				old[in.ID] = in
			}
		}
	}
	ds.Meta.Period, ds.Meta.Title = v.Period, v.Title
	ds.Indicators = make([]dataset.Indicator, 0, len(v.Indicators))
	for i, fi := range v.Indicators {
		in := old[fi.ID]
		in.ID, in.Name, in.NameEn, in.Unit, in.Basis = fi.ID, fi.Name, fi.NameEn, fi.Unit, fi.Basis
		at := "indicators[" + strconv.Itoa(i) + "]."
		in.Value = formNumber(fi.Value, at+"value", typed)
		in.Change = formNumber(fi.Change, at+"change", typed)
		ds.Indicators = append(ds.Indicators, in)
	}
	ds.Sections = make([]dataset.Section, 0, len(v.Sections))
	for _, fs := range v.Sections {
		s := dataset.Section{Kind: fs.Kind, Label: fs.Label, Title: fs.Title, Summary: fs.Summary}
		for _, line := range strings.Split(fs.Items, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				s.Items = append(s.Items, line)
			}
		}
		ds.Sections = append(ds.Sections, s)
	}
	return ds, typed
}

// formNumber reads a figure field; text that is not a number is kept in
// typed at path and leaves no figure.
func formNumber(text, path string, typed map[string]string) *dataset.Number {
	n, ok := dataset.NumberFromText(text)
	if !ok {
		typed[path] = strings.TrimPrefix(strings.TrimSpace(text), "+")
	}
	return n
}

// upload is the form as submission takes it. The document is the
// dataset's JSON with sorted keys, compact, as the form has always been
// handed over: the upload's bytes are archived as the submitted file
// (form.json), and the same form keeps making the same file.
func (v *formView) upload(base *dataset.Dataset, county *Config) (submission.Upload, error) {
	ds, typed := v.dataset(base, county)
	norm, err := ds.Normalized()
	if err != nil {
		return submission.Upload{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(norm))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return submission.Upload{}, err
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return submission.Upload{}, err
	}
	return submission.Upload{Data: data, Format: submission.FormatForm, Typed: typed}, nil
}
