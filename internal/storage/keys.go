package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/countyreport/countyreport/internal/period"
)

// Object key prefixes of a county's bucket (docs/architecture.md, "Storage layout").
const (
	prefixData    = "data/"
	prefixUploads = "uploads/"
	prefixAssets  = "assets/"
	prefixReports = "reports/"
	// prefixReview holds the city's review of each period's submission
	// (review/<period>/review.json): written by the city's member
	// credentials only, read by the county.
	prefixReview = "review/"

	// ManifestName is the file written last under reports/<period>/: its
	// presence (and validity) is what makes a period complete.
	ManifestName = "manifest.json"
	// DatasetName is the file under data/<period>/.
	DatasetName = "dataset.json"
	// ReviewName is the file under review/<period>/.
	ReviewName = "review.json"
)

// KeyKind tells which area of the layout a key belongs to.
type KeyKind int

// The kinds of key, one per area of the layout. The numbers are never
// stored (the keys are), so the order is only the order of the layout.
const (
	KindUnknown    KeyKind = iota
	KindDataset            // data/<period>/dataset.json
	KindUpload             // uploads/<period>/<time>-<name>
	KindAsset              // assets/<sha256>.<ext>
	KindReport             // reports/<period>/<name>
	KindSubmission         // data/<period>/submissions/<id>.json, a submission's record (Name is "<id>.json"; internal/submission)
	KindReview             // review/<period>/review.json, the city's verdicts
	KindRanking            // rankings/<period>/ranking.json, a city's comparison of the period in its own bucket
	KindAudit              // audit/<period>/<name>.json, one entry of the tenant's audit log (internal/audit)
)

// Key is a parsed object key.
type Key struct {
	Kind   KeyKind
	Period string // empty for assets
	Name   string // file name under the period (for assets, "<sha256>.<ext>")
}

// ParseKey recognises the keys of the layout. Keys outside it give an error;
// callers that sweep a bucket (Retain) leave such keys alone.
func ParseKey(key string) (Key, error) {
	bad := func(why string) (Key, error) {
		return Key{}, fmt.Errorf("storage: key %q is not in the archive layout: %s", key, why)
	}
	area, rest, ok := strings.Cut(key, "/")
	if !ok {
		return bad("no area prefix")
	}
	if area+"/" == prefixAssets {
		if err := checkAssetName(rest); err != nil {
			return bad(err.Error())
		}
		return Key{Kind: KindAsset, Name: rest}, nil
	}
	p, name, ok := strings.Cut(rest, "/")
	if !ok {
		return bad("no period")
	}
	if !period.Valid(p) {
		return bad("bad period")
	}
	if k, ok := parseSubmissionKey(area, p, name); ok {
		return k, nil
	}
	switch area + "/" {
	case prefixData:
		if name != DatasetName {
			return bad("want " + DatasetName)
		}
		return Key{Kind: KindDataset, Period: p, Name: name}, nil
	case prefixUploads:
		if err := checkFileName(name); err != nil {
			return bad(err.Error())
		}
		return Key{Kind: KindUpload, Period: p, Name: name}, nil
	case prefixReports:
		if err := checkFileName(name); err != nil {
			return bad(err.Error())
		}
		return Key{Kind: KindReport, Period: p, Name: name}, nil
	case prefixReview:
		if name != ReviewName {
			return bad("want " + ReviewName)
		}
		return Key{Kind: KindReview, Period: p, Name: name}, nil
	case prefixRankings:
		if name != RankingName {
			return bad("want " + RankingName)
		}
		return Key{Kind: KindRanking, Period: p, Name: name}, nil
	case prefixAudit:
		if !CheckAuditName(name) {
			return bad("want <inverted time>-<16 hex>.json")
		}
		return Key{Kind: KindAudit, Period: p, Name: name}, nil
	}
	return bad("unknown area " + area)
}

// String gives the object key.
func (k Key) String() string {
	switch k.Kind {
	case KindDataset:
		return prefixData + k.Period + "/" + DatasetName
	case KindUpload:
		return prefixUploads + k.Period + "/" + k.Name
	case KindAsset:
		return prefixAssets + k.Name
	case KindReport:
		return prefixReports + k.Period + "/" + k.Name
	case KindReview:
		return prefixReview + k.Period + "/" + ReviewName
	case KindSubmission:
		return prefixData + k.Period + "/" + submissionsDir + k.Name
	case KindRanking:
		return rankingKey(k.Period)
	case KindAudit:
		return prefixAudit + k.Period + "/" + k.Name
	}
	return ""
}

// ReportKey is the object key of a report's file: reports/<period>/<name>.
// Keys are built here only; callers outside the package use these.
func ReportKey(period, name string) string { return prefixReports + period + "/" + name }

// DatasetKey is the object key of a period's dataset: data/<period>/dataset.json.
func DatasetKey(period string) string { return prefixData + period + "/" + DatasetName }

func reportKey(period, name string) string { return ReportKey(period, name) }
func datasetKey(period string) string      { return DatasetKey(period) }
func reviewKey(period string) string       { return prefixReview + period + "/" + ReviewName }

// checkPeriod is period.Parse's verdict, for functions whose own period
// argument hides the package name.
func checkPeriod(s string) error {
	_, err := period.Parse(s)
	return err
}

// checkFileName accepts one path element: UTF-8, no separators or control
// characters, not "." or "..", at most 255 bytes. Chinese names are fine.
func checkFileName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("file name %q is empty or a dot name", name)
	case len(name) > 255:
		return fmt.Errorf("file name is longer than 255 bytes")
	case !utf8.ValidString(name):
		return fmt.Errorf("file name %q is not UTF-8", name)
	}
	for _, r := range name {
		if r == '/' || r == '\\' || unicode.IsControl(r) || r == utf8.RuneError {
			return fmt.Errorf("file name %q contains %q", name, r)
		}
	}
	return nil
}

