package county

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/layout"
)

const htmlCSS = `@page{size:A4;margin:22mm 22mm 20mm;@bottom-center{content:"` + "第 \" counter(page) \" 页 / 共 \" counter(pages) \" 页" + `";font-size:9pt;color:#666}}
body{font-family:"AR PL UMing CN","SimSun","Songti SC",serif;color:#222;font-size:10.5pt;line-height:1.8;max-width:800px;margin:0 auto;padding:0 12px;line-break:strict;word-break:normal}
h1,h2,h3,th,.cover .county{font-family:"WenQuanYi Micro Hei","SimHei","PingFang SC",sans-serif;font-weight:bold;line-height:1.4}
.note,.quote,h3,dl.meta{font-family:"AR PL UKai CN","KaiTi","STKaiti",serif}.note{color:#595959;font-size:9.5pt}
h1{font-size:16pt;border-bottom:1px solid #b71c1c;padding-bottom:4px;margin-top:2em;break-after:avoid}h2,h3{break-after:avoid}thead{display:table-header-group}tr{break-inside:avoid}
h2{font-size:13.5pt;margin:1.4em 0 .6em}
h2 .label{background:#b71c1c;color:#fff;padding:0 6px;margin-right:8px;font-size:12.5pt}
h3{color:#b71c1c;font-size:11.5pt;border-left:3px solid #b71c1c;padding-left:6px}
p{text-indent:2em;margin:.3em 0;text-align:justify}
.cover{min-height:90vh;border-top:14px solid #b71c1c;padding-top:80px}
.cover .kind{color:#666;font-size:14pt}.cover .county{font-size:34pt;margin:.2em 0}
.cover .period{color:#b71c1c;font-size:20pt}.cover .title{font-size:22pt;margin-top:1.5em}
.cover .subtitle{color:#666;font-size:13pt}
dl.meta{background:#f4f1ec;border-left:3px solid #b71c1c;padding:8px 12px}dl.meta dt{color:#666;float:left;width:6em}dl.meta dd{margin-left:6.5em}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:10px}
.card{background:#f4f1ec;border-top:2px solid #b71c1c;padding:6px 8px}.card .name{color:#666;font-size:9pt}
.card .big{font-size:20pt}.card .unit{font-size:10.5pt}.up{color:#c62828}.down{color:#2e7d32}
.tag{border:1px solid #b71c1c;color:#b71c1c;font-size:8pt;padding:0 3px;margin-right:4px}
table{border-collapse:collapse;width:100%;font-size:9.5pt}th{background:#b71c1c;color:#fff;font-weight:normal;text-align:left;padding:4px 5px}
td{padding:4px 5px;border-bottom:.4px solid #c8c8c8}tr:nth-child(even) td{background:#f4f1ec}td.num{text-align:right}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}
.photos{display:grid;grid-template-columns:1fr 1fr;gap:16px}.photos img{width:100%}
figcaption{font-size:10pt}.credit{color:#666;font-size:9pt}`

