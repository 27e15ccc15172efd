package executor

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/tenant"
)

func credentialsSecret(cr *v1alpha1.CountyReport, endpoint string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: tenant.CredentialsSecretName(cr), Namespace: cr.Namespace, ResourceVersion: "7"},
		Data: map[string][]byte{
			tenant.SecretEndpoint: []byte(endpoint), tenant.SecretAccessKey: []byte("county-key"),
			tenant.SecretSecretKey: []byte("county-secret-key"), tenant.SecretBucket: []byte("county-hengshan"),
			tenant.SecretInsecure: []byte("true"),
		},
	}
}

// countingReader counts the Secrets read through it.
func countingReader(objs []client.Object, n *int) client.Reader {
	return fake.NewClientBuilder().WithObjects(objs...).WithInterceptorFuncs(interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			*n++
			return c.Get(ctx, key, obj, opts...)
		},
	}).Build()
}

// The credentials Secret is read from the manager's cache when it holds it,
// and from the API server only when it does not (a Secret the cache's label
// selector leaves out).
func TestArchivesReadTheCredentialsFromTheCacheFirst(t *testing.T) {
	cr := &v1alpha1.CountyReport{ObjectMeta: metav1.ObjectMeta{Name: "hengshan", Namespace: "hengshan"}}
	for _, tc := range []struct {
		name         string
		inCache      bool
		wantAPIReads int
		wantEndpoint string
	}{
		{name: "cached", inCache: true, wantAPIReads: 0, wantEndpoint: "cache.example:9000"},
		{name: "not cached", inCache: false, wantAPIReads: 1, wantEndpoint: "api.example:9000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cacheReads, apiReads int
			var cached []client.Object
			if tc.inCache {
				cached = append(cached, credentialsSecret(cr, "cache.example:9000"))
			}
			a := &Archives{
				Cache:  countingReader(cached, &cacheReads),
				Reader: countingReader([]client.Object{credentialsSecret(cr, "api.example:9000")}, &apiReads),
			}
			var sec corev1.Secret
			if err := a.getSecret(context.Background(), client.ObjectKey{Namespace: cr.Namespace, Name: tenant.CredentialsSecretName(cr)}, &sec); err != nil {
				t.Fatal(err)
			}
			if got := string(sec.Data[tenant.SecretEndpoint]); got != tc.wantEndpoint {
				t.Errorf("read the Secret pointing at %s, want %s", got, tc.wantEndpoint)
			}
			if cacheReads != 1 || apiReads != tc.wantAPIReads {
				t.Errorf("cache reads %d, API reads %d; want 1 and %d", cacheReads, apiReads, tc.wantAPIReads)
			}
		})
	}
}
