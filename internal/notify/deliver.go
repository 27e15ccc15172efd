package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
)

// Results as counted in countyreport_notifications_total{result}.
const (
	ResultDelivered = "delivered"
	ResultRetry     = "retry"
	ResultFailed    = "failed"
	ResultDisabled  = "disabled"
)

// Sender delivers a tenant's due records. Its fields are the policy; the
// zero value of each has a sensible default.
type Sender struct {
	Owner       string           // this manager, written into leases
	Clock       func() time.Time // nil: time.Now
	Jitter      func() float64   // in [0,1); nil: math/rand
	Lease       time.Duration    // how long a claim holds; 0: 2 minutes
	MaxAttempts int              // then the record fails; 0: 8
	Backoff     time.Duration    // the first retry's wait; 0: 30s
	MaxBackoff  time.Duration    // 0: 1 hour
	MaxRecords  int              // the log keeps this many; 0: 500
	Limits      *Limiters        // nil: no rate limiting
	// Count is called once per attempt's outcome (the metric).
	Count func(channelType string, event EventKind, result string)
	// Final remembers records known final (nil: every pass reads every record).
	Final *Seen
	// Attach fetches the PDF for a published event (nil: nothing attached).
	Attach func(ctx context.Context, e Event) (*Attachment, error)
}

// Tenant is what the sender needs of one tenant: its outbox and channels.
type Tenant struct {
	Key      string // unique per tenant (for rate limits): namespace/name
	Store    Store
	Channels map[string]Channel
	// SecretVersions are each channel's Secret resourceVersion: a channel
	// disabled under one version is enabled again when its Secret changes.
	SecretVersions map[string]string
}

func (s *Sender) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

func (s *Sender) count(typ string, ev EventKind, result string) {
	if s.Count != nil {
		s.Count(typ, ev, result)
	}
}

// Run delivers every due record of t once and prunes its log. It returns
// the number of records it finished or rescheduled.
func (s *Sender) Run(ctx context.Context, t Tenant) (int, error) {
	states, err := ChannelStates(ctx, t.Store)
	if err != nil {
		return 0, err
	}
	infos, err := t.Store.ListNotifications(ctx, 0)
	if err != nil {
		return 0, err
	}
	done := 0
	var errs []error
	for _, in := range infos {
		if !strings.HasPrefix(in.ID, recordPrefix) {
			continue
		}
		worked, err := s.one(ctx, t, states, in.ID)
		if worked {
			done++
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.prune(ctx, t.Store); err != nil {
		errs = append(errs, err)
	}
	return done, errors.Join(errs...)
}

// one handles one record: skip, mark disabled, or claim, send and finish.
func (s *Sender) one(ctx context.Context, t Tenant, states map[string]ChannelState, id string) (bool, error) {
	now := s.now()
	if s.Final.has(t.Key + "/" + id) {
		return false, nil
	}
	r, etag, err := readRecord(ctx, t.Store, id)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err == nil && r.Final() {
		s.Final.add(t.Key + "/" + id) // a final record never changes again
	}
	if err != nil || r.Final() || now.Before(r.NextAttempt) || (r.State == StateSending && now.Before(r.LeaseUntil)) {
		return false, err
	}
	st := states[r.Channel]
	if st.Disabled && st.SecretVersion == t.SecretVersions[r.Channel] {
		return s.finish(ctx, t, r, etag, StateDisabled, "channel disabled: "+st.Reason, r.ChannelType)
	}
	ch, ok := t.Channels[r.Channel]
	if !ok {
		return s.finish(ctx, t, r, etag, StateFailed, fmt.Sprintf("no channel %q in the spec", r.Channel), r.ChannelType)
	}
	if wait := s.Limits.Reserve(t.Key+"/"+r.Channel, ch.Type(), now); wait > 0 {
		return false, nil // the vendor's rate: try in a later pass, not an attempt
	}
	r.State, r.LeaseOwner, r.LeaseUntil = StateSending, s.Owner, now.Add(or0(s.Lease, 2*time.Minute))
	r.Attempts++
	if etag, err = writeRecord(ctx, t.Store, r, etag); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return false, nil // another manager claimed it
		}
		return false, err
	}
	sendErr := s.send(ctx, ch, r)
	if sendErr != nil && Classify(sendErr).Disable {
		// The rest of this pass skips the channel too.
		states[r.Channel] = ChannelState{Channel: r.Channel, Disabled: true, Reason: Classify(sendErr).Msg, SecretVersion: t.SecretVersions[r.Channel]}
	}
	return s.settle(ctx, t, states, r, etag, ch.Type(), sendErr)
}

func (s *Sender) send(ctx context.Context, ch Channel, r Record) error {
	e := r.Event
	if e.Kind == EventPublished && s.Attach != nil && ch.Type() == TypeMail {
		a, err := s.Attach(ctx, e)
		if err != nil {
			return err
		}
		e.Attachment = a
	}
	m, err := Render(e, r.Lang, r.ID)
	if err != nil {
		return &Error{Permanent: true, Msg: err.Error()}
	}
	m.To = r.To
	ctx, cancel := context.WithTimeout(ctx, or0(s.Lease, 2*time.Minute)/2)
	defer cancel()
	return ch.Send(ctx, m)
}

