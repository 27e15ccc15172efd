package submission

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/limits"
)

// MaxUploadBytes is the largest upload accepted (the portal caps its request
// bodies at the same size; this package enforces it again).
const MaxUploadBytes = limits.UploadBytes

// Format is how an upload is written.
type Format string

const (
	FormatXLSX Format = "xlsx"
	FormatJSON Format = "json"
	FormatYAML Format = "yaml"
	FormatForm Format = "form" // the portal's web form, handed over as dataset JSON
)

// Upload is what staff handed in: a file, or the web form as dataset JSON.
type Upload struct {
	Name   string // the file name the browser sent ("" for the form)
	Data   []byte
	Format Format // "" to tell from Name (.xlsx, .json, .yaml/.yml) or the content
	// Typed is the text of the form's fields the dataset's types cannot
	// hold (a figure that is not a number: dataset.NumberFromText), by
	// dataset path; FormatForm only. dataset.ParseForm refuses it as it
	// refuses that text in a file.
	Typed map[string]string
}

// Expect is what an upload must be: the county and period it is submitted for.
type Expect struct {
	CountyCode string
	Period     string
	// Base is the dataset a spreadsheet was made from (the stored one of the
	// period, else the previous period's); what the spreadsheet cannot hold
	// (indicator history for trend lines) is carried over from it.
	Base *dataset.Dataset
}

// Parsed is an upload that passed every check.
type Parsed struct {
	Format     Format
	Dataset    *dataset.Dataset
	Normalized []byte // dataset's canonical JSON: what is stored
	loc        *locator
}

// Where locates a dataset field path in the upload: sheet and cell for a
// workbook, the path itself otherwise.
func (p *Parsed) Where(path string) (zh, en string) {
	if p.loc == nil {
		return path, path
	}
	return p.loc.where(path)
}

// DetectFormat tells an upload's format: a zip is a workbook whatever its
// name; otherwise the name's extension, else the content.
func DetectFormat(name string, data []byte) Format {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return FormatXLSX
	}
	switch strings.ToLower(path.Ext(strings.ReplaceAll(name, "\\", "/"))) {
	case ".xlsx":
		return FormatXLSX
	case ".json":
		return FormatJSON
	case ".yaml", ".yml":
		return FormatYAML
	}
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		return FormatJSON
	}
	return FormatYAML
}

// Parse reads an upload and checks it with dataset's own validation, and
// that it is for the expected county and period. Any problem refuses it:
// the error is Problems, located by sheet and cell for a workbook and by
// field path otherwise.
func Parse(up Upload, want Expect) (*Parsed, error) {
	if len(up.Data) > MaxUploadBytes {
		return nil, Problems{said("submission.fileTooLarge", float64(len(up.Data))/(1<<20))}
	}
	if len(up.Data) == 0 {
		return nil, Problems{said("submission.fileEmpty")}
	}
	format := up.Format
	if format == "" {
		if pr := ForeignFormat(up.Name, up.Data); pr != nil {
			return nil, Problems{*pr}
		}
		format = DetectFormat(up.Name, up.Data)
	}
	switch format {
	case FormatXLSX:
		return parseWorkbook(up.Data, want)
	case FormatJSON, FormatYAML, FormatForm:
		name := "upload.yaml"
		if format != FormatYAML {
			name = "upload.json"
		}
		var typed map[string]string
		if format == FormatForm {
			typed = up.Typed
		}
		ds, err := dataset.ParseForm(up.Data, name, typed)
		if err != nil {
			return nil, datasetProblems(err, nil, nil)
		}
		if ps := checkIdentity(ds, want, nil); len(ps) > 0 {
			return nil, ps
		}
		return finish(format, ds, nil)
	}
	return nil, Problems{said("submission.unsupportedType", string(format))}
}

// workbookSlots bounds the workbooks read at once in the process: excelize
// decodes a whole worksheet into memory, and a sheet at the row limit
// allocates some 200 MB on the way (BenchmarkParseWorkbook), so two at a
// time keep a portal's memory bounded however many uploads arrive.
var workbookSlots = make(chan struct{}, 2)

func parseWorkbook(data []byte, want Expect) (*Parsed, error) {
	workbookSlots <- struct{}{}
	defer func() { <-workbookSlots }()
	doc, loc, bad, probs := readWorkbook(data)
	if doc == nil {
		return nil, probs
	}
	doc, err := carry(doc, want.Base)
	if err != nil {
		return nil, Problems{said("submission.internal", err.Error())}
	}
	ds, err := dataset.Parse(doc, "workbook.json")
	if err != nil {
		probs = append(probs, datasetProblems(err, loc, bad)...)
		probs = append(probs, checkIdentity(ds0(doc), want, loc)...)
		sortProblems(probs)
		return nil, probs
	}
	probs = append(probs, checkIdentity(ds, want, loc)...)
	if len(probs) > 0 {
		sortProblems(probs)
		return nil, probs
	}
	return finish(FormatXLSX, ds, loc)
}

