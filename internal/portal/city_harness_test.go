package portal_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/testenv"
)

// cityPortal is a city's portal running over member counties, each read
// with member credentials issued exactly as the operator issues them
// (storage.STSIssuer.IssueMember: reports/ and data/ read, review/ write).
type cityPortal struct {
	URL     string
	Bucket  string
	Archive *storage.Archive // the city's own bucket, with its scoped credentials
	Dir     string
	Logs    *syncBuffer
}

// A second made-up county (test fixture), so a board has two members.
var fictional2 = countySpec{Name: "shili", Code: "999002", CountyName: "示例县", EnglishName: "Shili County (test fixture)"}

func newCityPortal(t *testing.T, members ...*county) *cityPortal {
	t.Helper()
	return newCityPortalWith(t, nil, members...)
}

// newCityPortalWith is newCityPortal with its configuration changed by edit first.
func newCityPortalWith(t *testing.T, edit func(*portal.CityConfig), members ...*county) *cityPortal {
	t.Helper()
	startServers(t)
	ctx := testCtx(t)
	cp := &cityPortal{Dir: t.TempDir(), Logs: &syncBuffer{}}
	iss, err := storage.NewSTSIssuer(minio.RootConfig())
	mustDo(t, err)

	// The member credentials Secret, as mounted: one file per key.
	secret := filepath.Join(cp.Dir, "members")
	mustDo(t, os.MkdirAll(secret, 0o700))
	files := map[string]string{
		storage.SecretEndpoint: minio.Endpoint(), storage.SecretInsecure: "true",
	}
	var codes []string
	cfg := portal.CityConfig{
		CityReport: "yangshi", Namespace: "city-yangshi", CityCode: "999000", CityName: "样例市", EnglishName: "Yangshi City (test fixture)",
		Review:          v1alpha1.ReviewSpec{DeadlineDay: 5, TimeZone: "Asia/Shanghai"},
		Ranking:         v1alpha1.RankingSpec{Method: v1alpha1.RankEfficacy, Indicators: []v1alpha1.RankedIndicator{{ID: "gdp", Measure: v1alpha1.MeasureChange, Weight: 1, Direction: v1alpha1.HigherIsBetter}}},
		StorageEndpoint: minio.Endpoint(), StorageInsecure: true, MembersDir: secret,
	}
	for _, m := range members {
		creds, err := iss.IssueMember(ctx, m.Bucket, time.Hour)
		mustDo(t, err)
		for k, v := range map[string]string{
			storage.SecretAccessKey: creds.AccessKey, storage.SecretSecretKey: creds.SecretKey,
			storage.SecretSessionToken: creds.SessionToken, storage.SecretBucket: m.Bucket,
		} {
			files[storage.MemberKey(m.Code, k)] = v
		}
		codes = append(codes, m.Code)
		cfg.Members = append(cfg.Members, portal.CityMember{Code: m.Code, Name: m.CountyNm, EnglishName: m.EnglishNm})
	}
	files[storage.SecretMembers] = strings.Join(codes, ",")
	for k, v := range files {
		mustDo(t, os.WriteFile(filepath.Join(secret, k), []byte(v), 0o600))
	}

	cp.Bucket = minio.NewBucket(t)
	cfg.Bucket = cp.Bucket
	creds, err := iss.Issue(ctx, cp.Bucket, time.Hour)
	mustDo(t, err)
	st, err := storage.New(creds.Config(minio.RootConfig()))
	mustDo(t, err)
	cp.Archive = st.Archive(cp.Bucket)

	if edit != nil {
		edit(&cfg)
	}
	writeYAML(t, filepath.Join(cp.Dir, "city-portal.yaml"), cfg)
	writeAccounts(t, filepath.Join(cp.Dir, "accounts.yaml"), map[string]accounts.Role{"shenhe": accounts.Editor, "viewer": accounts.Viewer})
	mustDo(t, os.WriteFile(filepath.Join(cp.Dir, "session-key"), []byte(randHex(32)), 0o600))

	ready := make(chan string, 1)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- portal.RunCity(runCtx, portal.Options{
			ConfigFile: filepath.Join(cp.Dir, "city-portal.yaml"), AccountsFile: filepath.Join(cp.Dir, "accounts.yaml"),
			SessionKeyFile: filepath.Join(cp.Dir, "session-key"),
			Storage:        storage.Config{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, SessionToken: creds.SessionToken},
			Listen:         "127.0.0.1:0", MetricsListen: "127.0.0.1:0",
			Ready:  func(addr string) { ready <- addr },
			Logger: slog.New(slog.NewJSONHandler(cp.Logs, nil)),
			Now:    testenv.Clock().Now,
		})
	}()
	select {
	case addr := <-ready:
		cp.URL = "http://" + addr
	case err := <-done:
		t.Fatalf("city portal did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("city portal did not start within 30 s")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("city portal ended with %v", err)
		}
	})
	return cp
}

// seedGrowth stores the sample's structure for c with its GDP growth set
// to growth (a made-up figure of a made-up county: test fixture).
func (c *county) seedGrowth(t *testing.T, growth string) *dataset.Dataset {
	t.Helper()
	ds := c.seedDataset(t, false)
	for i := range ds.Indicators {
		if ds.Indicators[i].ID == "gdp" {
			n, ok := dataset.NewNumber(growth)
			if !ok {
				t.Fatalf("growth %q is not a number", growth)
			}
			ds.Indicators[i].Change = n
		}
	}
	norm, err := ds.Normalized()
	mustDo(t, err)
	_, err = c.Archive.PutDataset(testCtx(t), ds.Meta.Period, norm)
	mustDo(t, err)
	return ds
}
