package submission

// uploadRules are every check an upload must pass, as the 说明 sheet
// states them, Chinese and English, grouped by sheet: dataset's validation
// (internal/dataset/validate.go), this package's identity and period
// checks, and the portal's. A rule added there is added here, so that
// staff can read before uploading what the preview would refuse.
var uploadRules = [][2]string{
	{"上传时检查的规则（不符合任何一条都不会保存）", "What an upload is checked for (failing any one, nothing is stored)"},
	{"· 文件：只接收本模板（.xlsx）或 .json、.yaml 数据文件，不超过 20 MB；.xls、.csv、Word、PDF 等请另存为 .xlsx；含宏或加密的工作簿不予接收。",
		"· File: this template (.xlsx), or a .json or .yaml data file, up to 20 MB; save .xls, .csv, Word, PDF and the like as .xlsx first; workbooks with macros or a password are refused."},
	{"· 报告期：只能报送已经结束的月份（如 12 月 7 日只能报 11 月及以前）；行政区划代码和报送期次须为本县、本期，请勿修改。",
		"· Period: only a month that has ended can be submitted (on 7 December, November or earlier); the division code and period must be this county's and this period: do not change them."},
	{"· 基本信息：县（市、区）名称、标题不能为空；数据所属时期、目标所属时期写作 2022、2022-06 或 2022-Q3；日期写作 2023-01-15；来源链接以 http:// 或 https:// 开头；作者（英文）的条数与作者相同；语言填“中文”或“英文”。",
		"· Basic information: the county and the title are required; the periods the figures and targets cover read 2022, 2022-06 or 2022-Q3; dates read 2023-01-15; a source URL starts with http:// or https://; there are as many authors in English as authors; the language is 中文 (Chinese) or 英文 (English)."},
	{"· 指标：至少需要一项；编号以小写字母开头，只用小写字母、数字和下划线，不能重复；数值、同比、目标至少填一项；有数值或目标必须填单位；目标表述只填“以上”或“以内”，且只在有目标时填写；有目标时须在基本信息填写目标所属时期；“是否估计值”和“是否初步核算数”只能选一。",
		"· Indicators: at least one; an ID starts with a lower-case letter, uses lower-case letters, digits and underscores only, and is not repeated; give a value, a change or a target; a value or a target needs its unit; Target reads as takes 以上 (at least) or 以内 (at most), and only with a target; a target needs the period the targets are for on Basic information; Estimated and Preliminary cannot both be yes."},
	{"· 文字：至少需要一节；类型为“回顾”“计划”或“说明”；标题和标签至少填一项；概述和条目至少填一项。",
		"· Sections: at least one section; the Kind is 回顾 (review), 计划 (plan) or 说明 (note); give a title or a label; give a summary or items."},
	{"· 项目：名称不能为空；有投资额必须填单位。图片：图片说明不能为空；图片文件填相对路径（如 photos/1.jpg），不能是网址，不能含 .. 或反斜杠。",
		"· Projects: the name is required; an investment needs its unit. Photos: the caption is required; the image file is a relative path (photos/1.jpg), not a URL, with no .. and no backslashes."},
	{"· 所有文字：名称、标题、单位等单行文字不超过 200 字，不能含换行；任何文字不能含控制字符。",
		"· All text: one-line fields (names, titles, units) take up to 200 characters and no line breaks; no text may contain control characters."},
}
