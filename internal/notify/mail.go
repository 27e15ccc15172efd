package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"regexp"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// smtpMail sends over SMTP with STARTTLS (port 587) or implicit TLS (465),
// authenticating when a username is set. Each message is multipart:
// plain text and HTML alternatives, a UTF-8 subject (encoded-word), a PDF
// attached when the event carries one, a Message-ID made from the
// idempotency key (so a retry has the same id) and a Date.
type smtpMail struct {
	s Settings
}

// Recipient addresses a mail; Message.To carries it per recipient.
func newMail(s Settings) (Channel, error) {
	switch {
	case s.Host == "" || strings.ContainsAny(s.Host, " /:@"):
		return nil, &FieldError{"host", "the SMTP server's host name, without port"}
	case s.Port < 1 || s.Port > 65535:
		return nil, &FieldError{"port", "between 1 and 65535"}
	case s.Security != "starttls" && s.Security != "tls" && s.Security != "none":
		return nil, &FieldError{"security", "starttls, tls or none"}
	case s.Security == "none" && !s.Policy.AllowPrivate:
		return nil, &FieldError{"security", "none (unencrypted) is allowed only on the local platform"}
	case (s.Username == "") != (s.Password == ""):
		return nil, &FieldError{"password", "username and password go together"}
	case s.Security == "none" && s.Username != "":
		return nil, &FieldError{"security", "a password is never sent unencrypted: use starttls or tls"}
	}
	if err := checkAddress("from", s.From); err != nil {
		return nil, err
	}
	return &smtpMail{s: s}, nil
}

func (c *smtpMail) Type() string { return TypeMail }

// msgIDSafe keeps what a Message-ID's left part may hold.
var msgIDSafe = regexp.MustCompile(`[^A-Za-z0-9.!#$%&'*+/=?^_{|}~-]`)

func (c *smtpMail) message(m Message, to string) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(c.s.From); err != nil {
		return nil, &Error{Disable: true, Msg: "from: " + err.Error()}
	}
	if err := msg.To(to); err != nil {
		return nil, &Error{Permanent: true, Msg: "to: " + err.Error()}
	}
	msg.Subject(m.Subject)
	domain := c.s.From[strings.LastIndexByte(c.s.From, '@')+1:]
	msg.SetMessageIDWithValue(msgIDSafe.ReplaceAllString(m.ID, "-") + "@" + domain)
	msg.SetDateWithValue(c.s.Clock())
	msg.SetGenHeader("Content-Language", m.Lang)
	msg.SetBulk() // no out-of-office replies to an automatic sender
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	if a := m.Event.Attachment; a != nil {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, &Error{Permanent: true, Msg: "attachment: " + err.Error()}
		}
	}
	return msg, nil
}

func (c *smtpMail) Send(ctx context.Context, m Message) error {
	if m.To == "" {
		return &Error{Permanent: true, Msg: "mail: no recipient address"}
	}
	msg, err := c.message(m, m.To)
	if err != nil {
		return err
	}
	d := &net.Dialer{Timeout: c.s.Timeout, Control: dialControl(c.s.Policy)}
	opts := []gomail.Option{gomail.WithPort(c.s.Port), gomail.WithTimeout(c.s.Timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: c.s.Host, RootCAs: c.s.RootCAs, MinVersion: tls.VersionTLS12}),
		gomail.WithDialContextFunc(d.DialContext), gomail.WithHELO("countyreport")}
	switch c.s.Security {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if c.s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(c.s.Username), gomail.WithPassword(c.s.Password))
	}
	client, err := gomail.NewClient(c.s.Host, opts...)
	if err != nil {
		return &Error{Disable: true, Msg: "mail settings: " + err.Error()}
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return smtpError(err)
	}
	return nil
}

// smtpError classifies an SMTP failure: 535 (authentication failed) disables
// the channel; other 5xx refuse this message for good; the rest is retried.
func smtpError(err error) error {
	var tp *textproto.Error
	code := 0
	if se, ok := err.(*gomail.SendError); ok && se.ErrorCode() != 0 {
		code = se.ErrorCode()
	} else if errors.As(err, &tp) {
		code = tp.Code
	}
	msg := fmt.Sprintf("smtp: %v", err)
	switch {
	case code == 535 || code == 530 || strings.Contains(err.Error(), "authentication failed"):
		return &Error{Disable: true, Msg: msg}
	case code >= 500:
		return &Error{Permanent: true, Msg: msg}
	}
	return &Error{Msg: msg}
}
