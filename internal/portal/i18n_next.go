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
		"run.heading":         "报告生成：%s",
		"run.live":            "本页会自动更新状态，无需刷新或等待操作。",
		"board.accepted.note": "已通过，无需再次审核。如发现问题仍可退回。",
		"board.err.already":   "该县本期数据已通过，未重复记录。",
	})
	addMessages("en", map[string]string{
		"signin.expired":      "Your session expired; sign in again. You will return to the page you were on.",
		"keep.restored":       "What you typed before your session expired is back; check it, then preview.",
		"data.already":        "Submitted: this preview was already confirmed; there is nothing more to submit.",
		"next.generate.hint":  "Next: generate this period's report from the data.",
		"review.reviewer":     "the %s reviewer",
		"run.heading":         "Report for %s",
		"run.live":            "This page updates by itself; there is no need to reload it.",
		"board.accepted.note": "Accepted; nothing more to do. You can still return it if you find a problem.",
		"board.err.already":   "This county's data for the month is already accepted; no second verdict was recorded.",
	})
}
