package submission

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/countyreport/countyreport/internal/storage"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
)

// One real MinIO server (bin/minio, built by `make tools`) for the tests
// that store; each test gets buckets of its own.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := miniotest.CloseShared(); err != nil {
		fmt.Fprintln(os.Stderr, "stop MinIO:", err)
	}
	os.Exit(code)
}

func minioServer(t *testing.T) *miniotest.Server { return miniotest.Shared(t) }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// county is one county's bucket reached with its own scoped credentials,
// as the portal reaches it.
type county struct {
	bucket string
	cfg    storage.Config
	client *storage.Client
}

func newCounty(t *testing.T, srv *miniotest.Server) county {
	t.Helper()
	bucket := srv.NewBucket(t)
	issuer, err := storage.NewSTSIssuer(srv.RootConfig())
	if err != nil {
		t.Fatal(err)
	}
	creds, err := issuer.Issue(testCtx(t), bucket, time.Hour)
	if err != nil {
		t.Fatalf("issue scoped credentials for %s: %v", bucket, err)
	}
	cfg := creds.Config(srv.RootConfig())
	c, err := storage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return county{bucket: bucket, cfg: cfg, client: c}
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

var hengshanCounty = County{Code: "430423", Name: "衡山县", NameEn: "Hengshan County"}

func (c county) service(clock *fakeClock) *Service {
	s := New(c.client.Archive(c.bucket), hengshanCounty).WithZone(shanghai)
	if clock != nil {
		s.now = clock.now
	}
	return s
}

// fakeClock moves a second on every reading, so that submissions made in
// one test have distinct, ordered times.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// snapshot lists every object version and delete marker of bucket with the
// admin credentials: "key version size".
func snapshot(t *testing.T, srv *miniotest.Server, bucket string) []string {
	t.Helper()
	root := srv.RootConfig()
	mc, err := minio.New(root.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(root.AccessKey, root.SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for o := range mc.ListObjects(testCtx(t), bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatalf("list %s: %v", bucket, o.Err)
		}
		out = append(out, fmt.Sprintf("%s %s %d %v", o.Key, o.VersionID, o.Size, o.IsDeleteMarker))
	}
	sort.Strings(out)
	return out
}

func sameList(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
