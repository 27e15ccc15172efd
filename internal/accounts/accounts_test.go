package accounts

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestHashAndVerify(t *testing.T) {
	long := strings.Repeat("长", 128) // 384 bytes: far past bcrypt's 72
	tests := map[string]struct {
		password string
		wantErr  bool
	}{
		"ascii":            {password: "correct horse"},
		"chinese 128":      {password: long},
		"too short":        {password: "1234567", wantErr: true},
		"too long":         {password: long + "x", wantErr: true},
		"eight characters": {password: "衡山县统计局一二"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h, err := Hash(tc.password)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Hash accepted %d characters", len([]rune(tc.password)))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(h, "$argon2id$v=19$m=47104,t=1,p=1$") {
				t.Fatalf("hash %q", h)
			}
			if !Verify(h, tc.password) {
				t.Fatal("the password does not verify against its own hash")
			}
			// Never truncated: changing only the last character fails.
			r := []rune(tc.password)
			r[len(r)-1] = 'Z'
			if Verify(h, string(r)) {
				t.Fatal("a password differing in its last character verified")
			}
		})
	}
}

func TestBcryptAcceptedButNeverTruncated(t *testing.T) {
	pw := strings.Repeat("a", 72)
	b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost+6)
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(string(b), pw) {
		t.Fatal("bcrypt hash does not verify")
	}
	// bcrypt reads 72 bytes; a longer password would match by truncation: refused.
	if Verify(string(b), pw+"extra") {
		t.Fatal("a password longer than 72 bytes verified against bcrypt (truncation)")
	}
	weak, _ := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if _, err := parseHash(string(weak)); err == nil {
		t.Fatal("bcrypt cost 4 accepted")
	}
}

func TestParse(t *testing.T) {
	good, err := Hash("password1")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		yaml, wantErr string
	}{
		"two accounts":      {yaml: "accounts:\n- {username: admin, role: editor, passwordHash: '" + good + "'}\n- {username: li.na, role: viewer, passwordHash: '" + good + "'}\n"},
		"unknown role":      {yaml: "accounts:\n- {username: admin, role: root, passwordHash: '" + good + "'}\n", wantErr: "accounts[0].role"},
		"duplicate":         {yaml: "accounts:\n- {username: a, role: editor, passwordHash: '" + good + "'}\n- {username: a, role: viewer, passwordHash: '" + good + "'}\n", wantErr: "also accounts[0]"},
		"bad username":      {yaml: "accounts:\n- {username: 'Admin<', role: editor, passwordHash: '" + good + "'}\n", wantErr: "accounts[0].username"},
		"plain password":    {yaml: "accounts:\n- {username: a, role: editor, passwordHash: secret}\n", wantErr: "accounts[0].passwordHash"},
		"unknown field":     {yaml: "accounts:\n- {username: a, role: editor, password: secret, passwordHash: '" + good + "'}\n", wantErr: "password"},
		"too many nodes":    {yaml: "accounts:\n" + strings.Repeat("- a\n", 120000), wantErr: "YAML values"},
		"mail and language": {yaml: "accounts:\n- {username: a, role: editor, email: a@example.org, language: en, passwordHash: '" + good + "'}\n"},
		"bad mail":          {yaml: "accounts:\n- {username: a, role: editor, email: 'A <a@example.org>', passwordHash: '" + good + "'}\n", wantErr: "accounts[0].email"},
		"bad language":      {yaml: "accounts:\n- {username: a, role: editor, language: fr, passwordHash: '" + good + "'}\n", wantErr: "accounts[0].language"},
		"huge memory":       {yaml: "accounts:\n- {username: a, role: editor, passwordHash: '$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'}\n", wantErr: "m=4194304"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want it to name %q", err, tc.wantErr)
			}
		})
	}
}

func TestStoreReloadsWithoutRestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "accounts.yaml")
	h1, _ := Hash("first-password")
	h2, _ := Hash("second-password")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("accounts:\n- {username: admin, role: editor, passwordHash: '" + h1 + "'}\n")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if a, _ := s.Authenticate(ctx, "admin", "first-password"); a == nil || !a.CanEdit() {
		t.Fatalf("admin not signed in: %+v", a)
	}
	write("accounts:\n- {username: admin, role: viewer, passwordHash: '" + h2 + "'}\n- {username: wang, role: editor, passwordHash: '" + h1 + "'}\n")
	if changed, err := s.Reload(); err != nil || !changed {
		t.Fatalf("reload: changed=%v err=%v", changed, err)
	}
	if a, _ := s.Authenticate(ctx, "admin", "first-password"); a != nil {
		t.Fatal("the old password still works after the file changed")
	}
	if a, _ := s.Authenticate(ctx, "admin", "second-password"); a == nil || a.CanEdit() {
		t.Fatalf("admin after reload: %+v", a)
	}
	if s.Account("wang") == nil {
		t.Fatal("added account not found")
	}
	// A broken file keeps the last good accounts and reports why.
	write("accounts: [")
	if _, err := s.Reload(); err == nil {
		t.Fatal("broken file accepted")
	}
	if s.Account("wang") == nil || s.Err() == nil {
		t.Fatal("a broken file dropped the accounts in use or hid its error")
	}
	if a, _ := s.Authenticate(ctx, "nobody", "second-password"); a != nil {
		t.Fatal("unknown user signed in")
	}
}

func FuzzParse(f *testing.F) {
	good, _ := Hash("password1")
	f.Add([]byte("accounts:\n- {username: admin, role: editor, passwordHash: '" + good + "'}\n"))
	f.Add([]byte("accounts: []"))
	f.Add([]byte("accounts:\n- {username: a, role: viewer, passwordHash: '$2b$10$abcdefghijklmnopqrstuu'}\n"))
	f.Add([]byte("accounts:\n- {username: a, role: viewer, passwordHash: '$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA'}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, a := range file.Accounts {
			if !ValidUsername(a.Username) || seen[a.Username] || (a.Role != Editor && a.Role != Viewer) {
				t.Fatalf("accepted a bad account: %+v", a)
			}
			seen[a.Username] = true
			h, err := parseHash(a.PasswordHash)
			if err != nil {
				t.Fatalf("accepted hash %q: %v", a.PasswordHash, err)
			}
			if h.bcrypt == nil && (h.memory > maxArgonMemory || h.time > maxArgonTime) {
				t.Fatalf("accepted a hash too costly to check: %+v", h)
			}
		}
	})
}

func TestInitialPassword(t *testing.T) {
	dir := t.TempDir()
	path, initial := filepath.Join(dir, "accounts.yaml"), filepath.Join(dir, "initial-password")
	mustWrite := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite(path, "accounts: []\n")
	mustWrite(initial, "generated-by-the-operator-Xy7\n")
	s, err := OpenWithInitial(path, initial, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if a, _ := s.Authenticate(ctx, "admin", "generated-by-the-operator-Xy7"); a == nil || !a.CanEdit() {
		t.Fatalf("initial admin: %+v", a)
	}
	// Listing admin in accounts.yaml replaces the initial password.
	h, _ := Hash("my own admin password")
	mustWrite(path, "accounts:\n- {username: admin, role: editor, passwordHash: '"+h+"'}\n")
	if _, err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Authenticate(ctx, "admin", "generated-by-the-operator-Xy7"); a != nil {
		t.Fatal("the initial password still works after admin was listed")
	}
	// Removing the key (the file) removes the account.
	mustWrite(path, "accounts: []\n")
	os.Remove(initial)
	if _, err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if s.Account("admin") != nil {
		t.Fatal("admin remains without an initial password or a listing")
	}
}
