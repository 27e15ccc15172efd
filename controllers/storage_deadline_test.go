package controllers

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/countyreport/countyreport/internal/storage"
)

// blackhole accepts TCP connections and never answers: a storage endpoint
// behind a firewall that drops replies, or a server hung on a full disk.
func blackhole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		for _, c := range held {
			c.Close()
		}
	})
	return l.Addr().String()
}

// A storage endpoint that never answers is reported as StorageUnavailable
// within the storage deadline, and the reconcile still provisions the portal
// and returns, so its worker goes on to the next county. (Without a
// deadline the reconcile waits out minio-go's retries and the transport's
// two-minute response timeout, and the test's own one-minute bound ends it
// with a bare context error instead.)
func TestUnansweringStorageDoesNotHoldTheReconcile(t *testing.T) {
	g := NewWithT(t)
	dead, err := NewAdminStorage(storage.Config{Endpoint: blackhole(t), AccessKey: "made-up", SecretKey: "made-up-secret", Insecure: true})
	g.Expect(err).NotTo(HaveOccurred())
	r := &CountyReportReconciler{
		TenantReconciler: TenantReconciler{Client: mgrClient, Scheme: k8s.Scheme(), Clock: fakeClock, PortalImage: "countyreport:test",
			StorageSettings: StorageSettings{StorageEndpoint: "127.0.0.1:1", StorageInsecure: true, StorageTimeout: time.Second}},
		Storage: dead,
	}
	var keys []client.ObjectKey
	for _, code := range []string{"990401", "990402"} {
		cr := newCountyReport(t, "slow", code)
		g.Expect(k8s.Create(testCtx, cr)).To(Succeed())
		keys = append(keys, client.ObjectKeyFromObject(cr))
	}
	ctx, cancel := context.WithTimeout(testCtx, time.Minute)
	defer cancel()
	for _, k := range keys {
		// The cache may not hold the new object for a moment.
		g.Eventually(func(g Gomega) { g.Expect(mgrClient.Get(ctx, k, getCR(g, k))).To(Succeed()) }, wait).Should(Succeed())
		var err error
		// A conflict with the suite's manager writing the same object ends a
		// reconcile early (a quiet requeue): reconcile again, as the
		// controller would.
		for range 5 {
			if _, err = r.Reconcile(ctx, reconcile.Request{NamespacedName: k}); err != nil && !strings.Contains(err.Error(), "the object has been modified") {
				break
			}
		}
		g.Expect(storage.IsUnavailable(err)).To(BeTrue(), "reconcile of %s: %v", k, err)
		g.Expect(err.Error()).To(ContainSubstring("no answer within 1s"))
		g.Expect(ctx.Err()).NotTo(HaveOccurred(), "the reconcile ran into the test's own bound")
	}
}
