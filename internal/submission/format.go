package submission

import (
	"bytes"
	"path"
	"strings"

	"github.com/countyreport/countyreport/internal/messages"
)

// Files staff commonly hand in that this package does not read: told by
// the name's extension, else by the first bytes (an old Office file is an
// OLE2 compound document whatever it is called), and named in the
// refusal with what to do, instead of the JSON or YAML parser's
// "应为对象" or "不是 UTF-8 编码" about a file that was never meant as
// either.

// ole2Magic opens every OLE2 compound document: .xls, .doc, .et, .wps.
var ole2Magic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// foreignByExt names the formats by extension (lower case, with the
// dot): the message key of their name.
var foreignByExt = map[string]string{
	".xls":  "submission.format.xls",
	".et":   "submission.format.et",
	".ods":  "submission.format.ods",
	".csv":  "submission.format.csv",
	".txt":  "submission.format.txt",
	".doc":  "submission.format.doc",
	".docx": "submission.format.docx",
	".wps":  "submission.format.wps",
	".pdf":  "submission.format.pdf",
	".zip":  "submission.format.zip",
	".rar":  "submission.format.rar",
}

// ForeignFormat refuses an upload in a format this package does not read,
// naming it and saying what to do; nil for anything else (a workbook,
// JSON, YAML, or a file to let the parsers judge).
func ForeignFormat(name string, data []byte) *Problem {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, "\\", "/")))
	f, ok := foreignByExt[ext]
	switch {
	case ok:
	case bytes.HasPrefix(data, ole2Magic) && ext != ".xlsx":
		// (an OLE2 .xlsx is encrypted, which the workbook reader says)
		f = "submission.format.office"
	case bytes.HasPrefix(data, []byte("%PDF-")):
		f = foreignByExt[".pdf"]
	default:
		return nil
	}
	pr := said("submission.foreign", messages.New(f))
	return &pr
}
