package submission

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

// zeros deflates n zero bytes (a zip bomb's payload: about 1000:1).
func zeros(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		if left < len(chunk) {
			chunk = chunk[:left]
		}
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bomb is a workbook-shaped zip whose first worksheet inflates to size
// bytes of zeros; its headers declare declared bytes.
func bomb(t *testing.T, size, declared int) []byte {
	t.Helper()
	payload := zeros(t, size)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("[Content_Types].xml")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`))
	h := &zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CompressedSize64: uint64(len(payload)), UncompressedSize64: uint64(declared),
		CRC32: zerosCRC(declared)}
	raw, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A zip bomb is refused from its directory, before anything is inflated;
// one whose headers lie about its size is cut off at the size it declares.
func TestZipBombRefused(t *testing.T) {
	cases := []struct {
		name           string
		size, declared int
		want           string
	}{
		{"honest headers, 40 MiB", 40 << 20, 40 << 20, "工作簿解压后过大"},
		{"headers declaring 1 KiB of 16 MiB", 16 << 20, 1 << 10, "工作簿已损坏（部件 xl/worksheets/sheet1.xml：zip: not a valid zip file）"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := bomb(t, tc.size, tc.declared)
			if len(data) > MaxUploadBytes {
				t.Fatalf("the bomb is %d bytes, over the upload cap: the test would not reach the unzip limits", len(data))
			}
			_, err := Parse(Upload{Name: "bomb.xlsx", Data: data}, Expect{})
			ps, ok := AsProblems(err)
			if !ok || len(ps) != 1 || !strings.HasPrefix(ps[0].Msg, tc.want) {
				t.Fatalf("a %d-byte bomb inflating to %d: %v, want %q", len(data), tc.size, err, tc.want)
			}
			t.Logf("%d bytes: %v", len(data), ps[0])
		})
	}
}

func TestUploadLimits(t *testing.T) {
	cases := []struct {
		name string
		up   Upload
		want string
	}{
		{"over 20 MB", Upload{Name: "big.xlsx", Data: make([]byte, MaxUploadBytes+1)}, "文件过大"},
		{"empty", Upload{Name: "x.xlsx"}, "文件为空"},
		{"not a zip", Upload{Name: "x.xlsx", Data: []byte("PK\x03\x04 not really")}, "不是有效的 Excel 工作簿"},
		{"old .xls", Upload{Name: "x.xlsx", Data: append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...)}, "文件是旧版 .xls 或已加密"},
		{"macros", Upload{Name: "x.xlsx", Data: zipWith(t, "xl/vbaProject.bin")}, "工作簿含有宏"},
		{"too many parts", Upload{Name: "x.xlsx", Data: zipWith(t, manyNames(MaxParts+1)...)}, "工作簿包含"},
		{"unknown type", Upload{Name: "x.csv", Data: []byte("a,b"), Format: "csv"}, "不支持的文件类型"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.up, Expect{})
			ps, ok := AsProblems(err)
			if !ok || len(ps) != 1 || !strings.HasPrefix(ps[0].Msg, tc.want) || ps[0].MsgEn == "" {
				t.Fatalf("%v, want %q", err, tc.want)
			}
		})
	}
}

func zipWith(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		if _, err := zw.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func manyNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("xl/media/image%d.png", i)
	}
	return out
}

func zerosCRC(n int) uint32 {
	var sum uint32
	chunk := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(chunk) {
		if left < len(chunk) {
			chunk = chunk[:left]
		}
		sum = crc32.Update(sum, crc32.IEEETable, chunk)
	}
	return sum
}
