package accounts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Store holds the current accounts file and reloads it when it changes on
// disk, so added, removed or changed accounts take effect without a restart.
// A file that no longer parses keeps the last good accounts (and is logged):
// a typo must not lock every user out.
type Store struct {
	path string
	log  *slog.Logger

	mu   sync.RWMutex
	file *File
	sum  [sha256.Size]byte
	err  error // the last reload's error, nil when the file in use is current

	// verifySlots bounds concurrent hash checks: each argon2id check holds
	// 46 MiB, and the portal's memory limit is a few hundred.
	verifySlots chan struct{}
}

// PollInterval is how often Watch looks at the file. A Kubernetes Secret
// volume is updated by swapping a symlink, which file-change notification
// misses; reading a small file every few seconds is cheap and always works.
const PollInterval = 2 * time.Second

// dummyHash is checked for unknown usernames, so a sign-in for a name that
// does not exist takes as long as one that does.
var dummyHash = func() *hash {
	s, err := Hash("not a real password, only for timing")
	if err != nil {
		panic(err)
	}
	h, _ := parseHash(s)
	return h
}()

// Open reads the accounts file at path; a missing or invalid file is an error.
func Open(path string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &Store{path: path, log: log, verifySlots: make(chan struct{}, 2)}
	if _, err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewStore serves the given accounts (no file), for tests and tools.
func NewStore(f *File) *Store {
	return &Store{file: f, log: slog.Default(), verifySlots: make(chan struct{}, 2)}
}

// Reload reads the file again; it reports whether the accounts changed.
func (s *Store) Reload() (bool, error) {
	if s.path == "" {
		return false, nil
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return false, s.failed(fmt.Errorf("accounts file %s: %w", s.path, err))
	}
	sum := sha256.Sum256(data)
	s.mu.RLock()
	same := s.file != nil && bytes.Equal(sum[:], s.sum[:])
	s.mu.RUnlock()
	if same {
		return false, nil
	}
	f, err := Parse(data)
	if err != nil {
		return false, s.failed(fmt.Errorf("%s: %w", s.path, err))
	}
	s.mu.Lock()
	s.file, s.sum, s.err = f, sum, nil
	s.mu.Unlock()
	return true, nil
}

func (s *Store) failed(err error) error {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	return err
}

// Err is the last reload's error (nil when the accounts in use are the file's).
func (s *Store) Err() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.err
}

// Watch reloads the file every PollInterval until ctx ends.
func (s *Store) Watch(ctx context.Context) {
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := s.Reload()
		switch {
		case err != nil:
			s.log.Error("accounts file not reloaded; the previous accounts stay in use", "err", err)
		case changed:
			s.log.Info("accounts reloaded", "path", s.path, "accounts", len(s.File().Accounts))
		}
	}
}

// File returns the accounts in use.
func (s *Store) File() *File {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.file
}

// Account returns the current account named username, or nil when there is
// none (any more). Callers look accounts up on every request, so a removed
// account or a changed role applies at once.
func (s *Store) Account(username string) *Account {
	a := s.File().Lookup(username)
	if a == nil {
		return nil
	}
	cp := *a
	return &cp
}

// Authenticate checks username and password and returns the account when
// they match. An unknown username costs as much as a wrong password.
func (s *Store) Authenticate(ctx context.Context, username, password string) (*Account, error) {
	if err := CheckPassword(password); err != nil {
		return nil, nil
	}
	select {
	case s.verifySlots <- struct{}{}:
		defer func() { <-s.verifySlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	a := s.Account(username)
	if a == nil {
		dummyHash.verify(password)
		return nil, nil
	}
	h, err := parseHash(a.PasswordHash)
	if err != nil || !h.verify(password) {
		return nil, nil
	}
	return a, nil
}
