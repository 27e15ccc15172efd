package county

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/render/layout"
)

func (r *report) projects() {
	l, ds := r.l, r.ds
	if len(ds.Projects) == 0 {
		return
	}
	r.f.Ensure(keep + 170) // the heading with the table's caption, header and first rows
	r.chapter(l.Projects)
	invTitle, scaled := l.Investment, r.projectScale()
	if scaled != nil {
		invTitle += " (" + scaled.unit + ")"
	}
	var rows [][]string
	for i, p := range ds.Projects {
		inv := "—"
		switch {
		case p.Investment != nil && scaled != nil:
			inv = l.num(mustNumber(dataset.ShiftDecimal(r.orig.Projects[i].Investment.String(), scaled.shift)))
		case p.Investment != nil:
			inv = l.amount(p.Investment, p.Unit)
		}
		st := strings.Trim(strings.Join([]string{p.Status, p.Note}, r.sep()), r.sep())
		rows = append(rows, []string{p.Name, inv, st})
	}
	w := layout.ContentW
	r.f.Table(layout.Table{
		Caption: r.tableNo() + l.Projects, CaptionStyle: stCaption,
		Cols: []layout.Column{{Title: l.Project, W: w * 0.40, RowHeader: true}, {Title: invTitle, W: w * 0.18, Right: true}, {Title: l.Status, W: w * 0.42}},
		Rows: rows, Face: layout.Serif,
	})
}

// projectScale is the one money unit of the English projects table's
// investment column, when every investment is in the same 万 or 亿 unit:
// 1.95 and 0.206 billion yuan, not 1.95 billion beside 206 million.
func (r *report) projectScale() *struct {
	shift int
	unit  string
} {
	if !r.l.en() {
		return nil
	}
	unit, top := "", 0.0
	for _, p := range r.orig.Projects {
		if p.Investment == nil {
			continue
		}
		if unit != "" && p.Unit != unit || p.UnitEn != "" {
			return nil
		}
		unit, top = p.Unit, max(top, p.Investment.Float())
	}
	shift, u, ok := dataset.EnglishScale(unit, top)
	if !ok {
		return nil
	}
	return &struct {
		shift int
		unit  string
	}{shift, u}
}

// narrative sets the chapter of one kind: its sections, plus the notes that
// belong with them (a titled note with what follows it, an untitled one
// with what precedes it).
func (r *report) narrative(kind, title string) {
	owner := sectionOwners(r.ds.Sections)
	started := false
	for i := range r.ds.Sections {
		if owner[i] != kind {
			continue
		}
		if !started {
			r.chapter(title)
			started = true
		}
		r.section(&r.ds.Sections[i], &r.orig.Sections[i])
	}
}

func (r *report) section(s, orig *dataset.Section) {
	f, l := r.f, r.l
	if s.Title != "" || s.Label != "" {
		h := strings.TrimSpace(s.Label + "　" + s.Title)
		if l.en() && s.Label != "" && s.Title != "" {
			h = s.Label + ": " + s.Title
		}
		if orig.Title == "" && orig.Kind != dataset.KindNote {
			h += l.Untitled
		}
		f.Heading(h, stSection, keep, 1)
	}
	if s.Kind == dataset.KindPlan {
		if s.Summary != "" {
			f.Heading(l.Summary, stSub, keep, -1)
			f.Para(s.Summary, stBody)
		}
		if len(s.Items) > 0 {
			f.Heading(l.Tasks, stSub, keep, -1)
		}
	} else if s.Summary != "" {
		f.Para(s.Summary, stBody)
	}
	for _, it := range s.Items {
		f.Para(it, stBody)
	}
	for _, n := range s.Notes {
		f.Para(l.EditorNote+n.Text, stNote)
	}
	f.Space(6)
}

type photo struct {
	p     dataset.Photo
	img   []byte // nil when no usable file
	again bool   // the same file as an earlier photo
}

