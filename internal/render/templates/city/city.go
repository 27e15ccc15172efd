// Package city is the city's monthly comparison report, the renderer's second
// template: a cover, the month's board of submissions, the composite ranking
// and each indicator's ranking with a chart, the method (formula, weights,
// statistics and the input figures) and the sources. It composes the layout
// primitives only. The edition is Simplified Chinese.
package city

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render/layout"
)

// Input is what the report shows: the city, the month's board and its
// ranking (which carries its own input).
type Input struct {
	CityName string // 衡阳市
	Period   string // YYYY-MM
	Deadline string // as shown, e.g. 2023-02-05 24:00 (Asia/Shanghai)
	Board    []BoardRow
	Ranking  *ranking.Result
	Sources  []Source
}

// BoardRow is one county's submission as the board shows it.
type BoardRow struct {
	Name, State, SubmittedAt, By, Verdict string
}

// Source is where one county's figures were published.
type Source struct {
	County, Publication, Date, URL string
}

// Output is the rendered report and its charts (SVG, one per ranking).
type Output struct {
	PDF    []byte
	Pages  int
	Charts []layout.File
}

var (
	stBody    = layout.Style{Face: layout.Serif, Size: 10.5, Leading: 19, Color: layout.ColText, Indent: 21, After: 3}
	stNote    = layout.Style{Face: layout.Kai, Size: 9.5, Leading: 15.5, Color: layout.ColMuted, After: 4}
	stChapter = layout.Style{Face: layout.Sans, Size: 16, Leading: 24, Color: layout.ColText, Bold: true, Align: layout.Left, After: 10}
	stSection = layout.Style{Face: layout.Sans, Size: 12.5, Leading: 19, Color: layout.ColText, Bold: true, Align: layout.Left, After: 5}
	stCaption = layout.Style{Face: layout.Sans, Size: 10, Leading: 16, Color: layout.ColText, Bold: true, Align: layout.Center, After: 4}
	stFormula = layout.Style{Face: layout.Serif, Size: 10.5, Leading: 19, Color: layout.ColText, Align: layout.Left, After: 2}
)

const keep = 3 * 19.0

var methodNames = map[string]string{
	ranking.MinMax:   "极差标准化法（0～1）",
	ranking.Efficacy: "功效系数法（60～100分）",
	ranking.ZScore:   "标准分数法（z 分数）",
}

var measureNames = map[string]string{ranking.Value: "总量", ranking.Change: "增速"}

var chapters = []string{"一、报送情况", "二、综合排名", "三、分项排名", "四、方法说明", "五、资料来源"}

type report struct {
	in     *Input
	f      *layout.Flow
	charts []*layout.Chart
}

// Render sets the city's report of in.
func Render(in *Input, fonts *layout.Fonts) (*Output, error) {
	if in.Ranking == nil {
		return nil, fmt.Errorf("city report: no ranking for %s", in.Period)
	}
	r := &report{in: in, f: layout.New(fonts)}
	r.f.Furniture = r.furniture
	r.cover()
	r.f.NewPage(false)
	r.board()
	r.composite()
	r.indicators()
	r.method()
	r.sources()
	out := &Output{PDF: r.f.Finish(layout.Meta{
		Title: in.CityName + " 县(市)主要指标比较 " + period(in.Period), Author: in.CityName,
		Subject: "报告期 " + period(in.Period), Keywords: in.CityName + ", 县域比较, " + methodNames[in.Ranking.Input.Method], Lang: "zh-CN",
	}), Pages: r.f.Pages()}
	for _, c := range r.charts {
		out.Charts = append(out.Charts, layout.File{Name: c.Name + ".svg", Data: c.SVG()})
	}
	return out, nil
}

func period(p string) string {
	if len(p) != 7 {
		return p
	}
	m, _ := strconv.Atoi(p[5:])
	return p[:4] + "年" + strconv.Itoa(m) + "月"
}

func (r *report) furniture(p *layout.Page, n, total int) {
	sans := r.f.Font(layout.Sans)
	left := []rune(r.in.CityName + " · 县(市)主要指标比较")
	right := []rune("报告期 " + period(r.in.Period))
	p.Text(sans, layout.MarginX, 46, 8.5, layout.ColMuted, left, nil, false)
	p.Text(sans, layout.MarginX+layout.ContentW-sans.TextWidth(string(right), 8.5), 46, 8.5, layout.ColMuted, right, nil, false)
	p.Rect(layout.MarginX, 52, layout.ContentW, 0.6, layout.ColAccent)
	foot := fmt.Sprintf("第 %d 页 / 共 %d 页", n, total)
	p.Rect(layout.MarginX, layout.PageH-48, layout.ContentW, 0.4, layout.ColRule)
	p.Text(sans, (layout.PageW-sans.TextWidth(foot, 8.5))/2, layout.PageH-32, 8.5, layout.ColMuted, []rune(foot), nil, false)
}

