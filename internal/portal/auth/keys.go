package auth

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/gorilla/securecookie"
)

// MinKeyLen is the shortest session key accepted.
const MinKeyLen = 32

// MaxKeys bounds the keys of a session-key file: rotation needs two.
const MaxKeys = 8

// ParseKeys reads a session-key file: one key a line, the newest first;
// blank lines and lines starting with # are skipped. The first key seals
// new cookies and every key opens them, so a key is rotated by adding the
// new one as the first line and removing the old one a session lifetime
// later.
func ParseKeys(b []byte) ([][]byte, error) {
	var keys [][]byte
	for i, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if len(line) < MinKeyLen {
			return nil, fmt.Errorf("session key on line %d: %d bytes, want at least %d bytes", i+1, len(line), MinKeyLen)
		}
		if len(keys) == MaxKeys {
			return nil, fmt.Errorf("session keys: more than %d", MaxKeys)
		}
		keys = append(keys, line)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("session key: none (want one key of at least %d bytes a line)", MinKeyLen)
	}
	return keys, nil
}

// cookieCodecs derives from each key a MAC key and an AES-256 key (HKDF,
// distinct labels: one secret never serves two purposes) and the codec that
// uses them. The codecs' own timestamps are not checked (MaxAge 0): the
// session's times are, with the injected clock.
func cookieCodecs(keys [][]byte) ([]securecookie.Codec, error) {
	codecs := make([]securecookie.Codec, 0, len(keys))
	for i, k := range keys {
		if len(k) < MinKeyLen {
			return nil, fmt.Errorf("session key %d: %d bytes, want at least %d (the operator's session-key Secret, key session-key)", i+1, len(k), MinKeyLen)
		}
		mac, err := hkdf.Key(sha256.New, k, nil, "countyreport session cookie: mac", 32)
		if err != nil {
			return nil, err
		}
		enc, err := hkdf.Key(sha256.New, k, nil, "countyreport session cookie: aes-256", 32)
		if err != nil {
			return nil, err
		}
		sc := securecookie.New(mac, enc).MaxAge(0).SetSerializer(compactJSON{})
		codecs = append(codecs, sc)
	}
	return codecs, nil
}

// compactJSON is securecookie's JSON without HTML escaping: a sealed cookie
// is never HTML, and "<" as \u003c would cost six bytes of a cookie's 4096.
type compactJSON struct{}

func (compactJSON) Serialize(src any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(src); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func (compactJSON) Deserialize(src []byte, dst any) error { return json.Unmarshal(src, dst) }