// renderHTML writes the report as one self-contained HTML file (inline CSS,
// inline SVG charts, photos as data: URLs).
func renderHTML(ds *dataset.Dataset, l *labels, charts []*layout.Chart, photos []photo) []byte {
	var b bytes.Buffer
	e := html.EscapeString
	w := func(ss ...string) {
		for _, s := range ss {
			b.WriteString(s)
		}
	}
	m := &ds.Meta
	css := htmlCSS
	if l.Lang == "en" {
		css = strings.Replace(css, "第 \" counter(page) \" 页 / 共 \" counter(pages) \" 页", "Page \" counter(page) \" of \" counter(pages)", 1)
	}
	w("<!DOCTYPE html>\n<html lang=\"", l.Lang, "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>",
		e(m.CountyName+" "+l.period(m.Period)+" — "+m.Title), "</title>\n<style>\n", css, "\n</style>\n</head>\n<body>\n")
	kind := l.ReportKind
	if m.City != "" {
		kind = m.City + " · " + kind
	}
	w("<section class=\"cover\">\n<div class=\"kind\">", e(kind), "</div>\n<div class=\"county\">", e(m.CountyName), "</div>\n<div class=\"period\">", e(l.ReportPeriod+" "+l.period(m.Period)+" · "+l.FiguresPeriod+" "+l.figures(m.Figures())), "</div>\n<div class=\"title\">", e(m.Title), "</div>\n")
	if m.Subtitle != "" {
		w("<div class=\"subtitle\">", e(m.Subtitle), "</div>\n")
	}
	w("</section>\n")
	chap := 0
	h1 := func(t string) { w("<h1>", e(l.chapter(chap, t)), "</h1>\n"); chap++ }
	para := func(s string) {
		for _, p := range strings.Split(s, "\n") {
			w("<p>", e(p), "</p>\n")
		}
	}
	h1(l.Overview)
	if m.Issuer == "" && m.Source != nil {
		pub := m.Source.Publication
		if l.en() {
			pub = "the " + pub
		}
		w("<p class=\"note\">", e(fmt.Sprintf(l.CompiledFrom, pub)), "</p>\n")
		if len(m.Lead) > 0 {
			w("<h3>", e(fmt.Sprintf(l.LeadFrom, m.Source.Publication)), "</h3>\n")
		}
		for _, p := range m.Lead {
			w("<p class=\"quote\">", e(p), "</p>\n")
		}
	} else {
		for _, p := range m.Lead {
			para(p)
		}
	}
	w("<dl class=\"meta\">\n")
	if m.Issuer != "" {
		w("<dt>", e(l.Issuer), "</dt><dd>", e(m.Issuer), "</dd>\n")
	}
	if m.Event != nil {
		w("<dt>", e(l.Event), "</dt><dd>", e(m.Event.Name))
		if m.Event.Date != "" {
			w("（", e(l.date(m.Event.Date)), "）")
		}
		w("</dd>\n")
	}
	if s := m.Source; s != nil {
		w("<dt>", e(l.Publication), "</dt><dd>", e(s.Publication))
		if s.Headline != "" {
			w("《", e(s.Headline), "》")
		}
		w("</dd>\n")
		if len(s.Authors) > 0 {
			w("<dt>", e(l.Authors), "</dt><dd>", e(strings.Join(s.Authors, "　")), "</dd>\n")
		}
	}
	w("</dl>\n")

	h1(l.Indicators)
	fig := m.Figures()
	word := l.changeWord(fig)
	w("<p class=\"note\">", e(fmt.Sprintf(l.FiguresNote, l.figures(fig))), "</p>\n")
	w("<h3>", e(l.KeyCards), "</h3>\n<div class=\"cards\">\n")
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		if !in.Key || in.Value == nil && in.Change == nil {
			continue
		}
		w("<div class=\"card\"><div class=\"name\">", e(in.Name), "</div><div>")
		if in.Value != nil {
			w("<span class=\"big\">", e(in.Value.String()), "</span><span class=\"unit\">", e(in.Unit), "</span>")
		} else {
			w("<span class=\"big ", dir(in.Change), "\">", e(change(in.Change)), "</span><span class=\"unit\">", e(word), "</span>")
		}
		w("</div><div>")
		if in.Estimated {
			w("<span class=\"tag\">", e(l.Estimated), "</span>")
		}
		if in.Value != nil && in.Change != nil {
			w("<span class=\"", dir(in.Change), "\">", e(word+" "+change(in.Change)), "</span> ")
		}
		w(e(in.Milestone), "</div></div>\n")
	}
	w("</div>\n<h3>", e(l.period(fig)+" "+l.Table), "</h3>\n<table>\n<thead><tr><th>", e(l.Name), "</th><th>", e(l.period(fig)), "</th><th>", e(l.Unit), "</th><th>", e(word), "</th><th>", e(l.Remarks), "</th></tr></thead>\n")
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		if in.Value == nil && in.Change == nil {
			continue
		}
		v, c, cl := "—", "—", ""
		if in.Value != nil {
			v = in.Value.String()
		}
		if in.Change != nil {
			c, cl = change(in.Change), dir(in.Change)
		}
		w("<tr><td>", e(in.Name), "</td><td class=\"num\">", e(v), "</td><td>", e(in.Unit), "</td><td class=\"num ", cl, "\">", e(c), "</td><td>", e(l.remarks(in, fig)), "</td></tr>\n")
	}
	w("</table>\n")
	targets := false
	for i := range ds.Indicators {
		in := &ds.Indicators[i]
		if in.Target == nil {
			continue
		}
		if !targets {
			w("<h3>", e(l.period(m.TargetPeriod)+" "+l.Targets), "</h3>\n<table>\n<thead><tr><th>", e(l.Name), "</th><th>", e(l.Target), "</th></tr></thead>\n")
			targets = true
		}
		w("<tr><td>", e(in.Name), "</td><td>", e(l.target(in)), "</td></tr>\n")
	}
	if targets {
		w("</table>\n")
	}
	if len(charts) > 0 {
		h1(l.Charts)
		for _, c := range charts {
			w("<figure id=\"", c.Name, "\">\n", string(c.SVG()), "</figure>\n")
		}
	}
	owner := sectionOwners(ds.Sections)
	chapterOf := func(kind, title string) {
		started := false
		for i, s := range ds.Sections {
			if owner[i] != kind {
				continue
			}
			if !started {
				h1(title)
				started = true
			}
			writeSection(w, e, para, l, s)
		}
	}
	chapterOf(dataset.KindReview, l.Review)
	if len(ds.Projects) > 0 {
		h1(l.Projects)
		w("<table>\n<thead><tr><th>", e(l.Project), "</th><th>", e(l.Investment), "</th><th>", e(l.Status), "</th></tr></thead>\n")
		for _, p := range ds.Projects {
			inv := "—"
			if p.Investment != nil {
				inv = l.amount(p.Investment, p.Unit)
			}
			sep := "；"
			if l.en() {
				sep = "; "
			}
			st := strings.Trim(strings.Join([]string{p.Status, p.Note}, sep), sep)
			w("<tr><td>", e(p.Name), "</td><td class=\"num\">", e(inv), "</td><td>", e(st), "</td></tr>\n")
		}
		w("</table>\n")
	}
	chapterOf(dataset.KindPlan, l.Plan)
	if len(photos) > 0 {
		h1(l.Photos)
		w("<div class=\"photos\">\n")
		var missing []photo
		for _, ph := range photos {
			if ph.img == nil {
				missing = append(missing, ph)
				continue
			}
			// A file named again is inlined once: the later figure
			// points at the first (one 31 MiB photo named four times
			// was inlined four times).
			key := sha256.Sum256(ph.img)
			id := "photo-" + hex.EncodeToString(key[:8])
			if ph.again {
				w("<figure><a href=\"#", id, "\">", e(l.PhotoSame), "</a>")
			} else {
				w("<figure id=\"", id, "\">")
				w("<img alt=\"", e(ph.p.Caption), "\" src=\"data:", http.DetectContentType(ph.img), ";base64,", base64.StdEncoding.EncodeToString(ph.img), "\">")
			}
			w("<figcaption>", e(ph.p.Caption))
			if ph.p.Credit != "" {
				w(" <span class=\"credit\">", e(l.PhotoCredit+ph.p.Credit), "</span>")
			}
			w("</figcaption></figure>\n")
		}
		w("</div>\n")
		if len(missing) > 0 {
			w("<p class=\"note\">", e(l.PhotoNote), "</p>\n<ol>\n")
			for _, ph := range missing {
				w("<li>", e(ph.p.Caption))
				if ph.p.Credit != "" {
					w(" <span class=\"credit\">", e(l.PhotoCredit+ph.p.Credit), "</span>")
				}
				w("</li>\n")
			}
			w("</ol>\n")
		}
	}
	w("</body>\n</html>\n")
	return b.Bytes()
}

func writeSection(w func(...string), e func(string) string, para func(string), l *labels, s dataset.Section) {
	if s.Label != "" || s.Title != "" {
		w("<h2>")
		if s.Label != "" {
			w("<span class=\"label\">", e(s.Label), "</span>")
		}
		t := s.Title
		if t == "" && s.Kind != dataset.KindNote {
			t = strings.TrimSpace(l.Untitled)
		}
		w(e(t), "</h2>\n")
	}
	if s.Kind == dataset.KindPlan {
		if s.Summary != "" {
			w("<h3>", e(l.Summary), "</h3>\n")
			para(s.Summary)
		}
		if len(s.Items) > 0 {
			w("<h3>", e(l.Tasks), "</h3>\n")
		}
	} else if s.Summary != "" {
		para(s.Summary)
	}
	for _, it := range s.Items {
		para(it)
	}
	for _, n := range s.Notes {
		w("<p class=\"note\">", e(l.EditorNote+n.Text), "</p>\n")
	}
}

func dir(n *dataset.Number) string {
	if n == nil {
		return ""
	}
	if n.Float() < 0 {
		return "down"
	}
	return "up"
}
