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
	msgRequired = "不能为空 / required"
	maxLineText = 200 // runes in a one-line field (names, titles, units)
)

// Languages the renderer knows.
var Languages = []string{"zh-CN", "en"}

func (d *Dataset) validate(errs *Errors) {
	m := &d.Meta
	if m.CountyCode == "" {
		errs.add("meta.countyCode", msgRequired)
	} else if !codeRE.MatchString(m.CountyCode) {
		errs.add("meta.countyCode", "应为六位行政区划代码 / must be a six-digit division code")
	}
	line(errs, "meta.countyName", m.CountyName, true)
	line(errs, "meta.countyNameEn", m.CountyNameEn, false)
	line(errs, "meta.city", m.City, false)
	line(errs, "meta.cityEn", m.CityEn, false)
	if m.Period == "" {
		errs.add("meta.period", msgRequired)
	} else if !ValidPeriod(m.Period) {
		errs.add("meta.period", "格式应为 YYYY-MM（如 2023-01）/ must be YYYY-MM, e.g. 2023-01, got %q", m.Period)
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
		errs.add("meta.language", "应为 zh-CN 或 en / must be zh-CN or en")
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
			errs.add("meta.source.authorsEn", "条数应与 authors 相同（%d）/ must have as many entries as authors (%d)", len(s.Authors), len(s.Authors))
		}
		if s.URL != "" && !strings.HasPrefix(s.URL, "https://") && !strings.HasPrefix(s.URL, "http://") {
			errs.add("meta.source.url", "应为 http(s) 地址 / must be an http(s) URL")
		}
	}

	if len(d.Indicators) == 0 {
		errs.add("indicators", "至少需要一项指标 / at least one indicator is required")
	}
	seen := map[string]int{}
	for i := range d.Indicators {
		in := &d.Indicators[i]
		p := fmt.Sprintf("indicators[%d]", i)
		switch {
		case in.ID == "":
			errs.add(p+".id", msgRequired)
		case !idRE.MatchString(in.ID):
			errs.add(p+".id", "只能用小写字母、数字和下划线，以字母开头 / must match [a-z][a-z0-9_]*")
		default:
			if j, dup := seen[in.ID]; dup {
				errs.add(p+".id", "与 indicators[%d] 重复：%q / duplicate of indicators[%d]: %q", j, in.ID, j, in.ID)
			} else {
				seen[in.ID] = i
			}
		}
		line(errs, p+".name", in.Name, true)
		line(errs, p+".nameEn", in.NameEn, false)
		if in.Value == nil && in.Change == nil && in.Target == nil {
			errs.add(p, "数值（value）、同比（change）和目标（target）至少填一项 / value, change or target is required")
		}
		switch {
		case in.Value != nil && in.Unit == "":
			errs.add(p+".unit", msgRequired)
		case in.Target != nil && in.Unit == "":
			errs.add(p+".unit", "有目标值时不能为空 / required with target")
		default:
			line(errs, p+".unit", in.Unit, false)
		}
		line(errs, p+".unitEn", in.UnitEn, false)
		switch in.TargetBound {
		case "", "min", "max":
			if in.TargetBound != "" && in.Target == nil {
				errs.add(p+".targetBound", "只能与 target 一起填写 / only with target")
			}
		default:
			errs.add(p+".targetBound", "应为 min（以上）或 max（以内）/ must be min (at least) or max (at most)")
		}
		if in.Target != nil && m.TargetPeriod == "" {
			errs.add("meta.targetPeriod", "有目标值（%s.target）时不能为空 / required when %s.target is given", p, p)
		}
		if in.Estimated && in.Preliminary {
			errs.add(p+".preliminary", "预计数（estimated）与初步核算数（preliminary）只能选一 / estimated or preliminary, not both")
		}
		line(errs, p+".basis", in.Basis, false)
		line(errs, p+".basisEn", in.BasisEn, false)
		line(errs, p+".milestone", in.Milestone, false)
		line(errs, p+".milestoneEn", in.MilestoneEn, false)
		if in.Group != "" && !idRE.MatchString(in.Group) {
			errs.add(p+".group", "只能用小写字母、数字和下划线，以字母开头 / must match [a-z][a-z0-9_]*")
		}
		hp := map[string]bool{}
		for j, pt := range in.History {
			q := fmt.Sprintf("%s.history[%d]", p, j)
			switch {
			case pt.Period == "":
				errs.add(q+".period", msgRequired)
			case !ValidPeriod(pt.Period):
				errs.add(q+".period", "格式应为 YYYY-MM / must be YYYY-MM, got %q", pt.Period)
			case hp[pt.Period]:
				errs.add(q+".period", "重复的期次 / duplicate period")
			case ValidPeriod(m.Period) && pt.Period >= m.Period:
				errs.add(q+".period", "应早于 meta.period / must be before meta.period")
			}
			hp[pt.Period] = true
			if pt.Value == nil && pt.Change == nil {
				errs.add(q, "数值（value）和同比（change）至少填一项 / value or change is required")
			}
		}
	}

	if len(d.Sections) == 0 {
		errs.add("sections", "至少需要一节 / at least one section is required")
	}
	for i, s := range d.Sections {
		p := fmt.Sprintf("sections[%d]", i)
		switch s.Kind {
		case "":
			errs.add(p+".kind", msgRequired)
		case KindReview, KindPlan, KindNote:
		default:
			errs.add(p+".kind", "未知类型 %q，应为 review、plan 或 note / unknown kind %q, must be review, plan or note", s.Kind, s.Kind)
		}
		line(errs, p+".label", s.Label, false)
		line(errs, p+".labelEn", s.LabelEn, false)
		line(errs, p+".title", s.Title, false)
		line(errs, p+".titleEn", s.TitleEn, false)
		if s.Kind != KindNote && s.Title == "" && s.Label == "" {
			errs.add(p+".title", "标题（title）和标签（label）至少填一项 / title or label is required")
		}
		if s.Summary != "" {
			para(errs, p+".summary", s.Summary)
		}
		if s.SummaryEn != "" {
			para(errs, p+".summaryEn", s.SummaryEn)
		}
		if s.Summary == "" && len(s.Items) == 0 {
			errs.add(p+".items", "内容不能为空（summary 或 items）/ summary or items is required")
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
			errs.add(p+".unit", "有投资额时不能为空 / required with investment")
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
			errs.add(p+".asset", "%s", msg)
		}
	}
}

