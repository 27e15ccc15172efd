package storage_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
)

func TestSessionMarksAndLoginAttempts(t *testing.T) {
	srv := shared(t)
	ctx := testCtx(t)
	bucket := srv.NewBucket(t)
	issuer, err := storage.NewSTSIssuer(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	creds, err := issuer.Issue(ctx, bucket, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	a := newClient(t, creds.Config(srv.RootConfig())).Archive(bucket) // the portal's own credentials

	for _, m := range []string{"s.1767254400.abc-_1", "u.1767254400000000000.0123abcd"} {
		if err := a.PutSessionMark(ctx, m); err != nil {
			t.Fatalf("put %s: %v", m, err)
		}
	}
	got, err := a.SessionMarks(ctx)
	if err != nil || !slices.Equal(got, []string{"s.1767254400.abc-_1", "u.1767254400000000000.0123abcd"}) {
		t.Fatalf("marks: %v %v", got, err)
	}
	if err := a.DeleteSessionMark(ctx, "s.1767254400.abc-_1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.SessionMarks(ctx); len(got) != 1 {
		t.Fatalf("after delete: %v", got)
	}
	// A name that would leave the prefix is refused and writes nothing.
	for _, bad := range []string{"../data/2024-01/dataset.json", "a/b", "", "s.1.\x00"} {
		if err := a.PutSessionMark(ctx, bad); !errors.Is(err, storage.ErrInvalid) {
			t.Errorf("mark %q: %v, want ErrInvalid", bad, err)
		}
	}

	// A login attempt is taken once.
	if err := a.PutLoginAttempt(ctx, "state-digest_1", []byte(`{"nonce":"n"}`)); err != nil {
		t.Fatal(err)
	}
	first, err := a.TakeLoginAttempt(ctx, "state-digest_1")
	if err != nil || string(first) != `{"nonce":"n"}` {
		t.Fatalf("take: %q %v", first, err)
	}
	if again, err := a.TakeLoginAttempt(ctx, "state-digest_1"); again != nil || err != nil {
		t.Fatalf("taken twice: %q %v", again, err)
	}
	if err := a.PutLoginAttempt(ctx, "big", make([]byte, 5000)); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("oversized attempt: %v", err)
	}
}

// Another county's credentials, and a city's member credentials for this
// county, can neither read nor write its session marks or login attempts.
func TestSessionMarksIsolation(t *testing.T) {
	srv := shared(t)
	ctx := testCtx(t)
	mine, other := srv.NewBucket(t), srv.NewBucket(t)
	issuer, err := storage.NewSTSIssuer(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	own, err := issuer.Issue(ctx, mine, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := issuer.Issue(ctx, other, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	member, err := issuer.IssueMember(ctx, mine, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	a := newClient(t, own.Config(srv.RootConfig())).Archive(mine)
	if err := a.PutSessionMark(ctx, "s.1767254400.victim"); err != nil {
		t.Fatal(err)
	}
	if err := a.PutLoginAttempt(ctx, "victim-state", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]storage.Config{
		"another county": foreign.Config(srv.RootConfig()), "the city's member credentials": member.Config(srv.RootConfig()),
	} {
		t.Run(name, func(t *testing.T) {
			x := newClient(t, cfg).Archive(mine)
			if _, err := x.SessionMarks(ctx); !errors.Is(err, storage.ErrAccessDenied) {
				t.Errorf("listed the marks: %v", err)
			}
			if err := x.PutSessionMark(ctx, "u.1767254400000000000.forged"); !errors.Is(err, storage.ErrAccessDenied) {
				t.Errorf("wrote a mark: %v", err)
			}
			if err := x.DeleteSessionMark(ctx, "s.1767254400.victim"); !errors.Is(err, storage.ErrAccessDenied) {
				t.Errorf("deleted a mark: %v", err)
			}
			if b, err := x.TakeLoginAttempt(ctx, "victim-state"); b != nil || !errors.Is(err, storage.ErrAccessDenied) {
				t.Errorf("took a login attempt: %q %v", b, err)
			}
		})
	}
	if got, _ := a.SessionMarks(ctx); !slices.Equal(got, []string{"s.1767254400.victim"}) {
		t.Fatalf("marks changed by the attacks: %v", got)
	}
}
