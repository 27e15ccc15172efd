package tenant

import (
	"crypto/rand"
	"encoding/base64"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	reportingv1 "github.com/countyreport/countyreport/api/v1alpha1"
)

// Keys of the portal's Secrets.
const (
	// AccountsKey is the accounts file in the accounts Secret (named or generated).
	AccountsKey = "accounts.yaml"
	// InitialPasswordKey holds the generated admin password (read it with
	// kubectl; see the README). Deleting the key retires the account.
	InitialPasswordKey = "initial-password"
	// SessionKeyKey holds the county's session-signing key.
	SessionKeyKey = "session-key"
	// SessionDir is where the session-key Secret is mounted.
	SessionDir = "/etc/countyreport/session"
)

// AccountsSecretName is spec.portal.accountsSecretName, or the Secret the
// operator generates when it is empty: <name>-portal-accounts.
func AccountsSecretName(cr *reportingv1.CountyReport) string {
	if n := cr.Spec.Portal.AccountsSecretName; n != "" {
		return n
	}
	return Name(cr) + "-accounts"
}

// GeneratesAccounts reports whether the operator makes the accounts Secret.
func GeneratesAccounts(cr *reportingv1.CountyReport) bool {
	return cr.Spec.Portal.AccountsSecretName == ""
}

// SessionSecretName is the per-county session-key Secret.
func SessionSecretName(cr *reportingv1.CountyReport) string { return Name(cr) + "-session" }

func secretMeta(cr *reportingv1.CountyReport, name string) metav1.ObjectMeta {
	m := meta(cr)
	m.Name = name
	return m
}

// InitialAccountsSecret is the generated accounts Secret: an empty accounts
// file and the admin's initial password (the portal hashes it; see
// accounts.OpenWithInitial). password comes from NewSecretValue. The
// operator creates it once and never rewrites its data.
func InitialAccountsSecret(cr *reportingv1.CountyReport, password string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: secretMeta(cr, AccountsSecretName(cr)),
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			AccountsKey:        []byte("# Portal accounts: see the README (countyreport accounts hash).\naccounts: []\n"),
			InitialPasswordKey: []byte(password),
		},
	}
}

// SessionKeySecret holds the county's session key (from NewSecretValue);
// created once, never rewritten.
func SessionKeySecret(cr *reportingv1.CountyReport, key string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: secretMeta(cr, SessionSecretName(cr)),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{SessionKeyKey: []byte(key)},
	}
}

// NewSecretValue is 32 random bytes as URL-safe base64 (43 characters):
// an initial password or a session key.
func NewSecretValue() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
