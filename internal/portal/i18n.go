package portal

import (
	"embed"
	"fmt"
	"net/http"
	"strings"

	msgcat "github.com/countyreport/countyreport/internal/messages"
)

// The portal's words, Chinese first, are one catalogue per language:
// locales/zh-CN.json and locales/en.json, a flat object of key → text
// (fmt verbs for arguments; key+".one" is the English singular, picked
// when the first argument is 1). Data (indicator names, narrative) is shown
// as entered; English indicator names come from the dataset's nameEn.
// Every key exists in both languages (TestMessagesComplete), once
// (messages.ParseCatalogue refuses a key written twice).

//go:embed locales/*.json
var catalogueFS embed.FS

// languages are the portal's languages, each with its catalogue file.
var languages = []string{"zh-CN", "en"}

// messages are the catalogues by language, read once at start.
var messages = mustReadCatalogues()

// mustReadCatalogues reads the embedded catalogues; one that cannot be
// read is a build fault, so the process stops at once.
func mustReadCatalogues() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range languages {
		raw, err := catalogueFS.ReadFile("locales/" + lang + ".json")
		if err != nil {
			panic("portal: catalogue " + lang + ": " + err.Error())
		}
		m, err := msgcat.ParseCatalogue(raw)
		if err != nil {
			panic("portal: catalogue " + lang + ": " + err.Error())
		}
		out[lang] = m
	}
	return out
}

// langCookie remembers the language switch.
const langCookie = "countyreport-lang"

// requestLang is the language of the page: the remembered switch, else zh-CN.
func requestLang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh-CN"
}

// tr translates key into lang, formatting args into it; an unknown key shows
// itself, so a missing word is visible on the page (and fails the tests).
func tr(lang, key string, args ...any) string {
	s, ok := messages[lang][key]
	if !ok {
		s, ok = messages["zh-CN"][key]
	}
	if !ok {
		return "!" + key
	}
	// English needs the singular for one: a count first among the
	// arguments picks key+".one" when the language has it.
	if n, isInt := firstInt(args); isInt && n == 1 {
		if one, ok := messages[lang][key+".one"]; ok {
			s = one
		}
	}
	// A count passed only to choose the form (Chinese has one form).
	if len(args) > 0 && strings.Contains(s, "%") {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// firstInt is args' first argument when it is a count.
func firstInt(args []any) (int, bool) {
	if len(args) == 0 {
		return 0, false
	}
	n, ok := args[0].(int)
	return n, ok
}

// inParens puts s in brackets as lang writes them: full-width in Chinese,
// "title (unit)" in English.
func inParens(lang, title, s string) string {
	if lang == "en" {
		return title + " (" + s + ")"
	}
	return title + "（" + s + "）"
}

// ssoLabel is the sign-in button's words: "使用统一身份认证登录" /
// "Sign in with <provider>".
func ssoLabel(lang, provider string) string {
	if lang == "en" {
		if provider == "" {
			provider = tr(lang, "signin.sso.default")
		}
		return tr(lang, "signin.sso", provider)
	}
	if provider == "" {
		return tr(lang, "signin.sso")
	}
	return tr(lang, "signin.sso.named", provider)
}
