package executor

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/storage"
)

// InProcess renders inside the manager, at most Concurrency reports at once,
// with the county's scoped credentials. Results are kept in memory until
// polled (and a while after, for readers of a stale cache); a manager restart
// loses attempts in flight, and Poll then reports them failed and retryable.
type InProcess struct {
	Archives *Archives
	// FontPath is passed to report.Render ("" = its default).
	FontPath string

	sem    chan struct{}
	events chan event.GenericEvent

	mu   sync.Mutex
	runs map[attemptKey]*attempt
}

type attemptKey struct {
	uid     types.UID
	attempt int32
}

type attempt struct {
	done     bool
	result   Result
	finished time.Time
}

// keepResults is how long a finished attempt's result is kept after it finished.
const keepResults = 10 * time.Minute

// NewInProcess returns an executor rendering at most concurrency reports at once.
func NewInProcess(archives *Archives, concurrency int) *InProcess {
	if concurrency < 1 {
		concurrency = 1
	}
	return &InProcess{
		Archives: archives,
		sem:      make(chan struct{}, concurrency),
		events:   make(chan event.GenericEvent, 1024),
		runs:     map[attemptKey]*attempt{},
	}
}

// Notify carries each ReportRun whose attempt finished.
func (p *InProcess) Notify() <-chan event.GenericEvent { return p.events }

// Start begins the attempt in the background; a second Start of the same attempt does nothing.
func (p *InProcess) Start(_ context.Context, run *reportingv1.ReportRun, cr *reportingv1.CountyReport) error {
	k := attemptKey{run.UID, run.Status.Attempts}
	p.mu.Lock()
	p.sweep()
	if _, ok := p.runs[k]; ok {
		p.mu.Unlock()
		return nil
	}
	a := &attempt{}
	p.runs[k] = a
	p.mu.Unlock()

	run, cr = run.DeepCopy(), cr.DeepCopy()
	go func() {
		p.sem <- struct{}{}
		res := p.render(run, cr)
		<-p.sem
		p.mu.Lock()
		a.done, a.result, a.finished = true, res, time.Now()
		p.mu.Unlock()
		p.events <- event.GenericEvent{Object: run}
	}()
	return nil
}

// sweep forgets results finished long ago. Called with p.mu held.
func (p *InProcess) sweep() {
	for k, a := range p.runs {
		if a.done && time.Since(a.finished) > keepResults {
			delete(p.runs, k)
		}
	}
}

// Poll reports the attempt's result.
func (p *InProcess) Poll(_ context.Context, run *reportingv1.ReportRun, _ *reportingv1.CountyReport) (Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.runs[attemptKey{run.UID, run.Status.Attempts}]
	if !ok {
		return Result{State: Failed, Failure: &Failure{Reason: reportingv1.RunReasonRenderFailed, Retryable: true,
			Message: fmt.Sprintf("第 %d 次尝试在管理器重启时丢失 / attempt %d was lost when the manager restarted", run.Status.Attempts, run.Status.Attempts)}}, nil
	}
	if !a.done {
		return Result{State: Running}, nil
	}
	return a.result, nil
}

// render does one attempt: dataset from the archive, render, publish, read back.
func (p *InProcess) render(run *reportingv1.ReportRun, cr *reportingv1.CountyReport) Result {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	period := run.Spec.Period
	fail := func(f *Failure) Result { return Result{State: Failed, Failure: f} }
	a, err := p.Archives.Open(ctx, cr)
	if err != nil {
		if f, ok := AsFailure(err); ok {
			return fail(f)
		}
		return fail(Classify(period, err))
	}
	res, err := RenderAndPublish(ctx, a, period, Language(cr), p.FontPath)
	if err != nil {
		if f, ok := AsFailure(err); ok {
			return fail(f)
		}
		return fail(Classify(period, err))
	}
	return Result{State: Succeeded, Report: res}
}

// RenderAndPublish renders period from the archive's data/<period>/dataset.json
// and publishes report.pdf, bundle.zip and manifest.json (last). It returns
// the archive's view of the published period. A missing dataset is a NoData
// *Failure; an invalid one an InvalidData *Failure; storage errors are returned as they are.
func RenderAndPublish(ctx context.Context, a *storage.Archive, period, lang, font string) (*storage.Report, error) {
	data, err := a.GetDataset(ctx, period)
	if err != nil {
		return nil, err
	}
	ds, err := dataset.Parse(data, "data/"+period+"/"+storage.DatasetName)
	if err != nil {
		return nil, &Failure{Reason: reportingv1.RunReasonInvalidData, Err: err,
			Message: fmt.Sprintf("%s 的数据无效 / the dataset of %s is invalid: %v", period, period, err)}
	}
	if ds.Meta.Period != period {
		return nil, &Failure{Reason: reportingv1.RunReasonInvalidData,
			Message: fmt.Sprintf("data/%s/%s 的期间是 %s / the dataset stored for %s is for %s", period, storage.DatasetName, ds.Meta.Period, period, ds.Meta.Period)}
	}
	out, err := report.Render(ds, report.Options{Language: lang, FontPath: font, Assets: AssetsFS(ctx, a)})
	if err != nil {
		return nil, &Failure{Reason: reportingv1.RunReasonRenderFailed, Err: err,
			Message: fmt.Sprintf("%s 生成失败 / rendering %s failed: %v", period, period, err)}
	}
	return a.Publish(ctx, period, []storage.Artifact{
		{Name: report.PDFName, Data: out.PDF},
		{Name: report.BundleName, Data: out.Bundle},
	}, out.Manifest)
}
