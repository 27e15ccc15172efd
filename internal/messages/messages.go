// Package messages owns the words of the operator's, the executors', the
// CLI's and the dataset's messages: one catalogue per language,
// locales/zh-CN.json and locales/en.json, each a flat object of key →
// fmt format (a percent sign is written %%). The portal's pages have their
// own catalogues (internal/portal/locales).
//
// A message is a key and its arguments. It is rendered in one language
// (T, Message.In) where the reader's language is known — a problem shown
// on the county's page in Chinese or in English — or in both, Chinese
// first, "中文 / English" (Both, Message.Both), where it is not: condition
// messages, Events and CLI output are read by municipal IT in either
// language.
//
// An argument that differs by language (a name and its English name, a
// nested message) is a Localizer: each language renders its own. Every key
// is in both catalogues with the same verbs for the same arguments, and no
// Go literal outside tests carries both languages inline again
// (catalogue_test.go).
package messages

import (
	"embed"
	"fmt"
	"strings"
)

// The languages, Chinese first.
const (
	Zh = "zh-CN"
	En = "en"
)

// Languages are the catalogues' languages, Chinese first.
var Languages = []string{Zh, En}

//go:embed locales/*.json
var catalogueFS embed.FS

// catalogues are the texts by language and key, read once at start.
var catalogues = mustRead()

// mustRead reads the embedded catalogues; one that cannot be read is a
// build fault, so the process stops at once.
func mustRead() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range Languages {
		raw, err := catalogueFS.ReadFile("locales/" + lang + ".json")
		if err != nil {
			panic("messages: catalogue " + lang + ": " + err.Error())
		}
		m, err := ParseCatalogue(raw)
		if err != nil {
			panic("messages: catalogue " + lang + ": " + err.Error())
		}
		out[lang] = m
	}
	return out
}

// Localizer is an argument with a form per language.
type Localizer interface {
	In(lang string) string
}

// T is key's text in lang with args formatted into it; a Localizer
// argument is rendered in lang. An unknown key shows itself ("!key"), so
// a missing word is visible (and the catalogue tests fail).
func T(lang, key string, args ...any) string {
	s, ok := catalogues[lang][key]
	if !ok {
		return "!" + key
	}
	local := make([]any, len(args))
	for i, a := range args {
		if l, ok := a.(Localizer); ok {
			a = l.In(lang)
		}
		local[i] = a
	}
	return fmt.Sprintf(s, local...)
}

// Both is key in Chinese and in English: "中文 / English".
func Both(key string, args ...any) string {
	return Pair(T(Zh, key, args...), T(En, key, args...))
}

// Pair joins a text's two renderings, Chinese first, as every bilingual
// message reads: "中文 / English", and "中文（注）/ English" after a
// full-width bracket or stop, which carries its own space.
func Pair(zh, en string) string {
	if strings.HasSuffix(zh, "）") || strings.HasSuffix(zh, "。") {
		return zh + "/ " + en
	}
	return zh + " / " + en
}

// Words is an argument given in each language: a county's name and its
// English name.
type Words struct{ Zh, En string }

// In is w in lang.
func (w Words) In(lang string) string {
	if lang == En {
		return w.En
	}
	return w.Zh
}

// Message is a key with its arguments, rendered when the language is
// known. Detail is text from elsewhere (a library's error, in English)
// that follows the English only, after ": ", as it always has.
type Message struct {
	Key    string
	Args   []any
	Detail string
}

// New is the message key with args.
func New(key string, args ...any) Message { return Message{Key: key, Args: args} }

// In is m in lang.
func (m Message) In(lang string) string {
	s := T(lang, m.Key, m.Args...)
	if m.Detail != "" && lang == En {
		s += ": " + m.Detail
	}
	return s
}

// Both is m in Chinese and in English.
func (m Message) Both() string { return Pair(m.In(Zh), m.In(En)) }

// String is m in both languages.
func (m Message) String() string { return m.Both() }

// Error is a message as an error: its text is the message in both
// languages, and a reader that knows its reader's language takes the
// Message (errors.As).
type Error struct{ Message }

func (e *Error) Error() string { return e.Both() }

// Errorf is the error saying key with args.
func Errorf(key string, args ...any) error { return &Error{New(key, args...)} }
