package lang

import "testing"

func TestDates(t *testing.T) {
	for in, want := range map[string]string{
		"2023-01": "January 2023", "2022-12": "December 2022", "2023-13": "2023-13", "2023": "2023",
	} {
		if got := Month(in); got != want {
			t.Errorf("Month(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"2023-01-09": "9 January 2023", "2023-02-31x": "2023-02-31x", "2023-00-01": "2023-00-01",
	} {
		if got := Date(in); got != want {
			t.Errorf("Date(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOriginal(t *testing.T) {
	for in, want := range map[string]string{
		"衡东县": OriginalMark + "衡东县", "Hengdong County": "Hengdong County", "": "",
		OriginalMark + "衡东县": OriginalMark + "衡东县", "（注）": OriginalMark + "（注）",
	} {
		if got := Original(in); got != want {
			t.Errorf("Original(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Pick("衡阳市", "Hengyang City"); got != "Hengyang City" {
		t.Errorf("Pick = %q", got)
	}
}
