// Command image writes the project's OCI image archive without Docker: the
// files the Dockerfile's final stage copies, in one layer, with its user,
// entrypoint and command, as an OCI image layout in a tar file that
// `ctr images import` (containerd) and other OCI tools read.
//
//	go run . -dockerfile ../../Dockerfile -binary ../../bin/image/countyreport -out ../../bin/countyreport-image.tar
//
// The Dockerfile is read, not restated (dockerfile.go): what it copies from
// the build stage comes from this machine's Debian packages (the same fonts,
// zoneinfo and CA roots the build stage installs), the build stage's
// /src/bin/countyreport is -binary (static and stripped: checked), and the
// files its RUN lines write with echo are written as they say. Every entry
// has a fixed time and owner, so the same inputs give the same archive.
package main

import (
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	dockerfile := flag.String("dockerfile", "Dockerfile", "the Dockerfile whose final stage the image reproduces")
	binary := flag.String("binary", "bin/image/countyreport", "the static, stripped binary (the build stage's /src/bin/countyreport)")
	out := flag.String("out", "bin/countyreport-image.tar", "the OCI image archive to write")
	tag := flag.String("tag", "countyreport:dev", "the image's name in the archive")
	flag.Parse()
	if err := run(*dockerfile, *binary, *out, *tag); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(dockerfile, binary, out, tag string) error {
	f, err := os.Open(dockerfile)
	if err != nil {
		return err
	}
	st, err := parseDockerfile(f)
	f.Close()
	if err != nil {
		return err
	}
	if err := checkStripped(binary); err != nil {
		return err
	}
	files, err := collect(st, binary)
	if err != nil {
		return err
	}
	layerSize, err := writeArchive(st, files, out, tag)
	if err != nil {
		return err
	}
	fi, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Printf("image %s: %s, %d files, layer %.1f MB uncompressed, archive %.1f MB\n",
		tag, out, len(files), float64(layerSize)/1e6, float64(fi.Size())/1e6)
	return nil
}

// checkStripped refuses a binary that still carries its symbol table: the
// image ships the binary built with -ldflags "-s -w".
func checkStripped(path string) error {
	e, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("-binary %s: %w (run make image, which builds it)", path, err)
	}
	defer e.Close()
	if e.Section(".symtab") != nil {
		return fmt.Errorf("-binary %s has a symbol table: build it with -ldflags \"-s -w\"", path)
	}
	return nil
}

// file is one entry of the image: from a path on this machine, or content.
type file struct {
	Dst     string
	Src     string // a regular file or symlink on this machine ("" with Content)
	Content []byte
	Mode    os.FileMode
	Link    string // symlink target
}

// collect lists the image's files: each COPY's source, from the build
// stage's generated files, the binary, or this machine's own files (the
// Debian packages the Makefile installs), directories walked.
func collect(st *stage, binary string) ([]file, error) {
	var files []file
	for _, c := range st.Copies {
		switch {
		case c.Src == "/src/bin/countyreport":
			files = append(files, file{Dst: c.Dst, Src: binary, Mode: 0o755})
		case st.Generated[c.Src] != "":
			files = append(files, file{Dst: c.Dst, Content: []byte(st.Generated[c.Src]), Mode: 0o644})
		default:
			got, err := hostFiles(c.Src, c.Dst)
			if err != nil {
				return nil, err
			}
			files = append(files, got...)
		}
	}
	return files, nil
}

func hostFiles(src, dst string) ([]file, error) {
	if _, err := os.Lstat(src); err != nil {
		return nil, fmt.Errorf("COPY %s: %w (make deps installs the Debian packages the build stage names)", src, err)
	}
	var out []file
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		d := filepath.ToSlash(filepath.Join(dst, rel))
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out = append(out, file{Dst: d, Link: target, Mode: 0o777})
		case fi.Mode().IsRegular():
			out = append(out, file{Dst: d, Src: p, Mode: fi.Mode().Perm()})
		case fi.IsDir():
		default:
			return fmt.Errorf("COPY %s: %s is neither a file, a directory nor a symlink", src, p)
		}
		return nil
	})
	if len(out) == 0 && err == nil {
		err = errors.New("COPY " + src + ": no files")
	}
	return out, err
}

// imageRef is the name containerd gives tag: docker.io/library/NAME:TAG
// for a bare NAME:TAG, as the kubelet resolves an image field.
func imageRef(tag string) string {
	if strings.Contains(strings.SplitN(tag, "/", 2)[0], ".") {
		return tag
	}
	if !strings.Contains(tag, "/") {
		tag = "library/" + tag
	}
	return "docker.io/" + tag
}
