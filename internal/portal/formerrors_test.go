package portal

import (
	"testing"

	"github.com/countyreport/countyreport/internal/submission"
)

func TestFormProblems(t *testing.T) {
	v := &formView{
		Indicators: []formIndicator{{N: 0, Name: "地方税收"}, {N: 1, Name: "地区生产总值", NameEn: "GDP"}},
		Sections:   []formSection{{N: 0, Title: "工作回顾"}},
	}
	p := func(path, zh, en string) submission.Problem {
		return submission.Problem{Path: path, Where: path, WhereEn: path, Msg: zh, MsgEn: en}
	}
	cases := []struct {
		p                 submission.Problem
		lang, text, field string
	}{
		{p("indicators[1].value", "应为数字，实为字符串", "must be a number, not a string"), "zh-CN",
			"指标第2行「地区生产总值」的数值：应为数字，实为字符串", "ind-1-value"},
		{p("indicators[1].value", "应为数字，实为字符串", "must be a number, not a string"), "en",
			"Indicators row 2 (GDP), value: must be a number, not a string", "ind-1-value"},
		{p("indicators[0]", "缺少数值或同比", "needs a value or a change"), "zh-CN", "指标第1行「地方税收」：缺少数值或同比", ""},
		{p("sections[0].items", "不能为空", "must not be empty"), "zh-CN", "文字部分第1节「工作回顾」的条目（每行一条）：不能为空", "sec-0-items"},
		{p("meta.title", "不能为空", "must not be empty"), "en", "Title: must not be empty", "title"},
		{p("sections", "至少需要一节", "at least one section is required"), "zh-CN", "文字部分：至少需要一节", "sec-0-kind"},
		{p("indicators[7].value", "x", "x"), "zh-CN", "indicators[7].value：x", ""}, // no such row: as given
	}
	for _, c := range cases {
		got := v.locateOne(c.p, c.lang)
		if got.Text != c.text || got.Field != c.field {
			t.Errorf("%s (%s) = %+v, want %q at %q", c.p.Path, c.lang, got, c.text, c.field)
		}
	}
	if !v.Indicators[1].Bad["value"] || v.Indicators[0].Bad["value"] || !v.Sections[0].Bad["items"] || !v.BadTitle {
		t.Errorf("marks: %+v %+v %v", v.Indicators, v.Sections, v.BadTitle)
	}
}

func TestFormWhere(t *testing.T) {
	cases := []struct{ path, lang, want string }{
		{"indicators[1].value", "zh-CN", "指标第2行 · 数值"},
		{"indicators[0].change", "en", "Indicators row 1 · YoY change"},
		{"sections[0].title", "zh-CN", "文字部分第1节 · 标题"},
		{"sections[2]", "en", "Narrative 3"},
		{"meta.title", "zh-CN", "标题"},
		{"meta.source.url", "zh-CN", "meta.source.url"},
	}
	for _, c := range cases {
		if got := formWhere(c.path, c.lang); got != c.want {
			t.Errorf("formWhere(%s, %s) = %q, want %q", c.path, c.lang, got, c.want)
		}
	}
}
