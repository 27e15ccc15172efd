package portal

// The words of the ranking's sources and marks (city_provenance.go).
func init() {
	addMessages("zh-CN", map[string]string{
		"rank.from.title":        "数据来源",
		"rank.from.col":          "来源",
		"rank.from.source":       "出处",
		"rank.from.review":       "市级审核",
		"rank.from.none":         "无数据",
		"rank.from.portal":       "经平台报送",
		"rank.from.published":    "据公开资料整理",
		"rank.from.mixed":        "%d个县（市）的数据经平台报送，%d个据公开资料整理（未经县（市）报送，也未经市级审核）。",
		"rank.from.allportal":    "各县（市）的数据均经平台报送，由市级审核。",
		"rank.from.allpublished": "各县（市）的数据均据公开资料整理，未经县（市）通过平台报送，也未经市级审核。",
		"rank.from.legend":       "排名中带标注的数值尚未经市级审核通过：标注审核状态的，为经平台报送、尚未通过的数据；标注“公开资料”的，为据公开资料整理的数据。",
		"rank.mark.unaccepted":   "%s",
		"rank.mark.published":    "公开资料",
		"rank.source.mixed":      "资料来源：各县（市）经平台报送的数据及公开资料。",
		"rank.source.published":  "资料来源：据公开资料整理。",
	})
	addMessages("en", map[string]string{
		"rank.from.title":        "Where the figures come from",
		"rank.from.col":          "Source",
		"rank.from.source":       "Published in",
		"rank.from.review":       "City review",
		"rank.from.none":         "no figures",
		"rank.from.portal":       "submitted through the portal",
		"rank.from.published":    "compiled from published sources",
		"rank.from.mixed":        "Counties that submitted their figures through the portal: %d. Counties whose figures are compiled from published sources (neither submitted by the county nor reviewed by the city): %d.",
		"rank.from.allportal":    "Every county submitted its figures through the portal, for review by the city.",
		"rank.from.allpublished": "Every county's figures are compiled from published sources: none was submitted by the county through the portal or reviewed by the city.",
		"rank.from.legend":       "Marked figures have not been accepted by the city: those marked with a review state were submitted through the portal and not yet accepted; those marked “published” are compiled from published sources.",
		"rank.mark.unaccepted":   "%s",
		"rank.mark.published":    "published",
		"rank.source.mixed":      "Source: figures submitted by the counties through the portal, and published sources.",
		"rank.source.published":  "Source: compiled from published sources.",
	})
}
