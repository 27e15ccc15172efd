package notify

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// stores are the outbox backends every scenario runs on: the in-memory one,
// and the tenant bucket on a real MinIO.
func stores(t *testing.T, clock func() time.Time) map[string]func(t *testing.T) Store {
	return map[string]func(t *testing.T) Store{
		"memory": func(*testing.T) Store { return newMemStore(clock) },
		"minio": func(t *testing.T) Store {
			srv := miniotest.Shared(t)
			c, err := storage.New(srv.RootConfig())
			if err != nil {
				t.Fatal(err)
			}
			return c.Archive(srv.NewBucket(t))
		},
	}
}

var hengnanGroup = []Recipient{{Channel: "group", ChannelType: TypeWebhook, Lang: "zh-CN"}}

func webhookTenant(t *testing.T, st Store, rc *receiver, version string) Tenant {
	ch, err := New(Settings{Type: TypeWebhook, BaseURL: rc.srv.URL, Secrets: []string{testWebhookSecret}, Policy: loopback, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return Tenant{Key: "county-hengnan/hengnan", Store: st, Channels: map[string]Channel{"group": ch},
		SecretVersions: map[string]string{"group": version}}
}

func accept(*http.Request, []byte) error { return nil }

func TestOutboxScenarios(t *testing.T) {
	ctx := context.Background()
	for backend, newStore := range stores(t, clock) {
		t.Run(backend, func(t *testing.T) {
			t.Run("enqueued twice, sent once", func(t *testing.T) {
				st := newStore(t)
				rc := newReceiver(t, accept, reply{status: 200})
				for range 2 {
					if _, err := Enqueue(ctx, st, sample(EventReminder), hengnanGroup, fixedNow); err != nil {
						t.Fatal(err)
					}
				}
				s := &Sender{Owner: "a", Clock: clock}
				for range 2 {
					if _, err := s.Run(ctx, webhookTenant(t, st, rc, "1")); err != nil {
						t.Fatal(err)
					}
				}
				if n := len(rc.received()); n != 1 {
					t.Fatalf("receiver got %d, want 1", n)
				}
			})

			t.Run("a restart between enqueue and send sends once", func(t *testing.T) {
				st := newStore(t)
				rc := newReceiver(t, accept, reply{status: 200})
				if _, err := Enqueue(ctx, st, sample(EventReturned), hengnanGroup, fixedNow); err != nil {
					t.Fatal(err)
				}
				// The first manager claimed the record and died before sending.
				id := RecordID(sample(EventReturned), hengnanGroup[0])
				r, etag, err := readRecord(ctx, st, id)
				if err != nil {
					t.Fatal(err)
				}
				r.State, r.LeaseOwner, r.LeaseUntil, r.Attempts = StateSending, "dead", fixedNow.Add(2*time.Minute), 1
				if _, err := writeRecord(ctx, st, r, etag); err != nil {
					t.Fatal(err)
				}
				c := &testClock{t: fixedNow}
				next := &Sender{Owner: "b", Clock: c.Now}
				tn := webhookTenant(t, st, rc, "1")
				if _, err := next.Run(ctx, tn); err != nil {
					t.Fatal(err)
				}
				if n := len(rc.received()); n != 0 {
					t.Fatalf("sent %d while the lease holds", n)
				}
				c.Add(3 * time.Minute)
				for range 2 {
					if _, err := next.Run(ctx, tn); err != nil {
						t.Fatal(err)
					}
				}
				if n := len(rc.received()); n != 1 {
					t.Fatalf("receiver got %d after the lease ended, want 1", n)
				}
			})

			t.Run("two senders send once", func(t *testing.T) {
				st := newStore(t)
				rc := newReceiver(t, accept, reply{status: 200})
				var events []Event
				for _, p := range []string{"2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"} {
					e := sample(EventPublished)
					e.Period = p
					events = append(events, e)
					if _, err := Enqueue(ctx, st, e, hengnanGroup, fixedNow); err != nil {
						t.Fatal(err)
					}
				}
				var wg sync.WaitGroup
				for _, owner := range []string{"manager-a", "manager-b"} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						s := &Sender{Owner: owner, Clock: clock}
						if _, err := s.Run(ctx, webhookTenant(t, st, rc, "1")); err != nil {
							t.Error(err)
						}
					}()
				}
				wg.Wait()
				got := map[string]int{}
				for _, r := range rc.received() {
					got[r.Header.Get("webhook-id")]++
				}
				for _, e := range events {
					if id := RecordID(e, hengnanGroup[0]); got[id] != 1 {
						t.Errorf("%s sent %d times, want 1", id, got[id])
					}
				}
			})

			t.Run("a receiver failing twice is retried with backoff", func(t *testing.T) {
				st := newStore(t)
				rc := newReceiver(t, accept, reply{status: 503}, reply{status: 500}, reply{status: 200})
				if _, err := Enqueue(ctx, st, sample(EventAccepted), hengnanGroup, fixedNow); err != nil {
					t.Fatal(err)
				}
				c := &testClock{t: fixedNow}
				var counted []string
				s := &Sender{Owner: "a", Clock: c.Now, Jitter: func() float64 { return 0.5 }, Backoff: 30 * time.Second,
					Count: func(_ string, _ EventKind, result string) { counted = append(counted, result) }}
				tn := webhookTenant(t, st, rc, "1")
				id := RecordID(sample(EventAccepted), hengnanGroup[0])
				var waits []time.Duration
				for i := 0; i < 3; i++ {
					if _, err := s.Run(ctx, tn); err != nil {
						t.Fatal(err)
					}
					r, _, err := readRecord(ctx, st, id)
					if err != nil {
						t.Fatal(err)
					}
					if r.State == StateDelivered {
						break
					}
					wait := r.NextAttempt.Sub(c.Now())
					waits = append(waits, wait)
					// Not yet due: a pass now sends nothing.
					if _, err := s.Run(ctx, tn); err != nil {
						t.Fatal(err)
					}
					if n := len(rc.received()); n != i+1 {
						t.Fatalf("sent %d before the backoff ended", n)
					}
					c.Add(wait)
				}
				r, _, _ := readRecord(ctx, st, id)
				if r.State != StateDelivered || r.Attempts != 3 || len(rc.received()) != 3 {
					t.Fatalf("state %s after %d attempts, %d requests; want delivered after 3", r.State, r.Attempts, len(rc.received()))
				}
				if len(waits) != 2 || waits[0] != 22500*time.Millisecond || waits[1] != 45*time.Second {
					t.Errorf("waits %v, want [22.5s 45s] (30s·2^(n-1), equal jitter at 0.5)", waits)
				}
				if want := []string{"retry", "retry", "delivered"}; len(counted) != 3 || counted[0] != want[0] || counted[2] != want[2] {
					t.Errorf("counted %v, want %v", counted, want)
				}
			})

			t.Run("Retry-After is honoured", func(t *testing.T) {
				st := newStore(t)
				rc := newReceiver(t, accept, reply{status: 429, header: map[string]string{"Retry-After": "600"}}, reply{status: 200})
				if _, err := Enqueue(ctx, st, sample(EventOverdue), hengnanGroup, fixedNow); err != nil {
					t.Fatal(err)
				}
				s := &Sender{Owner: "a", Clock: clock, Jitter: func() float64 { return 0 }}
				if _, err := s.Run(ctx, webhookTenant(t, st, rc, "1")); err != nil {
					t.Fatal(err)
				}
				r, _, _ := readRecord(ctx, st, RecordID(sample(EventOverdue), hengnanGroup[0]))
				if got := r.NextAttempt.Sub(fixedNow); got != 10*time.Minute {
					t.Errorf("next attempt in %v, want the 10 minutes the receiver asked", got)
				}
			})

			t.Run("410 disables the channel until its Secret changes", func(t *testing.T) {
				st := newStore(t)
				rc := newReceiver(t, accept, reply{status: 410}, reply{status: 200})
				first, second := sample(EventReturned), sample(EventPublished)
				for _, e := range []Event{first, second} {
					if _, err := Enqueue(ctx, st, e, hengnanGroup, fixedNow); err != nil {
						t.Fatal(err)
					}
				}
				s := &Sender{Owner: "a", Clock: clock}
				if _, err := s.Run(ctx, webhookTenant(t, st, rc, "7")); err != nil {
					t.Fatal(err)
				}
				if n := len(rc.received()); n != 1 {
					t.Fatalf("receiver got %d, want only the request answered 410", n)
				}
				states, err := ChannelStates(ctx, st)
				if err != nil || !states["group"].Disabled || states["group"].SecretVersion != "7" {
					t.Fatalf("channel states %+v (%v), want group disabled under Secret version 7", states, err)
				}
				for _, e := range []Event{first, second} {
					r, _, _ := readRecord(ctx, st, RecordID(e, hengnanGroup[0]))
					if r.State != StateDisabled {
						t.Errorf("%s: %s, want disabled", r.ID, r.State)
					}
				}
				// The Secret is fixed: a new event goes out.
				third := sample(EventAccepted)
				if _, err := Enqueue(ctx, st, third, hengnanGroup, fixedNow); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Run(ctx, webhookTenant(t, st, rc, "8")); err != nil {
					t.Fatal(err)
				}
				if n := len(rc.received()); n != 2 {
					t.Fatalf("receiver got %d after the Secret changed, want 2", n)
				}
				if states, err := ChannelStates(ctx, st); err != nil || states["group"].Disabled {
					t.Errorf("channel states %+v (%v): want group enabled again", states, err)
				}
			})

			t.Run("the log is bounded and keeps what is pending", func(t *testing.T) {
				st := newStore(t)
				rc := newReceiver(t, accept, reply{status: 200})
				s := &Sender{Owner: "a", Clock: clock, MaxRecords: 3}
				for _, p := range []string{"2022-01", "2022-02", "2022-03", "2022-04", "2022-05"} {
					e := sample(EventPublished)
					e.Period = p
					if _, err := Enqueue(ctx, st, e, hengnanGroup, fixedNow); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := s.Run(ctx, webhookTenant(t, st, rc, "1")); err != nil {
					t.Fatal(err)
				}
				log, err := Log(ctx, st, 100)
				if err != nil {
					t.Fatal(err)
				}
				if len(log) != 3 || len(rc.received()) != 5 {
					t.Errorf("log has %d records after 5 sends, want the newest 3", len(log))
				}
			})
		})
	}
}

// TestOutboxTenantsApart: one county's channels never get another's or the city's records.
func TestOutboxTenantsApart(t *testing.T) {
	ctx := context.Background()
	hengnan, hengshan, city := newMemStore(clock), newMemStore(clock), newMemStore(clock)
	rcHengnan := newReceiver(t, accept, reply{status: 200})
	rcHengshan := newReceiver(t, accept, reply{status: 200})
	e := sample(EventReturned)
	if _, err := Enqueue(ctx, hengnan, e, hengnanGroup, fixedNow); err != nil {
		t.Fatal(err)
	}
	cityEvent := sample(EventSubmitted)
	cityEvent.Tenant, cityEvent.TenantName = "430400", "衡阳市"
	if _, err := Enqueue(ctx, city, cityEvent, hengnanGroup, fixedNow); err != nil { // the city's own channel named "group" too
		t.Fatal(err)
	}
	s := &Sender{Owner: "a", Clock: clock}
	if _, err := s.Run(ctx, webhookTenant(t, hengshan, rcHengshan, "1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(ctx, webhookTenant(t, hengnan, rcHengnan, "1")); err != nil {
		t.Fatal(err)
	}
	if n := len(rcHengshan.received()); n != 0 {
		t.Errorf("Hengshan's channel got %d messages of other tenants", n)
	}
	if got := rcHengnan.received(); len(got) != 1 || got[0].Body["data"].(map[string]any)["tenant"] != "430422" {
		t.Errorf("Hengnan's channel got %d messages, want its own one", len(got))
	}
}
