package city

import (
	"fmt"
	"strconv"

	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render/lang"
)

// labels are the fixed words of the report in each language.
type labels struct {
	Lang, Kind, CoverKicker, CoverLine, ReportPeriod, Deadline, Method, Compiler string
	PageOf, BoardIntro, BoardCount, BoardCaption, CompositeIntro, Lacks          string
	CompositeCaption, CompositeChart, IndicatorsIntro, IndicatorTitle, Unit      string
	ChartSource, MethodIntro, MethodUse, Higher, Lower, StatsCaption             string
	InputsCaption, NoSources, SourcesNote, ListSep, EnumSep, PartSep, DateSep    string
	Keywords, Unreadable                                                         string
	Chapters, BoardCols, CompositeCols, RankCols, StatsCols, SourceCols          []string
	MethodLines                                                                  []string
	Methods, Measures, TermMeasures, Missing                                     map[string]string
}

var zh = labels{
	Lang: "zh-CN", Kind: "县(市)主要指标比较", CoverKicker: "县(市)主要指标比较月报", CoverLine: "%d个县(市)报送情况、综合排名与分项排名",
	ReportPeriod: "报告期", Deadline: "报送截止", Method: "比较方法", Compiler: "编制单位", PageOf: "第 %d 页 / 共 %d 页",
	BoardIntro: "本期应报送%d个县(市)，报送截止时间为%s。其中%s。", BoardCount: "%s%d个", BoardCaption: "表1　各县(市)报送与审核情况",
	Unreadable:     "%s的数据无法读取，未计入本期比较，各表中标为“未上报”。",
	CompositeIntro: "综合得分按%s计算，参评指标为%s。缺少任一参评指标的县(市)不计综合得分，标注“缺项”；未报送的标注“未上报”，均不按零分排名。",
	Lacks:          "缺%s", CompositeCaption: "表2　综合得分与排名", CompositeChart: "综合得分：%s",
	IndicatorsIntro: "各指标按县(市)报送的同一指标（按指标代码匹配）比较，总量按数值、增速按同比增长率排列；数值相同者并列，后续名次顺延。",
	IndicatorTitle:  "（%d）%s", Unit: "%s（%s）",
	ChartSource: "资料来源：各县(市)报送数据，见“五、资料来源”。",
	MethodIntro: "记第 i 项参评指标在参评县(市)中的最小值、最大值、平均值和总体标准差分别为 min、max、mean、σ，权重 w 按各项权重之和归一。各项先作无量纲化：",
	MethodUse:   "本期采用%s。参评指标、权重与统计量如下；计算所用原始数据一并列出，据此可复核每一项得分。",
	Higher:      "越大越好", Lower: "越小越好", StatsCaption: "表3　参评指标、权重与统计量", InputsCaption: "表4　计算所用数据（按报送原值）",
	NoSources: "各县(市)报送数据。", SourcesNote: "未报送的县(市)不列来源，其数据在各表中标注“未上报”。",
	ListSep: "，", EnumSep: "、", PartSep: "；", DateSep: "，", Keywords: "县域比较",
	Chapters:      []string{"一、报送情况", "二、综合排名", "三、分项排名", "四、方法说明", "五、资料来源"},
	BoardCols:     []string{"县(市)", "状态", "报送时间", "报送人", "审核意见"},
	CompositeCols: []string{"排名", "县(市)", "综合得分", "各项得分"},
	RankCols:      []string{"名次", "县(市)"},
	StatsCols:     []string{"指标", "代码", "权重", "方向", "最小值", "最大值", "平均值", "标准差"},
	SourceCols:    []string{"县(市)", "来源", "网址"},
	MethodLines: []string{
		"极差标准化：s = (x - min) / (max - min)；越小越好的指标取 (max - x) / (max - min)。",
		"功效系数法：s = 60 + 40 × (x - min) / (max - min)，最差者60分，最优者100分。",
		"标准分数：s = (x - mean) / σ；越小越好的指标取 (mean - x) / σ。",
		"综合得分 = Σ w × s。各县(市)数值全部相同（或仅一县）时，该项极差标准化取1、功效系数取100、标准分数取0。",
	},
	Methods: map[string]string{
		ranking.MinMax: "极差标准化法（0～1）", ranking.Efficacy: "功效系数法（60～100分）", ranking.ZScore: "标准分数法（z 分数）",
	},
	Measures:     map[string]string{ranking.Value: "总量", ranking.Change: "增速"},
	TermMeasures: map[string]string{ranking.Value: "%s总量", ranking.Change: "%s增速"},
	Missing:      map[string]string{},
}

