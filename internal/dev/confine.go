package dev

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A kubelet confines a pod to its volumes: whatever path its configuration
// names, it sees only what was mounted for it. The runtime runs portals in
// this process, on the host's file system, so it does the same by hand:
// every path a Deployment's configuration names (flags, environment,
// configuration file keys), absolute or relative (relative to the
// container's working directory, /), is placed below the workload's own
// folder root, and refused when a symbolic link on the way leads out of it.
// A Deployment in one namespace so never reads another's files or
// credentials, nor another workload's of its own namespace.
//
// The errors name the path as the Deployment wrote it and never anything
// of a file's content: they end up in the Deployment's status.

// errOutside is the refusal of a path that leads out of the workload's folder.
var errOutside = errors.New("leads out of the workload's own folder (a pod sees only its volumes)")

// Confine maps the container path p (absolute, or relative to /) to its
// place below root and checks that no symbolic link on the way leads out
// of root. The path need not exist.
func Confine(root, p string) (string, error) {
	host := Under(root, p)
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("the workload's folder: %w", err)
	}
	// Resolve the longest part of the path that exists; what does not
	// exist yet cannot be a link.
	existing, rest := host, ""
	for {
		real, err := filepath.EvalSymlinks(existing)
		if err == nil {
			if !within(realRoot, real) {
				return "", fmt.Errorf("%q %w", p, errOutside)
			}
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%q: %w", p, errOutside)
		}
		if existing == root || len(existing) <= len(root) {
			return "", fmt.Errorf("the workload's folder: %w", err)
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = filepath.Dir(existing)
	}
}

func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(os.PathSeparator))
}

// confinedCAFile replaces --storage-ca-file (which storage.Config reads
// from the host) with one that reads below root.
type confinedCAFile struct {
	root   string
	bundle *[]byte
	value  string
}

func (f *confinedCAFile) String() string { return f.value }

func (f *confinedCAFile) Set(v string) error {
	p, err := Confine(f.root, v)
	if err != nil {
		return err
	}
	pem, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("%q: %w", v, errors.Unwrap(err))
	}
	f.value, *f.bundle = v, pem
	return nil
}
