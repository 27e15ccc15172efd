//go:build e2e

package e2e

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The images the suite adds to the node at run time, besides the project's
// own (bin/countyreport-image.tar, which make e2e imports): the probe and
// the project's image under a second tag for the upgrade story. Both are OCI
// image layouts in a tar, as hack/image writes, imported with
// hack/e2e/node.sh import.

// probeImage is the probe's image name (docker.io/library/... to containerd).
const probeImage = "countyreport-e2e-probe:1"

// buildProbeImage builds test/e2e/probe static and writes its image archive.
func (s *suite) buildProbeImage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "probe")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./test/e2e/probe")
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./test/e2e/probe: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	must(t, tw.WriteHeader(&tar.Header{Name: "probe", Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}))
	_, err = tw.Write(data)
	must(t, err)
	must(t, tw.Close())
	out := filepath.Join(dir, "probe-image.tar")
	must(t, writeOCI(out, probeImage, layer.Bytes(), map[string]any{
		"User":       "65532:65532",
		"Entrypoint": []string{"/probe"},
		"Cmd":        []string{"listen", ":7070"},
	}))
	return out
}

// writeOCI writes a one-layer image (the layer uncompressed) as an OCI
// image layout in a tar, named tag.
func writeOCI(path, tag string, layer []byte, config map[string]any) error {
	layerSum := sha256.Sum256(layer)
	layerDigest := "sha256:" + hex.EncodeToString(layerSum[:])
	cfg, err := json.Marshal(map[string]any{
		"architecture": runtime.GOARCH, "os": "linux", "config": config,
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{layerDigest}},
	})
	if err != nil {
		return err
	}
	cfgDigest := digest(cfg)
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfgDigest, "size": len(cfg)},
		"layers": []any{map[string]any{
			"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layerDigest, "size": len(layer),
		}},
	})
	if err != nil {
		return err
	}
	index, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests": []any{map[string]any{
			"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest(manifest), "size": len(manifest),
			"annotations": refAnnotations(tag),
		}},
	})
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, e := range []struct {
		name string
		data []byte
	}{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"blobs/sha256/" + strings.TrimPrefix(layerDigest, "sha256:"), layer},
		{"blobs/sha256/" + strings.TrimPrefix(cfgDigest, "sha256:"), cfg},
		{"blobs/sha256/" + strings.TrimPrefix(digest(manifest), "sha256:"), manifest},
		{"index.json", index},
	} {
		if err := writeEntry(tw, e.name, e.data); err != nil {
			f.Close()
			return err
		}
	}
	if err := tw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeEntry(tw *tar.Writer, name string, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// refAnnotations name an image in index.json as hack/image does: the short
// name for OCI tools, the full reference for containerd.
func refAnnotations(tag string) map[string]string {
	return map[string]string{
		"org.opencontainers.image.ref.name": tag,
		"io.containerd.image.name":          "docker.io/library/" + tag,
	}
}

// archiveImage reads the image name an archive's index.json gives
// (org.opencontainers.image.ref.name, e.g. countyreport:v0.1.0-3-gabc).
func archiveImage(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("%w (make image writes it)", err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			return "", fmt.Errorf("%s: no index.json: %w", path, err)
		}
		if h.Name != "index.json" {
			continue
		}
		var idx struct {
			Manifests []struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"manifests"`
		}
		if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&idx); err != nil {
			return "", fmt.Errorf("%s: index.json: %w", path, err)
		}
		if len(idx.Manifests) != 1 || idx.Manifests[0].Annotations["org.opencontainers.image.ref.name"] == "" {
			return "", fmt.Errorf("%s: index.json names no image", path)
		}
		return idx.Manifests[0].Annotations["org.opencontainers.image.ref.name"], nil
	}
}

// retag copies the archive src to dst with the image named tag instead:
// the same blobs, so the same image under a second name (the upgrade story).
func retag(src, dst, tag string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	tr, tw := tar.NewReader(in), tar.NewWriter(out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			out.Close()
			return err
		}
		if h.Name != "index.json" {
			if err := tw.WriteHeader(h); err != nil {
				out.Close()
				return err
			}
			if _, err := io.Copy(tw, tr); err != nil {
				out.Close()
				return err
			}
			continue
		}
		var idx map[string]any
		if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&idx); err != nil {
			out.Close()
			return err
		}
		ms, _ := idx["manifests"].([]any)
		if len(ms) != 1 {
			out.Close()
			return fmt.Errorf("%s: want one manifest in index.json, got %d", src, len(ms))
		}
		ms[0].(map[string]any)["annotations"] = refAnnotations(tag)
		b, err := json.Marshal(idx)
		if err != nil {
			out.Close()
			return err
		}
		if err := writeEntry(tw, "index.json", b); err != nil {
			out.Close()
			return err
		}
	}
	if err := tw.Close(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
