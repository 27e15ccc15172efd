package accounts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/countyreport/countyreport/internal/messages"
)

// Profile is what a staff member says of themself on the portal's account
// page (我的账户): where mail reaches them and which language they read. The
// portal stores it in the tenant's own bucket (storage.PutStaffProfile);
// the notifier sends mail routes marked staff to it. It belongs to the
// signed-in account and no other: the portal writes only the caller's own.
type Profile struct {
	Username string `json:"username"`
	// Role is the account's role when the profile was saved (the portal
	// knows it, from the accounts file or the identity provider); routes
	// for editors only skip viewers.
	Role Role `json:"role"`
	// Email is empty when the member wants no mail.
	Email string `json:"email,omitempty"`
	// Language is zh-CN (the default) or en.
	Language string `json:"language"`
	// Updated is when it was saved.
	Updated time.Time `json:"updated"`
}

// Languages a profile may choose, the first the default.
var Languages = []string{"zh-CN", "en"}

// MaxEmailLen is the longest address accepted (RFC 5321's path limit).
const MaxEmailLen = 254

// maxProfileSize bounds a stored profile.
const maxProfileSize = 4 << 10

// FieldError names a field of the account page in the user's words.
type FieldError struct {
	// Field is the form's field name (email, language).
	Field string
	// Zh and En say what is wrong, naming the field as the page does.
	Zh, En string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.En }

// fieldError is the error m about field, in each language.
func fieldError(field string, m messages.Message) *FieldError {
	return &FieldError{Field: field, Zh: m.In(messages.Zh), En: m.In(messages.En)}
}

// CheckEmail refuses what is not one plain address (user@host): no display
// name, no list, no spaces or angle brackets, at most MaxEmailLen bytes.
func CheckEmail(s string) *FieldError {
	bad := func(key string, args ...any) *FieldError {
		return fieldError("email", messages.New("accounts.email", messages.New(key, args...)))
	}
	switch {
	case s == "":
		return nil
	case len(s) > MaxEmailLen:
		return bad("accounts.email.tooLong", MaxEmailLen)
	case !utf8.ValidString(s) || strings.ContainsAny(s, " \t\r\n<>,;\"()"):
		return bad("accounts.email.notAddress")
	}
	a, err := mail.ParseAddress(s)
	local, host, ok := strings.Cut(s, "@")
	if err != nil || a.Address != s || !ok || local == "" || !strings.Contains(host, ".") || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") {
		return bad("accounts.email.notAddress")
	}
	return nil
}

// CheckLanguage refuses a language other than zh-CN or en.
func CheckLanguage(s string) *FieldError {
	for _, l := range Languages {
		if s == l {
			return nil
		}
	}
	return fieldError("language", messages.New("accounts.language"))
}

// Validate lists what is wrong with p, by field (email first).
func (p Profile) Validate() []*FieldError {
	var out []*FieldError
	if e := CheckEmail(p.Email); e != nil {
		out = append(out, e)
	}
	if e := CheckLanguage(p.Language); e != nil {
		out = append(out, e)
	}
	return out
}

// ParseProfile reads a stored profile: at most 4 KiB, no unknown fields,
// a valid username, role, address and language.
func ParseProfile(data []byte) (Profile, error) {
	var p Profile
	if len(data) > maxProfileSize {
		return p, fmt.Errorf("staff profile is %d bytes, more than %d", len(data), maxProfileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Profile{}, fmt.Errorf("staff profile: %w", err)
	}
	if dec.More() {
		return Profile{}, errors.New("staff profile: more than one JSON value")
	}
	switch {
	case !ValidUsername(p.Username):
		return Profile{}, fmt.Errorf("staff profile: username %q is not a username", p.Username)
	case p.Role != Editor && p.Role != Viewer:
		return Profile{}, fmt.Errorf("staff profile: role %q: want editor or viewer", p.Role)
	}
	if errs := p.Validate(); len(errs) > 0 {
		return Profile{}, fmt.Errorf("staff profile: %w", errs[0])
	}
	return p, nil
}

// Marshal is p as stored.
func (p Profile) Marshal() ([]byte, error) { return json.Marshal(p) }
