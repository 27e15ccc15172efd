package signing

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DefaultCASecret is the name of the installation CA's Secret in the
// operator's namespace.
const DefaultCASecret = "countyreport-signing-ca"

// Authority is the installation CA as the operator holds it: it issues
// and renews the tenants' signing certificates.
type Authority struct {
	CA    *KeyPair
	roots *x509.CertPool
}

// CASource says where the CA comes from.
type CASource struct {
	Namespace, Name string
	// Supplied: the administrator provides the Secret (for example a
	// cert-manager Certificate with isCA: true); the operator never makes
	// one and fails to start without it.
	Supplied bool
	// CommonName of a CA the operator makes.
	CommonName string
}

// LoadAuthority reads the CA Secret; when it is missing and not Supplied,
// it makes a CA valid from now for CAValidity and creates the Secret (a
// concurrent creator wins and its CA is read back). c must read the API
// server (not a cache that has not started).
func LoadAuthority(ctx context.Context, c client.Client, src CASource, now time.Time) (*Authority, error) {
	key := client.ObjectKey{Namespace: src.Namespace, Name: src.Name}
	var sec corev1.Secret
	err := c.Get(ctx, key, &sec)
	if apierrors.IsNotFound(err) && !src.Supplied {
		sec, err = createCA(ctx, c, src, now)
	}
	if err != nil {
		return nil, fmt.Errorf("the signing CA Secret %s/%s: %w", src.Namespace, src.Name, err)
	}
	return authorityFrom(sec.Data, fmt.Sprintf("%s/%s", src.Namespace, src.Name))
}

func createCA(ctx context.Context, c client.Client, src CASource, now time.Time) (corev1.Secret, error) {
	name := src.CommonName
	if name == "" {
		name = "countyreport installation CA"
	}
	ca, err := NewCA(name, now.Add(-time.Hour), now.Add(CAValidity))
	if err != nil {
		return corev1.Secret{}, err
	}
	data, err := EncodeKeyPair(ca)
	if err != nil {
		return corev1.Secret{}, err
	}
	sec := corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: src.Namespace, Name: src.Name, Labels: map[string]string{
			"app.kubernetes.io/managed-by": "countyreport", "app.kubernetes.io/component": "signing-ca"}},
		Type: corev1.SecretTypeTLS,
		Data: data,
	}
	err = c.Create(ctx, &sec)
	if apierrors.IsAlreadyExists(err) {
		err = c.Get(ctx, client.ObjectKeyFromObject(&sec), &sec)
	}
	return sec, err
}

// authorityFrom checks a CA Secret's data: a CA certificate allowed to
// sign certificates, its key, and a root it chains to.
func authorityFrom(data map[string][]byte, where string) (*Authority, error) {
	kp, err := DecodeKeyPair(data)
	if err != nil {
		return nil, fmt.Errorf("the signing CA Secret %s: %w", where, err)
	}
	if !kp.Cert.IsCA || kp.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, fmt.Errorf("the signing CA Secret %s: %s is not a CA certificate (basicConstraints CA and keyUsage keyCertSign)", where, KeyCert)
	}
	if !samePublicKey(kp.Cert.PublicKey, kp.Key.Public()) && !sameRSAKey(kp) {
		return nil, fmt.Errorf("the signing CA Secret %s: %s does not match %s", where, KeyKey, KeyCert)
	}
	a := &Authority{CA: kp, roots: kp.Roots()}
	if err := checkChain(kp.Cert, kp.Chain, a.roots, kp.Cert.NotBefore.Add(time.Second)); err != nil && !isSelfSigned(kp.Cert) {
		return nil, fmt.Errorf("the signing CA Secret %s: %w", where, err)
	}
	return a, nil
}

func sameRSAKey(kp *KeyPair) bool {
	type equaler interface{ Equal(x any) bool }
	pub, ok := kp.Key.Public().(equaler)
	return ok && pub.Equal(kp.Cert.PublicKey)
}

// Roots is the pool of the installation's trust anchor(s).
func (a *Authority) Roots() *x509.CertPool { return a.roots }

// Root is the trust anchor readers import (the last of the chain).
func (a *Authority) Root() *x509.Certificate {
	if len(a.CA.Chain) > 0 {
		return a.CA.Chain[len(a.CA.Chain)-1]
	}
	return a.CA.Cert
}

// TenantData is the data of t's signing Secret: have, when it holds a
// certificate of this CA for t with more than RenewBefore left, else a
// new key and certificate (why says what was wrong with have). renewAt
// is when it must be replaced.
func (a *Authority) TenantData(have map[string][]byte, t Tenant, now time.Time) (data map[string][]byte, why string, renewAt time.Time, err error) {
	kp, derr := DecodeKeyPair(have)
	if derr == nil {
		why = NeedsRenewal(kp, t, a.roots, now)
	} else if len(have) == 0 {
		why = "no certificate yet"
	} else {
		why = derr.Error()
	}
	if why == "" {
		return have, "", kp.Cert.NotAfter.Add(-RenewBefore), nil
	}
	if kp, err = a.CA.Issue(t, now.Add(-time.Hour), now.Add(TenantValidity)); err != nil {
		return nil, "", time.Time{}, err
	}
	if kp.Cert.NotAfter.Sub(now) <= RenewBefore {
		return nil, "", time.Time{}, errors.New("the installation CA expires within the renewal window: rotate the CA (docs/signing.md)")
	}
	data, err = EncodeKeyPair(kp)
	return data, why, kp.Cert.NotAfter.Add(-RenewBefore), err
}

// SecretName is the signing Secret of the tenant object named owner (a
// CountyReport in its namespace, a CityReport in city-<name>).
func SecretName(owner string) string { return owner + "-signing" }

// TenantSecret is a tenant's signing Secret (kubernetes.io/tls).
func TenantSecret(namespace, name string, labels map[string]string, data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: labels},
		Type:       corev1.SecretTypeTLS,
		Data:       data,
	}
}
