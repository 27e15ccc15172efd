package controllers

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/executor"
	"github.com/countyreport/countyreport/internal/limits"
	"github.com/countyreport/countyreport/internal/render/pdftest"
	"github.com/countyreport/countyreport/internal/storage"
)

// ownArchive opens a county's bucket with the county's own scoped
// credentials, as its staff (or anyone holding its Secret) would.
func ownArchive(t *testing.T, g *WithT, cr *v1alpha1.CountyReport) *storage.Archive {
	t.Helper()
	var sec corev1.Secret
	g.Expect(k8s.Get(testCtx, client.ObjectKey{Namespace: cr.Namespace, Name: cr.Status.CredentialsSecretName}, &sec)).To(Succeed())
	cfg, bucket, err := executor.ConfigFromSecret(&sec)
	g.Expect(err).NotTo(HaveOccurred())
	c, err := storage.New(cfg)
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(c.Close)
	if bucket == "" {
		bucket = cr.Status.Bucket
	}
	return c.Archive(bucket)
}

// datasetFor is a sample dataset re-dated to period (its figures are the
// sample's, the period made up for the test).
func datasetFor(t *testing.T, slug, period string) []byte {
	t.Helper()
	d, err := dataset.Parse(sampleDataset(t, slug), slug+".json")
	if err != nil {
		t.Fatal(err)
	}
	d.Meta.Period = period
	out, err := d.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// peakHeap samples the live heap until stop is closed and returns the
// highest value seen.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var m runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// One county writes hostile datasets straight into its own bucket with its
// own credentials; at the same time another county's run renders and the
// city renders its monthly report. The hostile county's run fails with a
// clear reason, the other county's run and the city's report complete (the
// report names the county whose data could not be read), and the shared
// process's heap stays within budget.
func TestHostileMemberDoesNotStopOthers(t *testing.T) {
	g := NewWithT(t)
	city, members := rankedCity(t, g, "city-hostile", "997730")
	bad, good := members[0], members[1]
	const period = "2026-09"
	goodArchive := ownArchive(t, g, good)
	_, err := goodArchive.PutDataset(testCtx, period, datasetFor(t, "qidong", period))
	g.Expect(err).NotTo(HaveOccurred())

	var many bytes.Buffer // 400 KB of values: took 24.5 s when positions were quadratic
	many.WriteString(`{"meta": {"period": "2026-09"}, "x": [`)
	for i := range 200000 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString("0")
	}
	many.WriteString("]}")
	hostile := map[string][]byte{
		"400 KB of values":       many.Bytes(),
		"past the dataset limit": bytes.Repeat([]byte(" "), limits.DatasetBytes+1),
		"a YAML bomb, as JSON":   []byte(strings.Repeat("[", 5000)),
		"not a dataset at all":   []byte("\x00\x01garbage"),
	}
	badArchive := ownArchive(t, g, bad)
	for name, data := range hostile {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := badArchive.PutDataset(testCtx, period, data)
			g.Expect(err).NotTo(HaveOccurred(), "the county may write its own bucket")

			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			stop := make(chan struct{})
			peak := peakHeap(stop)
			var wg sync.WaitGroup
			var badErr, goodErr, cityErr error
			var cityReport atomic.Pointer[storage.Report]
			wg.Go(func() {
				_, badErr = executor.RenderAndPublish(testCtx, badArchive, period, "zh-CN", "")
			})
			wg.Go(func() {
				_, goodErr = executor.RenderAndPublish(testCtx, goodArchive, period, "zh-CN", "")
			})
			wg.Go(func() {
				rep, err := cityReconciler(fakeClock).RenderCity(testCtx, getCity(g, city.Name), period)
				cityErr = err
				cityReport.Store(rep)
			})
			wg.Wait()
			close(stop)
			held := int64(<-peak) - int64(base.HeapAlloc)

			var f *executor.Failure
			var se *storage.Error
			g.Expect(errors.As(badErr, &f) && f.Reason == v1alpha1.RunReasonInvalidData || errors.As(badErr, &se)).To(BeTrue(),
				"the hostile county's run: %v", badErr)
			g.Expect(len(badErr.Error())).To(BeNumerically("<", 4000), "the failure's message is bounded")
			g.Expect(goodErr).NotTo(HaveOccurred(), "the other county's run")
			g.Expect(cityErr).NotTo(HaveOccurred(), "the city's report")
			pdf, _, err := admin.Archive(getCity(g, city.Name).Status.Bucket).Get(testCtx, period, "report.pdf")
			g.Expect(err).NotTo(HaveOccurred())
			text := pdftest.Text(t, pdf, 2, 3)
			g.Expect(text).To(ContainSubstring("无法读取"), "the report names the unreadable member")
			g.Expect(text).To(ContainSubstring(bad.Spec.County.Name))
			g.Expect(held).To(BeNumerically("<", 256<<20), "the shared process's heap grew by %d MiB", held>>20)
			t.Logf("peak heap +%d MiB; hostile run: %.200v", held>>20, badErr)
		})
	}
}