// settle records the outcome of a send.
func (s *Sender) settle(ctx context.Context, t Tenant, states map[string]ChannelState, r Record, etag, typ string, sendErr error) (bool, error) {
	if sendErr == nil {
		if st, ok := states[r.Channel]; ok && st.Disabled {
			// Its Secret was changed and a message got through: enabled again.
			if err := enableChannel(ctx, t.Store, r.Channel, s.now()); err != nil {
				return false, err
			}
			delete(states, r.Channel)
		}
		return s.finish(ctx, t, r, etag, StateDelivered, "", typ)
	}
	e := Classify(sendErr)
	switch {
	case e.Disable:
		if err := disableChannel(ctx, t.Store, r.Channel, e.Msg, t.SecretVersions[r.Channel], s.now()); err != nil {
			return false, err
		}
		return s.finish(ctx, t, r, etag, StateDisabled, e.Msg, typ)
	case e.Permanent || r.Attempts >= or0(s.MaxAttempts, 8):
		return s.finish(ctx, t, r, etag, StateFailed, e.Msg, typ)
	}
	r.State, r.LeaseOwner, r.LeaseUntil, r.LastError = StatePending, "", time.Time{}, e.Msg
	r.NextAttempt = s.now().Add(max(e.RetryAfter, s.backoff(r.Attempts)))
	s.count(typ, r.Event.Kind, ResultRetry)
	_, err := writeRecord(ctx, t.Store, r, etag)
	return true, ignoreConflict(err)
}

// backoff is the wait after attempt n (1, 2, …): Backoff·2^(n-1), capped,
// with "equal jitter" (half fixed, half random) so retries of many records
// spread out but never come back early.
func (s *Sender) backoff(n int) time.Duration {
	d := or0(s.Backoff, 30*time.Second) << min(n-1, 20)
	d = min(d, or0(s.MaxBackoff, time.Hour))
	j := rand.Float64
	if s.Jitter != nil {
		j = s.Jitter
	}
	return d/2 + time.Duration(j()*float64(d/2))
}

func (s *Sender) finish(ctx context.Context, t Tenant, r Record, etag, state, msg, typ string) (bool, error) {
	r.State, r.LeaseOwner, r.LeaseUntil, r.FinishedAt = state, "", time.Time{}, s.now()
	if msg != "" {
		r.LastError = msg
	}
	result := map[string]string{StateDelivered: ResultDelivered, StateFailed: ResultFailed, StateDisabled: ResultDisabled}[state]
	s.count(typ, r.Event.Kind, result)
	_, err := writeRecord(ctx, t.Store, r, etag)
	return true, ignoreConflict(err)
}

// ignoreConflict: a record changed under us was re-claimed after our lease
// ran out; the other manager's outcome stands.
func ignoreConflict(err error) error {
	if errors.Is(err, storage.ErrConflict) {
		return nil
	}
	return err
}

func or0[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// prune keeps the newest MaxRecords records: older finished ones go.
func (s *Sender) prune(ctx context.Context, st Store) error {
	infos, err := st.ListNotifications(ctx, 0) // newest first
	if err != nil {
		return err
	}
	kept := 0
	for _, in := range infos {
		if !strings.HasPrefix(in.ID, recordPrefix) {
			continue
		}
		kept++
		if kept <= or0(s.MaxRecords, 500) {
			continue
		}
		r, _, err := readRecord(ctx, st, in.ID)
		if err == nil && !r.Final() {
			continue // never drop what is still to be sent
		}
		if err := st.DeleteNotification(ctx, in.ID); err != nil {
			return err
		}
	}
	return nil
}

// ChannelState is a channel's standing in the outbox: disabled after a bad-key answer.
type ChannelState struct {
	Channel       string    `json:"channel"`
	Disabled      bool      `json:"disabled"`
	Reason        string    `json:"reason,omitempty"`
	At            time.Time `json:"at"`
	SecretVersion string    `json:"secretVersion,omitempty"`
}

const statePrefix = "c."

// ChannelStates reads every channel's state (absent: enabled).
func ChannelStates(ctx context.Context, st Store) (map[string]ChannelState, error) {
	infos, err := st.ListNotifications(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := map[string]ChannelState{}
	for _, in := range infos {
		if !strings.HasPrefix(in.ID, statePrefix) {
			continue
		}
		data, _, err := st.GetNotification(ctx, in.ID)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var cs ChannelState
		if json.Unmarshal(data, &cs) == nil && cs.Channel != "" {
			out[cs.Channel] = cs
		}
	}
	return out, nil
}

// enableChannel records that channel works again.
func enableChannel(ctx context.Context, st Store, channel string, at time.Time) error {
	id := statePrefix + channel
	data, _ := json.Marshal(ChannelState{Channel: channel, At: at})
	_, etag, err := st.GetNotification(ctx, id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	_, err = st.PutNotification(ctx, id, data, etag)
	return ignoreConflict(err)
}

// disableChannel records that channel's key is bad under secretVersion.
func disableChannel(ctx context.Context, st Store, channel, reason, secretVersion string, at time.Time) error {
	id := statePrefix + channel
	cs := ChannelState{Channel: channel, Disabled: true, Reason: truncate(reason, 300), At: at, SecretVersion: secretVersion}
	data, _ := json.Marshal(cs)
	_, etag, err := st.GetNotification(ctx, id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	_, err = st.PutNotification(ctx, id, data, etag)
	return ignoreConflict(err)
}
