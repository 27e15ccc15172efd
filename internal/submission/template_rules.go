package submission

// uploadRules are every check an upload must pass, as the 说明 sheet
// states them, Chinese and English (submission.rules.* in
// internal/messages), grouped by sheet: dataset's validation
// (internal/dataset/validate.go), this package's identity and period
// checks, and the portal's. A rule added there is added here, so that
// staff can read before uploading what the preview would refuse.
var uploadRules = [][2]string{
	pairOf("submission.rules.title"),
	pairOf("submission.rules.file"),
	pairOf("submission.rules.period"),
	pairOf("submission.rules.meta"),
	pairOf("submission.rules.indicators"),
	pairOf("submission.rules.sections"),
	pairOf("submission.rules.projects"),
	pairOf("submission.rules.text"),
}
