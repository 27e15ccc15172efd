package executor

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/report"
	"github.com/countyreport/countyreport/internal/signing"
	"github.com/countyreport/countyreport/internal/storage"
)

// InProcess renders inside the manager, at most Concurrency reports at once,
// with the county's scoped credentials. Start waits up to StartWait for the
// attempt, so a report rendered quickly is recorded with one status write;
// a longer attempt goes on in the background, its end told through Notify
// and its result kept in memory until polled (and a while after, for readers
// of a stale cache). A manager restart loses attempts in flight, and Poll
// then reports them failed and retryable.
//
// An attempt is a pipeline: the dataset is fetched, parsed and rendered, and
// the report published. Fetching, parsing and rendering hold one of the
// Concurrency render slots, taken before the dataset is fetched: attempts
// queued behind busy renderers hold nothing in memory but their ReportRun.
// Publishing is mostly waiting on the object store and holds one of
// ioSlotsPerRender·Concurrency I/O slots instead, so the next report renders
// while the last one uploads. A rendered report takes its I/O slot before
// giving back its render slot: when the store falls behind, rendering waits
// rather than piling up reports in memory.
type InProcess struct {
	Archives *Archives
	// FontPath is the sans (黑体) face passed to report.Render ("" = its default).
	FontPath string
	// Keys, when set, gives each attempt its own county's signing key:
	// report.pdf is signed before it is published.
	Keys *signing.Keys
	// StartWait is how long Start waits for the attempt to finish (default
	// DefaultStartWait; negative: not at all). Callers of Start block that
	// long, so the ReportRun reconciler has PipelineDepth workers.
	StartWait time.Duration

	sem    chan struct{} // fetch-and-render slots
	io     chan struct{} // publish slots
	events chan event.GenericEvent
	// waiting counts attempts queued for a render slot.
	waiting atomic.Int32

	mu   sync.Mutex
	runs map[attemptKey]*attempt
}

type attemptKey struct {
	uid     types.UID
	attempt int32
}

type attempt struct {
	finishedCh chan struct{} // closed when the attempt finished
	done       bool
	result     Result
	finished   time.Time
	// awaited: a Start is waiting for this attempt and reports its end, so
	// no notification is sent for it.
	awaited bool
}

// keepResults is how long a finished attempt's result is kept after it finished.
const keepResults = 10 * time.Minute

// ioSlotsPerRender is how many fetches and publishes may be in flight per render slot.
const ioSlotsPerRender = 4

// DefaultStartWait is InProcess.StartWait's default: a report renders and
// publishes in well under a second, so only a stalled store or a very large
// dataset makes an attempt outlast it and show as Running.
const DefaultStartWait = 10 * time.Second

// NewInProcess returns an executor rendering at most concurrency reports at once.
func NewInProcess(archives *Archives, concurrency int) *InProcess {
	if concurrency < 1 {
		concurrency = 1
	}
	return &InProcess{
		Archives: archives,
		sem:      make(chan struct{}, concurrency),
		io:       make(chan struct{}, ioSlotsPerRender*concurrency),
		events:   make(chan event.GenericEvent, 1024),
		runs:     map[attemptKey]*attempt{},
	}
}

// PipelineDepth is how many attempts keep every render and I/O slot busy:
// the ReportRun reconciler's workers, since each waits in Start.
func (p *InProcess) PipelineDepth() int { return cap(p.sem) + cap(p.io) }

// Notify carries each ReportRun whose attempt finished after Start stopped waiting.
func (p *InProcess) Notify() <-chan event.GenericEvent { return p.events }

// Waiting is the number of attempts queued for a render slot.
func (p *InProcess) Waiting() int { return int(p.waiting.Load()) }

// Start begins the attempt and waits up to StartWait for it; a second Start
// of the same attempt starts nothing and reports the first one's state.
// The county's archive is opened first, here: a Secret that cannot be read
// for now (the API server busy) is an error for the reconcile to retry, not
// a failed attempt.
func (p *InProcess) Start(ctx context.Context, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) (Result, error) {
	k := attemptKey{run.UID, run.Status.Attempts}
	if p.known(k) {
		return p.Poll(ctx, run, cr)
	}
	archive, err := p.Archives.Open(ctx, cr)
	if err != nil {
		return Result{}, err
	}
	p.mu.Lock()
	a, ok := p.runs[k]
	if !ok {
		a = &attempt{finishedCh: make(chan struct{}), awaited: true}
		p.runs[k] = a
		go p.attempt(a, archive, run.DeepCopy(), cr.DeepCopy())
	}
	p.mu.Unlock()
	if ok {
		return p.Poll(ctx, run, cr)
	}

	wait := p.StartWait
	if wait == 0 {
		wait = DefaultStartWait
	}
	timer := time.NewTimer(max(wait, 0))
	defer timer.Stop()
	select {
	case <-a.finishedCh:
	case <-timer.C:
	case <-ctx.Done():
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if a.done {
		return a.result, nil
	}
	a.awaited = false // the attempt's end is told through Notify
	return Result{State: Running}, nil
}

// known reports whether this manager has the attempt (and forgets old results).
func (p *InProcess) known(k attemptKey) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweep()
	_, ok := p.runs[k]
	return ok
}

