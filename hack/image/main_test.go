package main

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// The image holds exactly the files the Dockerfile's final stage copies,
// runs as its non-root user, and is the same archive when built twice.
func TestImageIsTheDockerfilesFinalStage(t *testing.T) {
	f, err := os.Open("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	st, err := parseDockerfile(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if st.User != "65532:65532" || strings.HasPrefix(st.User, "0") {
		t.Fatalf("USER %q: the image must run as the non-root 65532", st.User)
	}
	wantDst := []string{"/usr/local/bin/countyreport", "/usr/share/fonts/truetype/wqy", "/usr/share/zoneinfo",
		"/etc/ssl/certs/ca-certificates.crt", "/etc/passwd", "/etc/group"}
	for _, w := range wantDst {
		if !hasCopy(st, w) {
			t.Errorf("the Dockerfile's final stage does not copy %s", w)
		}
	}

	bin := buildProgram(t, "-s -w")
	out := filepath.Join(t.TempDir(), "image.tar")
	if err := run("../../Dockerfile", bin, out, "countyreport:test"); err != nil {
		t.Fatal(err)
	}
	got := imageFiles(t, out)

	// The Dockerfile's list: each COPY destination, its directory's files
	// as this machine's packages have them.
	want := map[string]bool{}
	for _, c := range st.Copies {
		if fi, err := os.Stat(c.Src); err == nil && fi.IsDir() {
			filepath.Walk(c.Src, func(p string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() {
					rel, _ := filepath.Rel(c.Src, p)
					want[filepath.Join(c.Dst, rel)] = true
				}
				return nil
			})
			continue
		}
		want[c.Dst] = true
	}
	for p := range want {
		if !got[p] {
			t.Errorf("the Dockerfile copies %s; the image lacks it", p)
		}
	}
	for p := range got {
		if !want[p] {
			t.Errorf("the image has %s, which the Dockerfile does not copy", p)
		}
	}

	again := filepath.Join(t.TempDir(), "again.tar")
	if err := run("../../Dockerfile", bin, again, "countyreport:test"); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Error("two builds from the same inputs differ")
	}
}

// A binary with its symbol table is refused.
func TestUnstrippedBinaryRefused(t *testing.T) {
	if err := checkStripped(buildProgram(t, "")); err == nil || !strings.Contains(err.Error(), "symbol table") {
		t.Fatalf("an unstripped binary: %v", err)
	}
}

func FuzzParseDockerfile(f *testing.F) {
	d, _ := os.ReadFile("../../Dockerfile")
	f.Add(string(d))
	f.Add("FROM scratch\nCOPY --from=build /a /b\nUSER 1:1\nCMD [\"x\"]\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = parseDockerfile(strings.NewReader(s)) // must not panic
	})
}

func hasCopy(st *stage, dst string) bool {
	for _, c := range st.Copies {
		if c.Dst == dst {
			return true
		}
	}
	return false
}

// buildProgram builds a small static program with ldflags (make image
// builds the project's binary with -s -w), a stand-in for the test.
func buildProgram(t *testing.T, ldflags string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "countyreport")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, src)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GO111MODULE=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// imageFiles lists the regular files and symlinks of the archive's image.
func imageFiles(t *testing.T, archive string) map[string]bool {
	t.Helper()
	dir := t.TempDir()
	untar(t, archive, dir)
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 {
		t.Fatalf("index: %v, %d manifests", err, len(m.Manifests))
	}
	if m.Manifests[0].Annotations["io.containerd.image.name"] != "docker.io/library/countyreport:test" {
		t.Errorf("annotations %v", m.Manifests[0].Annotations)
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil || cfg.Config.User != "65532:65532" || cfg.Config.Entrypoint[0] != "/usr/local/bin/countyreport" {
		t.Fatalf("config %v: %+v", err, cfg.Config)
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	files := map[string]bool{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s owned by %d:%d", h.Name, h.Uid, h.Gid)
		}
		if h.Typeflag != tar.TypeDir {
			files["/"+h.Name] = true
		}
	}
	return files
}

func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, h.Name)
		if h.Typeflag == tar.TypeDir {
			os.MkdirAll(p, 0o755)
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		data, _ := io.ReadAll(tr)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
