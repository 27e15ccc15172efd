package notify

// Languages a recipient may read; the first is the default.
var Languages = []string{"zh-CN", "en"}

// LangOrDefault gives lang when it is known, zh-CN otherwise.
func LangOrDefault(lang string) string {
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return Languages[0]
}

// phrase is one event's words in one language: the subject and the lead
// sentence are text/template sources over a view; every value in the view
// is the recipient's language already.
type phrase struct{ Subject, Lead string }

// phrases has every kind in both languages (TestPhrasesComplete).
var phrases = map[string]map[EventKind]phrase{
	"zh-CN": {
		EventReminder:            {"【催报】{{.Tenant}} {{.Period}} 数据请于 {{.Due}} 前报送", "{{.Tenant}} {{.Period}} 的数据尚未报送，截止时间为 {{.Due}}，请及时报送。"},
		EventOverdue:             {"【逾期】{{.Subject}} {{.Period}} 数据逾期未报", "{{.Subject}} {{.Period}} 的数据已超过截止时间 {{.Due}}，仍未报送。"},
		EventSubmitted:           {"【已报送】{{.Subject}} 已报送 {{.Period}} 数据", "{{.Subject}} 已报送 {{.Period}} 的数据，请审核。"},
		EventResubmitted:         {"【重新报送】{{.Subject}} 已重新报送 {{.Period}} 数据", "{{.Subject}} 修改后重新报送了 {{.Period}} 的数据，请再次审核。"},
		EventReturned:            {"【退回】{{.Tenant}} {{.Period}} 数据被退回", "{{.City}}退回了 {{.Tenant}} {{.Period}} 的数据，请按意见修改后重新报送。"},
		EventAccepted:            {"【已通过】{{.Tenant}} {{.Period}} 数据审核通过", "{{.City}}已审核通过 {{.Tenant}} {{.Period}} 的数据。"},
		EventPublished:           {"【报告发布】{{.Tenant}} {{.Period}} 月度报告已发布", "{{.Tenant}} {{.Period}} 的月度报告已生成并归档。"},
		EventRunFailed:           {"【生成失败】{{.Tenant}} {{.Period}} 报告生成失败", "{{.Tenant}} {{.Period}} 的报告生成失败，之前的报告保持不变。"},
		EventCredentialsExpiring: {"【即将过期】{{.Tenant}} 的凭据将于 {{.Due}} 过期", "{{.Tenant}} 的凭据或证书将于 {{.Due}} 过期，请检查运营组件是否正常轮换。"},
		EventTest:                {"【测试】{{.Tenant}} 通知渠道测试", "这是一条测试消息：{{.Tenant}} 的通知渠道配置正确。"},
	},
	"en": {
		EventReminder:            {"Reminder: {{.Tenant}}'s figures for {{.Period}} are due by {{.Due}}", "{{.Tenant}} has not yet submitted its figures for {{.Period}}. They are due by {{.Due}}."},
		EventOverdue:             {"Overdue: {{.Subject}}'s figures for {{.Period}}", "{{.Subject}} has not submitted its figures for {{.Period}}; they were due by {{.Due}}."},
		EventSubmitted:           {"Submitted: {{.Subject}}'s figures for {{.Period}}", "{{.Subject}} has submitted its figures for {{.Period}} for review."},
		EventResubmitted:         {"Resubmitted: {{.Subject}}'s figures for {{.Period}}", "{{.Subject}} has revised and resubmitted its figures for {{.Period}}. Please review them again."},
		EventReturned:            {"Returned: {{.Tenant}}'s figures for {{.Period}}", "{{.City}} returned {{.Tenant}}'s figures for {{.Period}}. Please revise them as commented and submit again."},
		EventAccepted:            {"Accepted: {{.Tenant}}'s figures for {{.Period}}", "{{.City}} accepted {{.Tenant}}'s figures for {{.Period}}."},
		EventPublished:           {"Published: {{.Tenant}}'s report for {{.Period}}", "{{.Tenant}}'s monthly report for {{.Period}} has been rendered and archived."},
		EventRunFailed:           {"Failed: {{.Tenant}}'s report for {{.Period}}", "Rendering {{.Tenant}}'s report for {{.Period}} failed; the previous report is unchanged."},
		EventCredentialsExpiring: {"Expiring: {{.Tenant}}'s credentials on {{.Due}}", "{{.Tenant}}'s credentials or certificate expire on {{.Due}}. Check that the operator is rotating them."},
		EventTest:                {"Test: {{.Tenant}}'s notification channel", "This is a test message: {{.Tenant}}'s notification channel works."},
	},
}

// words are the fixed labels around the lead.
var words = map[string]map[string]string{
	"zh-CN": {"comment": "审核意见", "reason": "原因", "open": "打开门户查看", "attached": "报告 PDF 见附件。", "footer": "此消息由县域经济报告平台自动发送，请勿直接回复。", "city": "市级审核部门", "colon": "："},
	"en":    {"comment": "Comment", "reason": "Reason", "open": "Open in the portal", "attached": "The report's PDF is attached.", "footer": "Sent automatically by the county report platform; please do not reply.", "city": "The city", "colon": ": "},
}

// dueLayout formats a deadline or expiry in each language (Asia/Shanghai
// unless the event's time carries another zone).
var dueLayout = map[string]string{"zh-CN": "2006年1月2日 15:04", "en": "2 January 2006 15:04"}
