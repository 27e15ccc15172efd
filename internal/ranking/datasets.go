package ranking

import "github.com/countyreport/countyreport/internal/dataset"

// FromDataset is a member county with the figures of its dataset for the
// period (d nil: it submitted nothing, 未上报). Figures keep the literals
// the county wrote, so the stored input reproduces the ranking exactly.
func FromDataset(code, name, nameEn string, d *dataset.Dataset) Member {
	m := Member{Code: code, Name: name, NameEn: nameEn}
	if d == nil {
		return m
	}
	m.Submitted = true
	m.Figures = make(map[string]Figure, len(d.Indicators))
	for _, in := range d.Indicators {
		f := Figure{Name: in.Name, NameEn: in.NameEn, Unit: in.Unit}
		switch {
		case in.Estimated:
			f.Status = Estimated
		case in.Preliminary:
			f.Status = Preliminary
		}
		if in.Value != nil {
			f.Value = in.Value.String()
		}
		if in.Change != nil {
			f.Change = in.Change.String()
		}
		m.Figures[in.ID] = f
	}
	return m
}
