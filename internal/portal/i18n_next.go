package portal

// The words that keep work and show the next step: the expired-session
// notice, a form restored after sign-in, the state of a preview already
// confirmed, and the next-step hints (see signin.go, submit.go).
func init() {
	addMessages("zh-CN", map[string]string{
		"signin.expired":     "登录已超时，请重新登录。登录后将回到您刚才所在的页面。",
		"keep.restored":      "已恢复您登录超时前填写的内容，请检查后再预览。",
		"data.already":       "已提交：这份预览此前已经确认提交，无需再次提交。",
		"next.generate.hint": "下一步：用这份数据生成本期报告。",
	})
	addMessages("en", map[string]string{
		"signin.expired":     "Your session expired; sign in again. You will return to the page you were on.",
		"keep.restored":      "What you typed before your session expired is back; check it, then preview.",
		"data.already":       "Submitted: this preview was already confirmed; there is nothing more to submit.",
		"next.generate.hint": "Next: generate this period's report from the data.",
	})
}
