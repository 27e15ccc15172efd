package submission

import (
	"bytes"
	"path"
	"strings"
)

// Files staff commonly hand in that this package does not read: told by
// the name's extension, else by the first bytes (an old Office file is an
// OLE2 compound document whatever it is called), and named in the
// refusal with what to do, instead of the JSON or YAML parser's
// "应为对象" or "不是 UTF-8 编码" about a file that was never meant as
// either.

// ole2Magic opens every OLE2 compound document: .xls, .doc, .et, .wps.
var ole2Magic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

type foreignFormat struct{ zh, en string }

// foreignByExt names the formats by extension (lower case, with the dot).
var foreignByExt = map[string]foreignFormat{
	".xls":  {"旧版 Excel 文件（.xls）", "old Excel files (.xls)"},
	".et":   {"WPS 表格文件（.et）", "WPS Spreadsheets files (.et)"},
	".ods":  {"OpenDocument 表格（.ods）", "OpenDocument spreadsheets (.ods)"},
	".csv":  {"CSV 文件（.csv）", "CSV files (.csv)"},
	".txt":  {"纯文本文件（.txt）", "plain text files (.txt)"},
	".doc":  {"Word 文档（.doc）", "Word documents (.doc)"},
	".docx": {"Word 文档（.docx）", "Word documents (.docx)"},
	".wps":  {"WPS 文字文档（.wps）", "WPS Writer documents (.wps)"},
	".pdf":  {"PDF 文件（.pdf）", "PDF files (.pdf)"},
	".zip":  {"压缩包（.zip）", "zip archives (.zip)"},
	".rar":  {"压缩包（.rar）", "rar archives (.rar)"},
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
		f = foreignFormat{"旧版 Office 文件（.xls 或 .doc）", "old Office files (.xls or .doc)"}
	case bytes.HasPrefix(data, []byte("%PDF-")):
		f = foreignByExt[".pdf"]
	default:
		return nil
	}
	pr := problem("不能读取"+f.zh+"：请使用下载的 .xlsx 模板填写，或在 Excel/WPS 中另存为 .xlsx 后上传（也可上传 .json 或 .yaml 数据文件）",
		"cannot read "+f.en+": fill in the downloaded .xlsx template, or save the file as .xlsx in Excel or WPS and upload that (.json and .yaml data files are read too)")
	return &pr
}
