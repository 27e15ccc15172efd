package portal

// The words of the account page (account.go) and the city's test button
// (city_notify.go).
func init() {
	addMessages("zh-CN", map[string]string{
		"account.title":       "我的账户",
		"account.lead":        "通知（如数据被退回、报告已发布）会按市级信息化管理员配置的规则发送到您在此填写的邮箱，使用您选择的语言。",
		"account.email":       "邮箱地址",
		"account.email.hint":  "留空表示不接收邮件通知。",
		"account.language":    "通知语言",
		"account.lang.zh-CN":  "简体中文",
		"account.lang.en":     "English",
		"account.save":        "保存",
		"account.saved":       "已保存。",
		"account.refused":     "未保存，请修改以下内容：",
		"account.toolong":     "填写的内容过长。",
		"account.unsupported": "此账号名称无法保存通知设置，请联系市级信息化管理员。",
		"notify.test.title":   "测试通知渠道",
		"notify.test.lead":    "向渠道发送一条测试消息（邮件渠道发往该渠道规则中的地址）。结果会在几秒后出现在下方的通知记录中。",
		"notify.test.button":  "测试",
		"notify.test.label":   "测试渠道 %s",
		"notify.test.sent":    "测试消息已排队，稍后刷新本页查看结果。",
		"notify.test.unknown": "没有名为该名称的通知渠道。",
	})
	addMessages("en", map[string]string{
		"account.title":       "My account",
		"account.lead":        "Notifications (a return of your figures, a published report) reach the mail address you give here, in the language you choose, as the city's IT administrators have routed them.",
		"account.email":       "Mail address",
		"account.email.hint":  "Leave it empty to receive no mail.",
		"account.language":    "Notification language",
		"account.lang.zh-CN":  "简体中文",
		"account.lang.en":     "English",
		"account.save":        "Save",
		"account.saved":       "Saved.",
		"account.refused":     "Not saved; please correct the following:",
		"account.toolong":     "What you entered is too long.",
		"account.unsupported": "Notification settings cannot be saved for this account name; please ask the city's IT administrators.",
		"notify.test.title":   "Test a notification channel",
		"notify.test.lead":    "Send a test message through a channel (a mail channel sends it to the addresses its routes list). The result appears in the log below within seconds.",
		"notify.test.button":  "Test",
		"notify.test.label":   "Test channel %s",
		"notify.test.sent":    "The test message is queued; refresh this page in a moment for its result.",
		"notify.test.unknown": "There is no notification channel of that name.",
	})
}
