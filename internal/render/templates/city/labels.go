package city

import (
	"fmt"
	"strconv"

	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/render/lang"
)

// labels are the fixed words of the report in each language.
type labels struct {
	Lang, Kind, KickerMonthly, Kicker, FiguresOf, CoverLine, CoverLineProcess     string
	ReportPeriod, FiguresPeriod, Deadline, Method, DataFrom, Compiler, PageOf     string
	FromAllPublished, FromAllPortal, FromMixed, Unreadable                        string
	IntroCompare, IntroPublished, IntroPortal, IntroNotReported, IntroNoSource    string
	BoardCaption, BoardCaptionProcess, Published, Portal                          string
	StatusCol, StatusNote, CompositeIntro, MostSuffix, CountSep, Lacks            string
	CompositeCaption, CompositeChart, IndicatorsIntro, IndicatorTitle, Unit       string
	ThinTitle, ThinIntro, SourcePublished, SourcePortal, SourceMixed, ChartNote   string
	MethodIntro, MethodUse, Higher, Lower, StatsCaption, InputsCaption, NoSources string
	SourcesNote, ListSep, EnumSep, PartSep, DateSep, Keywords, Score, Colon       string
	Chapters, ChaptersProcess, BoardCols, CompositeCols, RankCols, StatsCols      []string
	ThinCols, SourceCols, MethodLines                                             []string
	Methods, Measures, TermMeasures, Missing, Statuses                            map[string]string
}

// noSource is the Missing key of a county with no figures when none was
// asked to submit: it did not fail to report, nothing was found.
const noSource = "noSource"

var zh = labels{
	Lang: "zh-CN", Kind: "县（市）主要指标比较", KickerMonthly: "县（市）主要指标比较月报", Kicker: "县（市）主要指标比较",
	FiguresOf: "（%s数据）", CoverLine: "%d个县（市）数据来源、综合排名与分项排名", CoverLineProcess: "%d个县（市）报送情况、综合排名与分项排名",
	ReportPeriod: "报告期", FiguresPeriod: "数据所属期", Deadline: "报送截止", Method: "比较方法", DataFrom: "数据来源", Compiler: "编制单位",
	PageOf:           "第 %d 页 / 共 %d 页",
	Unreadable:       "%s的数据无法读取，未计入本期比较。",
	FromAllPublished: "据公开资料整理（见“五、资料来源”）", FromAllPortal: "各县（市）经平台报送，市级审核",
	FromMixed:        "%d个县（市）经平台报送，%d个据公开资料整理",
	IntroCompare:     "本报告比较%d个县（市）%s的主要指标。",
	IntroPublished:   "%s的数据据公开资料整理（来源见“五、资料来源”），未经县（市）通过平台报送，也未经市级审核。",
	IntroPortal:      "%s的数据经平台报送，报送截止时间为%s，报送与审核情况见表1。",
	IntroNotReported: "%s未上报。", IntroNoSource: "%s未找到公开数据，不参与比较。",
	BoardCaption: "表1　各县（市）数据来源", BoardCaptionProcess: "表1　各县（市）数据来源与报送情况",
	Published: "据公开资料整理", Portal: "经平台报送",
	StatusCol:  "数据性质",
	StatusNote: "数据性质：“预计”为预计数，“初步核算”为初步核算数，均可能修订；“公布数”为来源未注明预计或初步核算的数。",
	CompositeIntro: "综合得分按%s计算，参评指标为%s，由市级比较配置选定：本期有这些数据的县（市）分别有%s个%s。" +
		"缺少任一参评指标的县（市）不计综合得分，标注“缺项”；没有任何数据的标注“%s”，均不按零分排名。",
	MostSuffix: "，多于其他任何指标", CountSep: "、",
	Lacks:            "缺%s",
	CompositeCaption: "表2　综合得分与排名", CompositeChart: "综合得分：%s",
	IndicatorsIntro: "各指标按县（市）的同一指标（按指标代码匹配）比较，总量按数值、增速按同比增长率排列；数值相同者并列，后续名次顺延。" +
		"有数据的县（市）少于%d个的指标不排名，列于本章末。",
	IndicatorTitle: "（%d）%s", Unit: "%s（%s）",
	ThinTitle: "（%d）数据不足、不排名的指标", ThinIntro: "以下指标有数据的县（市）少于%d个，只列出数据，不排名。",
	SourcePublished: "资料来源：据公开资料整理，见“五、资料来源”。",
	SourcePortal:    "资料来源：各县（市）经平台报送数据。",
	SourceMixed:     "资料来源：各县（市）经平台报送数据及公开资料，见“一、报送情况与数据来源”和“五、资料来源”。",
	MethodIntro:     "记第 i 项参评指标在参评县（市）中的最小值、最大值、平均值和总体标准差分别为 min、max、mean、σ，权重 w 按各项权重之和归一。各项先作无量纲化：",
	MethodUse:       "本期采用%s。参评指标、权重与统计量如下；计算所用原始数据一并列出，据此可复核每一项得分。",
	Higher:          "越大越好", Lower: "越小越好", StatsCaption: "表3　参评指标、权重与统计量", InputsCaption: "表4　计算所用数据（按原值）",
	NoSources: "各县（市）均无资料来源。", SourcesNote: "%s没有数据，不列来源。",
	ListSep: "，", EnumSep: "、", PartSep: "；", DateSep: "，", Keywords: "县域比较", Score: "分", Colon: "：",
	Chapters:        []string{"一、数据来源", "二、综合排名", "三、分项排名", "四、方法说明", "五、资料来源"},
	ChaptersProcess: []string{"一、报送情况与数据来源", "二、综合排名", "三、分项排名", "四、方法说明", "五、资料来源"},
	BoardCols:       []string{"县（市）", "数据来源", "数据所属期", "状态", "报送时间", "报送人", "审核意见"},
	CompositeCols:   []string{"排名", "县（市）", "综合得分", "各项得分"},
	RankCols:        []string{"名次", "县（市）"},
	StatsCols:       []string{"指标", "单位", "权重", "方向", "县（市）数", "最小值", "最大值", "平均值", "标准差"},
	ThinCols:        []string{"指标", "单位", "各县（市）数据"},
	SourceCols:      []string{"县（市）", "来源", "网址"},
	MethodLines: []string{
		"极差标准化：s = (x - min) / (max - min)；越小越好的指标取 (max - x) / (max - min)。",
		"功效系数法：s = 60 + 40 × (x - min) / (max - min)，最差者60分，最优者100分。",
		"标准分数：s = (x - mean) / σ；越小越好的指标取 (mean - x) / σ。",
		"综合得分 = Σ w × s。各县（市）数值全部相同（或仅一县）时，该项极差标准化取1、功效系数取100、标准分数取0。",
	},
	Methods: map[string]string{
		ranking.MinMax: "极差标准化法（0～1）", ranking.Efficacy: "功效系数法（60～100分）", ranking.ZScore: "标准分数法（z 分数）",
	},
	Measures:     map[string]string{ranking.Value: "总量", ranking.Change: "增速"},
	TermMeasures: map[string]string{ranking.Value: "%s总量", ranking.Change: "%s增速"},
	Missing:      map[string]string{noSource: "未找到公开数据"},
	Statuses:     map[string]string{"": "公布数", ranking.Estimated: "预计", ranking.Preliminary: "初步核算"},
}

