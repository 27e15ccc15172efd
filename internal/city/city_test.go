package city

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/ranking"
	"github.com/countyreport/countyreport/internal/repo"
	"github.com/countyreport/countyreport/internal/review"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

// sample reads a sample dataset's bytes (the published figures of one county).
func sample(t *testing.T, slug string) []byte {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "config", "samples", "datasets", slug+"-2023-01.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Parse(raw, slug)
	if err != nil {
		t.Fatal(err)
	}
	norm, err := d.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	return norm
}

// memberSecret is a member credentials Secret's data as the operator writes it.
func memberSecret(t *testing.T, srv *miniotest.Server, buckets map[string]string) map[string][]byte {
	t.Helper()
	issuer, err := storage.NewSTSIssuer(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	data := map[string][]byte{storage.SecretEndpoint: []byte(srv.Endpoint()), storage.SecretInsecure: []byte("true")}
	var codes string
	for _, code := range []string{"430422", "430426"} {
		bucket, ok := buckets[code]
		if !ok {
			continue
		}
		c, err := issuer.IssueMember(context.Background(), bucket, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for f, v := range map[string]string{storage.SecretAccessKey: c.AccessKey, storage.SecretSecretKey: c.SecretKey,
			storage.SecretSessionToken: c.SessionToken, storage.SecretBucket: bucket} {
			data[storage.MemberKey(code, f)] = []byte(v)
		}
		if codes != "" {
			codes += ","
		}
		codes += code
	}
	data[storage.SecretMembers] = []byte(codes)
	return data
}

// The review workflow end to end through the storage the city and a county
// each hold: the city returns 衡南县's submission with a comment, the county
// resubmits, the city accepts it; 祁东县 has nothing for another period.
func TestReviewAndRankThroughMemberCredentials(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	admin, err := storage.New(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	hengnan, qidong := srv.NewBucket(t), srv.NewBucket(t)
	for bucket, slug := range map[string]string{hengnan: "hengnan", qidong: "qidong"} {
		if _, err := admin.Archive(bucket).PutDataset(ctx, "2023-01", sample(t, slug)); err != nil {
			t.Fatal(err)
		}
	}
	members, err := Open(memberSecret(t, srv, map[string]string{"430422": hengnan, "430426": qidong}), storage.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := members.Codes(); len(got) != 2 || got[0] != "430422" {
		t.Fatalf("members %v", got)
	}

	// The comparison, from what the members published.
	datasets := map[string]*dataset.Dataset{}
	names := map[string]string{"430422": "衡南县", "430424": "衡东县", "430426": "祁东县"}
	for _, code := range members.Codes() {
		if datasets[code], err = members.Dataset(ctx, code, "2023-01"); err != nil {
			t.Fatal(err)
		}
	}
	spec := v1alpha1.CityReportSpec{Ranking: v1alpha1.RankingSpec{Method: v1alpha1.RankEfficacy,
		Indicators: []v1alpha1.RankedIndicator{{ID: "gdp", Measure: v1alpha1.MeasureChange}}}}
	res, err := ranking.Compute(RankingInput(spec, "2023-01", datasets, names))
	if err != nil {
		t.Fatal(err)
	}
	// Growth 5.6 (祁东县) over 5.4 (衡南县): 100 and 60; 衡东县 未上报.
	if c := res.Composite; c[0].Code != "430426" || *c[0].Score != 100 || *c[1].Score != 60 || c[2].Missing != ranking.NotReported {
		t.Fatalf("composite %+v", c)
	}

	deadline := time.Date(2023, 2, 6, 0, 0, 0, 0, time.UTC)
	now := deadline.Add(24 * time.Hour)
	state := func(code, period string) string {
		t.Helper()
		s, err := members.Status(ctx, code, period, deadline, now)
		if err != nil {
			t.Fatal(err)
		}
		return s.State
	}
	if got := state("430422", "2023-01"); got != review.Submitted {
		t.Fatalf("state %s", got)
	}
	if _, err := members.Verdict(ctx, "430422", "2023-01", review.VerdictReturned, "市统计局 张三", "", now); !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("return without a comment: %v", err)
	}
	if _, err := members.Verdict(ctx, "430422", "2023-01", review.VerdictReturned, "市统计局 张三", "请补充地方一般公共预算收入", now); err != nil {
		t.Fatal(err)
	}
	if got := state("430422", "2023-01"); got != review.Returned {
		t.Fatalf("after return: %s", got)
	}
	// The county resubmits (with its own credentials, as its portal would).
	issuer, err := storage.NewSTSIssuer(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	cc, err := issuer.Issue(ctx, hengnan, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	county, err := storage.New(cc.Config(srv.RootConfig()))
	if err != nil {
		t.Fatal(err)
	}
	log, err := review.Read(ctx, county.Archive(hengnan), "2023-01")
	if err != nil || len(log.Entries) != 1 || log.Entries[0].Comment != "请补充地方一般公共预算收入" {
		t.Fatalf("the county reads the city's comment: %+v, %v", log, err)
	}
	if _, err := county.Archive(hengnan).PutDataset(ctx, "2023-01", append(sample(t, "hengnan"), '\n')); err != nil {
		t.Fatal(err)
	}
	if got := state("430422", "2023-01"); got != review.Resubmitted {
		t.Fatalf("after resubmission: %s", got)
	}
	if _, err := members.Verdict(ctx, "430422", "2023-01", review.VerdictAccepted, "市统计局 张三", "", now); err != nil {
		t.Fatal(err)
	}
	if got := state("430422", "2023-01"); got != review.Accepted {
		t.Fatalf("after acceptance: %s", got)
	}
	// The attack: the county writes other figures (another county's
	// published ones) over the accepted dataset with the accepted object's
	// metadata copied, its SHA-256 claim included. Resubmitted all the same.
	raw := rawClient(t, cc.Config(srv.RootConfig()))
	key := "data/2023-01/dataset.json"
	old, err := raw.StatObject(ctx, hengnan, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	forged := sample(t, "qidong")
	if _, err := raw.PutObject(ctx, hengnan, key, bytes.NewReader(forged), int64(len(forged)),
		minio.PutObjectOptions{UserMetadata: old.UserMetadata, ContentType: old.ContentType}); err != nil {
		t.Fatalf("the county writes its own dataset: %v", err)
	}
	if got := state("430422", "2023-01"); got != review.Resubmitted {
		t.Fatalf("after new figures under copied metadata: %s, want %s", got, review.Resubmitted)
	}

	// Nothing sent for 2023-02: overdue, and there is nothing to review.
	if got := state("430426", "2023-02"); got != review.Overdue {
		t.Fatalf("祁东县 2023-02: %s", got)
	}
	if _, err := members.Verdict(ctx, "430426", "2023-02", review.VerdictAccepted, "x", "", now); err == nil {
		t.Fatal("accepted a submission that does not exist")
	}
	// A county that is not a member has no credentials here.
	if _, err := members.Verdict(ctx, "430424", "2023-01", review.VerdictAccepted, "x", "", now); !errors.Is(err, ErrNotMember) {
		t.Fatalf("verdict on a non-member: %v", err)
	}
}

// A tampered Secret that points one member's credentials at another
// member's bucket gets nothing: each set is bound to its own bucket.
func TestCredentialsAreBoundToTheirCounty(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	admin, err := storage.New(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	hengnan, qidong := srv.NewBucket(t), srv.NewBucket(t)
	if _, err := admin.Archive(qidong).PutDataset(ctx, "2023-01", sample(t, "qidong")); err != nil {
		t.Fatal(err)
	}
	data := memberSecret(t, srv, map[string]string{"430422": hengnan})
	data[storage.MemberKey("430422", storage.SecretBucket)] = []byte(qidong)
	members, err := Open(data, storage.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := members.Dataset(ctx, "430422", "2023-01"); !errors.Is(err, storage.ErrAccessDenied) {
		t.Fatalf("hengnan's credentials on qidong's bucket: %v, want access denied", err)
	}
}

func TestOpenRefusesIncompleteSecrets(t *testing.T) {
	_, err := Open(map[string][]byte{storage.SecretEndpoint: []byte("127.0.0.1:9000"), storage.SecretMembers: []byte("430422")}, storage.Config{})
	if err == nil {
		t.Fatal("opened a member without credentials")
	}
}

// rawClient is a plain S3 client with cfg's credentials: what a county's
// staff can do with the credentials they hold, outside the project's code.
func rawClient(t *testing.T, cfg storage.Config) *minio.Client {
	t.Helper()
	mc, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken), Region: "us-east-1", Secure: !cfg.Insecure,
	})
	if err != nil {
		t.Fatal(err)
	}
	return mc
}
