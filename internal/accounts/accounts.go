// Package accounts is the staff accounts file of a portal (accounts.yaml, the
// key of the Secret named by spec.portal.accountsSecretName) and the password
// hashes in it.
//
//	accounts:
//	  - username: admin
//	    role: editor            # editor | viewer
//	    passwordHash: $argon2id$v=19$m=47104,t=1,p=1$<salt>$<hash>
//	    email: admin@example.org  # optional: where notifications reach them
//	    language: zh-CN           # optional: zh-CN (default) or en
//
// The member of staff may change their address and language on the
// portal's account page (Profile), which then wins over the file's.
//
// Hashes are argon2id in PHC form (what `countyreport accounts hash` prints);
// bcrypt ($2a$/$2b$/$2y$) is accepted too. Passwords are 8 to 128 characters
// and never truncated: a bcrypt hash cannot check a password longer than
// bcrypt's 72 bytes, so such a password is refused rather than cut.
//
// The package knows nothing of counties or HTTP, so any portal can use it.
package accounts

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/countyreport/countyreport/internal/limits"
)

// Role is what an account may do.
type Role string

const (
	// Editor may submit data and start reports.
	Editor Role = "editor"
	// Viewer may look at everything and change nothing.
	Viewer Role = "viewer"
)

// Account is one line of the accounts file.
type Account struct {
	Username     string `yaml:"username" json:"username"`
	Role         Role   `yaml:"role" json:"role"`
	PasswordHash string `yaml:"passwordHash" json:"passwordHash"`
	// Email and Language are where notifications reach the account's
	// owner and the language they read, as municipal IT set them.
	Email    string `yaml:"email,omitempty" json:"email,omitempty"`
	Language string `yaml:"language,omitempty" json:"language,omitempty"`
}

// CanEdit reports whether the account may change anything.
func (a *Account) CanEdit() bool { return a != nil && a.Role == Editor }

// File is the parsed accounts file.
type File struct {
	Accounts []Account `yaml:"accounts" json:"accounts"`
}

// MaxFileSize bounds the accounts file: thousands of accounts fit.
const MaxFileSize = 1 << 20

// MaxAccounts bounds the number of accounts in one file.
const MaxAccounts = 10000

var usernameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$`)

// ValidUsername reports whether s is a username the file accepts: 1 to 64
// lower-case letters, digits, '.', '_' or '-', starting and ending with a
// letter or digit (so it is safe in logs and URLs without escaping).
func ValidUsername(s string) bool { return usernameRE.MatchString(s) }

// Parse reads an accounts file. Unknown fields, duplicate usernames, unknown
// roles and malformed hashes are errors naming the account (accounts[i]).
func Parse(data []byte) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("accounts file is %d bytes, more than the %d allowed", len(data), MaxFileSize)
	}
	// yaml.v3 builds the whole node tree before decoding: bound it from
	// the text first (a 1 MiB file of "- a" lines is 260,000 nodes).
	if n := limits.EstimateYAMLNodes(data); n > limits.AccountsNodes {
		return nil, fmt.Errorf("accounts file has about %d YAML values, more than the %d allowed", n, limits.AccountsNodes)
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("accounts file: %w", err)
	}
	if len(f.Accounts) > MaxAccounts {
		return nil, fmt.Errorf("accounts file lists %d accounts, more than the %d allowed", len(f.Accounts), MaxAccounts)
	}
	seen := map[string]int{}
	var errs []string
	for i, a := range f.Accounts {
		at := fmt.Sprintf("accounts[%d]", i)
		switch {
		case !ValidUsername(a.Username):
			errs = append(errs, fmt.Sprintf("%s.username %q: want 1-64 of a-z 0-9 . _ - (starting and ending with a letter or digit)", at, a.Username))
		case seen[a.Username] > 0:
			errs = append(errs, fmt.Sprintf("%s.username %q: also accounts[%d]", at, a.Username, seen[a.Username]-1))
		default:
			seen[a.Username] = i + 1
		}
		if a.Role != Editor && a.Role != Viewer {
			errs = append(errs, fmt.Sprintf("%s.role %q: want editor or viewer", at, a.Role))
		}
		if _, err := parseHash(a.PasswordHash); err != nil {
			errs = append(errs, fmt.Sprintf("%s.passwordHash: %v", at, err))
		}
		if e := CheckEmail(a.Email); e != nil {
			errs = append(errs, fmt.Sprintf("%s.email %q: %s", at, a.Email, e.En))
		}
		if e := CheckLanguage(a.Language); a.Language != "" && e != nil {
			errs = append(errs, fmt.Sprintf("%s.language %q: want zh-CN or en", at, a.Language))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("accounts file: %s", strings.Join(errs, "; "))
	}
	return &f, nil
}

// Marshal writes f as YAML, accounts in the order given.
func (f *File) Marshal() ([]byte, error) { return yaml.Marshal(f) }

// Lookup returns the account named username, or nil.
func (f *File) Lookup(username string) *Account {
	if f == nil {
		return nil
	}
	for i := range f.Accounts {
		if f.Accounts[i].Username == username {
			return &f.Accounts[i]
		}
	}
	return nil
}

// Usernames lists the accounts' names, sorted.
func (f *File) Usernames() []string {
	var out []string
	for _, a := range f.Accounts {
		out = append(out, a.Username)
	}
	sort.Strings(out)
	return out
}
