package notifier

import (
	"context"
	"crypto/x509"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/accounts"
	"github.com/countyreport/countyreport/internal/notify"
)

// maxSecretValue bounds what is read of one Secret key.
const maxSecretValue = 8 << 10

// channels builds a tenant's channels from its spec and the Secrets of its
// own namespace: a channel never names a Secret elsewhere. A channel that
// cannot be built is left out with its error (its records wait).
func (n *Notifier) channels(ctx context.Context, namespace string, spec *v1alpha1.NotificationsSpec) (map[string]notify.Channel, map[string]string, map[string]error) {
	chans, versions, broken := map[string]notify.Channel{}, map[string]string{}, map[string]error{}
	if spec == nil {
		return chans, versions, broken
	}
	for _, c := range spec.Channels {
		s, version, err := n.settings(ctx, namespace, c)
		if err == nil {
			var ch notify.Channel
			if ch, err = notify.New(s); err == nil {
				chans[c.Name], versions[c.Name] = ch, version
				continue
			}
		}
		broken[c.Name] = fmt.Errorf("notifications.channels[%s]: %w", c.Name, err)
	}
	return chans, versions, broken
}

// settings reads channel c's Secret in namespace into notify.Settings.
func (n *Notifier) settings(ctx context.Context, namespace string, c v1alpha1.NotificationChannel) (notify.Settings, string, error) {
	s := notify.Settings{Type: c.Type, BaseURL: c.BaseURL, Policy: n.Policy, Clock: n.Clock}
	data := map[string][]byte{}
	version := ""
	if c.SecretName != "" {
		var sec corev1.Secret
		if err := n.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: c.SecretName}, &sec); err != nil {
			return s, "", fmt.Errorf("secretName %s/%s: %v", namespace, c.SecretName, err)
		}
		data, version = sec.Data, sec.ResourceVersion
	}
	get := func(k string) (string, error) {
		v := data[k]
		if len(v) > maxSecretValue {
			return "", &notify.FieldError{Field: "Secret key " + k, Msg: fmt.Sprintf("larger than %d bytes", maxSecretValue)}
		}
		return strings.TrimSpace(string(v)), nil
	}
	var err error
	var vals [6]string
	for i, k := range []string{"username", "password", "key", "accessToken", "token", "secret"} {
		if vals[i], err = get(k); err != nil {
			return s, "", err
		}
	}
	switch c.Type {
	case notify.TypeMail:
		m := c.Mail
		if m == nil {
			return s, "", &notify.FieldError{Field: "mail", Msg: "missing"}
		}
		s.Host, s.Port, s.Security, s.From = m.Host, int(m.Port), m.Security, m.From
		s.Username, s.Password = vals[0], vals[1]
		if ca := data["ca.crt"]; len(ca) > 0 {
			s.RootCAs = x509.NewCertPool()
			if !s.RootCAs.AppendCertsFromPEM(ca) {
				return s, "", &notify.FieldError{Field: "Secret key ca.crt", Msg: "no PEM certificate"}
			}
		}
	case notify.TypeWeCom:
		s.Key = vals[2]
	case notify.TypeDingTalk:
		s.Key, s.Secret = vals[3], vals[5]
	case notify.TypeFeishu:
		s.Key, s.Secret = vals[4], vals[5]
	case notify.TypeWebhook:
		u, err := get("url")
		if err != nil {
			return s, "", err
		}
		if u != "" {
			s.BaseURL = u
		}
		s.Secrets = strings.Fields(vals[5])
	}
	return s, version, nil
}

// recipients are where spec's routes send events of kind: the addresses a
// route lists, and for a route marked staff the staff's own addresses
// (staff is called only then), each in its own language.
func recipients(spec *v1alpha1.NotificationsSpec, kind notify.EventKind, staff func() []accounts.Profile) []notify.Recipient {
	if spec == nil {
		return nil
	}
	types := map[string]string{}
	for _, c := range spec.Channels {
		types[c.Name] = c.Type
	}
	var out []notify.Recipient
	seen := map[notify.Recipient]bool{}
	add := func(r notify.Recipient) {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	var profiles []accounts.Profile
	listed := false
	for _, r := range spec.Routes {
		if !routes(r, kind) || types[r.Channel] == "" {
			continue
		}
		if types[r.Channel] != notify.TypeMail {
			add(notify.Recipient{Channel: r.Channel, ChannelType: types[r.Channel], Lang: notify.LangOrDefault(r.Language)})
			continue
		}
		for _, to := range r.To {
			add(notify.Recipient{Channel: r.Channel, ChannelType: notify.TypeMail, To: to.Address, Lang: notify.LangOrDefault(to.Language)})
		}
		if r.Staff == "" || staff == nil {
			continue
		}
		if !listed {
			profiles, listed = staff(), true
		}
		for _, p := range staffFor(profiles, r.Staff) {
			add(notify.Recipient{Channel: r.Channel, ChannelType: notify.TypeMail, To: p.Email, Lang: notify.LangOrDefault(p.Language)})
		}
	}
	return out
}

// staffFor are the profiles a route for which ("editors" or "all")
// reaches: those with an address, viewers only for "all"; sorted by
// username so a pass enqueues in a stable order.
func staffFor(profiles []accounts.Profile, which string) []accounts.Profile {
	var out []accounts.Profile
	for _, p := range profiles {
		if p.Email != "" && (which == "all" || p.Role == accounts.Editor) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out
}

// routed says whether any route of spec sends events of kind.
func routed(spec *v1alpha1.NotificationsSpec, kind notify.EventKind) bool {
	for _, r := range spec.Routes {
		if routes(r, kind) {
			return true
		}
	}
	return false
}

func routes(r v1alpha1.NotificationRoute, kind notify.EventKind) bool {
	for _, e := range r.Events {
		if string(e) == string(kind) {
			return true
		}
	}
	return false
}

// SendTest sends a test message through channel of a tenant now, outside
// the outbox (Grafana's "Test" button): e names the tenant; to is the
// address for a mail channel. It says what the vendor answered.
func (n *Notifier) SendTest(ctx context.Context, namespace string, spec *v1alpha1.NotificationsSpec, channel string, e notify.Event, to, lang string) error {
	if spec == nil {
		return fmt.Errorf("the tenant has no spec.notifications")
	}
	for _, c := range spec.Channels {
		if c.Name != channel {
			continue
		}
		s, _, err := n.settings(ctx, namespace, c)
		if err != nil {
			return fmt.Errorf("notifications.channels[%s]: %w", channel, err)
		}
		ch, err := notify.New(s)
		if err != nil {
			return fmt.Errorf("notifications.channels[%s]: %w", channel, err)
		}
		if c.Type == notify.TypeMail && to == "" {
			return fmt.Errorf("--to: a mail channel needs an address to send the test to")
		}
		e.Kind, e.At = notify.EventTest, n.Clock()
		m, err := notify.Render(e, lang, "test."+e.Tenant+"."+channel+"."+e.At.UTC().Format("20060102t150405z"))
		if err != nil {
			return err
		}
		m.To = to
		return ch.Send(ctx, m)
	}
	return fmt.Errorf("--channel %q: not in spec.notifications.channels", channel)
}
