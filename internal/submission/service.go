package submission

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/countyreport/countyreport/internal/dataset"
	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/storage"
)

// County is whose submissions a Service takes.
type County struct {
	Code   string // six-digit division code, "430423"
	Name   string // "衡山县"
	NameEn string // "Hengshan County"
	City   string // the city it belongs to, "衡阳市" (optional: the template's 所属市)
	CityEn string // "Hengyang" (optional)
}

// Service runs one county's submissions against its archive (the portal's
// scoped credentials). It is safe for concurrent use.
type Service struct {
	a      *storage.Archive
	county County
	now    func() time.Time
	zone   *time.Location // the county's, for which months have ended
	// beforeWrite, when set (tests), runs before each write of Confirm
	// ("upload", "record", "dataset"); its error fails that write.
	beforeWrite func(step string) error
}

// New returns the service for county's archive.
func New(a *storage.Archive, county County) *Service {
	return &Service{a: a, county: county, now: time.Now, zone: time.Local}
}

// WithZone makes the service judge which months have ended in loc (the
// county's time zone) and returns it.
func (s *Service) WithZone(loc *time.Location) *Service {
	if loc != nil {
		s.zone = loc
	}
	return s
}

// WithClock makes the service date what it writes by now (the portal's
// clock, injected by tests) and returns it.
func (s *Service) WithClock(now func() time.Time) *Service {
	s.now = now
	return s
}

// Errors of Confirm (their text in both languages, Chinese first; a
// *messages.Error).
var (
	ErrExplanationRequired = messages.Errorf("submission.explanationRequired")
	ErrUnchanged           = messages.Errorf("submission.unchanged")
	ErrStale               = messages.Errorf("submission.stale")
	ErrInvalid             = messages.Errorf("submission.invalid")
)

// Limits of a confirmation.
const (
	MaxExplanationRunes = 2000
	maxUserRunes        = 64
)

// stored is the dataset of a period as it is in the archive.
type stored struct {
	v  storage.Version
	ds *dataset.Dataset // nil when it no longer passes validation
}

func (s *Service) load(ctx context.Context, period string) (*stored, error) {
	data, v, err := s.a.GetDatasetVersion(ctx, period, "")
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ds, _ := dataset.Parse(data, "dataset.json")
	return &stored{v: v, ds: ds}, nil
}

// previous is the latest period before period with a dataset.
func (s *Service) previous(ctx context.Context, period string) (*stored, error) {
	periods, err := s.a.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(periods) - 1; i >= 0; i-- {
		if periods[i] >= period {
			continue
		}
		st, err := s.load(ctx, periods[i])
		if err != nil {
			return nil, err
		}
		if st != nil && st.ds != nil {
			return st, nil
		}
	}
	return nil, nil
}

// base is what a template or a workbook upload starts from: the period's
// stored dataset, else the latest earlier one.
func (s *Service) base(ctx context.Context, period string) (*dataset.Dataset, error) {
	st, err := s.load(ctx, period)
	if err != nil {
		return nil, err
	}
	if st != nil && st.ds != nil {
		return st.ds, nil
	}
	prev, err := s.previous(ctx, period)
	if err != nil || prev == nil {
		return nil, err
	}
	return prev.ds, nil
}

func checkPeriod(period string) error {
	if !dataset.ValidPeriod(period) {
		return fmt.Errorf("submission: period %q: want YYYY-MM", period)
	}
	return nil
}

// Template is the county's Excel template for period (see Template).
func (s *Service) Template(ctx context.Context, period string) ([]byte, error) {
	if err := checkPeriod(period); err != nil {
		return nil, err
	}
	base, err := s.base(ctx, period)
	if err != nil {
		return nil, err
	}
	return Template(TemplateInput{CountyCode: s.county.Code, CountyName: s.county.Name, CountyNameEn: s.county.NameEn,
		City: s.county.City, CityEn: s.county.CityEn, Period: period, Base: base})
}

// Preview is a dry run of one upload: the dataset it gives, what it changes
// against the stored dataset, and the warnings that need an explanation.
// Nothing is stored until Confirm.
type Preview struct {
	Period      string
	Format      Format
	Name        string // the upload's file name, sanitised ("form.json" for the form)
	Size        int
	SHA256      string // of the upload
	Dataset     *dataset.Dataset
	Normalized  []byte           // what would be stored
	Stored      *storage.Version // the stored dataset compared with; nil when none
	StoredValid bool             // the stored dataset still passes validation (else all is "added")
	Previous    string           // the earlier period the warnings compare with; "" when none
	Diff        Diff             // against the stored dataset of the period
	VsPrevious  Diff             // against the previous period's dataset (month on month), when there is one
	Warnings    []Warning
	Unchanged   bool // identical to the stored dataset
	At          time.Time
	data        []byte
	parsed      *Parsed
}

