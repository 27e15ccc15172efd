package portal

import (
	"strings"

	"github.com/countyreport/countyreport/internal/period"
)

// Where the browser has no month picker, <input type="month"> is a text
// box and people type the month as they write it: "2023-1", "2023/1",
// "2023.01", "2023年1月", in full-width digits from a Chinese input
// method. readPeriod takes all of these as YYYY-MM; anything else is
// refused with how to write it (data.badperiod).

// readPeriod reads a typed month leniently and gives it as YYYY-MM.
func readPeriod(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	s = strings.Map(halfWidth, strings.TrimSpace(s))
	s = strings.TrimSuffix(s, "月")
	var y, m string
	for _, sep := range []string{"-", "/", ".", "年"} {
		if a, b, ok := strings.Cut(s, sep); ok {
			y, m = strings.TrimSpace(a), strings.TrimSpace(b)
			break
		}
	}
	if len(y) != 4 || len(m) < 1 || len(m) > 2 {
		return "", false
	}
	if len(m) == 1 {
		m = "0" + m
	}
	p, err := period.Parse(y + "-" + m)
	if err != nil {
		return "", false
	}
	return p.String(), true
}

// halfWidth maps full-width digits and separators to ASCII.
func halfWidth(r rune) rune {
	switch {
	case r >= '０' && r <= '９':
		return r - '０' + '0'
	case r == '－' || r == '—' || r == '–':
		return '-'
	case r == '／':
		return '/'
	case r == '．':
		return '.'
	}
	return r
}
