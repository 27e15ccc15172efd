package notify

import (
	"strings"
	"testing"
	"time"
)

func TestPhrasesComplete(t *testing.T) {
	for _, lang := range Languages {
		for _, k := range Kinds {
			p, ok := phrases[lang][k]
			if !ok || p.Subject == "" || p.Lead == "" {
				t.Errorf("%s: no phrase for %s", lang, k)
			}
		}
		for w := range words["zh-CN"] {
			if words[lang][w] == "" {
				t.Errorf("%s: no word %q", lang, w)
			}
		}
	}
}

func TestRenderEveryKindBothLanguages(t *testing.T) {
	for _, lang := range Languages {
		for _, k := range Kinds {
			e := sample(k)
			e.County, e.CountyEn = "衡南县", "Hengnan County"
			m, err := Render(e, lang, "id")
			if err != nil {
				t.Fatalf("%s %s: %v", lang, k, err)
			}
			for part, s := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML, "markdown": m.Markdown} {
				if strings.Contains(s, "<no value>") || strings.TrimSpace(s) == "" {
					t.Errorf("%s %s %s: %q", lang, k, part, s)
				}
			}
			if !strings.Contains(m.Text, e.Link) || !strings.Contains(m.HTML, `href="`+e.Link+`"`) {
				t.Errorf("%s %s: no link to the portal page", lang, k)
			}
		}
	}
}

func TestRenderLanguages(t *testing.T) {
	tests := map[string]struct{ lang, subject, lead string }{
		"zh-CN":                {"zh-CN", "【退回】衡南县 2023-01 数据被退回", "审核意见：一般公共预算收入"},
		"en":                   {"en", "Returned: Hengnan County's figures for 2023-01", "Comment: 一般公共预算收入"},
		"unknown reads zh-CN":  {"fr", "【退回】衡南县 2023-01 数据被退回", "审核意见"},
		"empty reads zh-CN":    {"", "【退回】衡南县 2023-01 数据被退回", "审核意见"},
		"reminder with a date": {"zh-CN", "【催报】衡南县 2023-01 数据请于 2023年2月6日 00:00 前报送", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			kind := EventReturned
			if strings.HasPrefix(name, "reminder") {
				kind = EventReminder
			}
			m := rendered(t, kind, tc.lang)
			if m.Subject != tc.subject {
				t.Errorf("subject %q, want %q", m.Subject, tc.subject)
			}
			if !strings.Contains(m.Text, tc.lead) {
				t.Errorf("text %q lacks %q", m.Text, tc.lead)
			}
		})
	}
}

// TestRenderEscapes: a comment is data, never markup, in HTML and markdown.
// TestOverdueNamesTheCounty: the county's own overdue notice names it, as the city's does.
func TestOverdueNamesTheCounty(t *testing.T) {
	own := rendered(t, EventOverdue, "zh-CN")
	if own.Subject != "【逾期】衡南县 2023-01 数据逾期未报" {
		t.Errorf("county's notice: %q", own.Subject)
	}
	en := rendered(t, EventOverdue, "en")
	if en.Subject != "Overdue: Hengnan County's figures for 2023-01" {
		t.Errorf("county's notice in English: %q", en.Subject)
	}
	e := sample(EventOverdue)
	e.Tenant, e.TenantName, e.TenantNameEn, e.County, e.CountyEn = "430400", "衡阳市", "Hengyang City", "祁东县", "Qidong County"
	m, err := Render(e, "en", "id")
	if err != nil || m.Subject != "Overdue: Qidong County's figures for 2023-01" {
		t.Errorf("city's notice: %q (%v)", m.Subject, err)
	}
}

func TestRenderEscapes(t *testing.T) {
	e := sample(EventReturned)
	e.Comment = `<script>alert(1)</script> [点我](https://evil.example/) **粗体**`
	e.TenantName = "衡南县\r\nBcc: x@example.org"
	m, err := Render(e, "zh-CN", "id")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Errorf("HTML does not escape the comment: %s", m.HTML)
	}
	if strings.Contains(m.Markdown, "[点我](https") || strings.Contains(m.Markdown, " **粗体**") {
		t.Errorf("markdown does not escape the comment: %s", m.Markdown)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject spans lines: %q", m.Subject)
	}
}

func TestEventKey(t *testing.T) {
	e := sample(EventReturned)
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := e.Key(), "returned.430422.2023-01.20230203T093000Z"; got != want {
		t.Errorf("key %q, want %q", got, want)
	}
	r := Event{Kind: EventReminder, Tenant: "430422", Period: "2023-01", At: time.Unix(1, 0)}
	r2 := r
	r2.At = time.Unix(99999, 0)
	if r.Key() != r2.Key() {
		t.Error("a reminder re-evaluated later must keep its key")
	}
	for _, bad := range []Event{{Kind: "x", Tenant: "430422"}, {Kind: EventTest, Tenant: "43042"},
		{Kind: EventTest, Tenant: "430422", Period: "2023-13"}, {Kind: EventTest, Tenant: "430422", Ref: "../x"}} {
		if bad.Validate() == nil {
			t.Errorf("Validate(%+v) = nil", bad)
		}
	}
}