// NeedsExplanation reports whether Confirm requires an explanation.
func (p *Preview) NeedsExplanation() bool { return len(p.Warnings) > 0 }

// Where locates a field path in the upload ("指标!C7" / "Indicators!C7"
// for a workbook, the path itself otherwise), for showing the diff.
func (p *Preview) Where(path string) (zh, en string) { return p.parsed.Where(path) }

// Preview parses and checks an upload for period. Problems in the upload
// come back as Problems (test with AsProblems) and change nothing; other
// errors are storage failures.
func (s *Service) Preview(ctx context.Context, period string, up Upload) (*Preview, error) {
	if err := checkPeriod(period); err != nil {
		return nil, err
	}
	if pr := CheckEnded(period, s.now(), s.zone); pr != nil {
		return nil, Problems{*pr}
	}
	if len(up.Data) > MaxUploadBytes { // before any storage round trip
		_, err := Parse(up, Expect{})
		return nil, err
	}
	cur, err := s.load(ctx, period)
	if err != nil {
		return nil, err
	}
	prev, err := s.previous(ctx, period)
	if err != nil {
		return nil, err
	}
	want := Expect{CountyCode: s.county.Code, Period: period}
	switch {
	case cur != nil && cur.ds != nil:
		want.Base = cur.ds
	case prev != nil:
		want.Base = prev.ds
	}
	parsed, err := Parse(up, want)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(up.Data)
	name := up.Name
	if up.Format == FormatForm || name == "" {
		name = "form.json"
	}
	p := &Preview{
		Period: period, Format: parsed.Format, Name: storage.SanitizeFileName(name), Size: len(up.Data),
		SHA256: hex.EncodeToString(sum[:]), Dataset: parsed.Dataset, Normalized: parsed.Normalized,
		At: s.now().UTC(), data: up.Data, parsed: parsed,
	}
	var old *dataset.Dataset
	if cur != nil {
		v := cur.v
		p.Stored, p.StoredValid, old = &v, cur.ds != nil, cur.ds
		newSum := sha256.Sum256(parsed.Normalized)
		p.Unchanged = v.SHA256 == hex.EncodeToString(newSum[:])
	}
	var prevDS *dataset.Dataset
	if prev != nil {
		prevDS, p.Previous = prev.ds, prev.ds.Meta.Period
	}
	p.Diff = Compare(old, parsed.Dataset)
	if prevDS != nil {
		p.VsPrevious = Compare(prevDS, parsed.Dataset)
	}
	p.Warnings = Check(prevDS, parsed.Dataset, parsed.Where)
	return p, nil
}

// Confirmation is the user's go-ahead for a preview.
type Confirmation struct {
	By          string // the portal account
	Explanation string // 填写说明: required when the preview has warnings
}

// Entry is one version of a period's dataset in its history.
type Entry struct {
	VersionID string
	Current   bool
	At        time.Time
	Size      int64
	SHA256    string
	// Record is the submission that wrote this version; nil for a version
	// written some other way (the command line, a sample).
	Record *Record
}

func checkConfirmation(p *Preview, c Confirmation) error {
	by := strings.TrimSpace(c.By)
	if by == "" || utf8.RuneCountInString(by) > maxUserRunes || strings.IndexFunc(by, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w: by %q", ErrInvalid, c.By)
	}
	ex := strings.TrimSpace(c.Explanation)
	if utf8.RuneCountInString(ex) > MaxExplanationRunes {
		return fmt.Errorf("%w: %s", ErrInvalid, messages.Both("submission.explanationLong", MaxExplanationRunes))
	}
	if strings.IndexFunc(ex, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, messages.Both("submission.explanationControl"))
	}
	if p.NeedsExplanation() && ex == "" {
		return ErrExplanationRequired
	}
	if p.Unchanged {
		return ErrUnchanged
	}
	return nil
}

