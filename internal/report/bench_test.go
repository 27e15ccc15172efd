package report

import "testing"

func BenchmarkRender(b *testing.B) {
	need(b)
	ds := hengshan(b)
	if _, err := Render(ds, Options{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(ds, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
