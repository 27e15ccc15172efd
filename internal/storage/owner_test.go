package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/tags"

	"github.com/countyreport/countyreport/internal/storage"
)

// The owners below are made up for the tests.
var (
	ownerA = storage.Owner{UID: "uid-a", Name: "county-a/a", County: "430423"}
	ownerB = storage.Owner{UID: "uid-b", Name: "county-b/b", County: "430424"}
)

func freshBucketName(t *testing.T) string {
	return fmt.Sprintf("claim-%d", time.Now().UnixNano())
}

func TestClaimBucketCreatesTagsAndVersions(t *testing.T) {
	srv := shared(t)
	admin := newClient(t, srv.RootConfig())
	ctx := testCtx(t)
	bucket := freshBucketName(t)
	if err := admin.ClaimBucket(ctx, bucket, ownerA); err != nil {
		t.Fatalf("claim a new bucket: %v", err)
	}
	got, err := admin.BucketOwner(ctx, bucket)
	if err != nil || got != ownerA {
		t.Fatalf("owner recorded: %+v, %v; want %+v", got, err, ownerA)
	}
	if on, err := admin.BucketVersioning(ctx, bucket); err != nil || !on {
		t.Fatalf("versioning: %v, %v", on, err)
	}
	// Claiming again is a no-op for its owner.
	if err := admin.ClaimBucket(ctx, bucket, ownerA); err != nil {
		t.Fatalf("second claim by the owner: %v", err)
	}
}

// snapshot is everything a refused claim must leave as it was.
type snapshot struct {
	tags       map[string]string
	versioning string
	objects    []string
}

func takeSnapshot(t *testing.T, mc *minio.Client, bucket string) snapshot {
	t.Helper()
	ctx := testCtx(t)
	var s snapshot
	if tg, err := mc.GetBucketTagging(ctx, bucket); err == nil {
		s.tags = tg.ToMap()
	}
	vc, err := mc.GetBucketVersioning(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	s.versioning = vc.Status
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		s.objects = append(s.objects, o.Key+"@"+o.VersionID)
	}
	return s
}

