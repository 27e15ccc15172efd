package notifier

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/internal/messages"
	"github.com/countyreport/countyreport/internal/notify"
	"github.com/countyreport/countyreport/internal/signing"
)

// signingWarnWithin: a tenant's signing certificate with less than this
// left was not renewed in time (the operator renews it with
// signing.RenewBefore left), so municipal IT hear of it.
const signingWarnWithin = signing.RenewBefore / 2

// signingExpiring enqueues credentials_expiring when the signing
// certificate of the tenant object owner (the Secret <owner>-signing in its
// own namespace, internal/signing) ends within signingWarnWithin, or has
// ended: once per certificate (keyed by its end). No Secret: the
// installation does not sign, nothing to say.
func (n *Notifier) signingExpiring(ctx context.Context, base notify.Event, t tenantRef, owner, portal string) error {
	namespace := t.namespace
	if namespace == "" || t.spec == nil || !routed(t.spec, notify.EventCredentialsExpiring) {
		return nil
	}
	name := signing.SecretName(owner)
	var sec corev1.Secret
	err := n.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &sec)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("signing Secret %s/%s: %w", namespace, name, err)
	}
	end, err := signing.CertificateNotAfter(sec.Data)
	if err != nil {
		return fmt.Errorf("signing Secret %s/%s: %w", namespace, name, err)
	}
	e, ok := signingEvent(base, end, n.Clock(), namespace+"/"+name, portal)
	if !ok {
		return nil
	}
	return n.enqueue(ctx, t, e)
}

// signingEvent is the event for a signing certificate ending at end, seen
// at now, if it is due.
func signingEvent(base notify.Event, end, now time.Time, secret, portal string) (notify.Event, bool) {
	if end.Sub(now) > signingWarnWithin || now.Sub(end) >= recent {
		return base, false
	}
	return expiryEvent(base, end, now, "signing", messages.Both("notifier.signingCertificate")+": Secret "+secret, portal), true
}
