package county

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/render/lang"
)

// labels are the fixed words of the report in each language.
type labels struct {
	Lang, ReportKind, Contents, Overview, Indicators, Charts, Review, Plan string
	Projects, Photos, Source, KeyCards, Table, Targets, Name, Value        string
	Unit, Remarks, Estimated, ReportPeriod, FiguresPeriod, TargetPeriod    string
	Event, Issuer, Publication, Authors, Summary, Tasks, Status, Project   string
	Investment, ChartGrowth, ChartIncome, ChartAmounts, ChartTrend         string
	PageOf, PhotoCredit, CompiledFrom, SourceLine, EditorNote, Untitled    string
	Actual, Translation, LeadFrom, Target, AtLeast, AtMost, FiguresNote    string
	ChangeYear, ChangeMonth, PhotoNote, ChartNote, Preliminary             string
	PhotoSame                                                              string
	Numerals                                                               []string
}

var zh = labels{
	Lang: "zh-CN", ReportKind: "县域经济工作报告", Contents: "目　录", Overview: "概况", Indicators: "主要指标",
	Charts: "图表", Review: "工作回顾", Plan: "工作部署", Projects: "重点项目", Photos: "图片说明",
	Source: "来源", KeyCards: "核心指标", Table: "指标一览", Targets: "主要目标", Name: "指标", Value: "数值",
	Unit: "单位", Remarks: "备注", Estimated: "预计", Preliminary: "初步核算", ReportPeriod: "报告期", FiguresPeriod: "数据所属期",
	TargetPeriod: "目标年度", Event: "会议", Issuer: "发布单位", Publication: "刊载", Authors: "署名",
	Summary: "思路", Tasks: "任务", Status: "进展", Project: "项目", Investment: "投资",
	ChartGrowth: "%s主要经济指标增速（%%）", ChartIncome: "%s居民收入增速（%%）", ChartAmounts: "%s主要金额指标（%s）",
	ChartTrend: "增速走势（%）", PageOf: "第 %d 页 / 共 %d 页", PhotoCredit: "摄影：",
	CompiledFrom: "据《%s》报道整理", SourceLine: "资料来源：据《%s》%s报道整理。", EditorNote: "编者注：",
	Untitled: "（原文无标题）", Actual: "统计数", Translation: "译文", LeadFrom: "《%s》专版导语",
	Target: "目标", AtLeast: "以上", AtMost: "以内", FiguresNote: "以下数字均为%s数据；标“预计”者为预计数。",
	ChangeYear: "比上年", ChangeMonth: "同比",
	PhotoNote: "原报道配发图片如下（图片文件未收入本报告）：",
	PhotoSame: "（与上文同一张照片）",
	Numerals:  []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"},
}

var en = labels{
	Lang: "en", ReportKind: "Economic Report", Contents: "Contents", Overview: "Overview", Indicators: "Key indicators",
	Charts: "Charts", Review: "Review of the year", Plan: "Plans", Projects: "Key projects", Photos: "Photographs",
	Source: "Source", KeyCards: "Headline figures", Table: "All indicators", Targets: "Targets", Name: "Indicator", Value: "Value",
	Unit: "Unit", Remarks: "Notes", Estimated: "estimate", Preliminary: "preliminary", ReportPeriod: "Report period", FiguresPeriod: "Figures for",
	TargetPeriod: "Targets for", Event: "Meeting", Issuer: "Issued by", Publication: "Published in", Authors: "Credits",
	Summary: "Approach", Tasks: "Measures", Status: "Status", Project: "Project", Investment: "Investment",
	ChartGrowth: "Growth of the main economic indicators, %s (%%)", ChartIncome: "Growth of household incomes, %s (%%)", ChartAmounts: "Main amounts, %s (%s)",
	ChartTrend: "Growth over time (%)", PageOf: "Page %d of %d", PhotoCredit: "Photo: ",
	CompiledFrom: "Compiled from reports in %s", SourceLine: "Source: compiled from %s%s.", EditorNote: "Editor’s note: ",
	Untitled: " (untitled in the source)", Actual: "reported", Translation: "Translation", LeadFrom: "The %s’s introduction to its special page",
	Target: "Target", AtLeast: "at least", AtMost: "at most", FiguresNote: "All figures are for %s; those marked “estimate” are estimates. Rises are shown in red and falls in green, the Chinese convention.",
	ChangeYear: "on previous year", ChangeMonth: "year on year",
	PhotoNote: "The article was printed with these photographs, which this report does not include:",
	ChartNote: "Bars: red for a rise, green for a fall (the Chinese convention).",
	PhotoSame: "(the same photograph as above)",
	Numerals:  []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"},
}

func labelsFor(lang string) (*labels, error) {
	switch lang {
	case "", "zh-CN", "zh":
		return &zh, nil
	case "en":
		return &en, nil
	}
	return nil, fmt.Errorf("unknown language %q (want zh-CN or en)", lang)
}

