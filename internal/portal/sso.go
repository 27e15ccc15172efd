package portal

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/countyreport/countyreport/internal/portal/auth"
)

// SSOConfig is a tenant's single sign-on as the operator writes it from
// spec.portal.sso: the provider, this portal's client, and the tenant's
// mapping of the provider's groups to roles. The client secret stays in
// its Secret, mounted at ClientSecretFile.
type SSOConfig struct {
	Issuer           string   `json:"issuer"`
	ClientID         string   `json:"clientID"`
	ClientSecretFile string   `json:"clientSecretFile"`
	Scopes           []string `json:"scopes,omitempty"`
	GroupsClaim      string   `json:"groupsClaim,omitempty"`
	ProviderName     string   `json:"providerName,omitempty"`
	// EditorGroups grant editor (on the city's portal: reviewer);
	// ViewerGroups grant viewer.
	EditorGroups []string `json:"editorGroups,omitempty"`
	ViewerGroups []string `json:"viewerGroups,omitempty"`
	// LocalAccountsDisabled turns password sign-in off.
	LocalAccountsDisabled bool `json:"localAccountsDisabled,omitempty"`
}

// validate names the first bad field of the sso section.
func (c *SSOConfig) validate(publicURL string) error {
	u, err := url.Parse(c.Issuer)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))):
		return fmt.Errorf("sso.issuer %q: want an https:// URL (http:// only on loopback, for tests)", c.Issuer)
	case c.ClientID == "":
		return fmt.Errorf("sso.clientID is required")
	case c.ClientSecretFile == "":
		return fmt.Errorf("sso.clientSecretFile is required")
	case len(c.EditorGroups)+len(c.ViewerGroups) == 0:
		return fmt.Errorf("sso: no group is mapped to a role (editorGroups, viewerGroups)")
	case publicURL == "":
		return fmt.Errorf("sso needs publicURL: the provider sends users back to <publicURL>%s", auth.CallbackPath)
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// newOIDC builds the single sign-on of a portal at publicURL, keeping login
// attempts in store (the tenant's bucket).
func newOIDC(c *SSOConfig, publicURL string, store auth.AttemptStore) (*auth.OIDC, error) {
	secret, err := os.ReadFile(c.ClientSecretFile)
	if err != nil {
		return nil, fmt.Errorf("sso.clientSecretFile: %w", err)
	}
	return auth.NewOIDC(auth.OIDCConfig{
		Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: string(bytes.TrimSpace(secret)),
		RedirectURL: strings.TrimSuffix(publicURL, "/") + auth.CallbackPath,
		Scopes:      c.Scopes, GroupsClaim: c.GroupsClaim, ProviderName: c.ProviderName,
		EditorGroups: c.EditorGroups, ViewerGroups: c.ViewerGroups,
		HTTPClient: &http.Client{Timeout: 15 * time.Second},
		Attempts:   store,
	})
}