func (r *report) cover() {
	f, in := r.f, r.in
	f.NewPage(true)
	f.Draw(func(p *layout.Page) {
		p.Rect(0, 0, layout.PageW, 10, layout.ColAccent)
		p.Rect(layout.MarginX, 292, layout.ContentW, 1.6, layout.ColAccent)
	})
	centre := func(y float64, st layout.Style, s string) {
		f.Text(layout.MarginX+(layout.ContentW-f.TextWidth(s, st))/2, y, st, s)
	}
	centre(140, layout.Style{Face: layout.Sans, Size: 14, Color: layout.ColAccent}, "县(市)主要指标比较月报")
	centre(182, layout.Style{Face: layout.Sans, Size: 32, Color: layout.ColText, Bold: true}, in.CityName)
	centre(244, layout.Style{Face: layout.Sans, Size: 17, Color: layout.ColText}, period(in.Period))
	f.SetY(318)
	f.Para(fmt.Sprintf("%d个县(市)报送情况、综合排名与分项排名", len(in.Ranking.Input.Members)),
		layout.Style{Face: layout.Serif, Size: 19, Leading: 30, Color: layout.ColText, Bold: true, Align: layout.Center, After: 6})
	f.SetY(layout.PageH - 250)
	rows := [][2]string{
		{"报告期", period(in.Period)},
		{"报送截止", in.Deadline},
		{"比较方法", methodNames[in.Ranking.Input.Method]},
		{"编制单位", in.CityName},
	}
	key := layout.Style{Face: layout.Sans, Size: 10.5, Color: layout.ColMuted}
	val := layout.Style{Face: layout.Serif, Size: 10.5, Leading: 18, Color: layout.ColText, Align: layout.Left, After: 4}
	for _, row := range rows {
		f.Text(layout.MarginX+40, f.Y()+3.5, key, row[0])
		f.ParaAt(row[1], val, layout.MarginX+130, layout.ContentW-170)
	}
}

func (r *report) chapter(n int) {
	if r.f.Y() > layout.Top {
		r.f.Space(14)
	}
	r.f.Heading(chapters[n], stChapter, keep+20, 0)
	r.f.Rule(0.8, layout.ColAccent)
	r.f.Space(10)
}

func (r *report) board() {
	r.chapter(0)
	counts := map[string]int{}
	rows := make([][]string, 0, len(r.in.Board))
	for _, b := range r.in.Board {
		counts[b.State]++
		by := b.By
		if by == "" {
			by = "—"
		}
		rows = append(rows, []string{b.Name, b.State, b.SubmittedAt, by, b.Verdict})
	}
	var parts []string
	for _, b := range r.in.Board {
		if n := counts[b.State]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s%d个", b.State, n))
			counts[b.State] = 0
		}
	}
	r.f.Para(fmt.Sprintf("本期应报送%d个县(市)，报送截止时间为%s。其中%s。", len(r.in.Board), r.in.Deadline, strings.Join(parts, "，")), stBody)
	r.f.Table(layout.Table{
		Caption: "表1　各县(市)报送与审核情况", CaptionStyle: stCaption,
		Cols: []layout.Column{{Title: "县(市)", W: 80}, {Title: "状态", W: 90}, {Title: "报送时间", W: 110, Sans: true}, {Title: "报送人", W: 70, Sans: true}, {Title: "审核意见", W: layout.ContentW - 350}},
		Rows: rows,
	})
}