var en = labels{
	Lang: "en", Kind: "Main indicators of the counties and cities", KickerMonthly: "Monthly comparison of the counties and cities",
	Kicker: "Comparison of the counties and cities", FiguresOf: "(figures for %s)",
	CoverLine:        "Sources, composite ranking and indicator rankings of %d counties and cities",
	CoverLineProcess: "Submissions, composite ranking and indicator rankings of %d counties and cities",
	ReportPeriod:     "Report period", FiguresPeriod: "Figures for", Deadline: "Deadline", Method: "Method", DataFrom: "Source", Compiler: "Compiled by",
	PageOf:           "Page %d of %d",
	Unreadable:       "The figures of %s could not be read; they are left out of this period’s comparison.",
	FromAllPublished: "Compiled from published sources (see “5. Sources”)",
	FromAllPortal:    "Submitted by the counties and cities through the portal, reviewed by the city",
	FromMixed:        "%d submitted through the portal, %d compiled from published sources",
	IntroCompare:     "This report compares the main indicators of %d counties and cities for %s.",
	IntroPublished:   "The figures for %s were compiled from published sources (see “5. Sources”): they were neither submitted through the portal nor reviewed by the city.",
	IntroPortal:      "%s submitted their figures through the portal by %s; Table 1 shows the submissions and their review.",
	IntroNotReported: "%s did not report.", IntroNoSource: "No published figures were found for %s, which is therefore not compared.",
	BoardCaption: "Table 1. Where the figures come from", BoardCaptionProcess: "Table 1. Sources of the figures and submissions",
	Published: "Compiled from published sources", Portal: "Submitted through the portal",
	StatusCol:  "Status",
	StatusNote: "Status: “Estimate” and “Preliminary” figures may be revised; “Published” is a figure its source does not mark as either.",
	CompositeIntro: "The composite score is computed by the %s over %s, the terms chosen in the city’s comparison settings: %s counties and cities have these figures%s. " +
		"A county or city lacking any term gets no composite score and is marked “Incomplete”; one with no figures at all is marked “%s”. Neither is ranked as zero.",
	MostSuffix: ", more than for any other indicator", CountSep: " and ",
	Lacks:            "lacks %s",
	CompositeCaption: "Table 2. Composite scores and ranks", CompositeChart: "Composite score, %s",
	IndicatorsIntro: "Each indicator is compared across the counties and cities that have it (matched by indicator code): values by their amount, growth by the year-on-year rate. " +
		"Equal figures share a rank, and the next rank is skipped. An indicator with figures from fewer than %d counties and cities is not ranked; it is listed at the end of this chapter.",
	IndicatorTitle: "(%d) %s", Unit: "%s (%s)",
	ThinTitle: "(%d) Indicators not ranked: too few figures", ThinIntro: "Fewer than %d counties and cities have figures for these indicators: the figures are listed, not ranked.",
	SourcePublished: "Source: compiled from published sources; see “5. Sources”.",
	SourcePortal:    "Source: figures submitted by the counties and cities through the portal.",
	SourceMixed:     "Source: figures submitted through the portal and compiled from published sources; see “1” and “5”.",
	ChartNote:       "Bars: red for a rise, green for a fall (the Chinese convention).",
	MethodIntro:     "For term i, min, max, mean and σ are the smallest, largest and mean figure and the population standard deviation over the counties and cities compared; the weights w are divided by their sum. Each term is first made dimensionless:",
	MethodUse:       "This period uses the %s. The terms, weights and statistics follow, with the figures they were computed from, so that every score can be checked.",
	Higher:          "higher is better", Lower: "lower is better", StatsCaption: "Table 3. Terms, weights and statistics",
	InputsCaption: "Table 4. Figures used (as published or submitted)",
	NoSources:     "No county or city has a source.", SourcesNote: "%s: no figures, so no source.",
	ListSep: "; ", EnumSep: ", ", PartSep: "; ", DateSep: ", ", Keywords: "county comparison", Score: "points", Colon: ": ",
	Chapters:        []string{"1. Where the figures come from", "2. Composite ranking", "3. Rankings by indicator", "4. Method", "5. Sources"},
	ChaptersProcess: []string{"1. Submissions and sources", "2. Composite ranking", "3. Rankings by indicator", "4. Method", "5. Sources"},
	BoardCols:       []string{"County or city", "Source", "Figures for", "Status", "Submitted", "By", "Review"},
	CompositeCols:   []string{"Rank", "County or city", "Score", "Term scores"},
	RankCols:        []string{"Rank", "County or city"},
	StatsCols:       []string{"Indicator", "Unit", "Weight", "Direction", "Counted", "Min", "Max", "Mean", "SD"},
	ThinCols:        []string{"Indicator", "Unit", "Figures"},
	SourceCols:      []string{"County or city", "Source", "Web address"},
	MethodLines: []string{
		"Min-max: s = (x - min) / (max - min); for a lower-is-better indicator, (max - x) / (max - min).",
		"Efficacy coefficient: s = 60 + 40 × (x - min) / (max - min): the lowest scores 60, the highest 100.",
		"Z-score: s = (x - mean) / σ; for a lower-is-better indicator, (mean - x) / σ.",
		"Composite score = Σ w × s. When all figures of a term are equal (or only one county has it), the term scores 1 by min-max, 100 by the efficacy coefficient and 0 by z-score.",
	},
	Methods: map[string]string{
		ranking.MinMax: "min-max method (0–1)", ranking.Efficacy: "efficacy coefficient method (60–100 points)", ranking.ZScore: "z-score method",
	},
	Measures:     map[string]string{ranking.Value: "Value", ranking.Change: "Growth"},
	TermMeasures: map[string]string{ranking.Value: "%s", ranking.Change: "%s growth"},
	Missing: map[string]string{ranking.NotReported: "Not reported", ranking.NoFigure: "No figure", noSource: "No published figures found",
		ranking.Incomplete: "Incomplete", ranking.OtherUnit: "Other unit"},
	Statuses: map[string]string{"": "Published", ranking.Estimated: "Estimate", ranking.Preliminary: "Preliminary"},
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

// period formats "2023-01" as 2023年1月 / January 2023, "2022" as 2022年 / 2022.
func (l *labels) period(p string) string {
	if len(p) == 4 {
		if l.en() {
			return p
		}
		return p + "年"
	}
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
