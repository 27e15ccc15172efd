// Command pause writes the e2e node's pod sandbox image as an OCI archive:
// the static program in ./program, built here, alone in one layer, run as
// uid 65535 (as Kubernetes' own pause image is). Nothing is pulled: the
// node has no registry, and containerd imports this archive instead
// (hack/e2e/node.sh), with the kubelet's and containerd's sandbox image set
// to Ref.
//
//	go run . -out ../../../bin/node/pause.tar
//
// With -program and -ref it writes the same kind of image for another
// static program (a package main directory), e.g. a network probe.
//
// Every entry has a fixed time and owner, so a rebuild gives the same image.
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Ref is the image's name in containerd; hack/e2e/node.sh uses the same.
const Ref = "countyreport.local/pause:e2e"

var epoch = time.Unix(0, 0).UTC()

func main() {
	out := flag.String("out", "pause.tar", "the OCI image archive to write")
	program := flag.String("program", "./program", "the package main to build and put in the image as /"+"pause")
	ref := flag.String("ref", Ref, "the image's name in containerd")
	flag.Parse()
	if err := run(*out, *program, *ref); err != nil {
		fmt.Fprintln(os.Stderr, "pause:", err)
		os.Exit(1)
	}
}

func run(out, program, ref string) error {
	tmp, err := os.MkdirTemp("", "countyreport-pause-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "pause")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, program)
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", program, err)
	}
	prog, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	img, err := image(prog)
	if err != nil {
		return err
	}
	dir := filepath.Join(tmp, "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": ref[strings.LastIndex(ref, ":")+1:],
		"io.containerd.image.name":          ref,
	})); err != nil {
		return err
	}
	if err := tarDir(dir, out); err != nil {
		return err
	}
	fmt.Printf("image %s: %s, program %d bytes\n", ref, out, len(prog))
	return nil
}

// image is one layer holding /pause, run as 65535:65535.
func image(prog []byte) (v1.Image, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "pause", Mode: 0o755,
		Size: int64(len(prog)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(prog); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	diffID, err := layer.DiffID()
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, err
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	return mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: "amd64", OS: "linux", Created: v1.Time{Time: epoch},
		Config: v1.Config{User: "65535:65535", Entrypoint: []string{"/pause"}},
		RootFS: v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{diffID}},
	})
}

// tarDir writes the layout directory into the tar file out, sorted, at epoch.
func tarDir(dir, out string) error {
	var paths []string
	if err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && p != dir && fi.Mode().IsRegular() {
			paths = append(paths, p)
		}
		return err
	}); err != nil {
		return err
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: filepath.ToSlash(rel), Mode: 0o644,
			Size: int64(len(data)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
