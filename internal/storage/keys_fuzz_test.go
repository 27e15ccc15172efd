package storage

import (
	"maps"
	"testing"

	"github.com/countyreport/countyreport/internal/period"
)

func TestParseKey(t *testing.T) {
	cases := map[string]struct {
		key  string
		want Key
		ok   bool
	}{
		"dataset":          {"data/2024-01/dataset.json", Key{KindDataset, "2024-01", "dataset.json"}, true},
		"report":           {"reports/2024-01/report.pdf", Key{KindReport, "2024-01", "report.pdf"}, true},
		"upload":           {"uploads/2024-01/20240101T000000.000Z-表.xlsx", Key{KindUpload, "2024-01", "20240101T000000.000Z-表.xlsx"}, true},
		"asset":            {"assets/" + sha256Hex([]byte("x")) + ".png", Key{KindAsset, "", sha256Hex([]byte("x")) + ".png"}, true},
		"asset upper hex":  {"assets/" + "AB" + sha256Hex([]byte("x"))[2:] + ".png", Key{}, false},
		"other dataset":    {"data/2024-01/other.json", Key{}, false},
		"nested report":    {"reports/2024-01/a/b.pdf", Key{}, false},
		"bad period":       {"reports/2024-13/report.pdf", Key{}, false},
		"period only":      {"reports/2024-01", Key{}, false},
		"unknown area":     {"notes/2024-01/x", Key{}, false},
		"no area":          {"report.pdf", Key{}, false},
		"empty name":       {"reports/2024-01/", Key{}, false},
		"dot-dot name":     {"uploads/2024-01/..", Key{}, false},
		"period is a word": {"reports/latest/report.pdf", Key{}, false},
		"ranking":          {"rankings/2024-01/ranking.json", Key{KindRanking, "2024-01", "ranking.json"}, true},
		"other ranking":    {"rankings/2024-01/other.json", Key{}, false},
		"audit entry":      {"audit/2024-01/9223372036854775807-0123456789abcdef.json", Key{KindAudit, "2024-01", "9223372036854775807-0123456789abcdef.json"}, true},
		"audit other name": {"audit/2024-01/x.json", Key{}, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseKey(tc.key)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseKey(%q) = %+v, %v; want %+v, ok=%v", tc.key, got, err, tc.want, tc.ok)
			}
			if tc.ok && got.String() != tc.key {
				t.Fatalf("String() = %q, want %q", got.String(), tc.key)
			}
		})
	}
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"data/2024-01/dataset.json", "reports/2024-01/report.pdf", "uploads/2024-01/x-表.xlsx",
		"assets/" + sha256Hex(nil) + ".png", "reports/2024-01/a/b", "reports//", "uploads/2024-01/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		k, err := ParseKey(key)
		if err != nil {
			return
		}
		if k.String() != key {
			t.Fatalf("ParseKey(%q) = %+v, which prints as %q", key, k, k.String())
		}
		if k.Kind != KindAsset {
			if !period.Valid(k.Period) {
				t.Fatalf("ParseKey(%q) accepted period %q", key, k.Period)
			}
		}
		if err := checkFileName(k.Name); err != nil {
			t.Fatalf("ParseKey(%q) accepted name %q: %v", key, k.Name, err)
		}
	})
}

func FuzzDecodeVersions(f *testing.F) {
	f.Add(encodeVersions(map[string]string{"report.pdf": "6c1c6d4e-3b0a-4c39-9f2f-5c2b1d0e9a11", "bundle.zip": "null"}))
	f.Add("a=1&a=2")
	f.Add("%zz")
	f.Add("=x")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := decodeVersions(s)
		if err != nil {
			return
		}
		back, err := decodeVersions(encodeVersions(v))
		if err != nil || !maps.Equal(back, v) {
			t.Fatalf("decode(encode(%v)) = %v, %v", v, back, err)
		}
		for n, id := range v {
			if id == "" || checkFileName(n) != nil {
				t.Fatalf("decodeVersions(%q) accepted %q=%q", s, n, id)
			}
		}
	})
}
