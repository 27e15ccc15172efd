package tenant

import (
	"crypto/rand"
	"encoding/base64"

	corev1 "k8s.io/api/core/v1"

	"github.com/countyreport/countyreport/api/v1alpha1"
)

// The portal's own Secret, <name>-portal, holds the county's session key
// and, when spec.portal.accountsSecretName is empty, the generated
// accounts: an empty accounts file and the admin's initial password (as
// Argo CD does; the portal hashes it, so the operator never pays for a slow
// hash per county). Values are made once and never rewritten: the
// reconciler only adds a key that is missing.
const (
	// AccountsKey is the accounts file in an accounts Secret (named or generated).
	AccountsKey = "accounts.yaml"
	// InitialPasswordKey holds the generated admin password. Deleting the
	// key (or listing admin in accounts.yaml) retires it.
	InitialPasswordKey = "initial-password"
	// SessionKeyKey holds the county's session-signing key.
	SessionKeyKey = "session-key"
	// SecretDir is where the portal's own Secret is mounted.
	SecretDir = "/etc/countyreport/portal-secret"
)

// GeneratesAccounts reports whether the operator makes the accounts.
func GeneratesAccounts(cr *v1alpha1.CountyReport) bool {
	return cr.Spec.Portal.AccountsSecretName == ""
}

// AccountsFile is where the portal finds its accounts file.
func AccountsFile(cr *v1alpha1.CountyReport) string {
	if GeneratesAccounts(cr) {
		return SecretDir + "/" + AccountsKey
	}
	return AccountsDir + "/" + AccountsKey
}

// PortalSecretKeys are the keys the portal's Secret must have for cr.
func PortalSecretKeys(cr *v1alpha1.CountyReport) []string {
	if GeneratesAccounts(cr) {
		return []string{SessionKeyKey, AccountsKey, InitialPasswordKey}
	}
	return []string{SessionKeyKey}
}

// NewPortalSecretValue is the value a missing key of the portal's Secret
// gets: 32 random bytes as URL-safe base64 (43 characters) for the session
// key and the initial password, an empty accounts list for accounts.yaml.
func NewPortalSecretValue(key string) ([]byte, error) {
	if key == AccountsKey {
		return []byte("# Portal accounts (docs/portal.md, Accounts: countyreport accounts hash).\naccounts: []\n"), nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return []byte(base64.RawURLEncoding.EncodeToString(b)), nil
}

// PortalSecret is the portal's Secret with the given data (see
// PortalSecretKeys and NewPortalSecretValue).
func PortalSecret(cr *v1alpha1.CountyReport, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: meta(cr), Type: corev1.SecretTypeOpaque, Data: data}
}