var en = labels{
	Lang: "en", Kind: "Main indicators of the counties and cities", CoverKicker: "Monthly comparison of the counties and cities",
	CoverLine:    "Submissions, composite ranking and indicator rankings of %d counties and cities",
	ReportPeriod: "Report period", Deadline: "Deadline", Method: "Method", Compiler: "Compiled by", PageOf: "Page %d of %d",
	BoardIntro: "%d counties and cities were due to report for this period, by %s. Of these: %s.", BoardCount: "%s: %d",
	Unreadable:       "The data of %s could not be read; they are left out of this period's comparison and marked “Not reported” in the tables.",
	BoardCaption:     "Table 1  Submissions and review by county or city",
	CompositeIntro:   "The composite score is computed by the %s over %s. A county or city lacking any of these terms gets no composite score and is marked “Incomplete”; one that did not report is marked “Not reported”. Neither is ranked as zero.",
	Lacks:            "lacks %s",
	CompositeCaption: "Table 2  Composite scores and ranks", CompositeChart: "Composite score, %s",
	IndicatorsIntro: "Each indicator is compared across the counties and cities that reported it (matched by indicator code): values by their amount, growth by the year-on-year rate. Equal figures share a rank, and the next rank is skipped.",
	IndicatorTitle:  "(%d) %s", Unit: "%s (%s)",
	ChartSource: "Source: figures reported by the counties and cities; see “5. Sources”.",
	MethodIntro: "For term i, min, max, mean and σ are the smallest, largest and mean figure and the population standard deviation over the counties and cities compared; the weights w are divided by their sum. Each term is first made dimensionless:",
	MethodUse:   "This period uses the %s. The terms, weights and statistics follow, with the figures they were computed from, so that every score can be checked.",
	Higher:      "higher is better", Lower: "lower is better", StatsCaption: "Table 3  Terms, weights and statistics",
	InputsCaption: "Table 4  Figures used (as reported)",
	NoSources:     "Figures reported by the counties and cities.", SourcesNote: "Counties and cities that did not report have no source; their figures are marked “Not reported” in the tables.",
	ListSep: "; ", EnumSep: ", ", PartSep: "; ", DateSep: ", ", Keywords: "county comparison",
	Chapters:      []string{"1. Submissions", "2. Composite ranking", "3. Rankings by indicator", "4. Method", "5. Sources"},
	BoardCols:     []string{"County/city", "Status", "Submitted", "By", "Review"},
	CompositeCols: []string{"Rank", "County/city", "Score", "Term scores"},
	RankCols:      []string{"Rank", "County/city"},
	StatsCols:     []string{"Indicator", "Code", "Weight", "Direction", "Min", "Max", "Mean", "SD"},
	SourceCols:    []string{"County/city", "Source", "Web address"},
	MethodLines: []string{
		"Min-max: s = (x - min) / (max - min); for a lower-is-better indicator, (max - x) / (max - min).",
		"Efficacy coefficient: s = 60 + 40 × (x - min) / (max - min): the lowest scores 60, the highest 100.",
		"Z-score: s = (x - mean) / σ; for a lower-is-better indicator, (mean - x) / σ.",
		"Composite score = Σ w × s. When all figures of a term are equal (or only one county reports it), the term scores 1 by min-max, 100 by the efficacy coefficient and 0 by z-score.",
	},
	Methods: map[string]string{
		ranking.MinMax: "min-max method (0–1)", ranking.Efficacy: "efficacy coefficient method (60–100 points)", ranking.ZScore: "z-score method",
	},
	Measures:     map[string]string{ranking.Value: "Value", ranking.Change: "Growth"},
	TermMeasures: map[string]string{ranking.Value: "%s value", ranking.Change: "%s growth"},
	Missing:      map[string]string{ranking.NotReported: "Not reported", ranking.Incomplete: "Incomplete", ranking.OtherUnit: "Other unit"},
}

func labelsFor(l string) (*labels, error) {
	switch l {
	case "", "zh-CN", "zh":
		return &zh, nil
	case "en":
		return &en, nil
	}
	return nil, fmt.Errorf("city report: unknown language %q (want zh-CN or en)", l)
}

func (l *labels) en() bool { return l.Lang == "en" }

// period formats "2023-01" as 2023年1月 / January 2023.
func (l *labels) period(p string) string {
	if l.en() {
		return lang.Month(p)
	}
	if len(p) != 7 {
		return p
	}
	m, _ := strconv.Atoi(p[5:])
	return p[:4] + "年" + strconv.Itoa(m) + "月"
}

// missing is why a county is not ranked, in the edition's words.
func (l *labels) missing(why string) string {
	if w, ok := l.Missing[why]; ok {
		return w
	}
	return l.text(why)
}

// text is a Chinese text given without an English form: as it is in the
// Chinese edition, marked as the original in the English one.
func (l *labels) text(s string) string {
	if l.en() {
		return lang.Original(s)
	}
	return s
}

// pick is the English form when the edition is English and there is one.
func (l *labels) pick(zh, e string) string {
	if l.en() {
		return lang.Pick(zh, e)
	}
	return zh
}
