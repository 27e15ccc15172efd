package accounts

import (
	"strings"
	"testing"
	"time"
)

func TestProfileValidate(t *testing.T) {
	tests := map[string]struct {
		p      Profile
		fields []string
		zh     string
	}{
		"good":                  {Profile{Email: "zhang@hengnan.example.org", Language: "zh-CN"}, nil, ""},
		"no mail wanted":        {Profile{Language: "en"}, nil, ""},
		"not an address":        {Profile{Email: "张三", Language: "zh-CN"}, []string{"email"}, "邮箱地址：格式不正确"},
		"a display name":        {Profile{Email: "Zhang <zhang@example.org>", Language: "zh-CN"}, []string{"email"}, "邮箱地址"},
		"two addresses":         {Profile{Email: "a@example.org,b@example.org", Language: "zh-CN"}, []string{"email"}, "邮箱地址"},
		"a header injected":     {Profile{Email: "a@example.org\r\nBcc: x@example.org", Language: "zh-CN"}, []string{"email"}, "邮箱地址"},
		"no domain dot":         {Profile{Email: "a@localhost", Language: "zh-CN"}, []string{"email"}, "邮箱地址"},
		"too long":              {Profile{Email: strings.Repeat("a", 250) + "@example.org", Language: "zh-CN"}, []string{"email"}, "不能超过 254 个字符"},
		"unknown language":      {Profile{Email: "a@example.org", Language: "fr"}, []string{"language"}, "通知语言：请选择简体中文或 English。"},
		"both wrong, email 1st": {Profile{Email: "@", Language: ""}, []string{"email", "language"}, "邮箱地址"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			errs := tc.p.Validate()
			if len(errs) != len(tc.fields) {
				t.Fatalf("errors %v, want fields %v", errs, tc.fields)
			}
			for i, e := range errs {
				if e.Field != tc.fields[i] {
					t.Errorf("error %d names %q, want %q", i, e.Field, tc.fields[i])
				}
			}
			if len(errs) > 0 && !strings.Contains(errs[0].Zh, tc.zh) {
				t.Errorf("%q does not say %q", errs[0].Zh, tc.zh)
			}
		})
	}
}

func TestParseProfile(t *testing.T) {
	good := Profile{Username: "zhang", Role: Editor, Email: "zhang@hengnan.example.org", Language: "en",
		Updated: time.Date(2023, 2, 3, 9, 0, 0, 0, time.UTC)}
	data, err := good.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ParseProfile(data); err != nil || p != good {
		t.Fatalf("round trip: %+v, %v", p, err)
	}
	for name, in := range map[string]string{
		"unknown field":   `{"username":"zhang","role":"editor","language":"zh-CN","updated":"2023-02-03T09:00:00Z","admin":true}`,
		"bad role":        `{"username":"zhang","role":"root","language":"zh-CN","updated":"2023-02-03T09:00:00Z"}`,
		"bad username":    `{"username":"../x","role":"editor","language":"zh-CN","updated":"2023-02-03T09:00:00Z"}`,
		"bad address":     `{"username":"zhang","role":"editor","email":"x","language":"zh-CN","updated":"2023-02-03T09:00:00Z"}`,
		"two values":      `{"username":"zhang","role":"editor","language":"zh-CN","updated":"2023-02-03T09:00:00Z"} {}`,
		"too large":       `{"username":"zhang","role":"editor","language":"zh-CN","email":"` + strings.Repeat("a", 5000) + `"}`,
		"not JSON at all": `accounts: []`,
	} {
		if _, err := ParseProfile([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseProfile(f *testing.F) {
	f.Add([]byte(`{"username":"zhang","role":"editor","email":"zhang@example.org","language":"zh-CN","updated":"2023-02-03T09:00:00Z"}`))
	f.Add([]byte(`{"username":"li","role":"viewer","language":"en","updated":"2023-02-03T09:00:00Z"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProfile(data)
		if err != nil {
			return
		}
		if len(p.Validate()) > 0 || !ValidUsername(p.Username) {
			t.Fatalf("accepted an invalid profile %+v", p)
		}
		again, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if q, err := ParseProfile(again); err != nil || q != p {
			t.Fatalf("round trip: %+v, %v", q, err)
		}
	})
}
