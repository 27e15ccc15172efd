package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/countyreport/countyreport/internal/messages"
)

// Password length bounds, in characters (runes): OWASP ASVS 6.2.1/6.2.9.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

// Argon2id parameters of new hashes: OWASP's first recommendation (t=1,
// m=46 MiB, p=1), as ASVS 11.4.2 asks.
const (
	argonTime    = 1
	argonMemory  = 47104 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Bounds a stored hash's parameters must stay within, so an accounts file
// cannot make each sign-in cost gigabytes or minutes.
const (
	maxArgonMemory  = 256 * 1024 // KiB
	maxArgonTime    = 10
	maxArgonThreads = 8
	minBcryptCost   = 10
)

// bcryptMaxBytes is how much of a password bcrypt reads.
const bcryptMaxBytes = 72

// ErrPasswordLength is returned for a password outside 8..128 characters.
var ErrPasswordLength = messages.Errorf("accounts.passwordLength", MinPasswordLen, MaxPasswordLen)

// CheckPassword reports whether p is an acceptable password: valid UTF-8
// and 8 to 128 characters.
func CheckPassword(p string) error {
	if !utf8.ValidString(p) {
		return messages.Errorf("accounts.passwordUTF8")
	}
	if n := utf8.RuneCountInString(p); n < MinPasswordLen || n > MaxPasswordLen {
		return ErrPasswordLength
	}
	return nil
}

// Hash returns the argon2id hash of password in PHC form.
func Hash(password string) (string, error) {
	if err := CheckPassword(password); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// hash is a parsed stored hash.
type hash struct {
	bcrypt []byte // set for bcrypt hashes

	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

// parseHash reads an argon2id PHC string or a bcrypt hash.
func parseHash(s string) (*hash, error) {
	switch {
	case s == "":
		return nil, errors.New("empty: run `countyreport accounts hash` to make one")
	case strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$"):
		cost, err := bcrypt.Cost([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("bcrypt: %v", err)
		}
		if cost < minBcryptCost {
			return nil, fmt.Errorf("bcrypt cost %d is below %d", cost, minBcryptCost)
		}
		return &hash{bcrypt: []byte(s)}, nil
	case strings.HasPrefix(s, "$argon2id$"):
		return parseArgon2id(s)
	}
	return nil, errors.New("not an argon2id ($argon2id$...) or bcrypt ($2b$...) hash")
}

func parseArgon2id(s string) (*hash, error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 {
		return nil, errors.New("argon2id: want $argon2id$v=19$m=M,t=T,p=P$salt$hash")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return nil, fmt.Errorf("argon2id: version %q, want v=%d", parts[2], argon2.Version)
	}
	h := &hash{}
	seen := map[string]bool{}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || seen[k] {
			return nil, fmt.Errorf("argon2id: parameter %q", kv)
		}
		seen[k] = true
		switch k {
		case "m":
			h.memory = uint32(n)
		case "t":
			h.time = uint32(n)
		case "p":
			if n > 255 {
				return nil, fmt.Errorf("argon2id: p=%d", n)
			}
			h.threads = uint8(n)
		default:
			return nil, fmt.Errorf("argon2id: unknown parameter %q", k)
		}
	}
	switch {
	case h.time < 1 || h.time > maxArgonTime:
		return nil, fmt.Errorf("argon2id: t=%d, want 1..%d", h.time, maxArgonTime)
	case h.threads < 1 || h.threads > maxArgonThreads:
		return nil, fmt.Errorf("argon2id: p=%d, want 1..%d", h.threads, maxArgonThreads)
	case h.memory < 8*uint32(h.threads) || h.memory > maxArgonMemory:
		return nil, fmt.Errorf("argon2id: m=%d KiB, want up to %d", h.memory, maxArgonMemory)
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return nil, errors.New("argon2id: salt is not base64 of at least 8 bytes")
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return nil, errors.New("argon2id: hash is not base64 of 16 to 64 bytes")
	}
	return h, nil
}

// verify reports whether password matches h, in constant time for argon2id.
func (h *hash) verify(password string) bool {
	if h.bcrypt != nil {
		// bcrypt would silently ignore bytes past 72: refuse instead of truncating.
		if len(password) > bcryptMaxBytes {
			return false
		}
		return bcrypt.CompareHashAndPassword(h.bcrypt, []byte(password)) == nil
	}
	key := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

// Verify reports whether password matches the stored hash. A malformed hash
// never matches.
func Verify(stored, password string) bool {
	h, err := parseHash(stored)
	if err != nil {
		return false
	}
	return h.verify(password)
}
