package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/countyreport/countyreport/internal/storage"
)

// TestStaffProfilesStayWithTheirTenant: a tenant's own credentials write
// and read its staff profiles and test requests (a request once per id);
// the city's member credentials on that county and another county's
// credentials can do neither (the profiles hold personal addresses).
func TestStaffProfilesStayWithTheirTenant(t *testing.T) {
	srv := shared(t)
	root := srv.RootConfig()
	a, b := srv.NewBucket(t), srv.NewBucket(t)
	ctx := testCtx(t)
	issuer, err := storage.NewSTSIssuer(root)
	if err != nil {
		t.Fatal(err)
	}
	scoped := func(bucket string, member bool) *storage.Archive {
		issue := issuer.Issue
		if member {
			issue = issuer.IssueMember
		}
		creds, err := issue(ctx, bucket, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return newClient(t, creds.Config(root)).Archive(bucket)
	}
	own := scoped(a, false)
	profile := []byte(`{"username":"zhang","role":"editor","email":"zhang@example.org","language":"zh-CN","updated":"2023-02-03T09:00:00Z"}`)
	if err := own.PutStaffProfile(ctx, "zhang", profile); err != nil {
		t.Fatalf("own profile: %v", err)
	}
	if got, err := own.GetStaffProfile(ctx, "zhang"); err != nil || string(got) != string(profile) {
		t.Fatalf("read back: %q, %v", got, err)
	}
	if list, err := own.StaffProfiles(ctx); err != nil || len(list) != 1 || list[0].Username != "zhang" || list[0].ETag == "" {
		t.Fatalf("listing: %+v, %v", list, err)
	}
	if err := own.PutNotifyTest(ctx, "office.20230203t090000z", []byte(`{}`)); err != nil {
		t.Fatalf("test request: %v", err)
	}
	if err := own.PutNotifyTest(ctx, "office.20230203t090000z", []byte(`{}`)); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("the same request twice: %v, want ErrConflict", err)
	}
	if err := own.PutStaffProfile(ctx, "../zhang", profile); !errors.Is(err, storage.ErrInvalid) {
		t.Errorf("a path in a username: %v", err)
	}

	for name, other := range map[string]*storage.Archive{
		"the city's member credentials": scoped(a, true),
		"another county's credentials":  newClient(t, mustCreds(t, issuer, ctx, b).Config(root)).Archive(a),
	} {
		attacks := map[string]func() error{
			"read a profile":     func() error { _, err := other.GetStaffProfile(ctx, "zhang"); return err },
			"list profiles":      func() error { _, err := other.StaffProfiles(ctx); return err },
			"write a profile":    func() error { return other.PutStaffProfile(ctx, "zhang", profile) },
			"ask for a test":     func() error { return other.PutNotifyTest(ctx, "office.20230203t090001z", []byte(`{}`)) },
			"list test requests": func() error { _, err := other.NotifyTests(ctx); return err },
			"remove a request":   func() error { return other.DeleteNotifyTest(ctx, "office.20230203t090000z") },
		}
		for what, attack := range attacks {
			if err := attack(); !errors.Is(err, storage.ErrAccessDenied) {
				t.Errorf("%s: %s: %v, want access denied", name, what, err)
			}
		}
	}
}

func mustCreds(t *testing.T, issuer *storage.STSIssuer, ctx context.Context, bucket string) storage.Credentials {
	t.Helper()
	creds, err := issuer.Issue(ctx, bucket, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return creds
}
