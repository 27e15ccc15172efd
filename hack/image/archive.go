package main

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// epoch is every entry's time: the archive depends on its inputs only.
var epoch = time.Unix(0, 0).UTC()

// layerTar is the image's one layer: the files sorted by path, each parent
// directory once, owned by root, at epoch.
func layerTar(files []file) ([]byte, error) {
	sort.Slice(files, func(i, j int) bool { return files[i].Dst < files[j].Dst })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{"/": true}
	for _, f := range files {
		if err := writeParents(tw, dirs, path.Dir(f.Dst)); err != nil {
			return nil, err
		}
		if err := writeFile(tw, f); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeParents(tw *tar.Writer, dirs map[string]bool, dir string) error {
	if dirs[dir] {
		return nil
	}
	if err := writeParents(tw, dirs, path.Dir(dir)); err != nil {
		return err
	}
	dirs[dir] = true
	return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir[1:] + "/", Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX})
}

func writeFile(tw *tar.Writer, f file) error {
	h := &tar.Header{Name: f.Dst[1:], Mode: int64(f.Mode), ModTime: epoch, Format: tar.FormatPAX}
	if f.Link != "" {
		h.Typeflag, h.Linkname = tar.TypeSymlink, f.Link
		return tw.WriteHeader(h)
	}
	data := f.Content
	if f.Src != "" {
		var err error
		if data, err = os.ReadFile(f.Src); err != nil {
			return err
		}
	}
	h.Typeflag, h.Size = tar.TypeReg, int64(len(data))
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// writeArchive writes the image as an OCI image layout in a tar file and
// returns the layer's uncompressed size.
func writeArchive(st *stage, files []file, out, tag string) (int, error) {
	layerBytes, err := layerTar(files)
	if err != nil {
		return 0, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return 0, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return 0, err
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: "amd64", OS: "linux", Created: v1.Time{Time: epoch},
		Config: v1.Config{User: st.User, Entrypoint: st.Entrypoint, Cmd: st.Cmd,
			Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin"}},
		RootFS: mustRootFS(layer),
	})
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "countyreport-image-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return 0, err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": tag,
		"io.containerd.image.name":          imageRef(tag),
	})); err != nil {
		return 0, err
	}
	return len(layerBytes), tarDir(dir, out)
}

func mustRootFS(l v1.Layer) v1.RootFS {
	d, err := l.DiffID()
	if err != nil {
		panic(err)
	}
	return v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{d}}
}

// tarDir writes dir's files into the tar file out, sorted, at epoch.
func tarDir(dir, out string) error {
	var paths []string
	if err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && p != dir {
			paths = append(paths, p)
		}
		return err
	}); err != nil {
		return err
	}
	sort.Strings(paths)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h := &tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, ModTime: epoch, Format: tar.FormatPAX}
		if fi.IsDir() {
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, h.Name+"/", 0o755
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h.Typeflag, h.Size = tar.TypeReg, int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}
