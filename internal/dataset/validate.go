package dataset

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/countyreport/countyreport/internal/period"
)

var (
	codeRE = regexp.MustCompile(`^[0-9]{6}$`)
	idRE   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

const (
	msgRequired = "dataset.required"
	maxLineText = 200 // runes in a one-line field (names, titles, units)
)

// Languages the renderer knows.
var Languages = []string{"zh-CN", "en"}

func (d *Dataset) validate(errs *Errors) {
	m := &d.Meta
	if m.CountyCode == "" {
		errs.add("meta.countyCode", msgRequired)
	} else if !codeRE.MatchString(m.CountyCode) {
		errs.add("meta.countyCode", "dataset.countyCode")
	}
	line(errs, "meta.countyName", m.CountyName, true)
	line(errs, "meta.countyNameEn", m.CountyNameEn, false)
	line(errs, "meta.city", m.City, false)
	line(errs, "meta.cityEn", m.CityEn, false)
	if m.Period == "" {
		errs.add("meta.period", msgRequired)
	} else if !ValidPeriod(m.Period) {
		errs.add("meta.period", "dataset.period", m.Period)
	}
	refPeriod(errs, "meta.referencePeriod", m.ReferencePeriod)
	refPeriod(errs, "meta.targetPeriod", m.TargetPeriod)
	line(errs, "meta.title", m.Title, true)
	line(errs, "meta.titleEn", m.TitleEn, false)
	line(errs, "meta.subtitle", m.Subtitle, false)
	line(errs, "meta.subtitleEn", m.SubtitleEn, false)
	line(errs, "meta.issuer", m.Issuer, false)
	line(errs, "meta.issuerEn", m.IssuerEn, false)
	if m.Language != "" && m.Language != "zh-CN" && m.Language != "en" {
		errs.add("meta.language", "dataset.language")
	}
	paras(errs, "meta.lead", m.Lead)
	translations(errs, "meta.leadEn", m.LeadEn, len(m.Lead))
	if m.Event != nil {
		line(errs, "meta.event.name", m.Event.Name, true)
		line(errs, "meta.event.nameEn", m.Event.NameEn, false)
		date(errs, "meta.event.date", m.Event.Date)
	}
	if t := m.Translation; t != nil {
		line(errs, "meta.translation.by", t.By, true)
		line(errs, "meta.translation.note", t.Note, false)
		line(errs, "meta.translation.noteEn", t.NoteEn, false)
	}
	if s := m.Source; s != nil {
		line(errs, "meta.source.publication", s.Publication, true)
		line(errs, "meta.source.publicationEn", s.PublicationEn, false)
		date(errs, "meta.source.date", s.Date)
		line(errs, "meta.source.headline", s.Headline, false)
		line(errs, "meta.source.headlineEn", s.HeadlineEn, false)
		for i, a := range s.Authors {
			line(errs, fmt.Sprintf("meta.source.authors[%d]", i), a, true)
		}
		for i, a := range s.AuthorsEn {
			line(errs, fmt.Sprintf("meta.source.authorsEn[%d]", i), a, true)
		}
		if len(s.AuthorsEn) > 0 && len(s.AuthorsEn) != len(s.Authors) {
			errs.add("meta.source.authorsEn", "dataset.authorsEn", len(s.Authors))
		}
		if s.URL != "" && !strings.HasPrefix(s.URL, "https://") && !strings.HasPrefix(s.URL, "http://") {
			errs.add("meta.source.url", "dataset.url")
		}
	}

	if len(d.Indicators) == 0 {
		errs.add("indicators", "dataset.noIndicators")
	}
	seen := map[string]int{}
	for i := range d.Indicators {
		in := &d.Indicators[i]
		p := fmt.Sprintf("indicators[%d]", i)
		switch {
		case in.ID == "":
			errs.add(p+".id", msgRequired)
		case !idRE.MatchString(in.ID):
			errs.add(p+".id", "dataset.identifier")
		default:
			if j, dup := seen[in.ID]; dup {
				errs.add(p+".id", "dataset.duplicateID", j, in.ID)
			} else {
				seen[in.ID] = i
			}
		}
		line(errs, p+".name", in.Name, true)
		line(errs, p+".nameEn", in.NameEn, false)
		if in.Value == nil && in.Change == nil && in.Target == nil {
			errs.add(p, "dataset.noFigure")
		}
		switch {
		case in.Value != nil && in.Unit == "":
			errs.add(p+".unit", msgRequired)
		case in.Target != nil && in.Unit == "":
			errs.add(p+".unit", "dataset.unitWithTarget")
		default:
			line(errs, p+".unit", in.Unit, false)
		}
		line(errs, p+".unitEn", in.UnitEn, false)
		switch in.TargetBound {
		case "", "min", "max":
			if in.TargetBound != "" && in.Target == nil {
				errs.add(p+".targetBound", "dataset.boundWithoutTarget")
			}
		default:
			errs.add(p+".targetBound", "dataset.targetBound")
		}
		if in.Target != nil && m.TargetPeriod == "" {
			errs.add("meta.targetPeriod", "dataset.targetPeriod", p)
		}
		if in.Estimated && in.Preliminary {
			errs.add(p+".preliminary", "dataset.estimatedPreliminary")
		}
		line(errs, p+".basis", in.Basis, false)
		line(errs, p+".basisEn", in.BasisEn, false)
		line(errs, p+".milestone", in.Milestone, false)
		line(errs, p+".milestoneEn", in.MilestoneEn, false)
		if in.Group != "" && !idRE.MatchString(in.Group) {
			errs.add(p+".group", "dataset.identifier")
		}
		hp := map[string]bool{}
		for j, pt := range in.History {
			q := fmt.Sprintf("%s.history[%d]", p, j)
			switch {
			case pt.Period == "":
				errs.add(q+".period", msgRequired)
			case !ValidPeriod(pt.Period):
				errs.add(q+".period", "dataset.historyPeriod", pt.Period)
			case hp[pt.Period]:
				errs.add(q+".period", "dataset.duplicatePeriod")
			case ValidPeriod(m.Period) && pt.Period >= m.Period:
				errs.add(q+".period", "dataset.historyLate")
			}
			hp[pt.Period] = true
			if pt.Value == nil && pt.Change == nil {
				errs.add(q, "dataset.historyNoFigure")
			}
		}
	}

	if len(d.Sections) == 0 {
		errs.add("sections", "dataset.noSections")
	}
	for i, s := range d.Sections {
		p := fmt.Sprintf("sections[%d]", i)
		switch s.Kind {
		case "":
			errs.add(p+".kind", msgRequired)
		case KindReview, KindPlan, KindNote:
		default:
			errs.add(p+".kind", "dataset.sectionKind", s.Kind)
		}
		line(errs, p+".label", s.Label, false)
		line(errs, p+".labelEn", s.LabelEn, false)
		line(errs, p+".title", s.Title, false)
		line(errs, p+".titleEn", s.TitleEn, false)
		if s.Kind != KindNote && s.Title == "" && s.Label == "" {
			errs.add(p+".title", "dataset.noTitle")
		}
		if s.Summary != "" {
			para(errs, p+".summary", s.Summary)
		}
		if s.SummaryEn != "" {
			para(errs, p+".summaryEn", s.SummaryEn)
		}
		if s.Summary == "" && len(s.Items) == 0 {
			errs.add(p+".items", "dataset.noContent")
		}
		paras(errs, p+".items", s.Items)
		translations(errs, p+".itemsEn", s.ItemsEn, len(s.Items))
		for j, n := range s.Notes {
			para(errs, fmt.Sprintf("%s.notes[%d].text", p, j), n.Text)
			if n.TextEn != "" {
				para(errs, fmt.Sprintf("%s.notes[%d].textEn", p, j), n.TextEn)
			}
		}
	}

	for i, pr := range d.Projects {
		p := fmt.Sprintf("projects[%d]", i)
		line(errs, p+".name", pr.Name, true)
		if pr.Investment != nil && pr.Unit == "" {
			errs.add(p+".unit", "dataset.unitWithInvestment")
		}
		line(errs, p+".nameEn", pr.NameEn, false)
		line(errs, p+".unit", pr.Unit, false)
		line(errs, p+".unitEn", pr.UnitEn, false)
		line(errs, p+".status", pr.Status, false)
		line(errs, p+".statusEn", pr.StatusEn, false)
		if pr.Note != "" {
			para(errs, p+".note", pr.Note)
		}
		if pr.NoteEn != "" {
			para(errs, p+".noteEn", pr.NoteEn)
		}
	}

	for i, ph := range d.Photos {
		p := fmt.Sprintf("photos[%d]", i)
		line(errs, p+".caption", ph.Caption, true)
		line(errs, p+".captionEn", ph.CaptionEn, false)
		line(errs, p+".credit", ph.Credit, false)
		line(errs, p+".creditEn", ph.CreditEn, false)
		if msg := checkAsset(ph.Asset); msg != "" {
			errs.add(p+".asset", msg)
		}
	}
}

// ValidPeriod reports whether s is a YYYY-MM period (the period package's
// parser) from 1949-10 to 2199-12.
func ValidPeriod(s string) bool {
	p, err := period.Parse(s)
	return err == nil && s >= "1949-10" && p.Year < 2200
}

// checkAsset is the key of what is wrong with asset path a, or "".
func checkAsset(a string) string {
	if a == "" {
		return ""
	}
	switch {
	case strings.ContainsAny(a, "\\\x00"):
		return "dataset.asset.backslash"
	case strings.HasPrefix(a, "/"):
		return "dataset.asset.absolute"
	case strings.Contains(a, "://"):
		return "dataset.asset.url"
	}
	for _, part := range strings.Split(a, "/") {
		if part == ".." {
			return "dataset.asset.climb"
		}
		if part == "" || part == "." {
			return "dataset.asset.unclean"
		}
	}
	if len(a) > 255 {
		return "dataset.asset.long"
	}
	return ""
}

func date(errs *Errors, path, s string) {
	if s == "" {
		return
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		errs.add(path, "dataset.date", s)
	}
}

// line checks a one-line text field.
func line(errs *Errors, path, s string, required bool) {
	if strings.TrimSpace(s) == "" {
		if required {
			errs.add(path, msgRequired)
		}
		return
	}
	if n := len([]rune(s)); n > maxLineText {
		errs.add(path, "dataset.lineTooLong", n, maxLineText)
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			errs.add(path, "dataset.lineControl")
			return
		}
	}
}

func refPeriod(errs *Errors, path, s string) {
	if s != "" && !ValidReferencePeriod(s) {
		errs.add(path, "dataset.referencePeriod", s)
	}
}

func paras(errs *Errors, path string, ss []string) {
	for i, s := range ss {
		para(errs, fmt.Sprintf("%s[%d]", path, i), s)
	}
}

// translations checks the English forms of a list: one per original.
func translations(errs *Errors, path string, en []string, n int) {
	if len(en) == 0 {
		return
	}
	if len(en) != n {
		errs.add(path, "dataset.translations", n)
		return
	}
	paras(errs, path, en)
}

// para checks a paragraph: non-empty, no control characters other than newlines.
func para(errs *Errors, path, s string) {
	if strings.TrimSpace(s) == "" {
		errs.add(path, msgRequired)
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' {
			errs.add(path, "dataset.paraControl")
			return
		}
	}
}
