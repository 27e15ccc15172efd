package portal

import (
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	const base = "namespace: county-hengshan\ncountyReport: hengshan\ncountyCode: \"430423\"\ncountyName: 衡山县\nbucket: b\n"
	tests := map[string]struct {
		yaml    string
		wantErr string
	}{
		"complete":        {yaml: base + "language: zh-CN\npublicURL: https://hengshan.example/\ntrustedProxies: [10.0.0.0/8]\n"},
		"missing name":    {yaml: "namespace: n\ncountyReport: c\ncountyCode: \"430423\"\nbucket: b\n", wantErr: "countyName"},
		"missing ns":      {yaml: "countyReport: c\ncountyCode: \"430423\"\ncountyName: x\nbucket: b\n", wantErr: "namespace"},
		"missing cr":      {yaml: "namespace: n\ncountyCode: \"430423\"\ncountyName: x\nbucket: b\n", wantErr: "countyReport"},
		"bad code":        {yaml: strings.Replace(base, "430423", "4304", 1), wantErr: "countyCode"},
		"unknown field":   {yaml: base + "adminPassword: x\n", wantErr: "adminPassword"},
		"bad proxy":       {yaml: base + "trustedProxies: [nonsense]\n", wantErr: "trustedProxies[0]"},
		"bad language":    {yaml: base + "language: fr\n", wantErr: "language"},
		"not YAML":        {yaml: "countyCode: [", wantErr: "yaml"},
		"scheme-less url": {yaml: base + "publicURL: hengshan.example\n", wantErr: "publicURL"},
		"city's deadline": {yaml: base + "review: {deadlineDay: 10, timeZone: Asia/Shanghai}\n"},
		"bad deadline":    {yaml: base + "review: {deadlineDay: 31}\n", wantErr: "review.deadlineDay"},
		"bad review zone": {yaml: base + "review: {deadlineDay: 5, timeZone: Mars/Olympus}\n", wantErr: "review.timeZone"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("namespace: n\ncountyReport: c\ncountyCode: \"430423\"\ncountyName: 衡山县\nbucket: b\n"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err == nil && (c.Validate() != nil || c.Namespace == "" || c.CountyReport == "" || c.Bucket == "") {
			t.Fatalf("accepted an incomplete configuration: %+v", c)
		}
	})
}

func TestMessagesComplete(t *testing.T) {
	for key := range messages["zh-CN"] {
		if _, ok := messages["en"][key]; !ok {
			t.Errorf("%q has no English", key)
		}
	}
	for key := range messages["en"] {
		base, singular := strings.CutSuffix(key, ".one") // English's singular: Chinese has one form
		if _, ok := messages["zh-CN"][base]; !ok || (!singular && base != key) {
			t.Errorf("%q has no Chinese", key)
		}
		if strings.ContainsAny(messages["en"][key], "（）") {
			t.Errorf("%q: full-width brackets in English: %q", key, messages["en"][key])
		}
	}
}

func TestPluralAndBrackets(t *testing.T) {
	cases := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "signin.wait", []any{1}, "Too many attempts; try again in 1 second."},
		{"en", "signin.wait", []any{2}, "Too many attempts; try again in 2 seconds."},
		{"en", "signin.wait", []any{0}, "Too many attempts; try again in 0 seconds."},
		{"zh-CN", "signin.wait", []any{1}, "尝试次数过多，请 1 秒后再试。"},
		{"en", "data.refused", []any{1}, "1 problem found; nothing was stored."},
		{"en", "data.refused", []any{3}, "3 problems found; nothing was stored."},
		{"en", "data.refused.next", []any{1}, "Correct it and upload again."},
		{"en", "data.refused.next", []any{2}, "Correct them and upload again."},
		{"zh-CN", "data.refused.next", []any{2}, "请修改后重新上传。"},
		{"en", "data.col.items", nil, "Items (one per line)"},
	}
	for _, c := range cases {
		if got := tr(c.lang, c.key, c.args...); got != c.want {
			t.Errorf("tr(%s, %s, %v) = %q, want %q", c.lang, c.key, c.args, got, c.want)
		}
	}
	if got := inParens("en", "Value", "100 million yuan"); got != "Value (100 million yuan)" {
		t.Errorf("English brackets: %q", got)
	}
	if got := inParens("zh-CN", "数值", "亿元"); got != "数值（亿元）" {
		t.Errorf("Chinese brackets: %q", got)
	}
}

func TestTemplatesParse(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"signin", "dashboard", "reports", "run", "error"} {
		if pages[want] == nil {
			t.Errorf("no %s page", want)
		}
	}
}
