package accounts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
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

	// initialPath, when set, is a file holding the initial password of the
	// InitialUser editor account (the operator's generated Secret, key
	// initial-password, as Argo CD does). The account exists while the file
	// is non-empty and the accounts file does not list InitialUser itself.
	initialPath string
	initialSum  [sha256.Size]byte
	initialHash string

	mu   sync.RWMutex
	file *File
	sum  [sha256.Size]byte
	err  error // the last reload's error, nil when the file in use is current

	// revoke is told, after each reload, the accounts whose sessions must end.
	revokeMu sync.Mutex
	revoke   []func(usernames []string)
	change   []func([]Change)

	// verifySlots bounds concurrent hash checks (VerifySlots): each
	// argon2id check holds 46 MiB, and the portal's memory limit is 256Mi.
	verifySlots chan struct{}
}

// VerifySlots is how many password checks a portal runs at once; more
// sign-ins at the same moment wait for a slot (or for their request to
// end). A portal at rest holds about 59 MiB, so two checks keep it well
// inside its 256Mi limit however many staff sign in at once
// (docs/benchmarks.md, "a real node").
const VerifySlots = 2

// PollInterval is how often Watch looks at the file. A Kubernetes Secret
// volume is updated by swapping a symlink, which file-change notification
// misses; reading a small file every few seconds is cheap and always works.
const PollInterval = 2 * time.Second

// dummyHash is checked for unknown usernames, so a sign-in for a name that
// does not exist takes as long as one that does. It is made on first use,
// not at package initialisation: an argon2id hash costs about half a second
// and 46 MiB, which every subcommand of the binary (generate in each
// monthly Job) would otherwise pay at start-up.
var dummyHash = sync.OnceValue(func() *hash {
	s, err := Hash("not a real password, only for timing")
	if err != nil {
		panic(err)
	}
	h, _ := parseHash(s)
	return h
})

// InitialUser is the editor account an initial-password file signs in.
const InitialUser = "admin"

// Open reads the accounts file at path; a missing or invalid file is an error.
func Open(path string, log *slog.Logger) (*Store, error) {
	return OpenWithInitial(path, "", log)
}

// OpenWithInitial is Open with an initial-password file (see Store); the
// password is hashed here, in the portal, so the operator making thousands
// of counties never pays for a slow hash.
func OpenWithInitial(path, initialPath string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &Store{path: path, initialPath: initialPath, log: log, verifySlots: make(chan struct{}, VerifySlots)}
	if _, err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewStore serves the given accounts (no file), for tests and tools.
func NewStore(f *File) *Store {
	return &Store{file: f, log: slog.Default(), verifySlots: make(chan struct{}, VerifySlots)}
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
	initial, err := s.readInitial()
	if err != nil {
		return false, s.failed(err)
	}
	sum := sha256.Sum256(append(append(data, 0), initial...))
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
	if err := s.addInitial(f, initial); err != nil {
		return false, s.failed(err)
	}
	s.mu.Lock()
	old := s.file
	s.file, s.sum, s.err = f, sum, nil
	s.mu.Unlock()
	if changes := Changes(old, f); len(changes) > 0 {
		s.revokeMu.Lock()
		hooks := append([]func([]Change){}, s.change...)
		s.revokeMu.Unlock()
		for _, fn := range hooks {
			fn(changes)
		}
	}
	if gone := Revoked(old, f); len(gone) > 0 {
		s.log.Info("accounts removed or their password changed: their sessions end", "accounts", len(gone))
		s.revokeMu.Lock()
		hooks := append([]func([]string){}, s.revoke...)
		s.revokeMu.Unlock()
		for _, fn := range hooks {
			fn(gone)
		}
	}
	return true, nil
}

// OnRevoke registers fn, called after every reload that removed accounts
// or changed their password (or the initial password), with their
// usernames: the portal ends their sessions at once (ASVS 7.4.3). A role
// change needs no hook: the role is looked up on every request.
func (s *Store) OnRevoke(fn func(usernames []string)) {
	s.revokeMu.Lock()
	s.revoke = append(s.revoke, fn)
	s.revokeMu.Unlock()
}

// OnChange registers fn, called after every reload that added, removed
// or changed accounts, with what changed (the audit log records it).
func (s *Store) OnChange(fn func([]Change)) {
	s.revokeMu.Lock()
	s.change = append(s.change, fn)
	s.revokeMu.Unlock()
}

// Change is one account changed by a reload: What is "added", "removed",
// "password" or "role"; Role is the account's role after it (before it
// for a removed account).
type Change struct {
	Username string
	What     string
	Role     Role
}

// Changes lists what after changed of before's accounts: removed ones in
// before's order, then added and changed ones in after's. Nothing when
// before is nil (the first load is no change).
func Changes(before, after *File) []Change {
	if before == nil || after == nil {
		return nil
	}
	old := map[string]Account{}
	for _, a := range before.Accounts {
		old[a.Username] = a
	}
	now := map[string]bool{}
	var out []Change
	for _, a := range after.Accounts {
		now[a.Username] = true
	}
	for _, a := range before.Accounts {
		if !now[a.Username] {
			out = append(out, Change{a.Username, "removed", a.Role})
		}
	}
	for _, a := range after.Accounts {
		b, ok := old[a.Username]
		switch {
		case !ok:
			out = append(out, Change{a.Username, "added", a.Role})
		case b.PasswordHash != a.PasswordHash:
			out = append(out, Change{a.Username, "password", a.Role})
		case b.Role != a.Role:
			out = append(out, Change{a.Username, "role", a.Role})
		}
	}
	return out
}

// Revoked lists the accounts of before that after no longer has, or has
// with another password hash (sorted as in before).
func Revoked(before, after *File) []string {
	if before == nil {
		return nil
	}
	hashes := map[string]string{}
	if after != nil {
		for _, b := range after.Accounts {
			hashes[b.Username] = b.PasswordHash
		}
	}
	var out []string
	for _, a := range before.Accounts {
		if h, ok := hashes[a.Username]; !ok || h != a.PasswordHash {
			out = append(out, a.Username)
		}
	}
	return out
}

// readInitial reads the initial-password file; a missing file means none.
func (s *Store) readInitial() ([]byte, error) {
	if s.initialPath == "" {
		return nil, nil
	}
	b, err := os.ReadFile(s.initialPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("initial password %s: %w", s.initialPath, err)
	}
	return bytes.TrimRight(b, "\r\n"), nil
}

// addInitial adds the InitialUser account unless f lists it already.
func (s *Store) addInitial(f *File, pw []byte) error {
	if len(pw) == 0 || f.Lookup(InitialUser) != nil {
		return nil
	}
	if sum := sha256.Sum256(pw); s.initialHash == "" || sum != s.initialSum {
		h, err := Hash(string(pw))
		if err != nil {
			return fmt.Errorf("initial password %s: %w", s.initialPath, err)
		}
		s.initialSum, s.initialHash = sum, h
	}
	f.Accounts = append(f.Accounts, Account{Username: InitialUser, Role: Editor, PasswordHash: s.initialHash})
	return nil
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
		dummyHash().verify(password)
		return nil, nil
	}
	h, err := parseHash(a.PasswordHash)
	if err != nil || !h.verify(password) {
		return nil, nil
	}
	return a, nil
}