func (r *report) composite() {
	res := r.in.Ranking
	if len(res.Input.Terms) == 0 {
		return
	}
	r.chapter(1)
	var terms []string
	for _, t := range res.Input.Terms {
		terms = append(terms, r.termName(t))
	}
	r.f.Para(fmt.Sprintf("综合得分按%s计算，参评指标为%s。缺少任一参评指标的县(市)不计综合得分，标注“缺项”；未报送的标注“未上报”，均不按零分排名。",
		methodNames[res.Input.Method], strings.Join(terms, "、")), stBody)
	var rows [][]string
	var bars []layout.Bar
	for _, s := range res.Composite {
		if s.Score == nil {
			var lacks []string
			for _, l := range s.Lacks {
				id, measure, _ := strings.Cut(l, "/")
				lacks = append(lacks, "缺"+r.termLabel(id, measure))
			}
			rows = append(rows, []string{"—", s.Name, s.Missing, strings.Join(lacks, "、")})
			continue
		}
		var parts []string
		for _, ts := range s.Terms {
			parts = append(parts, fmt.Sprintf("%s %s", r.termLabel(ts.ID, ts.Measure), score(ts.Normalized)))
		}
		rows = append(rows, []string{strconv.Itoa(s.Rank), s.Name, score(*s.Score), strings.Join(parts, "；")})
		bars = append(bars, layout.Bar{Label: s.Name, Value: *s.Score, Text: score(*s.Score)})
	}
	r.f.Table(layout.Table{
		Caption: "表2　综合得分与排名", CaptionStyle: stCaption,
		Cols: []layout.Column{{Title: "排名", W: 40, Right: true}, {Title: "县(市)", W: 80}, {Title: "综合得分", W: 70, Right: true}, {Title: "各项得分", W: layout.ContentW - 190}},
		Rows: rows,
	})
	r.chart("chart-composite", "综合得分（"+methodNames[res.Input.Method]+"）", bars, false)
}

func (r *report) indicators() {
	res := r.in.Ranking
	if len(res.Indicators) == 0 {
		return
	}
	r.chapter(2)
	r.f.Para("各指标按县(市)报送的同一指标（按指标代码匹配）比较，总量按数值、增速按同比增长率排列；数值相同者并列，后续名次顺延。", stBody)
	for i, ind := range res.Indicators {
		title := fmt.Sprintf("（%d）%s%s", i+1, ind.Name, measureNames[ind.Measure])
		r.f.Heading(title, stSection, keep+120, 1)
		unit := ind.Unit
		var rows [][]string
		for _, row := range ind.Rows {
			if row.Rank == 0 {
				rows = append(rows, []string{"—", row.Name, row.Missing})
				continue
			}
			rows = append(rows, []string{strconv.Itoa(row.Rank), row.Name, row.Literal})
		}
		bars := Bars(ind, func(row ranking.Row) string { return row.Name })
		r.f.Table(layout.Table{
			Cols: []layout.Column{{Title: "名次", W: 60, Right: true}, {Title: "县(市)", W: 120}, {Title: measureNames[ind.Measure] + "（" + unit + "）", W: 120, Right: true}},
			Rows: rows,
		})
		r.chart(fmt.Sprintf("chart-%d-%s-%s", i+1, ind.ID, ind.Measure), ind.Name+measureNames[ind.Measure]+"（"+unit+"）", bars, ind.Measure == ranking.Change)
	}
}

// Bars are an indicator's bars as the report and the city portal draw
// them: the ranked members in rank order, labelled by label; members
// without a comparable figure (未上报) have no bar, never a zero one.
func Bars(ind ranking.Ranking, label func(ranking.Row) string) []layout.Bar {
	var bars []layout.Bar
	for _, row := range ind.Rows {
		if row.Rank == 0 || row.Figure == nil {
			continue
		}
		text := row.Literal
		if ind.Measure == ranking.Change {
			text += "%"
		}
		bars = append(bars, layout.Bar{Label: label(row), Value: *row.Figure, Text: text})
	}
	return bars
}

// Chart is an indicator's bar chart, width points wide; changes are drawn
// about zero (signed).
func Chart(f *layout.Font, name, title, source string, bars []layout.Bar, signed bool, width float64) *layout.Chart {
	return layout.BarChart(f, layout.BarSpec{Name: name, Title: title, Bars: bars, Width: width, Signed: signed, Source: source})
}

func (r *report) chart(name, title string, bars []layout.Bar, signed bool) {
	if len(bars) == 0 {
		return
	}
	c := Chart(r.f.Font(layout.Sans), name, title, "资料来源：各县(市)报送数据，见“五、资料来源”。", bars, signed, layout.ContentW)
	r.charts = append(r.charts, c)
	r.f.Space(6)
	r.f.Chart(c)
}