func sameSnapshot(a, b snapshot) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// Every way a tenant might be handed a bucket it does not own is refused,
// and the refusal changes nothing in the bucket.
func TestClaimBucketRefusesWhatItDidNotCreate(t *testing.T) {
	srv := shared(t)
	admin := newClient(t, srv.RootConfig())
	mc := rawClient(t, srv.RootConfig())
	ctx := testCtx(t)

	claimed := freshBucketName(t) + "-a"
	if err := admin.ClaimBucket(ctx, claimed, ownerA); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.PutObject(ctx, claimed, "data/2023-01/dataset.json", bytes.NewReader([]byte("{}")), 2, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}

	foreign := freshBucketName(t) + "-foreign" // made outside the operator, unversioned, untagged
	if err := mc.MakeBucket(ctx, foreign, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.PutObject(ctx, foreign, "secret.txt", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}

	foreignTagged := freshBucketName(t) + "-tagged" // someone's bucket with tags of its own
	if err := mc.MakeBucket(ctx, foreignTagged, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	tg, _ := tags.NewTags(map[string]string{"team": "finance"}, false)
	if err := mc.SetBucketTagging(ctx, foreignTagged, tg); err != nil {
		t.Fatal(err)
	}

	recreatedA := ownerA
	recreatedA.UID = "uid-a-recreated" // the same namespace/name, deleted and applied again

	for name, tc := range map[string]struct {
		bucket string
		owner  storage.Owner
	}{
		"another tenant's bucket":             {claimed, ownerB},
		"the same name with a new UID":        {claimed, recreatedA},
		"a bucket made outside the operator":  {foreign, ownerA},
		"a tagged bucket of someone else":     {foreignTagged, ownerA},
		"same county code, other UID":         {claimed, storage.Owner{UID: "uid-c", Name: "x/y", County: ownerA.County}},
		"another tenant's bucket, empty name": {claimed, storage.Owner{UID: "uid-d"}},
	} {
		t.Run(name, func(t *testing.T) {
			before := takeSnapshot(t, mc, tc.bucket)
			err := admin.ClaimBucket(ctx, tc.bucket, tc.owner)
			if !errors.Is(err, storage.ErrNotOwned) {
				t.Fatalf("claim: %v, want ErrNotOwned", err)
			}
			if err := admin.DeleteOwnedBucket(ctx, tc.bucket, tc.owner); !errors.Is(err, storage.ErrNotOwned) {
				t.Fatalf("delete by a non-owner: %v, want ErrNotOwned", err)
			}
			if err := admin.EnsureBucket(ctx, tc.bucket, map[string]string{storage.TagOwnerUID: tc.owner.UID}); tc.bucket == claimed && !errors.Is(err, storage.ErrNotOwned) {
				t.Fatalf("retag an owned bucket with EnsureBucket: %v, want ErrNotOwned", err)
			}
			if after := takeSnapshot(t, mc, tc.bucket); tc.bucket == claimed && !sameSnapshot(before, after) {
				t.Fatalf("a refused claim changed the bucket:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
	for _, b := range []string{foreign, foreignTagged} {
		if s := takeSnapshot(t, mc, b); len(s.objects) == 0 && b == foreign {
			t.Fatalf("the foreign bucket lost its object: %v", s)
		}
		if _, err := admin.BucketOwner(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := admin.BucketOwner(ctx, claimed); got != ownerA {
		t.Fatalf("the owner changed: %+v", got)
	}
}

// Two tenants racing for a name nobody has: exactly one gets it.
func TestClaimBucketRaceHasOneWinner(t *testing.T) {
	srv := shared(t)
	ctx := testCtx(t)
	for round := range 5 {
		bucket := fmt.Sprintf("%s-race%d", freshBucketName(t), round)
		owners := []storage.Owner{ownerA, ownerB, {UID: "uid-c", Name: "c/c", County: "430426"}}
		errs := make([]error, len(owners))
		var wg sync.WaitGroup
		for i, o := range owners {
			wg.Go(func() { errs[i] = newClient(t, srv.RootConfig()).ClaimBucket(ctx, bucket, o) })
		}
		wg.Wait()
		winners := 0
		for i, err := range errs {
			switch {
			case err == nil:
				winners++
				if got, _ := newClient(t, srv.RootConfig()).BucketOwner(ctx, bucket); got != owners[i] {
					t.Fatalf("round %d: %s won but the bucket says %+v", round, owners[i].Name, got)
				}
			case !errors.Is(err, storage.ErrNotOwned):
				t.Fatalf("round %d: %s: %v", round, owners[i].Name, err)
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d winners (%v), want exactly 1", round, winners, errs)
		}
	}
}

func TestDeleteOwnedBucket(t *testing.T) {
	srv := shared(t)
	admin := newClient(t, srv.RootConfig())
	ctx := testCtx(t)
	bucket := freshBucketName(t)
	if err := admin.DeleteOwnedBucket(ctx, bucket, ownerA); err != nil {
		t.Fatalf("delete a bucket that does not exist: %v", err)
	}
	if err := admin.ClaimBucket(ctx, bucket, ownerA); err != nil {
		t.Fatal(err)
	}
	if err := admin.DeleteOwnedBucket(ctx, bucket, ownerA); err != nil {
		t.Fatalf("owner deletes: %v", err)
	}
	if ok, err := rawClient(t, srv.RootConfig()).BucketExists(ctx, bucket); err != nil || ok {
		t.Fatalf("bucket still there: %v %v", ok, err)
	}
}

// Scoped credentials cannot rewrite who owns their bucket.
func TestScopedCredentialsCannotRetag(t *testing.T) {
	srv := shared(t)
	admin := newClient(t, srv.RootConfig())
	ctx := testCtx(t)
	bucket := freshBucketName(t)
	if err := admin.ClaimBucket(ctx, bucket, ownerA); err != nil {
		t.Fatal(err)
	}
	issuer, err := storage.NewSTSIssuer(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	creds, err := issuer.Issue(ctx, bucket, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	scoped := rawClient(t, creds.Config(srv.RootConfig()))
	tg, _ := tags.NewTags(map[string]string{storage.TagOwnerUID: ownerB.UID}, false)
	if err := scoped.SetBucketTagging(ctx, bucket, tg); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("scoped SetBucketTagging: %v, want AccessDenied", err)
	}
	if err := scoped.RemoveBucketTagging(ctx, bucket); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("scoped RemoveBucketTagging: %v, want AccessDenied", err)
	}
	if got, _ := admin.BucketOwner(ctx, bucket); got != ownerA {
		t.Fatalf("owner after attempts: %+v", got)
	}
}
