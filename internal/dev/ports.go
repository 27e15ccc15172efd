package dev

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"sync"
)

// Port is one fixed local port and the flag that changes it.
type Port struct {
	What string // "etcd"
	Flag string // "--etcd-port"
	Port int
}

// CheckPorts fails on the first port another process already listens on,
// naming the port and the flag that picks another. Two entries asking for the
// same port are refused too.
func CheckPorts(ports ...Port) error {
	seen := map[int]string{}
	for _, p := range ports {
		if other, dup := seen[p.Port]; dup {
			return fmt.Errorf("port %d is asked for twice (%s and %s): change %s", p.Port, other, p.What, p.Flag)
		}
		seen[p.Port] = p.What
		if err := portFree(p.Port); err != nil {
			return fmt.Errorf("port %d (%s) is already in use on 127.0.0.1: stop what uses it or pass %s=<another port>: %w",
				p.Port, p.What, p.Flag, errPortInUse)
		}
	}
	return nil
}

func portFree(port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// PortBook gives each portal a port of its own from base upwards and keeps
// the assignment in a file, so that a county's URL stays the same across
// restarts and other counties coming or going do not move it.
type PortBook struct {
	file string
	base int
	flag string

	mu    sync.Mutex
	ports map[string]int // namespace/name → port
}

// OpenPortBook reads the assignments in file (none when it does not exist).
func OpenPortBook(file string, base int, flag string) (*PortBook, error) {
	b := &PortBook{file: file, base: base, flag: flag, ports: map[string]int{}}
	raw, err := os.ReadFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(raw, &b.ports); err != nil {
			return nil, fmt.Errorf("%s: %w (delete it, or start with --reset)", file, err)
		}
	}
	return b, nil
}

// Port returns key's port, assigning the lowest free one at or above base
// (free in the book and on the machine) when key has none yet.
func (b *PortBook) Port(key string) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.ports[key]; ok {
		return p, nil
	}
	used := map[int]bool{}
	for _, p := range b.ports {
		used[p] = true
	}
	for p := b.base; p < b.base+1000 && p < 65536; p++ {
		if used[p] || portFree(p) != nil {
			continue
		}
		b.ports[key] = p
		return p, b.save()
	}
	return 0, fmt.Errorf("no free port from %d to %d for portal %s: pass %s=<another port>", b.base, b.base+999, key, b.flag)
}

// Keys lists the portals with a port, sorted.
func (b *PortBook) Keys() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	keys := make([]string, 0, len(b.ports))
	for k := range b.ports {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (b *PortBook) save() error {
	raw, err := json.MarshalIndent(b.ports, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(b.file, raw)
}

// writeFile writes data readable by its owner only, replacing the file whole.
func writeFile(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
