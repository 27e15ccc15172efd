package portal

// The words of the city's review (see i18n.go and verdict.go).
func init() {
	add := func(lang string, m map[string]string) {
		for k, v := range m {
			if _, dup := messages[lang][k]; dup {
				panic("portal: message defined twice: " + k)
			}
			messages[lang][k] = v
		}
	}
	add("zh-CN", map[string]string{
		"review.title":               "市级审核",
		"review.line":                "市级审核（%s）：",
		"review.deadline":            "报送截止：%s",
		"review.late":                "逾期",
		"review.comment":             "市级意见",
		"review.resubmit":            "修改后重新报送",
		"review.upload":              "或上传修改后的文件",
		"review.open":                "查看本期数据",
		"review.unreadable":          "市级审核结果暂时无法读取，请稍后刷新。",
		"review.state.not_submitted": "未上报",
		"review.state.overdue":       "逾期未报",
		"review.state.submitted":     "已报送待审核",
		"review.state.accepted":      "已通过",
		"review.state.returned":      "已退回",
		"review.state.resubmitted":   "已重报待审核",
		"review.detail.submitted":    "报送于 %s，等待%s审核。",
		"review.detail.resubmitted":  "重新报送于 %s，等待%s审核。",
		"review.detail.accepted":     "%s 于 %s 审核通过。",
		"review.detail.returned":     "%s 于 %s 退回。",
		"review.previous":            "上次审核：%s（%s，%s）",
		"review.action.submit":       "请于%s前报送。",
		"review.action.overdue":      "已过报送截止时间，请尽快报送。",
		"review.action.resubmit":     "请按市级意见修改数据后重新报送，重新报送后将再次进入审核。",
		"review.short.resubmit":      "请修改后重新报送",
	})
	add("en", map[string]string{
		"review.title":               "City review",
		"review.line":                "City review (%s): ",
		"review.deadline":            "Due by the %s",
		"review.late":                "Late",
		"review.comment":             "The city's comment",
		"review.resubmit":            "Correct and submit again",
		"review.upload":              "or upload a corrected file",
		"review.open":                "Open this period's data",
		"review.unreadable":          "The city's review could not be read just now; refresh the page in a moment.",
		"review.state.not_submitted": "Not reported",
		"review.state.overdue":       "Overdue, not submitted",
		"review.state.submitted":     "Submitted, awaiting review",
		"review.state.accepted":      "Accepted",
		"review.state.returned":      "Returned",
		"review.state.resubmitted":   "Resubmitted, awaiting review",
		"review.detail.submitted":    "Submitted on %s; awaiting review by %s.",
		"review.detail.resubmitted":  "Submitted again on %s; awaiting review by %s.",
		"review.detail.accepted":     "Accepted by %s on %s.",
		"review.detail.returned":     "Returned by %s on %s.",
		"review.previous":            "Previous review: %s (%s, %s)",
		"review.action.submit":       "Please submit by the %s.",
		"review.action.overdue":      "The deadline has passed: please submit as soon as you can.",
		"review.action.resubmit":     "Please correct the data as the city asks and submit it again; the new submission will be reviewed again.",
		"review.short.resubmit":      "please correct and submit again",
	})
}
