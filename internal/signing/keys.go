package signing

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/internal/messages"
)

// Keys reads one tenant's signing key for one run, from the tenant's own
// Secret in the tenant's own namespace: the in-process executor's and the
// city report's way to the key (a Job mounts its namespace's Secret).
type Keys struct {
	Reader client.Reader
	// Now is the signing time's clock (time.Now when nil).
	Now func() time.Time
}

// Signer reads the Secret SecretName(owner) in namespace and returns a
// signer for t: refused when the certificate there names another tenant.
func (k *Keys) Signer(ctx context.Context, namespace, owner string, t Tenant) (*Signer, error) {
	var sec corev1.Secret
	name := SecretName(owner)
	if err := k.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &sec); err != nil {
		return nil, fmt.Errorf("%s: %w", messages.Both("signing.secretUnreadable", name), err)
	}
	kp, err := DecodeKeyPair(sec.Data)
	if err != nil {
		return nil, fmt.Errorf("the signing Secret %s: %w", name, err)
	}
	return kp.Signer(t.Code, k.Now, Reason(t))
}

// Reason is the /Reason of t's signatures.
func Reason(t Tenant) string {
	zh := messages.T(messages.Zh, "signing.reason", t.Name)
	if t.EnglishName == "" {
		return zh
	}
	return messages.Pair(zh, messages.T(messages.En, "signing.reason", t.EnglishName))
}

// EnvDir names the directory a Job's signing Secret is mounted at.
const EnvDir = "COUNTYREPORT_SIGNING_DIR"

// MountDir is where a Job mounts its tenant's signing Secret.
const MountDir = "/etc/countyreport/signing"

// ReadDir reads a signing Secret mounted as files (tls.crt, tls.key, ca.crt).
func ReadDir(dir string) (*KeyPair, error) {
	data := map[string][]byte{}
	for _, k := range []string{KeyCert, KeyKey, KeyCA} {
		b, err := os.ReadFile(filepath.Join(dir, k))
		if err != nil && !(k == KeyCA && os.IsNotExist(err)) {
			return nil, fmt.Errorf("the signing key in %s: %w", dir, err)
		}
		data[k] = b
	}
	return DecodeKeyPair(data)
}
