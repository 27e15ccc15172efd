package accounts

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// ASVS 7.4.3: a reload tells the portal which accounts' sessions end: those
// removed and those whose password changed (the initial password too);
// not those whose role changed (looked up on every request) nor the others.
func TestReloadRevokesRemovedAndChangedAccounts(t *testing.T) {
	dir := t.TempDir()
	path, initial := filepath.Join(dir, "accounts.yaml"), filepath.Join(dir, "initial-password")
	h1, _ := Hash("first-password")
	h2, _ := Hash("second-password")
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(initial, "initial-password-Xy7\n")
	write(path, "accounts:\n- {username: wang, role: editor, passwordHash: '"+h1+"'}\n"+
		"- {username: li, role: editor, passwordHash: '"+h1+"'}\n- {username: zhao, role: editor, passwordHash: '"+h1+"'}\n"+
		"- {username: chen, role: editor, passwordHash: '"+h1+"'}\n")
	s, err := OpenWithInitial(path, initial, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	s.OnRevoke(func(users []string) { got = append(got, users) })

	// wang's password changes, li is removed, zhao becomes a viewer, chen stays.
	write(path, "accounts:\n- {username: wang, role: editor, passwordHash: '"+h2+"'}\n"+
		"- {username: zhao, role: viewer, passwordHash: '"+h1+"'}\n- {username: chen, role: editor, passwordHash: '"+h1+"'}\n")
	if _, err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !slices.Equal(got[0], []string{"wang", "li"}) {
		t.Fatalf("revoked %v, want [[wang li]]", got)
	}
	// The operator's initial password changes: admin's sessions end.
	got = nil
	write(initial, "another-initial-password-Q2\n")
	if _, err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !slices.Equal(got[0], []string{"admin"}) {
		t.Fatalf("revoked %v, want [[admin]]", got)
	}
	// A file that does not parse changes nothing and ends no session.
	got = nil
	write(path, "accounts: [")
	if _, err := s.Reload(); err == nil || got != nil {
		t.Fatalf("a broken file: err %v, revoked %v", err, got)
	}
}
