package portal

import (
	"net/http"
	"net/url"
)

// formReturn is where the web form's POST returns after an expired
// session's sign-in: the form of the period it posted. Its Referer is not
// enough: a form re-shown after a refused preview is the answer to a
// POST, at the bare /data/form. Only a valid period is used; SafeNext
// checks the rest.
func formReturn(r *http.Request) string {
	if r.URL.Path != "/data/form" {
		return ""
	}
	if p, ok := periodParam(r.PostFormValue("period")); ok {
		return "/data/form?" + url.Values{"period": {p}}.Encode()
	}
	return ""
}
