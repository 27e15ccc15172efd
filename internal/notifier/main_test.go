package notifier

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/storage/miniotest"
	"github.com/countyreport/countyreport/internal/testenv"
)

// The tests run against a real API server (envtest, bin/k8s), a real MinIO
// (bin/minio) and a real mailpit (bin/mailpit): `make tools` builds them.
var (
	kube  client.Client
	minio *miniotest.Server
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer env.Stop()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1alpha1.AddToScheme(scheme)
	if kube, err = client.New(env.Config, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if minio != nil {
		_ = minio.Close()
	}
	return code
}

var minioOnce sync.Once
var minioErr error

// needMinIO starts the shared MinIO the first time a test needs it; a
// missing bin/minio fails that test naming `make tools`.
func needMinIO(t *testing.T) *miniotest.Server {
	t.Helper()
	minioOnce.Do(func() { minio, minioErr = miniotest.StartServer("") })
	if minioErr != nil {
		t.Fatal(minioErr)
	}
	return minio
}
