package notify

import (
	"crypto/x509"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Settings configure one channel: the non-secret parts come from the
// route's spec, the secret parts (Password, Key, Secret, Secrets, and a URL
// that embeds a key) from a Secret in the tenant's own namespace.
type Settings struct {
	Type string
	// BaseURL overrides the vendor's address (https://qyapi.weixin.qq.com,
	// https://oapi.dingtalk.com, https://open.feishu.cn); for a webhook it is
	// the whole target URL.
	BaseURL string
	// Key is WeCom's key, DingTalk's access_token or Feishu's hook token.
	Key string
	// Secret signs DingTalk and Feishu requests (their "加签" secret).
	Secret string
	// Secrets are a webhook's whsec_ secrets; during rotation, several: each
	// request carries one signature per secret.
	Secrets []string

	// Mail: Host and Port of the SMTP server; Security is starttls (587),
	// tls (465, implicit TLS) or none (only where private targets are allowed:
	// the local platform's mail server). Username and Password authenticate
	// when Username is set. From is the sender address.
	Host, Security, Username, Password, From string
	Port                                     int
	RootCAs                                  *x509.CertPool // nil: the system's

	Policy  TargetPolicy
	Clock   func() time.Time // nil: time.Now
	Timeout time.Duration    // per request; 0: 15s
}

// FieldError names the setting that is wrong, in the words of the route's spec.
type FieldError struct{ Field, Msg string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// New builds the channel the settings describe, refusing bad settings by field.
func New(s Settings) (Channel, error) {
	if s.Clock == nil {
		s.Clock = time.Now
	}
	if s.Timeout == 0 {
		s.Timeout = 15 * time.Second
	}
	if s.BaseURL != "" {
		if err := s.Policy.CheckURL(s.BaseURL); err != nil {
			return nil, &FieldError{"url", err.Error()}
		}
	}
	client := s.Policy.Client(s.Timeout)
	switch s.Type {
	case TypeMail:
		return newMail(s)
	case TypeWeCom:
		if err := needKey(s.Key, "key"); err != nil {
			return nil, err
		}
		return &wecom{s: s, c: client, base: or(s.BaseURL, "https://qyapi.weixin.qq.com")}, nil
	case TypeDingTalk:
		if err := needKey(s.Key, "accessToken"); err != nil {
			return nil, err
		}
		return &dingtalk{s: s, c: client, base: or(s.BaseURL, "https://oapi.dingtalk.com")}, nil
	case TypeFeishu:
		if err := needKey(s.Key, "token"); err != nil {
			return nil, err
		}
		return &feishu{s: s, c: client, base: or(s.BaseURL, "https://open.feishu.cn")}, nil
	case TypeWebhook:
		return newWebhook(s, client)
	}
	return nil, &FieldError{"type", fmt.Sprintf("%q is not one of mail, wecom, dingtalk, feishu, webhook", s.Type)}
}

func needKey(v, field string) error {
	if strings.TrimSpace(v) == "" {
		return &FieldError{field, "missing from the Secret"}
	}
	if len(v) > 512 || strings.ContainsAny(v, " \t\r\n/?#&") {
		return &FieldError{field, "not a valid robot key (at most 512 characters, no spaces or / ? # &)"}
	}
	return nil
}

func or(a, b string) string {
	if a != "" {
		return strings.TrimRight(a, "/")
	}
	return b
}

func checkAddress(field, a string) error {
	p, err := mail.ParseAddress(a)
	if err != nil || p.Address != a {
		return &FieldError{field, fmt.Sprintf("%q is not a mail address like name@example.org", a)}
	}
	return nil
}

// Limits are a vendor's documented rates: each entry is n messages per window.
type Limit struct {
	N      int
	Window time.Duration
}

// VendorLimits gives each channel type's documented rate limits; mail and
// webhooks have none of their own (a webhook honours Retry-After).
func VendorLimits(typ string) []Limit {
	switch typ {
	case TypeWeCom, TypeDingTalk:
		return []Limit{{20, time.Minute}}
	case TypeFeishu:
		return []Limit{{100, time.Minute}, {5, time.Second}}
	}
	return nil
}
