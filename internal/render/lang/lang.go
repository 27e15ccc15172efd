// Package lang holds what the report templates' editions share: the mark of
// a Chinese original left in the English edition, and English dates.
package lang

import (
	"strconv"
	"strings"

	"github.com/countyreport/countyreport/internal/typeset"
)

// OriginalMark marks, in the English edition, a Chinese text that has no
// English form: the reader sees it is the original, not a translation left
// out silently.
const OriginalMark = "[Chinese original] "

// Months are the English names of the months.
var Months = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// HasHan reports whether s holds Chinese text (typeset.HasCJK: the same
// test the typesetter spaces Chinese by).
func HasHan(s string) bool { return typeset.HasCJK(s) }

// IsCJK reports whether r is Chinese text or CJK punctuation (typeset.IsCJK).
func IsCJK(r rune) bool { return typeset.IsCJK(r) }

// Original is s for the English edition: as it is when it holds no Chinese,
// else marked as the Chinese original.
func Original(s string) string {
	if !HasHan(s) || strings.HasPrefix(s, OriginalMark) {
		return s
	}
	return OriginalMark + s
}

// Pick is e when given, else zh as Original marks it ("" stays "").
func Pick(zh, e string) string {
	if e != "" {
		return e
	}
	return Original(zh)
}

// Month formats "2023-01" as January 2023 (other text as it is).
func Month(p string) string {
	if len(p) != 7 || p[4] != '-' {
		return p
	}
	m, err := strconv.Atoi(p[5:])
	if err != nil || m < 1 || m > 12 {
		return p
	}
	return Months[m-1] + " " + p[:4]
}

// Date formats "2023-01-09" as 9 January 2023 (other text as it is).
func Date(d string) string {
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return d
	}
	m, err1 := strconv.Atoi(d[5:7])
	day, err2 := strconv.Atoi(d[8:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		return d
	}
	return strconv.Itoa(day) + " " + Months[m-1] + " " + d[:4]
}
