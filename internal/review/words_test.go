package review_test

import (
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/review"
)

func TestStateWords(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{review.StateWords(messages.Zh, review.Accepted), "已通过"},
		{review.StateWords(messages.En, review.Overdue), "Overdue, not submitted"},
		{review.StateWords(messages.En, "paused"), "paused"},
		{review.VerdictWords(messages.Zh, review.VerdictReturned), "已退回"},
		{review.VerdictWords(messages.En, review.VerdictAccepted), "Accepted"},
		{review.UnreadableWords(messages.En), "unreadable"},
		{review.ReportStateWords(messages.Zh, review.NotSubmitted), "未上报"},
		{review.ReportStateWords(messages.En, review.NotSubmitted), "Not reported"},
		{review.ReportUnreadableWords(messages.En), "Unreadable"},
		{review.ReportLateWords(messages.Zh), "（逾期）"},
		{review.ReportLateWords(messages.En), " (late)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// The city's report and the portal say every state in the same words
// but one: 未上报 / Not reported, the report's ranking's word.
func TestReportSharesTheStatesWords(t *testing.T) {
	for _, lang := range messages.Languages {
		for _, st := range review.States {
			board, pdf := review.StateWords(lang, st), review.ReportStateWords(lang, st)
			if (board == pdf) == (st == review.NotSubmitted) {
				t.Errorf("%s %s: portal %q, report %q", lang, st, board, pdf)
			}
			if board == st || board[0] == '!' {
				t.Errorf("%s %s: no words (%q)", lang, st, board)
			}
		}
	}
}

func TestDueWords(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	d := time.Date(2024, 1, 6, 0, 0, 0, 0, sh)
	if got := review.DueWords(d, messages.Zh); got != "2024年1月5日24时" {
		t.Errorf("zh-CN %q", got)
	}
	if got := review.DueWords(d, messages.En); got != "the end of 5 January 2024" {
		t.Errorf("en %q", got)
	}
	if got := review.DueWords(time.Date(2023, 11, 1, 0, 0, 0, 0, sh), messages.Zh); got != "2023年10月31日24时" {
		t.Errorf("zh-CN %q", got)
	}
}
