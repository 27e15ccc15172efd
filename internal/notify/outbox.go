package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
)

// The outbox is the tenant's own bucket (notify/outbox/, internal/storage):
// one JSON record per event and recipient, written with S3 conditional
// writes. Why there and not in Kubernetes objects: the bucket is already
// per tenant and survives the operator, its conditional writes are a
// compare-and-swap (enqueue = create-if-absent, claim and finish =
// replace-if-unchanged), and the county's portal reads its own delivery log
// there with the credentials it already has (and cannot write it).
//
//	pending ──claim (If-Match)──▶ sending ──▶ delivered
//	   ▲                            │  └────▶ failed (attempts exhausted, or refused for good)
//	   └──── retry at nextAttempt ◀─┘  └────▶ disabled (the channel's key is bad)
//
// A claim carries a lease: a manager that dies while sending leaves a record
// another manager re-claims when the lease ends. So a restart between
// enqueue and send sends once, two managers send once, and only a crash
// between the vendor's acceptance and the record's update can send twice;
// webhook-id and Message-ID are the same on that resend, for receivers that
// de-duplicate.
type Store interface {
	PutNotification(ctx context.Context, id string, data []byte, ifETag string) (string, error)
	GetNotification(ctx context.Context, id string) ([]byte, string, error)
	ListNotifications(ctx context.Context, limit int) ([]storage.NotificationInfo, error)
	DeleteNotification(ctx context.Context, id string) error
}

// RecordSchema names the record format.
const RecordSchema = "countyreport.notification/v1"

// States of a record.
const (
	StatePending   = "pending"
	StateSending   = "sending"
	StateDelivered = "delivered"
	StateFailed    = "failed"
	StateDisabled  = "disabled" // not sent: the channel was disabled
)

// Record is one event for one recipient: outbox entry and log line.
type Record struct {
	Schema      string    `json:"schema"`
	ID          string    `json:"id"`
	Event       Event     `json:"event"`
	Channel     string    `json:"channel"`     // the route's channel name
	ChannelType string    `json:"channelType"` // mail, wecom, …
	To          string    `json:"to,omitempty"`
	Lang        string    `json:"lang"`
	Subject     string    `json:"subject"` // as the recipient reads it, for the log
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"nextAttempt"`
	LeaseOwner  string    `json:"leaseOwner,omitempty"`
	LeaseUntil  time.Time `json:"leaseUntil,omitzero"`
	LastError   string    `json:"lastError,omitempty"`
	EnqueuedAt  time.Time `json:"enqueuedAt"`
	FinishedAt  time.Time `json:"finishedAt,omitzero"`
}

// Final says the record needs nothing more.
func (r Record) Final() bool {
	return r.State == StateDelivered || r.State == StateFailed || r.State == StateDisabled
}

// Recipient is where one route sends one event.
type Recipient struct {
	Channel     string // channel name in the spec
	ChannelType string
	To          string // mail address; empty for robots and webhooks
	Lang        string
}

// recordPrefix marks records among other objects under the outbox (channel states).
const recordPrefix = "n."

var idSafe = regexp.MustCompile(`^[A-Za-z0-9._@+-]{1,80}$`)

// RecordID is the idempotency key of event e for recipient r.
func RecordID(e Event, r Recipient) string {
	id := recordPrefix + e.Key() + "." + r.Channel
	if r.To != "" {
		to := strings.ToLower(r.To)
		if !idSafe.MatchString(to) {
			sum := sha256.Sum256([]byte(to))
			to = hex.EncodeToString(sum[:8])
		}
		id += "." + to
	}
	return id
}

// Seen remembers record IDs in this process (nil remembers nothing): the
// ones known to exist, so re-deriving an event every pass costs no write,
// and the ones known final, so a pass reads only what may still be sent.
// Only an optimisation: the bucket's conditional writes decide.
type Seen struct {
	mu sync.Mutex
	m  map[string]bool
}

// NewSeen makes an empty set.
func NewSeen() *Seen { return &Seen{m: map[string]bool{}} }

func (s *Seen) has(k string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

func (s *Seen) add(k string) {
	if s != nil {
		s.mu.Lock()
		s.m[k] = true
		s.mu.Unlock()
	}
}

// Enqueue writes one pending record per recipient; a record that exists
// already (the same event seen again) is left alone. It returns how many
// were new.
func Enqueue(ctx context.Context, st Store, e Event, rs []Recipient, now time.Time) (int, error) {
	return EnqueueSeen(ctx, st, "", nil, e, rs, now)
}

// EnqueueSeen is Enqueue remembering in seen, under scope (the bucket),
// which records exist.
func EnqueueSeen(ctx context.Context, st Store, scope string, seen *Seen, e Event, rs []Recipient, now time.Time) (int, error) {
	if err := e.Validate(); err != nil {
		return 0, err
	}
	e.Attachment = nil // fetched when sending, never stored in a record
	n := 0
	for _, r := range rs {
		id := RecordID(e, r)
		if seen.has(scope + "/" + id) {
			continue
		}
		m, err := Render(e, r.Lang, id)
		if err != nil {
			return n, err
		}
		rec := Record{Schema: RecordSchema, ID: id, Event: e, Channel: r.Channel, ChannelType: r.ChannelType,
			To: r.To, Lang: m.Lang, Subject: m.Subject, State: StatePending, NextAttempt: now, EnqueuedAt: now}
		data, _ := json.Marshal(rec)
		_, err = st.PutNotification(ctx, id, data, "")
		switch {
		case errors.Is(err, storage.ErrConflict):
		case err != nil:
			return n, fmt.Errorf("enqueue %s: %w", id, err)
		default:
			n++
		}
		seen.add(scope + "/" + id)
	}
	return n, nil
}

// readRecord reads and checks one record.
func readRecord(ctx context.Context, st Store, id string) (Record, string, error) {
	data, etag, err := st.GetNotification(ctx, id)
	if err != nil {
		return Record{}, "", err
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil || r.Schema != RecordSchema || r.ID != id {
		return Record{}, "", fmt.Errorf("notification %s: not a %s record", id, RecordSchema)
	}
	return r, etag, nil
}

// writeRecord replaces the record if unchanged since etag (ErrConflict: someone else got there).
func writeRecord(ctx context.Context, st Store, r Record, etag string) (string, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	return st.PutNotification(ctx, r.ID, data, etag)
}

// Log lists a tenant's records, newest first, at most limit.
func Log(ctx context.Context, st Store, limit int) ([]Record, error) {
	infos, err := st.ListNotifications(ctx, 0)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, in := range infos {
		if !strings.HasPrefix(in.ID, recordPrefix) {
			continue
		}
		r, _, err := readRecord(ctx, st, in.ID)
		if errors.Is(err, storage.ErrNotFound) {
			continue // pruned meanwhile
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}