// datasetProblems locates dataset's errors, leaving out those that only
// repeat a cell already refused (a row whose one number was unreadable is
// then also "missing its value").
func datasetProblems(err error, loc *locator, bad map[string]bool) Problems {
	es, ok := dataset.AsErrors(err)
	if !ok {
		return Problems{problem(err.Error(), err.Error())}
	}
	var keep dataset.Errors
	for _, e := range es {
		if bad[e.Path] || badChild(bad, e.Path) {
			continue
		}
		keep = append(keep, e)
	}
	return fromDataset(keep, loc)
}

func badChild(bad map[string]bool, p string) bool {
	for b := range bad {
		if up, _, ok := parent(b); ok && up == p {
			return true
		}
	}
	return false
}

func checkIdentity(ds *dataset.Dataset, want Expect, loc *locator) Problems {
	var ps Problems
	at := func(path, key string, args ...any) {
		p := said(key, args...)
		p.Path, p.Where, p.WhereEn = path, path, path
		if loc != nil {
			p.Where, p.WhereEn, p.at = loc.locate(path)
		}
		ps = append(ps, p)
	}
	if want.CountyCode != "" && ds.Meta.CountyCode != "" && ds.Meta.CountyCode != want.CountyCode {
		at("meta.countyCode", "submission.otherCounty", want.CountyCode, ds.Meta.CountyCode)
	}
	if want.Period != "" && ds.Meta.Period != "" && ds.Meta.Period != want.Period {
		at("meta.period", "submission.otherPeriod", want.Period, ds.Meta.Period)
	}
	return ps
}

func finish(format Format, ds *dataset.Dataset, loc *locator) (*Parsed, error) {
	norm, err := ds.Normalized()
	if err != nil {
		return nil, Problems{said("submission.internal", err.Error())}
	}
	return &Parsed{Format: format, Dataset: ds, Normalized: norm, loc: loc}, nil
}

// carry gives a workbook's indicators the history the workbook cannot hold:
// the base's history of the same indicator, plus the base's own figure
// when the base is an earlier period. Points not before the new period
// are dropped (dataset refuses them).
func carry(doc []byte, base *dataset.Dataset) ([]byte, error) {
	if base == nil {
		return doc, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, err
	}
	var meta struct {
		Period string `json:"period"`
	}
	_ = json.Unmarshal(m["meta"], &meta)
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(m["indicators"], &items); err != nil || len(items) == 0 {
		return doc, nil
	}
	byID := map[string]*dataset.Indicator{}
	for i := range base.Indicators {
		byID[base.Indicators[i].ID] = &base.Indicators[i]
	}
	for _, it := range items {
		var id string
		_ = json.Unmarshal(it["id"], &id)
		old, ok := byID[id]
		if !ok {
			continue
		}
		hist := historyFor(old, base.Meta.Period, meta.Period)
		if len(hist) == 0 {
			continue
		}
		raw, err := json.Marshal(hist)
		if err != nil {
			return nil, err
		}
		it["history"] = raw
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	m["indicators"] = raw
	return json.Marshal(m)
}

func historyFor(old *dataset.Indicator, basePeriod, period string) []dataset.Point {
	var out []dataset.Point
	for _, p := range old.History {
		if period == "" || p.Period < period {
			out = append(out, p)
		}
	}
	if basePeriod != "" && (period == "" || basePeriod < period) && (old.Value != nil || old.Change != nil) {
		out = append(out, dataset.Point{Period: basePeriod, Value: old.Value, Change: old.Change})
	}
	return out
}

// ds0 reads just the meta of a document that failed validation, so that a
// wrong county or period is reported with the other problems.
func ds0(doc []byte) *dataset.Dataset {
	var d struct {
		Meta struct {
			CountyCode string `json:"countyCode"`
			Period     string `json:"period"`
		} `json:"meta"`
	}
	_ = json.Unmarshal(doc, &d)
	return &dataset.Dataset{Meta: dataset.Meta{CountyCode: d.Meta.CountyCode, Period: d.Meta.Period}}
}

// NamedPeriod is the period an upload names in its own meta (a workbook's
// 报告期 cell, a JSON or YAML file's meta.period) when it names a valid
// one, read even from a file that fails other checks; "" otherwise. The
// portal submits a workbook for the period it names rather than the one
// the page had chosen. It costs one read of the file, within the limits
// Parse applies.
func NamedPeriod(up Upload) string {
	if len(up.Data) == 0 || len(up.Data) > MaxUploadBytes {
		return ""
	}
	format := up.Format
	if format == "" {
		if ForeignFormat(up.Name, up.Data) != nil {
			return ""
		}
		format = DetectFormat(up.Name, up.Data)
	}
	var p string
	switch format {
	case FormatXLSX:
		workbookSlots <- struct{}{}
		doc, _, _, _ := readWorkbook(up.Data)
		<-workbookSlots
		if doc != nil {
			p = ds0(doc).Meta.Period
		}
	case FormatJSON, FormatYAML:
		name := "upload.json"
		if format == FormatYAML {
			name = "upload.yaml"
		}
		if ds, err := dataset.Parse(up.Data, name); err == nil {
			p = ds.Meta.Period
		} else if format == FormatJSON {
			p = ds0(up.Data).Meta.Period
		}
	}
	if !dataset.ValidPeriod(p) {
		return ""
	}
	return p
}
