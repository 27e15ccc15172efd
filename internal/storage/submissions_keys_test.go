package storage

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestSubmissionKeys(t *testing.T) {
	at := time.Date(2023, 2, 3, 12, 5, 6, 789e6, time.FixedZone("CST", 8*3600))
	cases := []struct {
		name, period, file string
		want               string
		ok                 bool
	}{
		{"plain", "2023-02", "衡山县2月.xlsx", "uploads/2023-02/20230203T040506.789Z-衡山县2月.xlsx", true},
		{"path dropped", "2023-02", `C:\Users\wang\..\衡山县.xlsx`, "uploads/2023-02/20230203T040506.789Z-衡山县.xlsx", true},
		{"dot name", "2023-02", "..", "uploads/2023-02/20230203T040506.789Z-upload", true},
		{"bad period", "2023-13", "x.xlsx", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SubmissionUploadKey(tc.period, at, tc.file)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("SubmissionUploadKey = %q, %v; want %q", got, err, tc.want)
			}
			if tc.ok {
				if k, err := ParseKey(got); err != nil || k.Kind != KindUpload || k.String() != got {
					t.Fatalf("ParseKey(%q) = %+v, %v", got, k, err)
				}
			}
		})
	}
	key, err := SubmissionRecordKey("2023-02", "20230203T040506.789Z-0123456789ab")
	if err != nil || key != "data/2023-02/submissions/20230203T040506.789Z-0123456789ab.json" {
		t.Fatalf("SubmissionRecordKey = %q, %v", key, err)
	}
	if k, err := ParseKey(key); err != nil || k != (Key{KindSubmission, "2023-02", "20230203T040506.789Z-0123456789ab.json"}) || k.String() != key {
		t.Fatalf("ParseKey(%q) = %+v, %v", key, k, err)
	}
	for _, bad := range []string{"", ".x", "a/b", "a b", strings.Repeat("x", SubmissionIDLen+1), "桌"} {
		if _, err := SubmissionRecordKey("2023-02", bad); err == nil {
			t.Errorf("SubmissionRecordKey accepted id %q", bad)
		}
	}
	for _, key := range []string{"data/2023-02/submissions/x", "data/2023-02/submissions/.x.json", "data/2023-02/submissions/a/b.json", "data/2023-02/other/x.json"} {
		if _, err := ParseKey(key); err == nil {
			t.Errorf("ParseKey accepted %q", key)
		}
	}
}

func TestSanitizeFileName(t *testing.T) {
	cases := map[string]string{
		"衡山县 2月.xlsx":                     "衡山县 2月.xlsx",
		"../../etc/passwd":                "passwd",
		`..\..\boot.ini`:                  "boot.ini",
		"a\x00b\nc.json":                  "abc.json",
		"<script>.yaml":                   "_script_.yaml",
		"  .hidden.YAML ":                 "hidden.yaml",
		"":                                "upload",
		"...":                             "upload",
		".xlsx":                           "xlsx",
		"a\u202egnp.xlsx":                 "agnp.xlsx",
		"bad\xffutf8.json":                "bad_utf8.json",
		strings.Repeat("表", 60) + ".xlsx": strings.Repeat("表", 38) + ".xlsx",
	}
	for in, want := range cases {
		if got := SanitizeFileName(in); got != want {
			t.Errorf("SanitizeFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Any name a browser sends becomes one safe key element, and sanitising
// twice changes nothing more.
func FuzzSanitizeFileName(f *testing.F) {
	for _, s := range []string{"衡山县.xlsx", "../x", `a\b`, "", ".", "..", "\x00", "a.verylongext", strings.Repeat("表", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := SanitizeFileName(name)
		if err := checkFileName(got); err != nil {
			t.Fatalf("SanitizeFileName(%q) = %q: %v", name, got, err)
		}
		if !utf8.ValidString(got) || len(got) > maxUploadNameBytes+8 || strings.HasPrefix(got, ".") {
			t.Fatalf("SanitizeFileName(%q) = %q", name, got)
		}
		if again := SanitizeFileName(got); again != got {
			t.Fatalf("SanitizeFileName not idempotent: %q → %q → %q", name, got, again)
		}
		key, err := SubmissionUploadKey("2023-02", time.Unix(0, 0), name)
		if err != nil {
			t.Fatalf("SubmissionUploadKey(%q): %v", name, err)
		}
		if k, err := ParseKey(key); err != nil || k.Kind != KindUpload {
			t.Fatalf("ParseKey(%q) = %+v, %v", key, k, err)
		}
	})
}