// attempt runs one attempt and records its result.
func (p *InProcess) attempt(a *attempt, archive *storage.Archive, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) {
	res := p.render(archive, run, cr)
	p.mu.Lock()
	a.done, a.result, a.finished = true, res, time.Now()
	notify := !a.awaited
	p.mu.Unlock()
	close(a.finishedCh)
	if notify {
		p.events <- event.GenericEvent{Object: run}
	}
}

// sweep forgets results finished long ago. Called with p.mu held.
func (p *InProcess) sweep() {
	for k, a := range p.runs {
		if a.done && time.Since(a.finished) > keepResults {
			delete(p.runs, k)
		}
	}
}

// Poll reports the attempt's result. An attempt this manager does not
// know was lost to a restart; when the archive holds a report published
// since the run began (it finished publishing first), that is its result.
func (p *InProcess) Poll(ctx context.Context, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) (Result, error) {
	p.mu.Lock()
	a, ok := p.runs[attemptKey{run.UID, run.Status.Attempts}]
	var res Result
	if ok {
		res = a.result
		if !a.done {
			res = Result{State: Running}
		}
	}
	p.mu.Unlock()
	if ok {
		return res, nil
	}
	rep, published, err := publishedSince(ctx, p.Archives, run, cr)
	if err != nil {
		return Result{}, err
	}
	if published {
		return Result{State: Succeeded, Report: rep}, nil
	}
	return Result{State: Failed, Failure: &Failure{Reason: v1alpha1.RunReasonRenderFailed, Retryable: true,
		Message: messages.Both("executor.attemptLost", run.Status.Attempts)}}, nil
}

// render does one attempt: dataset from the archive, render, publish, read back.
func (p *InProcess) render(a *storage.Archive, run *v1alpha1.ReportRun, cr *v1alpha1.CountyReport) Result {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	period := run.Spec.Period
	fail := func(err error) Result {
		f, ok := AsFailure(err)
		if !ok {
			f = Classify(period, err)
		}
		return Result{State: Failed, Failure: f}
	}

	// The render slot before the fetch: see InProcess.
	p.waiting.Add(1)
	p.sem <- struct{}{}
	p.waiting.Add(-1)
	data, err := a.GetDataset(ctx, period)
	if err != nil {
		<-p.sem
		return fail(err)
	}
	r, err := Render(ctx, a, data, period, Language(cr), p.FontPath)
	p.io <- struct{}{} // before the render slot goes back: see InProcess
	<-p.sem
	defer func() { <-p.io }()
	if err != nil {
		return fail(err)
	}
	s, err := p.signer(ctx, cr)
	if err != nil {
		return fail(err)
	}
	if s != nil {
		if err := r.Sign(ctx, a, s); err != nil {
			return fail(err)
		}
	}
	res, err := r.Publish(ctx, a)
	if err != nil {
		return fail(err)
	}
	return Result{State: Succeeded, Report: res}
}

// Rendered is a report rendered and not yet published.
type Rendered struct {
	Period string
	Out    *report.Result
}

// Publish archives report.pdf, bundle.zip and manifest.json (last) and
// returns the archive's view of the published period.
func (r *Rendered) Publish(ctx context.Context, a *storage.Archive) (*storage.Report, error) {
	return a.Publish(ctx, r.Period, []storage.Artifact{
		{Name: report.PDFName, Data: r.Out.PDF},
		{Name: report.BundleName, Data: r.Out.Bundle},
	}, r.Out.Manifest)
}

// Render parses data (the archive's data/<period>/dataset.json) and renders
// it, with the photos it names read from the archive. An invalid dataset is
// an InvalidData *Failure, a failed rendering a RenderFailed one.
func Render(ctx context.Context, a *storage.Archive, data []byte, period, lang, font string) (*Rendered, error) {
	ds, err := dataset.Parse(data, storage.DatasetKey(period))
	if err != nil {
		return nil, &Failure{Reason: v1alpha1.RunReasonInvalidData, Err: err,
			Message: messages.Both("executor.invalidData", period) + ": " + firstProblems(err)}
	}
	if ds.Meta.Period != period {
		return nil, &Failure{Reason: v1alpha1.RunReasonInvalidData,
			Message: messages.Both("executor.periodMismatch", period, storage.DatasetKey(period), ds.Meta.Period)}
	}
	out, err := report.Render(ds, report.Options{Language: lang, Fonts: render.FontPaths{Sans: font}, Assets: AssetsFS(ctx, a)})
	if err != nil {
		return nil, &Failure{Reason: v1alpha1.RunReasonRenderFailed, Err: err,
			Message: messages.Both("executor.renderFailed", period) + ": " + err.Error()}
	}
	return &Rendered{Period: period, Out: out}, nil
}

// maxProblemsShown bounds the problems a run's message lists: a county's
// dataset with thousands of errors must not make a status the API server
// refuses to store.
const maxProblemsShown = 5

// firstProblems is err with at most maxProblemsShown of its problems and
// their count.
func firstProblems(err error) string {
	msg := err.Error()
	if es, ok := dataset.AsErrors(err); ok && len(es) > maxProblemsShown {
		msg = es[:maxProblemsShown].Error() + "\n" + messages.Both("executor.problemsInAll", len(es))
	}
	const maxBytes = 2000 // a key or value quoted in a problem can be long too
	if len(msg) > maxBytes {
		cut := maxBytes
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
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
	r, err := Render(ctx, a, data, period, lang, font)
	if err != nil {
		return nil, err
	}
	return r.Publish(ctx, a)
}
