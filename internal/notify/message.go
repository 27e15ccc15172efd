package notify

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	"text/template"
)

// Message is an event rendered for one recipient in one language.
type Message struct {
	// ID is the idempotency key of the event and recipient; a webhook's
	// webhook-id and the mail's Message-ID come from it, so a retry is
	// recognisable as the same message.
	ID       string
	Event    Event
	Lang     string
	To       string // the mail address, for a mail channel
	Subject  string
	Text     string // plain text (mail, Feishu)
	HTML     string // HTML mail body
	Markdown string // WeCom and DingTalk
}

// view is what the phrase templates see, in the recipient's language.
type view struct {
	Tenant, Subject, City, Period, Due, Comment, Reason, Link string
}

func newView(e Event, lang string, esc func(string) string) view {
	// Subject is whom the event is about: the county named when it goes to
	// the city, else the tenant itself (a county's own overdue notice).
	v := view{Tenant: e.TenantName, Subject: firstNonEmpty(e.County, e.TenantName), City: firstNonEmpty(e.City, words[lang]["city"]), Period: e.Period,
		Comment: e.Comment, Reason: e.Reason, Link: e.Link}
	if lang == "en" {
		v.Tenant = firstNonEmpty(e.TenantNameEn, e.TenantName)
		v.Subject = firstNonEmpty(e.CountyEn, firstNonEmpty(e.County, v.Tenant))
		v.City = firstNonEmpty(e.CityEn, words[lang]["city"])
	}
	if !e.Due.IsZero() {
		v.Due = e.Due.Format(dueLayout[lang])
	}
	for _, f := range []*string{&v.Tenant, &v.Subject, &v.City, &v.Period, &v.Comment, &v.Reason} {
		*f = esc(*f)
	}
	return v
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var (
	textLayout = template.Must(template.New("text").Parse(`{{.Lead}}
{{if .V.Comment}}
{{.W.comment}}{{.W.colon}}{{.V.Comment}}
{{end}}{{if .V.Reason}}
{{.W.reason}}{{.W.colon}}{{.V.Reason}}
{{end}}{{if .Attached}}
{{.W.attached}}
{{end}}{{if .V.Link}}
{{.W.open}}{{.W.colon}}{{.V.Link}}
{{end}}
-- 
{{.W.footer}}
`))

	markdownLayout = template.Must(template.New("md").Parse(`### {{.Subject}}

{{.Lead}}
{{if .V.Comment}}
> **{{.W.comment}}**{{.W.colon}}{{.V.Comment}}
{{end}}{{if .V.Reason}}
> **{{.W.reason}}**{{.W.colon}}{{.V.Reason}}
{{end}}{{if .V.Link}}
[{{.W.open}}]({{.V.Link}})
{{end}}`))

	htmlLayout = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif; line-height: 1.6; color: #1f2933;">
<h1 style="font-size: 1.2em;">{{.Subject}}</h1>
<p>{{.Lead}}</p>
{{- if .V.Comment}}
<p><strong>{{.W.comment}}</strong>{{.W.colon}}{{.V.Comment}}</p>
{{- end}}{{if .V.Reason}}
<p><strong>{{.W.reason}}</strong>{{.W.colon}}{{.V.Reason}}</p>
{{- end}}{{if .Attached}}
<p>{{.W.attached}}</p>
{{- end}}{{if .V.Link}}
<p><a href="{{.V.Link}}">{{.W.open}}</a></p>
{{- end}}
<p style="color: #66788a; font-size: 0.85em;">{{.W.footer}}</p>
</body></html>
`))
)

// Render gives the message of event e for a recipient reading lang (an
// unknown language reads zh-CN). id is the event-and-recipient key.
func Render(e Event, lang, id string) (Message, error) {
	lang = LangOrDefault(lang)
	m := Message{ID: id, Event: e, Lang: lang}
	p := phrases[lang][e.Kind]
	plain := newView(e, lang, func(s string) string { return s })
	var err error
	if m.Subject, err = phrase1(p.Subject, plain); err != nil {
		return m, err
	}
	m.Subject = strings.Join(strings.Fields(m.Subject), " ") // one line, whatever the names hold
	lead, err := phrase1(p.Lead, plain)
	if err != nil {
		return m, err
	}
	data := map[string]any{"Lang": lang, "Subject": m.Subject, "Lead": lead, "V": plain,
		"W": words[lang], "Attached": e.Attachment != nil}
	if m.Text, err = exec(textLayout, data); err != nil {
		return m, err
	}
	var b bytes.Buffer
	if err := htmlLayout.Execute(&b, data); err != nil {
		return m, err
	}
	m.HTML = b.String()
	md := newView(e, lang, escapeMarkdown)
	mdLead, err := phrase1(p.Lead, md)
	if err != nil {
		return m, err
	}
	m.Markdown, err = exec(markdownLayout, map[string]any{"Subject": escapeMarkdown(m.Subject),
		"Lead": mdLead, "V": md, "W": words[lang]})
	return m, err
}

func phrase1(src string, v view) (string, error) {
	t, err := template.New("p").Parse(src)
	if err != nil {
		return "", err
	}
	return exec(t, v)
}

func exec(t *template.Template, data any) (string, error) {
	var b bytes.Buffer
	err := t.Execute(&b, data)
	return b.String(), err
}

// escapeMarkdown keeps a county's comment from turning into links, headings
// or emphasis in a robot's markdown: every markdown punctuation character is
// backslash-escaped and line breaks become spaces.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '!', '|', '>', '<', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