func (r *report) method() {
	res := r.in.Ranking
	r.chapter(3)
	r.f.Para("记第 i 项参评指标在参评县(市)中的最小值、最大值、平均值和总体标准差分别为 min、max、mean、σ，权重 w 按各项权重之和归一。各项先作无量纲化：", stBody)
	for _, line := range []string{
		"极差标准化：s = (x - min) / (max - min)；越小越好的指标取 (max - x) / (max - min)。",
		"功效系数法：s = 60 + 40 × (x - min) / (max - min)，最差者60分，最优者100分。",
		"标准分数：s = (x - mean) / σ；越小越好的指标取 (mean - x) / σ。",
		"综合得分 = Σ w × s。各县(市)数值全部相同（或仅一县）时，该项极差标准化取1、功效系数取100、标准分数取0。",
	} {
		r.f.ParaAt("· "+line, stFormula, layout.MarginX+21, layout.ContentW-21)
	}
	r.f.Para("本期采用"+methodNames[res.Input.Method]+"。参评指标、权重与统计量如下；计算所用原始数据一并列出，据此可复核每一项得分。", stBody)
	total := 0
	for _, t := range res.Input.Terms {
		total += t.Weight
	}
	var rows [][]string
	for i, t := range res.Input.Terms {
		dir := "越大越好"
		if t.Direction == ranking.Lower {
			dir = "越小越好"
		}
		row := []string{r.termName(t), t.ID, fmt.Sprintf("%d/%d", t.Weight, total), dir, "—", "—", "—", "—"}
		if i < len(res.Stats) {
			s := res.Stats[i]
			row[4], row[5], row[6], row[7] = num(s.Min), num(s.Max), num(s.Mean), num(s.SD)
		}
		rows = append(rows, row)
	}
	if len(rows) > 0 {
		w := (layout.ContentW - 235) / 4
		r.f.Table(layout.Table{
			Caption: "表3　参评指标、权重与统计量", CaptionStyle: stCaption,
			Cols: []layout.Column{{Title: "指标", W: 100}, {Title: "代码", W: 40, Sans: true}, {Title: "权重", W: 35, Right: true}, {Title: "方向", W: 60},
				{Title: "最小值", W: w, Right: true}, {Title: "最大值", W: w, Right: true}, {Title: "平均值", W: w, Right: true}, {Title: "标准差", W: w, Right: true}},
			Rows: rows, Size: 9,
		})
	}
	r.inputs()
}

// inputs lists the figures each term was computed from, as the counties wrote them.
func (r *report) inputs() {
	res := r.in.Ranking
	if len(res.Input.Terms) == 0 {
		return
	}
	cols := []layout.Column{{Title: "县(市)", W: 90}}
	w := (layout.ContentW - 90) / float64(len(res.Input.Terms))
	for _, t := range res.Input.Terms {
		cols = append(cols, layout.Column{Title: r.termName(t), W: w, Right: true})
	}
	var rows [][]string
	for _, m := range res.Input.Members {
		row := []string{m.Name}
		for _, t := range res.Input.Terms {
			f := m.Figures[t.ID]
			v := f.Value
			if t.Measure == ranking.Change {
				v = f.Change
			}
			if v == "" {
				v = ranking.NotReported
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	r.f.Table(layout.Table{Caption: "表4　计算所用数据（按报送原值）", CaptionStyle: stCaption, Cols: cols, Rows: rows})
}

func (r *report) sources() {
	r.f.Ensure(keep + 140) // the heading with the table's header and first rows
	r.chapter(4)
	if len(r.in.Sources) == 0 {
		r.f.Para("各县(市)报送数据。", stBody)
		return
	}
	var rows [][]string
	for _, s := range r.in.Sources {
		pub := s.Publication
		if s.Date != "" {
			pub += "，" + s.Date
		}
		rows = append(rows, []string{s.County, pub, s.URL})
	}
	r.f.Table(layout.Table{
		Cols: []layout.Column{{Title: "县(市)", W: 70}, {Title: "来源", W: 170}, {Title: "网址", W: layout.ContentW - 240, Sans: true}},
		Rows: rows, Size: 8.5,
	})
	r.f.Para("未报送的县(市)不列来源，其数据在各表中标注“未上报”。", stNote)
}

func (r *report) termName(t ranking.Term) string { return r.termLabel(t.ID, t.Measure) }

// termLabel names a term by the indicator's name in the rankings.
func (r *report) termLabel(id, measure string) string {
	for _, ind := range r.in.Ranking.Indicators {
		if ind.ID == id {
			return ind.Name + measureNames[measure]
		}
	}
	return id + " " + measureNames[measure]
}

func score(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// num shows a statistic to four decimals at most (2.5, 29.6631).
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}
