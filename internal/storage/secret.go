package storage

import "strings"

// The keys of a credentials Secret, as the operator writes it and portals,
// report Jobs and the city's tools read it. A county's (and the city's own)
// Secret holds one set; the city's member credentials Secret holds the
// endpoint settings once and one set per member under "<code>.<key>".
const (
	SecretAccessKey    = "accessKey"
	SecretSecretKey    = "secretKey"
	SecretSessionToken = "sessionToken"
	SecretEndpoint     = "endpoint"
	SecretBucket       = "bucket"
	SecretInsecure     = "insecure"
	SecretExpiresAt    = "expiresAt"
	// SecretCABundle holds the PEM CA bundle of a storage endpoint behind a
	// private CA (public data, carried with the credentials it goes with).
	SecretCABundle = "caBundle"
	// SecretMembers lists a member credentials Secret's county codes, comma-separated.
	SecretMembers = "members"
)

// MemberKey is the key of one member's credential field.
func MemberKey(code, field string) string { return code + "." + field }

// MemberCodes reads the member list of a member credentials Secret.
func MemberCodes(data map[string][]byte) []string {
	s := string(data[SecretMembers])
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