// checkAssetName accepts "<64 lower-case hex>.<ext>" with a short alphanumeric ext.
func checkAssetName(name string) error {
	sum, ext, ok := strings.Cut(name, ".")
	if !ok || len(sum) != 64 || !isLowerHex(sum) {
		return fmt.Errorf("asset name %q: want <sha256>.<ext>", name)
	}
	if err := checkExt(ext); err != nil {
		return err
	}
	return nil
}

func checkExt(ext string) error {
	if ext == "" || len(ext) > 16 {
		return fmt.Errorf("extension %q: want 1 to 16 letters or digits", ext)
	}
	for _, c := range []byte(ext) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fmt.Errorf("extension %q: want lower-case letters or digits", ext)
		}
	}
	return nil
}

func isLowerHex(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// uploadName is "<UTC time>-<name>": sortable, no colons.
func uploadName(at time.Time, name string) string {
	return at.UTC().Format("20060102T150405.000Z") + "-" + path.Base(name)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// encodeVersions writes the artifact → object version map stored as the
// manifest object's user metadata (URL query form, sorted by name).
func encodeVersions(v map[string]string) string {
	q := url.Values{}
	names := make([]string, 0, len(v))
	for n := range v {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		q.Set(n, v[n])
	}
	return q.Encode()
}

// decodeVersions reads what encodeVersions wrote. Every name must occur once
// and carry a non-empty version.
func decodeVersions(s string) (map[string]string, error) {
	q, err := url.ParseQuery(s)
	if err != nil {
		return nil, fmt.Errorf("storage: artifact versions %q: %w", s, err)
	}
	out := make(map[string]string, len(q))
	for n, vs := range q {
		if len(vs) != 1 || vs[0] == "" {
			return nil, fmt.Errorf("storage: artifact versions: %q listed %d times or empty", n, len(vs))
		}
		if err := checkFileName(n); err != nil {
			return nil, fmt.Errorf("storage: artifact versions: %w", err)
		}
		out[n] = vs[0]
	}
	return out, nil
}

// ---- Keys of data submissions (internal/submission) ----
//
// A submission writes three objects, in this order: the upload as uploaded
// (uploads/<period>/<time>-<name>), its record
// (data/<period>/submissions/<id>.json), and last the dataset
// (data/<period>/dataset.json), whose metadata names the record.

const submissionsDir = "submissions/"

// SubmissionIDLen bounds a submission id (see CheckSubmissionID).
const SubmissionIDLen = 64

// SubmissionUploadKey is the key an upload named name (as the user's browser
// sent it; sanitised here with SanitizeFileName) is kept under when it was
// received at at: uploads/<period>/<UTC time>-<name>.
func SubmissionUploadKey(period string, at time.Time, name string) (string, error) {
	if err := checkPeriod(period); err != nil {
		return "", err
	}
	key := prefixUploads + period + "/" + uploadName(at, SanitizeFileName(name))
	if _, err := ParseKey(key); err != nil {
		return "", err
	}
	return key, nil
}

// SubmissionRecordKey is data/<period>/submissions/<id>.json.
func SubmissionRecordKey(period, id string) (string, error) {
	if err := checkPeriod(period); err != nil {
		return "", err
	}
	if err := CheckSubmissionID(id); err != nil {
		return "", err
	}
	return prefixData + period + "/" + submissionsDir + id + ".json", nil
}

// SubmissionRecordsPrefix is data/<period>/submissions/, the prefix to list
// a period's records under.
func SubmissionRecordsPrefix(period string) (string, error) {
	if err := checkPeriod(period); err != nil {
		return "", err
	}
	return prefixData + period + "/" + submissionsDir, nil
}

// CheckSubmissionID accepts 1 to SubmissionIDLen ASCII letters, digits, '.'
// and '-', not starting with '.'.
func CheckSubmissionID(id string) error {
	if id == "" || len(id) > SubmissionIDLen || id[0] == '.' {
		return fmt.Errorf("submission id %q: want 1 to %d letters, digits, '.' or '-'", id, SubmissionIDLen)
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return fmt.Errorf("submission id %q: want letters, digits, '.' or '-'", id)
		}
	}
	return nil
}

func parseSubmissionKey(area, period, name string) (Key, bool) {
	rest, ok := strings.CutPrefix(name, submissionsDir)
	if area+"/" != prefixData || !ok {
		return Key{}, false
	}
	id, ok := strings.CutSuffix(rest, ".json")
	if !ok || CheckSubmissionID(id) != nil {
		return Key{}, false
	}
	return Key{Kind: KindSubmission, Period: period, Name: rest}, true
}

// maxUploadNameBytes keeps a sanitised upload name short enough for any
// file system a download lands on, with room for the time prefix.
const maxUploadNameBytes = 120

// SanitizeFileName makes a browser-supplied file name safe as the last
// element of an object key and as a download name: the base name only (any
// "/" or "\\" path dropped), without control, format or shell-awkward
// characters (<>:"|?*), leading dots or surrounding spaces, at most
// maxUploadNameBytes bytes (cut on a character boundary, the extension
// kept, lower-cased). Chinese names stay as they are. What is left empty
// becomes "upload". The result always passes the layout's file-name check.
func SanitizeFileName(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteRune('_')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(b.String(), " .")
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 8 {
		stem, ext = name[:i], strings.ToLower(name[i:])
	}
	stem = strings.TrimRight(stem, " .")
	for len(stem)+len(ext) > maxUploadNameBytes {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	stem = strings.TrimRight(stem, " .")
	if stem == "" {
		stem = "upload"
	}
	return stem + ext
}
