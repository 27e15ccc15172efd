package portal

import (
	"fmt"
	"net/http"
	"strings"
)

// The portal's words, Chinese first. Data (indicator names, narrative) is
// shown as entered; English indicator names come from the dataset's nameEn.
// Every key exists in both languages (TestMessagesComplete).
var messages = map[string]map[string]string{
	"zh-CN": {
		"portal":        "县域经济数据门户",
		"nav.dashboard": "概览",
		"nav.data":      "数据报送",
		"nav.reports":   "报告档案",
		"nav.main":      "主导航",
		"skip":          "跳到正文",
		"lang.switch":   "English",
		"lang.label":    "切换语言",
		"signin":        "登录",
		"signin.title":  "登录 %s 数据门户",
		"signout":       "退出登录",
		"username":      "用户名",
		"password":      "密码",
		"signin.bad":    "用户名或密码不正确。",
		"signin.wait":   "尝试次数过多，请 %d 秒后再试。",
		"signin.hint":   "账号由市级管理员分配。",
		"signedin.as":   "当前用户：%s（%s）",
		"role.editor":   "填报员",
		"role.viewer":   "只读",

		"dash.title":        "%s 概览",
		"dash.latest":       "最新数据：%s",
		"dash.nodata":       "尚无已报送的数据。",
		"dash.indicators":   "核心指标",
		"dash.change":       "同比 %s%%",
		"dash.basis":        "统计期：%s",
		"dash.estimated":    "预计",
		"dash.preliminary":  "初步核算",
		"dash.trend":        "增速走势",
		"dash.trend.none":   "报送两期以上数据后显示走势。",
		"dash.charts":       "图表",
		"dash.run":          "报告生成",
		"dash.run.latest":   "最近一次生成：%s，%s",
		"dash.run.none":     "尚未生成过报告。",
		"dash.run.archived": "档案中最新报告：%s，共 %d 页，生成于 %s。",
		"dash.run.next":     "下次定时生成：%s",
		"dash.pdf":          "下载最新报告（%s，PDF）",
		"dash.nopdf":        "档案中还没有报告。",
		"dash.stale":        "部分信息暂时无法读取：%s",
		"phase.Pending":     "排队中",
		"phase.Running":     "生成中",
		"phase.Succeeded":   "已完成",
		"phase.Failed":      "失败",
		"phase.":            "排队中",
		"reports.title":     "报告档案",
		"reports.none":      "档案中还没有报告。",
		"reports.period":    "报告期",
		"reports.pages":     "页数",
		"reports.size":      "大小",
		"reports.time":      "生成时间",
		"reports.sha":       "SHA-256",
		"reports.download":  "下载",
		"reports.pdf":       "PDF",
		"reports.bundle":    "资料包",
		"reports.caption":   "已归档的月度报告",
		"generate":          "立即生成报告",
		"generate.period":   "报告期",
		"generate.hint":     "按已报送的数据重新生成所选月份的报告。",
		"generate.off":      "本门户未连接集群，不能立即生成。",
		"run.title":         "报告生成：%s",
		"run.state":         "状态：%s",
		"run.wait":          "页面每 2 秒自动刷新，无需操作。",
		"run.done":          "报告已生成。",
		"run.failed":        "生成失败：%s",
		"run.attempts":      "尝试次数：%d",
		"run.period":        "报告期：%s",
		"runs.state":        "状态",
		"run.back":          "返回报告档案",
		"runs.title":        "最近的生成记录",
		"runs.name":         "名称",
		"runs.reason":       "原因",
		"runs.created":      "创建时间",
		"reason.Scheduled":  "定时",
		"reason.Manual":     "手动",
		"reason.Retry":      "重试",
		"reason.":           "手动",

		"err.title":   "出错了",
		"err.403":     "您的账号为只读，不能进行此操作。",
		"err.404":     "找不到该页面。",
		"err.405":     "不支持该请求方式。",
		"err.413":     "文件过大：上传文件不能超过 20 MB。",
		"err.400":     "请求无效：%s",
		"err.500":     "服务器内部错误，请稍后再试。",
		"err.503":     "暂时无法连接存储或集群，请稍后再试。",
		"err.form413": "请求过大（上限 %d KiB），未予处理。",
		"gen.same":    "%s 的报告正在生成（%s），完成后才能再次生成。",
		"gen.busy":    "本县已有 %d 份手动生成的报告在排队或生成中（上限 %d 份），请等它们完成后再试。",
		"err.back":    "返回概览",
		"yes":         "是",
		"no":          "否",
		"footer":      "%s · 数据仅供本县使用",
		"unit.bytes":  "%s",
		"time.format": "2006-01-02 15:04",
		"none":        "—",
	},
	"en": {
		"portal":          "County Economic Data Portal",
		"nav.dashboard":   "Dashboard",
		"nav.data":        "Data",
		"nav.reports":     "Reports",
		"nav.main":        "Main navigation",
		"skip":            "Skip to content",
		"lang.switch":     "中文",
		"lang.label":      "Switch language",
		"signin":          "Sign in",
		"signin.title":    "Sign in to the %s data portal",
		"signout":         "Sign out",
		"username":        "Username",
		"password":        "Password",
		"signin.bad":      "Wrong username or password.",
		"signin.wait":     "Too many attempts; try again in %d seconds.",
		"signin.wait.one": "Too many attempts; try again in %d second.",
		"signin.hint":     "Accounts are issued by the city's administrators.",
		"signedin.as":     "Signed in as %s (%s)",
		"role.editor":     "editor",
		"role.viewer":     "viewer",

		"dash.title":        "%s dashboard",
		"dash.latest":       "Latest data: %s",
		"dash.nodata":       "No data has been submitted yet.",
		"dash.indicators":   "Key indicators",
		"dash.change":       "%s%% year on year",
		"dash.basis":        "Covers: %s",
		"dash.estimated":    "estimate",
		"dash.preliminary":  "preliminary",
		"dash.trend":        "Growth over time",
		"dash.trend.none":   "The trend appears once two or more periods are on file.",
		"dash.charts":       "Charts",
		"dash.run":          "Report runs",
		"dash.run.latest":   "Latest: %s, %s",
		"dash.run.none":     "No report has been generated yet.",
		"dash.run.archived": "Newest report in the archive: %s, %d pages, generated %s.",
		"dash.run.next":     "Next scheduled run: %s",
		"dash.pdf":          "Download the latest report (%s, PDF)",
		"dash.nopdf":        "The archive holds no report yet.",
		"dash.stale":        "Some information could not be read just now: %s",
		"phase.Pending":     "queued",
		"phase.Running":     "running",
		"phase.Succeeded":   "done",
		"phase.Failed":      "failed",
		"phase.":            "queued",
		"reports.title":     "Report archive",
		"reports.none":      "The archive holds no report yet.",
		"reports.period":    "Period",
		"reports.pages":     "Pages",
		"reports.size":      "Size",
		"reports.time":      "Generated at",
		"reports.sha":       "SHA-256",
		"reports.download":  "Download",
		"reports.pdf":       "PDF",
		"reports.bundle":    "Bundle",
		"reports.caption":   "Archived monthly reports",
		"generate":          "Generate now",
		"generate.period":   "Period",
		"generate.hint":     "Renders the chosen month again from the data on file.",
		"generate.off":      "This portal is not connected to the cluster; it cannot generate now.",
		"run.title":         "Report run: %s",
		"run.state":         "State: %s",
		"run.wait":          "This page refreshes every 2 seconds by itself.",
		"run.done":          "The report is ready.",
		"run.failed":        "The run failed: %s",
		"run.attempts":      "Attempts: %d",
		"run.period":        "Period: %s",
		"runs.state":        "State",
		"run.back":          "Back to the archive",
		"runs.title":        "Recent runs",
		"runs.name":         "Name",
		"runs.reason":       "Reason",
		"runs.created":      "Created",
		"reason.Scheduled":  "scheduled",
		"reason.Manual":     "manual",
		"reason.Retry":      "retry",
		"reason.":           "manual",

		"err.title":   "Something went wrong",
		"err.403":     "Your account is read-only; it cannot do this.",
		"err.404":     "There is no such page.",
		"err.405":     "This request method is not supported here.",
		"err.413":     "File too large: uploads are limited to 20 MB.",
		"err.400":     "Bad request: %s",
		"err.500":     "Internal error; please try again later.",
		"err.503":     "Storage or the cluster cannot be reached just now; please try again later.",
		"err.form413": "The request is too large (the limit is %d KiB) and was not processed.",
		"gen.same":    "The report for %s is being generated (%s); it can be generated again once that run has finished.",
		"gen.busy":    "This county already has %d reports generated by hand waiting or running (the limit is %d); please try again when they have finished.",
		"err.back":    "Back to the dashboard",
		"yes":         "yes",
		"no":          "no",
		"footer":      "%s · for the county's own use",
		"unit.bytes":  "%s",
		"time.format": "2006-01-02 15:04",
		"none":        "—",
	},
}

// langCookie remembers the language switch.
const langCookie = "countyreport-lang"

// requestLang is the language of the page: the remembered switch, else zh-CN.
func requestLang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh-CN"
}

// tr translates key into lang, formatting args into it; an unknown key shows
// itself, so a missing word is visible on the page (and fails the tests).
func tr(lang, key string, args ...any) string {
	s, ok := messages[lang][key]
	if !ok {
		s, ok = messages["zh-CN"][key]
	}
	if !ok {
		return "!" + key
	}
	// English needs the singular for one: a count first among the
	// arguments picks key+".one" when the language has it.
	if n, isInt := firstInt(args); isInt && n == 1 {
		if one, ok := messages[lang][key+".one"]; ok {
			s = one
		}
	}
	// A count passed only to choose the form (Chinese has one form).
	if len(args) > 0 && strings.Contains(s, "%") {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// addMessages adds a page group's words (each file's init); a key defined
// twice is a programming error.
func addMessages(lang string, m map[string]string) {
	for k, v := range m {
		if _, dup := messages[lang][k]; dup {
			panic("portal: message defined twice: " + k)
		}
		messages[lang][k] = v
	}
}
