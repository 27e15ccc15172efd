package audit

import (
	"testing"
	"time"
)

func FuzzParseCursor(f *testing.F) {
	f.Add("")
	f.Add("2023-01/" + name(time.Date(2023, 1, 5, 0, 0, 0, 0, time.UTC), [8]byte{1})[:36])
	f.Add("2023-01/../../x")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCursor(s)
		if err != nil {
			return
		}
		if again, err := ParseCursor(c.String()); err != nil || again != c {
			t.Fatalf("%q: round trip gave %+v, %v", s, again, err)
		}
	})
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"time":"2023-01-02T00:00:00Z","event":"signin","details":{"a":"b"}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(b)
		if err != nil {
			return
		}
		if _, err := Encode(e); err != nil {
			t.Fatalf("a decoded entry does not encode: %v", err)
		}
	})
}
