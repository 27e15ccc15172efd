// Package submission is how a county hands in a period's data: the Excel
// template, reading an upload (.xlsx, .json, .yaml or the portal's web
// form), the preview (a dry run with the diff against what is stored and
// the warnings that need an explanation), the confirm that stores it, and
// the per-period history and state the portal's Data pages show. It has no
// HTTP in it; the portal (internal/portal) builds its pages on it.
//
// # Use
//
//	svc := submission.New(archive, submission.County{Code: "430423", Name: "衡山县", NameEn: "Hengshan County"})
//
//	xlsx, err := svc.Template(ctx, "2023-02")             // download: TemplateName(name, period)
//
//	p, err := svc.Preview(ctx, "2023-02", submission.Upload{Name: header.Filename, Data: body})
//	if ps, ok := submission.AsProblems(err); ok {         // refused: nothing stored
//		for _, pr := range ps { pr.Zh(); pr.En() }        // "指标!C7：应为数字" / "Indicators!C7: must be a number"
//	}
//	p.Diff                                                // against what is stored: values changed, added, removed; sections; meta
//	p.VsPrevious                                          // the same against the previous period (month on month)
//	p.Warnings, p.NeedsExplanation()                      // implausible figures
//	token := pending.Put(user, p)                         // a Pending between the two requests
//
//	e, err := svc.Confirm(ctx, p, submission.Confirmation{By: user, Explanation: text})
//	// ErrExplanationRequired, ErrUnchanged, ErrStale (someone else submitted meanwhile), ErrInvalid
//
//	svc.History(ctx, "2023-02")  // every version, newest first, with who/when/upload/explanation
//	svc.Overview(ctx, []string{"2023-02"}) // per period: not submitted / submitted by whom and when / report generated (and whether from the data stored now)
//	svc.Version(ctx, period, versionID)    // an earlier dataset, as stored
//	svc.UploadFile(ctx, period, id)        // the original upload of a submission
//
// The web form goes through the same path: the portal builds the dataset
// from the form fields in dataset's types and calls Preview with Format
// FormatForm, its JSON in Data and, in Typed, the text of any figure typed
// that is not a number.
//
// # Validation
//
// Every format ends in dataset.Parse (dataset.ParseForm for the form, which
// reads Typed where a file would hold it), so the checks are dataset's own;
// this package adds only what a file format needs (a word in a number
// cell) and that the upload is for this county and period. Errors are
// Problems: for a workbook located by sheet and cell ("指标!C7"), or by row
// for a whole item ("指标!第7行"); for JSON, YAML and the form by field path
// ("indicators[3].unit"). Warnings (Check) are not errors: a year-on-year
// change outside -50%..+100%, a value more than twice or less than half
// the previous period's, a unit that changed, every figure or the whole
// narrative exactly the previous period's. Confirm requires an
// explanation when there are any, and keeps it in the record.
//
// # The workbook
//
// Sheets: 说明 (instructions, Chinese and English), 基本信息 (one row per
// meta field: label, English label, field key, value), 指标, 文字 (sections),
// 项目, 图片. The list sheets have three header rows (Chinese, English, the
// field keys the reader goes by) and one item a row; on 文字 a row with an
// empty 类型 continues the section above with one more item. The columns
// and rows come from the dataset model by reflection, so fields the model
// gains appear without a change here. Number cells carry data validation
// and are read as the literal they show (7 in a "0.0" cell is "7.0"; a
// digit typed is never rounded away); text cells holding a number are read
// as written (full-width digits, a leading +, thousands separators and a
// trailing % allowed); a number in percent format is refused (0.058 for
// 5.8% would be a silent error). Sheets renamed to their English names are
// found. Formulas are never evaluated: their cached results are read,
// and a formula without one is refused. The workbook is opened with
// explicit unzip limits (MaxUnzippedBytes, MaxPartBytes, MaxParts) checked
// from the zip directory before anything is inflated; macros and encrypted
// files are refused; uploads are capped at MaxUploadBytes (20 MB); at most
// two workbooks are read at once in a process (memory). A
// workbook has no indicator history: the base dataset's (the period's
// stored one, else the previous period's) is carried over, with the base's
// own figure added when it is an earlier period. A template for a new
// period leaves the base's period-specific meta (subtitle, lead, event,
// source, reference period) blank. Template output is reproducible: the
// same input gives the same bytes.
//
// # Storage and the order of writes
//
// Keys are built by internal/storage. Confirm writes, in this order:
//
//  1. uploads/<period>/<time>-<name>      the upload as sent (metadata: who, when, submission id)
//  2. data/<period>/submissions/<id>.json the Record (below), create-only
//  3. data/<period>/dataset.json          the normalized dataset, only if the stored one is still
//     the version the preview compared with (If-Match on its ETag; If-None-Match when none), with
//     the submission id in its metadata
//
// Step 3 is the commit: a submission exists when a dataset version names
// its record. A failure before it leaves an upload and a record nobody
// names, which History never shows; the stored dataset is untouched. A
// rejected upload writes nothing at all. Bucket versioning keeps every
// earlier dataset version; History lists them from the version listing and
// joins each to its record by the id in its metadata (a version without
// one was written another way, e.g. by the command line, and is listed
// with Record nil).
//
// # The record (data/<period>/submissions/<id>.json)
//
//	{
//	  "schema": "countyreport.io/submission/v1",
//	  "id": "20230203T040506.789Z-0123456789ab",
//	  "countyCode": "430423", "period": "2023-02",
//	  "by": "wang", "at": "2023-02-03T04:05:06.789Z",
//	  "format": "xlsx",
//	  "upload": {"key": "uploads/2023-02/20230203T040506.789Z-衡山县.xlsx", "versionId": "…", "name": "衡山县.xlsx", "size": 12345, "sha256": "…"},
//	  "dataset": {"sha256": "…", "size": 6789, "baseVersionId": "…"},
//	  "explanation": "…",
//	  "warnings": [{"path": "indicators[1].change", "where": "指标!E5", "whereEn": "Indicators!E5", "msg": "…", "msgEn": "…", "code": "change", "id": "budget_revenue"}],
//	  "changes": {"changed": 3, "added": 1, "removed": 0, "sections": 2, "meta": 1}
//	}
//
// Records are immutable. A review workflow (issue 13) keeps its states in
// objects of its own keyed by period and submission id, beside these, and
// needs no change to this format.
package submission
