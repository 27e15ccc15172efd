package portal

import (
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/review"
)

func TestReviewText(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	deadline := time.Date(2023, 2, 6, 0, 0, 0, 0, sh)
	at := time.Date(2023, 2, 3, 9, 30, 0, 0, sh)
	when := func(t time.Time) string { return t.In(sh).Format("2006-01-02 15:04") }
	returned := &review.Entry{Verdict: review.VerdictReturned, By: "市统计局张三", At: at, Comment: "财政收入口径有误"}
	accepted := &review.Entry{Verdict: review.VerdictAccepted, By: "市统计局张三", At: at}
	cases := map[string]struct {
		st   review.Status
		lang string
		// want: Label, Class, Short, and words Detail+Comment+Previous+Action must hold.
		label, class, short string
		words               []string
		late, resubmit      bool
	}{
		"not submitted": {
			st: review.Status{State: review.NotSubmitted, Deadline: deadline}, lang: "zh-CN",
			label: "未报送", class: "pending", short: "未报送 — 请于2023年2月5日24时前报送。",
		},
		"overdue": {
			st: review.Status{State: review.Overdue, Deadline: deadline}, lang: "zh-CN",
			label: "逾期未报", class: "warning", short: "逾期未报 — 已过报送截止时间，请尽快报送。", late: true,
			words: []string{"请尽快报送"},
		},
		"submitted late": {
			st: review.Status{State: review.Submitted, Deadline: deadline, SubmittedAt: at.Add(72 * time.Hour), Late: true}, lang: "zh-CN",
			label: "已报送待审核", class: "pending", short: "已报送待审核", late: true,
			words: []string{"报送于 2023-02-06 09:30，等待衡阳市审核。"},
		},
		"accepted": {
			st: review.Status{State: review.Accepted, Deadline: deadline, SubmittedAt: at, Last: accepted}, lang: "zh-CN",
			label: "已通过", class: "ok", short: "已通过",
			words: []string{"衡阳市审核员 于 2023-02-03 09:30 审核通过。"},
		},
		"returned": {
			st: review.Status{State: review.Returned, Deadline: deadline, SubmittedAt: at, Last: returned}, lang: "zh-CN",
			label: "已退回", class: "warning", short: "已退回 — 请修改后重新报送", resubmit: true,
			words: []string{"衡阳市审核员 于 2023-02-03 09:30 退回。", "财政收入口径有误", "重新报送"},
		},
		"returned in English": {
			st: review.Status{State: review.Returned, Deadline: deadline, SubmittedAt: at, Last: returned}, lang: "en",
			label: "Returned", class: "warning", short: "Returned — please correct and submit again", resubmit: true,
			words: []string{"Returned by the 衡阳市 reviewer on 2023-02-03 09:30.", "财政收入口径有误", "submit it again"},
		},
		"resubmitted": {
			st: review.Status{State: review.Resubmitted, Deadline: deadline, SubmittedAt: at.Add(time.Hour), Last: returned}, lang: "zh-CN",
			label: "已重报待审核", class: "pending", short: "已重报待审核",
			words: []string{"重新报送于 2023-02-03 10:30", "上次审核：已退回（衡阳市审核员，2023-02-03 09:30）"},
		},
		"resubmitted in English": {
			st: review.Status{State: review.Resubmitted, Deadline: deadline, SubmittedAt: at.Add(time.Hour), Last: accepted}, lang: "en",
			label: "Resubmitted, awaiting review", class: "pending", short: "Resubmitted, awaiting review",
			words: []string{"Submitted again on 2023-02-03 10:30; awaiting review by 衡阳市.", "Previous review: Accepted"},
		},
		"a state this portal does not know": {
			st: review.Status{State: "withdrawn", Deadline: deadline}, lang: "en",
			label: "withdrawn", class: "pending", short: "withdrawn",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			v := reviewText("2023-01", tc.st, tc.lang, "衡阳市", when)
			if v.Label != tc.label || v.Class != tc.class || v.Short != tc.short || v.Late != tc.late || v.Resubmit != tc.resubmit {
				t.Fatalf("got label %q class %q short %q late %v resubmit %v\nwant %q %q %q %v %v",
					v.Label, v.Class, v.Short, v.Late, v.Resubmit, tc.label, tc.class, tc.short, tc.late, tc.resubmit)
			}
			if v.Href != "/data/periods/2023-01" {
				t.Errorf("href %q", v.Href)
			}
			all := strings.Join([]string{v.Detail, v.Comment, v.Previous, v.Action}, "\n")
			for _, w := range tc.words {
				if !strings.Contains(all, w) {
					t.Errorf("lacks %q:\n%s", w, all)
				}
			}
			if strings.Contains(all+v.Short, "!review") || strings.Contains(all+v.Short, "%!") {
				t.Errorf("a missing or misformatted message:\n%s", all)
			}
		})
	}
}
