package portal

// The words that keep work and show the next step: the expired-session
// notice, a form restored after sign-in, the state of a preview already
// confirmed, and the next-step hints (see signin.go, submit.go).
func init() {
	addMessages("zh-CN", map[string]string{
		"signin.expired":      "登录已超时，请重新登录。登录后将回到您刚才所在的页面。",
		"keep.restored":       "已恢复您登录超时前填写的内容，请检查后再预览。",
		"data.already":        "已提交：这份预览此前已经确认提交，无需再次提交。",
		"next.generate.hint":  "下一步：用这份数据生成本期报告。",
		"review.reviewer":     "%s审核员",
		"review.by":           "%s（%s）",
		"run.heading":         "报告生成：%s",
		"rank.unaccepted":     "以下县（市）的数据尚未通过市级审核，排名仅供参考：%s。",
		"rank.unaccepted.one": "%s（%s）",
		"dash.empty.editor":   "下一步：在“数据报送”页下载模板、上传文件或在网页上填写本月数据；报送后即可生成报告。",
		"dash.empty.go":       "前往数据报送",
		"dash.empty.viewer":   "本县填报员报送数据后，这里会显示主要指标和报告。",
		"data.col.review":     "市级审核",
		"run.live":            "本页会自动更新状态，无需刷新或等待操作。",
		"board.accepted.note": "已通过，无需再审。",
		"board.err.already":   "该县本期数据已通过，未重复记录。",
	})
	addMessages("en", map[string]string{
		"signin.expired":      "Your session expired; sign in again. You will return to the page you were on.",
		"keep.restored":       "What you typed before your session expired is back; check it, then preview.",
		"data.already":        "Submitted: this preview was already confirmed; there is nothing more to submit.",
		"next.generate.hint":  "Next: generate this period's report from the data.",
		"review.reviewer":     "the %s reviewer",
		"review.by":           "%s (%s)",
		"run.heading":         "Report for %s",
		"rank.unaccepted":     "Not yet accepted by the city, so these figures are provisional: %s.",
		"rank.unaccepted.one": "%s (%s)",
		"dash.empty.editor":   "Next: on the Data page, download the template, upload a file or fill in this month's figures on the web form; once submitted, a report can be generated.",
		"dash.empty.go":       "Go to Data",
		"dash.empty.viewer":   "Once the county's editors submit data, the main figures and reports appear here.",
		"data.col.review":     "City review",
		"run.live":            "This page updates by itself; there is no need to reload it.",
		"board.accepted.note": "Accepted; nothing to do.",
		"board.err.already":   "This county's data for the month is already accepted; no second verdict was recorded.",
	})
}