// ValidPeriod reports whether s is a YYYY-MM period (the period package's
// parser) from 1949-10 to 2199-12.
func ValidPeriod(s string) bool {
	p, err := period.Parse(s)
	return err == nil && s >= "1949-10" && p.Year < 2200
}

func checkAsset(a string) string {
	if a == "" {
		return ""
	}
	switch {
	case strings.ContainsAny(a, "\\\x00"):
		return "路径不能含反斜杠或 NUL / must not contain backslashes or NUL"
	case strings.HasPrefix(a, "/"):
		return "必须是相对路径 / must be a relative path"
	case strings.Contains(a, "://"):
		return "必须是相对路径，不能是网址 / must be a relative path, not a URL"
	}
	for _, part := range strings.Split(a, "/") {
		if part == ".." {
			return "路径不能跳出数据目录（..）/ must not climb out of the dataset's folder with .."
		}
		if part == "" || part == "." {
			return "路径不规范 / must be a clean relative path"
		}
	}
	if len(a) > 255 {
		return "路径过长 / path too long"
	}
	return ""
}

func date(errs *Errors, path, s string) {
	if s == "" {
		return
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		errs.add(path, "日期格式应为 YYYY-MM-DD / must be a date YYYY-MM-DD, got %q", s)
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
		errs.add(path, "过长（%d 字，上限 %d）/ too long (%d characters, limit %d)", n, maxLineText, n, maxLineText)
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			errs.add(path, "不能含换行或控制字符 / must not contain line breaks or control characters")
			return
		}
	}
}

func refPeriod(errs *Errors, path, s string) {
	if s != "" && !ValidReferencePeriod(s) {
		errs.add(path, "格式应为 YYYY、YYYY-MM 或 YYYY-Qn（如 2022）/ must be YYYY, YYYY-MM or YYYY-Qn, e.g. 2022, got %q", s)
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
		errs.add(path, "条数应与原文相同（%d）/ must have one entry per original (%d)", n, n)
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
			errs.add(path, "不能含控制字符 / must not contain control characters")
			return
		}
	}
}