func (l *labels) en() bool { return l.Lang == "en" }

// chapter numbers a chapter title: 一、概况 or 1. Overview.
func (l *labels) chapter(i int, title string) string {
	if l.en() {
		return strconv.Itoa(i+1) + ". " + title
	}
	n := strconv.Itoa(i + 1)
	if i < len(l.Numerals) {
		n = l.Numerals[i]
	}
	return n + "、" + title
}

var enMonths = lang.Months
var zhQuarters = []string{"第一季度", "第二季度", "第三季度", "第四季度"}

// period formats "2023-01" as 2023年1月 / January 2023, "2022" as 2022年 /
// 2022, "2022-Q3" as 2022年第三季度 / Q3 2022.
func (l *labels) period(p string) string {
	switch {
	case len(p) == 4:
		if l.en() {
			return p
		}
		return p + "年"
	case len(p) == 7 && p[5] == 'Q':
		q, _ := strconv.Atoi(p[6:])
		if q < 1 || q > 4 {
			return p
		}
		if l.en() {
			return "Q" + p[6:] + " " + p[:4]
		}
		return p[:4] + "年" + zhQuarters[q-1]
	case len(p) == 7:
		m, _ := strconv.Atoi(p[5:])
		if m < 1 || m > 12 {
			return p
		}
		if l.en() {
			return enMonths[m-1] + " " + p[:4]
		}
		return p[:4] + "年" + strconv.Itoa(m) + "月"
	}
	return p
}

// figures names the figures' period in full: 2022年全年 / the year 2022.
func (l *labels) figures(p string) string {
	if len(p) == 4 {
		if l.en() {
			return "the year " + p
		}
		return p + "年全年"
	}
	return l.period(p)
}

// date formats "2023-01-09" as 2023年1月9日 or 9 January 2023.
func (l *labels) date(d string) string {
	if len(d) != 10 {
		return d
	}
	m, _ := strconv.Atoi(d[5:7])
	day, _ := strconv.Atoi(d[8:])
	if l.en() && m >= 1 && m <= 12 {
		return fmt.Sprintf("%d %s %s", day, enMonths[m-1], d[:4])
	}
	return fmt.Sprintf("%s年%d月%d日", d[:4], m, day)
}

// changeWord is how a change reads for figures of period p: 比上年 for a
// year's figures, 同比 for a month's or a quarter's.
func (l *labels) changeWord(p string) string {
	if len(p) == 4 {
		return l.ChangeYear
	}
	return l.ChangeMonth
}

// change formats a change in percent with its sign: "+5.8%", "-10.4%".
func change(n *dataset.Number) string {
	s := n.String()
	if !strings.HasPrefix(s, "-") && n.Float() != 0 {
		s = "+" + s
	}
	return s + "%"
}

// target formats an indicator's target: 50万亩以上 / at least 50 10,000 mu.
func (l *labels) target(in *dataset.Indicator) string {
	if in.Target == nil {
		return ""
	}
	v := l.num(in.Target)
	if l.en() {
		s := v
		if in.UnitEn != "" {
			s += " " + in.UnitEn
		}
		switch in.TargetBound {
		case "min":
			s = l.AtLeast + " " + s
		case "max":
			s = l.AtMost + " " + s
		}
		return s
	}
	s := v + in.Unit
	switch in.TargetBound {
	case "min":
		s += l.AtLeast
	case "max":
		s += l.AtMost
	}
	return s
}

// amount is a value with its unit: 54.98亿元 / 5.498 billion yuan.
func (l *labels) amount(v *dataset.Number, unit string) string {
	if l.en() && unit != "" && unit != "%" {
		return l.num(v) + " " + unit
	}
	return l.num(v) + unit
}

// num writes a figure as published, in English with thousands separated
// (502,400; 1,678); Chinese figures stay as written (3758).
func (l *labels) num(n *dataset.Number) string {
	s := n.String()
	if !l.en() || strings.ContainsAny(s, "eE") {
		return s
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	in, frac, hasFrac := strings.Cut(s, ".")
	if len(in) < 4 {
		return sign + s
	}
	var b strings.Builder
	for i, c := range in {
		if i > 0 && (len(in)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

func (l *labels) remarks(in *dataset.Indicator, figures string) string {
	var parts []string
	switch {
	case in.Estimated:
		parts = append(parts, l.Estimated)
	case in.Preliminary:
		parts = append(parts, l.Preliminary)
	}
	if in.Basis != "" {
		parts = append(parts, in.Basis)
	}
	if in.Milestone != "" {
		parts = append(parts, in.Milestone)
	}
	sep := "；"
	if l.en() {
		sep = "; "
	}
	return strings.Join(parts, sep)
}
