package review

import (
	"strconv"
	"time"

	"github.com/countyreport/countyreport/internal/messages"
)

// stateKeys are the catalogue keys (internal/messages) of the states'
// words: the one place the county's pages, the city's board and the
// city's report take them from.
var stateKeys = map[string]string{
	NotSubmitted: "state.notSubmitted", Overdue: "state.overdue", Submitted: "state.submitted",
	Resubmitted: "state.resubmitted", Returned: "state.returned", Accepted: "state.accepted",
}

// StateWords are state's words in lang (messages.Zh or messages.En): 已通过
// / Accepted. A state this build does not know is said plainly.
func StateWords(lang, state string) string {
	if key, ok := stateKeys[state]; ok {
		return messages.T(lang, key)
	}
	return state
}

// VerdictWords name a verdict (VerdictAccepted, VerdictReturned) by the
// state it gives: 已通过, 已退回.
func VerdictWords(lang, verdict string) string {
	switch verdict {
	case VerdictAccepted:
		return StateWords(lang, Accepted)
	case VerdictReturned:
		return StateWords(lang, Returned)
	}
	return verdict
}

// UnreadableWords are the state of a member whose data could not be read.
func UnreadableWords(lang string) string { return messages.T(lang, "state.unreadable") }

// DueWords write deadline (the first instant after it, as Deadline gives
// it) as the last day it includes: 2023年2月5日24时, the end of 5 February
// 2023.
func DueWords(deadline time.Time, lang string) string {
	due := deadline.Add(-time.Second)
	month := messages.Words{Zh: strconv.Itoa(int(due.Month())), En: due.Month().String()}
	return messages.T(lang, "state.due", due.Year(), month, due.Day())
}

// The city's report words three things its own way, and says so here,
// beside the words it shares (docs/development.md, "One owner for the
// review's words"): a county that sent nothing is 未上报 / Not reported,
// as the report's ranking calls it; an unreadable member is Unreadable,
// starting its table cell; and a late submission is marked after its
// time, （逾期） / (late).

// ReportStateWords are state's words in the city's report.
func ReportStateWords(lang, state string) string {
	if state == NotSubmitted {
		return messages.T(lang, "state.report.notSubmitted")
	}
	return StateWords(lang, state)
}

// ReportUnreadableWords are the state of an unreadable member in the
// city's report.
func ReportUnreadableWords(lang string) string { return messages.T(lang, "state.report.unreadable") }

// ReportLateWords follow a late submission's time in the city's report.
func ReportLateWords(lang string) string { return messages.T(lang, "state.report.late") }
