package portal

import (
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/accounts"
)

// The navigation is data: each portal shows its own links, the audit log
// only to editors, and marks the current page.
func TestLinks(t *testing.T) {
	editor := &accounts.Account{Username: "admin", Role: accounts.Editor}
	viewer := &accounts.Account{Username: "reader", Role: accounts.Viewer}
	tests := map[string]struct {
		city    bool
		account *accounts.Account
		lang    string
		nav     string
		want    string // hrefs, * marks the current one
		texts   string
	}{
		"county editor":          {account: editor, lang: "zh-CN", nav: "data", want: "/ /data* /reports /notifications /audit", texts: "概览"},
		"county viewer":          {account: viewer, lang: "zh-CN", nav: "dashboard", want: "/* /data /reports /notifications"},
		"city reviewer, English": {city: true, account: editor, lang: "en", nav: "ranking", want: "/ /ranking* /reports /notifications /audit", texts: "Comparison"},
		"city viewer":            {city: true, account: viewer, lang: "zh-CN", nav: "audit", want: "/ /ranking /reports /notifications"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := &page{Lang: tc.lang, Chrome: chromeFor(tc.city), Account: tc.account, Nav: tc.nav}
			var got, texts []string
			for _, l := range p.Links() {
				h := l.Href
				if l.Current {
					h += "*"
				}
				got = append(got, h)
				texts = append(texts, l.Text)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("links %q, want %q", strings.Join(got, " "), tc.want)
			}
			if tc.texts != "" && !strings.Contains(strings.Join(texts, " "), tc.texts) {
				t.Errorf("link texts %q lack %q", texts, tc.texts)
			}
		})
	}
}
