package portal

import (
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/audit"
)

func TestAuditWhat(t *testing.T) {
	cases := map[string]struct {
		e      audit.Entry
		zh, en string
	}{
		"known":      {audit.Entry{Event: "review", Result: "returned"}, "退回修改", "Returned a submission for correction"},
		"counted":    {audit.Entry{Event: "suppressed", Result: "counted", Details: map[string]string{"count": "42"}}, "另有 42 次登录失败未逐条记录（每小时最多逐条记录 600 次）", "42 more failed sign-ins not listed one by one (at most 600 an hour are)"},
		"test sent":  {audit.Entry{Event: "notify-test", Result: "requested"}, "请求发送测试通知", "Asked for a test notification"},
		"new result": {audit.Entry{Event: "submit", Result: "later"}, "提交 (later)", "Submission (later)"},
		"unknown":    {audit.Entry{Event: "made-up", Result: "x"}, "made-up (x)", "made-up (x)"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := auditWhat("zh-CN", tc.e); got != tc.zh {
				t.Errorf("zh: %q, want %q", got, tc.zh)
			}
			if got := auditWhat("en", tc.e); got != tc.en {
				t.Errorf("en: %q, want %q", got, tc.en)
			}
		})
	}
}

func TestAuditRowNamesTheCountyAndTheRole(t *testing.T) {
	s := &site{city: true}
	e := audit.Entry{Time: time.Date(2023, 2, 1, 16, 30, 0, 0, time.UTC), Event: "review", Result: "accepted", User: "shenhe", Role: "editor",
		IP: "10.0.0.7", Details: map[string]string{"county": "999001", "period": "2023-01", "dataset": "v1"}}
	names := func(code, lang string) string {
		return map[string]string{"zh-CN": "样例县", "en": "Yangli County"}[lang]
	}
	r := s.auditRow(e, "zh-CN", time.FixedZone("UTC+8", 8*3600), names)
	if r.Time != "2023年2月2日 00:30:00" || r.Role != "审核员" || r.What != "审核通过" {
		t.Errorf("row %+v", r)
	}
	want := []auditDetail{{"报告期", "2023-01"}, {"县（市）", "样例县"}, {"地址", "10.0.0.7"}}
	if len(r.Details) != len(want) {
		t.Fatalf("details %+v, want %+v (the dataset id is not shown)", r.Details, want)
	}
	for i := range want {
		if r.Details[i] != want[i] {
			t.Errorf("detail %d: %+v, want %+v", i, r.Details[i], want[i])
		}
	}
}

func TestReasonWords(t *testing.T) {
	cases := map[string]struct{ in, zh, en string }{
		"known":      {"future", "报告期还未到来", "the period has not begun"},
		"bilingual":  {"与已存的数据完全相同，无需提交 / identical to the stored data: nothing to submit", "与已存的数据完全相同，无需提交", "identical to the stored data: nothing to submit"},
		"sso prefix": {"identity provider refused or failed: access_denied", "统一身份认证服务拒绝或出错", "the identity provider refused or failed"},
		"unknown":    {"something else", "something else", "something else"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := reasonWords("zh-CN", tc.in); got != tc.zh {
				t.Errorf("zh: %q, want %q", got, tc.zh)
			}
			if got := reasonWords("en", tc.in); got != tc.en {
				t.Errorf("en: %q, want %q", got, tc.en)
			}
		})
	}
}
