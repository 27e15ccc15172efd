package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/countyreport/countyreport/internal/dataset"
)

// labels are the fixed words of the report in each language. The data (titles,
// narrative, indicator names without nameEn) stays as entered.
type labels struct {
	Lang                                                          string
	ReportKind, Contents, Overview, Indicators, Charts            string
	Review, Plan, Projects, Photos, Source                        string
	KeyCards, Table, Name, Value, Unit, Change, Remarks           string
	Estimated, Period, Basis, Event, Issuer, Publication          string
	Authors, Summary, Tasks, NoPhoto, Status, Investment, Project string
	ChartGrowth, ChartAmounts, ChartTrend, PageOf, Chapter        string
	PhotoCredit                                                   string
	Numerals                                                      []string
}

var zh = labels{
	Lang: "zh-CN", ReportKind: "县域经济月度报告", Contents: "目　录", Overview: "概览", Indicators: "主要指标",
	Charts: "图表分析", Review: "工作回顾", Plan: "工作部署", Projects: "重点项目", Photos: "图片",
	Source: "来源", KeyCards: "核心指标", Table: "指标一览", Name: "指标", Value: "数值", Unit: "单位",
	Change: "同比", Remarks: "备注", Estimated: "预计", Period: "报告期", Basis: "统计期", Event: "会议",
	Issuer: "发布单位", Publication: "刊载", Authors: "署名", Summary: "思路", Tasks: "任务",
	NoPhoto: "（图片文件未提供）", Status: "进展", Investment: "投资", Project: "项目",
	ChartGrowth: "主要指标同比增速（%）", ChartAmounts: "主要金额指标（%s）", ChartTrend: "增速走势（%）",
	PageOf: "第 %d 页 / 共 %d 页", PhotoCredit: "■",
	Numerals: []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"},
}

var en = labels{
	Lang: "en", ReportKind: "County Monthly Economic Report", Contents: "Contents", Overview: "Overview", Indicators: "Key indicators",
	Charts: "Charts", Review: "Review", Plan: "Plans", Projects: "Projects", Photos: "Photographs",
	Source: "Source", KeyCards: "Headline figures", Table: "All indicators", Name: "Indicator", Value: "Value", Unit: "Unit",
	Change: "YoY", Remarks: "Notes", Estimated: "estimate", Period: "Period", Basis: "Covers", Event: "Meeting",
	Issuer: "Issued by", Publication: "Published in", Authors: "Credits", Summary: "Approach", Tasks: "Tasks",
	NoPhoto: "(photo file not supplied)", Status: "Status", Investment: "Investment", Project: "Project",
	ChartGrowth: "Year-on-year growth of main indicators (%)", ChartAmounts: "Main amounts (%s)", ChartTrend: "Growth over time (%)",
	PageOf: "Page %d of %d", PhotoCredit: "Photo:",
	Numerals: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"},
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

func (l *labels) chapter(i int, title string) string {
	if l.Lang == "en" {
		return strconv.Itoa(i+1) + ". " + title
	}
	n := strconv.Itoa(i + 1)
	if i < len(l.Numerals) {
		n = l.Numerals[i]
	}
	return n + "、" + title
}

var enMonths = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// period formats "2023-01" as 2023年1月 or January 2023.
func (l *labels) period(p string) string {
	if len(p) != 7 {
		return p
	}
	m, _ := strconv.Atoi(p[5:])
	if l.Lang == "en" {
		if m >= 1 && m <= 12 {
			return enMonths[m-1] + " " + p[:4]
		}
		return p
	}
	return p[:4] + "年" + strconv.Itoa(m) + "月"
}

// date formats "2023-01-09" as 2023年1月9日 or 9 January 2023.
func (l *labels) date(d string) string {
	if len(d) != 10 {
		return d
	}
	m, _ := strconv.Atoi(d[5:7])
	day, _ := strconv.Atoi(d[8:])
	if l.Lang == "en" && m >= 1 && m <= 12 {
		return fmt.Sprintf("%d %s %s", day, enMonths[m-1], d[:4])
	}
	return fmt.Sprintf("%s年%d月%d日", d[:4], m, day)
}

func (l *labels) county(m *dataset.Meta) string {
	if l.Lang == "en" && m.CountyNameEn != "" {
		return m.CountyNameEn + " (" + m.CountyName + ")"
	}
	return m.CountyName
}

func (l *labels) indicatorName(in *dataset.Indicator) string {
	if l.Lang == "en" && in.NameEn != "" {
		return in.NameEn
	}
	return in.Name
}

// change formats a year-on-year change with its sign: "+5.8%", "-10.4%".
func change(n *dataset.Number) string {
	s := n.String()
	if !strings.HasPrefix(s, "-") && n.Float() != 0 {
		s = "+" + s
	}
	return s + "%"
}

func (l *labels) remarks(in *dataset.Indicator) string {
	var parts []string
	if in.Estimated {
		parts = append(parts, l.Estimated)
	}
	if in.Milestone != "" {
		parts = append(parts, in.Milestone)
	}
	if in.Basis != "" && l.Lang == "en" {
		parts = append(parts, in.Basis)
	}
	sep := "；"
	if l.Lang == "en" {
		sep = "; "
	}
	return strings.Join(parts, sep)
}