// loadPhotos reads the file of each photo once, however often the dataset
// names it, at most limits.AssetBytes a file and limits.RunAssetBytes in
// all; a photo past them is listed by its caption, as one without a file.
func (r *report) loadPhotos() []photo {
	var out []photo
	seen := map[string][]byte{}
	total := 0
	for _, p := range r.ds.Photos {
		ph := photo{p: p}
		name := path.Clean(p.Asset)
		if b, ok := seen[name]; ok {
			ph.img, ph.again = b, b != nil
		} else if p.Asset != "" && r.opts.Assets != nil && fs.ValidPath(name) {
			if b := readAsset(r.opts.Assets, name, min(limits.AssetBytes, limits.RunAssetBytes-total)); b != nil {
				ph.img = b
				total += len(b)
			}
			seen[name] = ph.img
		}
		out = append(out, ph)
	}
	return out
}

// readAsset reads name whole if it has at most limit bytes, else nil.
func readAsset(fsys fs.FS, name string, limit int) []byte {
	if limit <= 0 {
		return nil
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > int64(limit) {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil || len(b) > limit {
		return nil
	}
	return b
}

// photoList sets the photographs that have files, each with its caption,
// in a chapter of their own. The captions of those without a file are
// listed in the overview (missingPhotos), with the source they were
// printed in: no empty placeholder, and no last page holding only a list
// of pictures that are not in the report.
func (r *report) photoList() {
	f, l := r.f, r.l
	started := false
	for _, ph := range r.photos {
		if ph.img == nil || !layout.CanDraw(ph.img) {
			continue
		}
		if !started {
			r.chapter(l.Photos)
			started = true
		}
		h := layout.ContentW * 0.55
		f.Ensure(h + 40)
		if f.Image(ph.img, r.caption(ph.p), layout.MarginX, layout.ContentW, h) {
			f.Space(h + 6)
			st := stCaption
			st.Role = "Caption"
			f.Para(r.caption(ph.p), st)
		}
	}
}

// missingPhotos lists, in the overview, the captions of the photographs
// printed with the source whose files the report does not have.
func (r *report) missingPhotos() {
	f, l := r.f, r.l
	var missing []photo
	for _, ph := range r.photos {
		if ph.img == nil || !layout.CanDraw(ph.img) {
			missing = append(missing, ph)
		}
	}
	if len(missing) == 0 {
		return
	}
	f.Space(4)
	f.Para(l.PhotoNote, stNote)
	f.Begin("L")
	for i, ph := range missing {
		f.ListItem(fmt.Sprintf("%d. ", i+1), r.caption(ph.p), layout.Style{Face: layout.Kai, Size: 10, Leading: 17, Color: layout.ColText, Align: layout.Left, After: 1}, layout.MarginX, layout.ContentW)
	}
	f.End()
}

func (r *report) caption(p dataset.Photo) string {
	s := p.Caption
	if p.Credit != "" {
		if r.l.en() {
			s += " (" + r.l.PhotoCredit + p.Credit + ")"
		} else {
			s += "（" + p.Credit + "）"
		}
	}
	return s
}

// sectionOwners says which chapter (review or plan) each section is set in.
func sectionOwners(secs []dataset.Section) []string {
	owner := make([]string, len(secs))
	for i, s := range secs {
		if s.Kind != dataset.KindNote {
			owner[i] = s.Kind
		}
	}
	for i, s := range secs {
		if s.Kind == dataset.KindNote && s.Title == "" {
			for j := i - 1; j >= 0; j-- {
				if owner[j] != "" {
					owner[i] = owner[j]
					break
				}
			}
		}
	}
	for i := len(secs) - 1; i >= 0; i-- {
		if owner[i] == "" {
			for j := i + 1; j < len(secs); j++ {
				if owner[j] != "" {
					owner[i] = owner[j]
					break
				}
			}
		}
		if owner[i] == "" {
			owner[i] = dataset.KindReview
		}
	}
	return owner
}