// Confirm stores a previewed upload. The writes go in an order that leaves
// nothing half-done: the upload (uploads/<period>/<time>-<name>, with who
// and when as metadata), then the submission's record, then — the one
// write that makes the submission count — data/<period>/dataset.json,
// written only if the stored dataset is still the one the preview compared
// with (else ErrStale), and naming the record in its metadata. A failure
// before the last write leaves an upload and a record no dataset version
// names: History never shows them, and the stored dataset is untouched.
func (s *Service) Confirm(ctx context.Context, p *Preview, c Confirmation) (*Entry, error) {
	if p == nil || p.parsed == nil {
		return nil, fmt.Errorf("%w: no preview", ErrInvalid)
	}
	if err := checkConfirmation(p, c); err != nil {
		return nil, err
	}
	// Again at confirm: a preview made on the last day of a month may be
	// confirmed after midnight, but never one for a month still running.
	if pr := CheckEnded(p.Period, s.now(), s.zone); pr != nil {
		return nil, Problems{*pr}
	}
	etag := ""
	if p.Stored != nil {
		etag = p.Stored.ETag
	}
	// A cheap look first, so that a stale preview writes nothing at all;
	// the conditional write below is what guarantees it.
	cur, err := s.a.DatasetCurrent(ctx, p.Period)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		if etag != "" {
			return nil, ErrStale
		}
	case err != nil:
		return nil, err
	case cur.ETag != etag:
		return nil, ErrStale
	}
	at := s.now().UTC()
	id := newID(at)
	by := strings.TrimSpace(c.By)
	key, err := storage.SubmissionUploadKey(p.Period, at, p.Name)
	if err != nil {
		return nil, err
	}
	if err := s.step("upload"); err != nil {
		return nil, err
	}
	up, err := s.a.PutSubmissionUpload(ctx, key, p.data, by, at, id)
	if err != nil {
		return nil, err
	}
	rec := Record{
		Schema: RecordSchema, ID: id, CountyCode: s.county.Code, Period: p.Period, By: by, At: at, Format: p.Format,
		Upload:      UploadRef{Key: up.Key, VersionID: up.VersionID, Name: p.Name, Size: up.Size, SHA256: up.SHA256},
		Dataset:     DatasetRef{SHA256: sha256Hex(p.Normalized), Size: int64(len(p.Normalized))},
		Explanation: strings.TrimSpace(c.Explanation), Warnings: p.Warnings, Changes: countsOf(p.Diff),
	}
	if p.Stored != nil {
		rec.Dataset.BaseVersionID = p.Stored.VersionID
	}
	raw, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := s.step("record"); err != nil {
		return nil, err
	}
	if _, err := s.a.PutSubmissionRecord(ctx, p.Period, id, raw); err != nil {
		return nil, err
	}
	if err := s.step("dataset"); err != nil {
		return nil, err
	}
	o, err := s.a.PutDatasetIf(ctx, p.Period, p.Normalized, etag, id)
	if errors.Is(err, storage.ErrConflict) {
		return nil, ErrStale
	}
	if err != nil {
		return nil, err
	}
	return &Entry{VersionID: o.VersionID, Current: true, At: at, Size: o.Size, SHA256: o.SHA256, Record: &rec}, nil
}

func (s *Service) step(name string) error {
	if s.beforeWrite == nil {
		return nil
	}
	return s.beforeWrite(name)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// History lists every version of period's dataset, newest first, each with
// the submission that wrote it (who, when, which upload, the explanation).
func (s *Service) History(ctx context.Context, period string) ([]Entry, error) {
	if err := checkPeriod(period); err != nil {
		return nil, err
	}
	vs, err := s.a.DatasetVersions(ctx, period)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(vs))
	for _, v := range vs {
		e, err := s.entry(ctx, period, v)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *Service) entry(ctx context.Context, period string, v storage.Version) (Entry, error) {
	e := Entry{VersionID: v.VersionID, Current: v.Latest, At: v.Time, Size: v.Size, SHA256: v.SHA256}
	id := v.Meta[storage.MetaSubmission]
	if id == "" || storage.CheckSubmissionID(id) != nil {
		return e, nil
	}
	raw, err := s.a.GetSubmissionRecord(ctx, period, id)
	if errors.Is(err, storage.ErrNotFound) {
		return e, nil
	}
	if err != nil {
		return e, err
	}
	if rec, err := parseRecord(raw, period, id); err == nil && rec.Dataset.SHA256 == v.SHA256 {
		e.Record = rec
		e.At = rec.At
	}
	return e, nil
}

// Version returns one version of period's dataset as stored (the current
// one when versionID is ""), for download from the history.
func (s *Service) Version(ctx context.Context, period, versionID string) ([]byte, error) {
	if err := checkPeriod(period); err != nil {
		return nil, err
	}
	data, _, err := s.a.GetDatasetVersion(ctx, period, versionID)
	return data, err
}

// UploadFile returns the original upload of the submission id of period,
// with its (sanitised) file name.
func (s *Service) UploadFile(ctx context.Context, period, id string) ([]byte, string, error) {
	if err := checkPeriod(period); err != nil {
		return nil, "", err
	}
	raw, err := s.a.GetSubmissionRecord(ctx, period, id)
	if err != nil {
		return nil, "", err
	}
	rec, err := parseRecord(raw, period, id)
	if err != nil {
		return nil, "", fmt.Errorf("submission: %w", err)
	}
	data, v, err := s.a.GetUploadVersion(ctx, rec.Upload.Key, rec.Upload.VersionID)
	if err != nil {
		return nil, "", err
	}
	if v.SHA256 != rec.Upload.SHA256 {
		return nil, "", fmt.Errorf("submission: upload %s: SHA-256 %s, the record says %s: %w", rec.Upload.Key, v.SHA256, rec.Upload.SHA256, storage.ErrCorrupt)
	}
	return data, rec.Upload.Name, nil
}
