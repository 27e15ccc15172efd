// Package limits states, in one place, how much work one tenant's input may
// cost the shared platform: the operator, the in-process executor, the
// city's reconcile and report, and the portals. Every parser and reader of
// tenant input checks its limit from here while it reads, before it builds
// anything; docs/security.md ("Limits") lists each with the test that
// proves it.
//
// The budgets are sized from the real data: Hengshan's January dataset is
// 43 KB with about 3,000 values; the limits leave room for fifty to a
// hundred times that and no more.
package limits

// Datasets (JSON or YAML, uploaded or read from a county's bucket by
// anyone: portal, executor, city report, city ranking and board).
const (
	// DatasetBytes caps a dataset document, checked before it is decoded
	// and while it is downloaded.
	DatasetBytes = 4 << 20
	// DatasetNodes caps the values in a dataset document (every object,
	// list, key's value and list entry; aliases counted each time they are
	// used). JSON counts them while reading; YAML estimates them from the
	// text before decoding (EstimateYAMLNodes) and counts again while
	// walking the tree.
	DatasetNodes = 200_000
	// DatasetDepth caps nesting.
	DatasetDepth = 64
	// DatasetListItems caps any one list; DatasetStringRunes any one string.
	DatasetListItems   = 5000
	DatasetStringRunes = 20000
	// DatasetProblems caps the problems a refusal lists (the rest are
	// counted), so the page or status that shows them stays small.
	DatasetProblems = 200
)

// Uploads through a portal.
const (
	// UploadBytes caps an uploaded file (and the request that carries it).
	UploadBytes = 20 << 20
	// FormBytes caps every other request body (sign-in, forms, verdicts).
	FormBytes = 64 << 10
	// UsernameBytes caps a username before it is used as a key, logged
	// or shown: the accounts file allows 64 characters of a-z 0-9 . _ -.
	UsernameBytes = 64
)

// AccountsNodes caps the YAML values of a portal's accounts file (about
// fourteen an account: 10,000 accounts fit), estimated before decoding.
const AccountsNodes = 200_000

// Workbooks (.xlsx), checked from the zip directory and by a streaming scan
// of each worksheet before excelize builds any sheet.
const (
	XLSXUnzippedBytes = 32 << 20 // all parts together
	XLSXPartBytes     = 8 << 20  // one part
	XLSXParts         = 1000
	XLSXColumns       = 64                     // any cell beyond column BL is refused
	XLSXRows          = DatasetListItems + 3   // the header rows and one item a row
	XLSXCells         = XLSXColumns * XLSXRows // cell elements in one sheet
	XLSXSharedStrings = 200_000                // entries of the shared string table
)

// Images (photos named by a dataset, decoded for the PDF).
const (
	// ImagePixels caps width×height of an image that is decoded.
	ImagePixels = 40_000_000
	// ImageDecodedBytes caps the memory a decoded image may take (width ×
	// height × bytes per pixel of its colour model: a 16-bit RGBA PNG
	// takes 8 bytes a pixel), checked from the header before decoding.
	ImageDecodedBytes = 192 << 20
	// AssetBytes caps one asset (a photo) read from a bucket.
	AssetBytes = 32 << 20
	// RunAssetBytes caps the assets one run reads in all; each asset is read
	// once however often the dataset names it.
	RunAssetBytes = 64 << 20
)

// Shared work.
const (
	// ListedEntries caps the entries one listing of a county's bucket walks
	// (its periods under data/ or reports/, the versions of one dataset):
	// 400 years of months, or that many submissions of one month.
	ListedEntries = 5000
	// ManualRunsPerCounty caps the "generate now" runs of one county that
	// are pending or running at once (and one per period).
	ManualRunsPerCounty = 2
	// MetricsRoutes caps the route labels a portal's metrics keep; further
	// routes are counted as "other". Unknown HTTP methods are "other" too.
	MetricsRoutes = 64
)

// The audit log (internal/audit): one object per entry in the tenant's
// own bucket, read a page at a time.
const (
	// AuditEntryBytes caps one entry, written and read.
	AuditEntryBytes = 4 << 10
	// AuditPageEntries is the most entries one page of the audit log
	// lists (and so reads: one listing and that many small objects).
	AuditPageEntries = 50
	// AuditMonths is how many months of entries are kept: this month and
	// the twelve before (Retain removes older months; the page never
	// reads them).
	AuditMonths = 13
	// AuditDetails caps the details one entry keeps, AuditDetailRunes
	// each value's length.
	AuditDetails     = 12
	AuditDetailRunes = 200
	// AuditFailuresPerHour caps the failed sign-ins (anyone can make
	// them, without an account) one replica writes an hour; beyond it
	// they are counted and the count is written once the hour is over
	// (each stays in the server log).
	AuditFailuresPerHour = 600
)

// EstimateYAMLNodes is an upper bound on the nodes a YAML document decodes
// to, found from its text without decoding it (yaml.v3 builds the whole
// node tree before anyone can count): every node but the first two needs
// an indicator of its own (":" or "?" for a mapping entry, "-" for a block
// sequence entry, "," between flow entries, "[" or "{" for a flow
// collection), and a mapping entry is two nodes. Indicators inside quoted
// text and comments only make the bound higher. Linear in the input.
func EstimateYAMLNodes(data []byte) int {
	n := 0
	for _, b := range data {
		switch b {
		case ':', '?', '-', ',', '[', '{':
			n++
		}
	}
	return 2*n + 3
}
