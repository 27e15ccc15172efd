package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/period"
)

// Entry is one line of the log.
type Entry struct {
	Time time.Time `json:"time"`
	// Event is what was done (signin, signout, submit, review, generate,
	// account, notify-test, refused, ...); Result how it ended (success,
	// failure, throttled, refused, accepted, returned, ...).
	Event  string `json:"event"`
	Result string `json:"result"`
	// User is the name the staff know (a local account's username, a
	// single sign-on user's name); Role the account's role then
	// (editor, viewer), empty when nobody was signed in.
	User string `json:"user,omitempty"`
	Role string `json:"role,omitempty"`
	// IP is the client address (empty for what the portal did itself).
	IP string `json:"ip,omitempty"`
	// Details are the event's particulars (period, file, county, reason).
	Details map[string]string `json:"details,omitempty"`
}

// fieldRunes caps the event, result, user, role and IP.
const fieldRunes = 100

// Clean bounds an entry to what the log keeps: at most limits.AuditDetails
// details (the first ones, in the order given), each value cut to
// limits.AuditDetailRunes, the other fields to fieldRunes, all valid UTF-8.
func (e Entry) Clean() Entry {
	e.Event, e.Result = cut(e.Event, fieldRunes), cut(e.Result, fieldRunes)
	e.User, e.Role, e.IP = cut(e.User, fieldRunes), cut(e.Role, fieldRunes), cut(e.IP, fieldRunes)
	if len(e.Details) > 0 {
		d := make(map[string]string, len(e.Details))
		for k, v := range e.Details {
			d[cut(k, 40)] = cut(v, limits.AuditDetailRunes)
		}
		e.Details = d
	}
	return e
}

// Details turns key, value pairs (as for slog) into details, skipping
// keys in skip, keeping the first limits.AuditDetails.
func Details(attrs []any, skip ...string) map[string]string {
	var d map[string]string
	for i := 0; i+1 < len(attrs); i += 2 {
		k, ok := attrs[i].(string)
		if !ok || k == "" || contains(skip, k) {
			continue
		}
		if d == nil {
			d = map[string]string{}
		}
		if len(d) == limits.AuditDetails {
			break
		}
		d[k] = fmt.Sprint(attrs[i+1])
	}
	return d
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func cut(s string, runes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= runes {
		return s
	}
	return string([]rune(s)[:runes]) + "…"
}

// Encode is the entry as stored (cleaned first).
func Encode(e Entry) ([]byte, error) {
	b, err := json.Marshal(e.Clean())
	if err != nil {
		return nil, err
	}
	if len(b) > limits.AuditEntryBytes {
		return nil, fmt.Errorf("audit entry of %d bytes: more than %d", len(b), limits.AuditEntryBytes)
	}
	return b, nil
}

// Decode reads a stored entry: one JSON object of known fields, at most
// limits.AuditEntryBytes, with a time and an event.
func Decode(b []byte) (Entry, error) {
	var e Entry
	if len(b) > limits.AuditEntryBytes {
		return e, fmt.Errorf("audit entry of %d bytes: more than %d", len(b), limits.AuditEntryBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Entry{}, fmt.Errorf("audit entry: %w", err)
	}
	if dec.More() {
		return Entry{}, errors.New("audit entry: more than one value")
	}
	if e.Time.IsZero() || e.Event == "" {
		return Entry{}, errors.New("audit entry: no time or no event")
	}
	if len(e.Details) > limits.AuditDetails {
		return Entry{}, fmt.Errorf("audit entry: %d details, more than %d", len(e.Details), limits.AuditDetails)
	}
	return e.Clean(), nil
}

// name is the file name of an entry at t with 8 bytes of randomness.
func name(t time.Time, random [8]byte) string {
	return fmt.Sprintf("%019d-%x.json", math.MaxInt64-t.UnixNano(), random[:])
}

// Cursor is where a page of the log starts: after entry Name of month
// Period (both empty: at the newest entry).
type Cursor struct {
	Period string
	Name   string
}

// String is the cursor as a page's query parameter.
func (c Cursor) String() string {
	if c.Period == "" {
		return ""
	}
	return c.Period + "/" + strings.TrimSuffix(c.Name, ".json")
}

// ParseCursor reads a cursor from a query parameter ("" : the newest).
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	if len(s) > 64 {
		return Cursor{}, errors.New("cursor too long")
	}
	p, n, ok := strings.Cut(s, "/")
	if !ok || !period.Valid(p) {
		return Cursor{}, errors.New("cursor: want <YYYY-MM>/<entry>")
	}
	n += ".json"
	if !validName(n) {
		return Cursor{}, errors.New("cursor: not an entry name")
	}
	return Cursor{Period: p, Name: n}, nil
}

// validName is storage.CheckAuditName's rule, kept here too so that a
// cursor is checked before anything is read.
func validName(n string) bool {
	if len(n) != 19+1+16+5 || !strings.HasSuffix(n, ".json") || n[19] != '-' {
		return false
	}
	for i, c := range n[:36] {
		switch {
		case i == 19:
		case i < 19 && c >= '0' && c <= '9':
		case i > 19 && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f'):
		default:
			return false
		}
	}
	return true
}
