// Package portal is one county's web portal: the pages county staff use to
// sign in, see their county's figures, submit each month's data and fetch
// their reports. The operator runs one per county with that county's
// configuration (Config, written by internal/tenant into a ConfigMap); a
// portal never knows about other counties. Run is the whole server, used by
// `countyreport portal` and by the dev mode in-process.
package portal

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"sigs.k8s.io/yaml"
)

// Config is what the portal reads at start: which county it serves, where
// its Kubernetes objects and its archive are. It holds no secret.
type Config struct {
	// Namespace and CountyReport name the county's CountyReport; the portal
	// reads it and creates ReportRuns for it there, nowhere else.
	Namespace    string `json:"namespace"`
	CountyReport string `json:"countyReport"`

	CountyCode  string `json:"countyCode"`
	CountyName  string `json:"countyName"`
	EnglishName string `json:"englishName,omitempty"`
	City        string `json:"city,omitempty"`
	// CityEnglishName is the reviewing city's English name (its
	// CityReport's spec.city.englishName), for the English pages; written
	// with Review.
	CityEnglishName string `json:"cityEnglishName,omitempty"`
	// Language is the report's language (zh-CN or en); the portal's pages
	// default to zh-CN whatever it is.
	Language string `json:"language"`
	// Review is the deadline of the city that reviews this county (its
	// CityReport's spec.review), written by the operator only while the
	// county is a member on both sides; without it a period is due by the
	// 5th of the next month in Asia/Shanghai, the CityReport's defaults.
	Review *v1alpha1.ReviewSpec `json:"review,omitempty"`

	Bucket          string `json:"bucket"`
	StorageEndpoint string `json:"storageEndpoint,omitempty"`
	StorageInsecure bool   `json:"storageInsecure,omitempty"`

	// AccountsFile and SessionKeyFile are where the operator mounts the
	// accounts Secret and the session-key Secret.
	AccountsFile   string `json:"accountsFile,omitempty"`
	SessionKeyFile string `json:"sessionKeyFile,omitempty"`
	// InitialPasswordFile holds the password of the initial "admin" editor
	// when the operator generated the accounts Secret (key initial-password).
	InitialPasswordFile string `json:"initialPasswordFile,omitempty"`

	// PublicURL is where staff reach the portal; an https:// URL turns on
	// Secure __Host- cookies and HSTS (TLS is usually ended at the Ingress).
	PublicURL string `json:"publicURL,omitempty"`
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed (the Ingress
	// controller's pods), so throttling sees the real client address.
	TrustedProxies []string `json:"trustedProxies,omitempty"`
	// SSO is the county's single sign-on (spec.portal.sso); nil: none.
	SSO *SSOConfig `json:"sso,omitempty"`
}

var (
	codeRE = regexp.MustCompile(`^[0-9]{6}$`)
	dnsRE  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// LoadConfig reads the portal configuration the operator wrote into the ConfigMap.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("--config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig reads a portal configuration; unknown fields are errors, and
// so is a missing or malformed required field (named).
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate names the first missing or malformed field.
func (c *Config) Validate() error {
	switch {
	case !codeRE.MatchString(c.CountyCode):
		return fmt.Errorf("countyCode %q: want a 6-digit administrative code (required)", c.CountyCode)
	case strings.TrimSpace(c.CountyName) == "":
		return fmt.Errorf("countyName is required")
	case !dnsRE.MatchString(c.Namespace) || len(c.Namespace) > 63:
		return fmt.Errorf("namespace %q: want the county's namespace (required)", c.Namespace)
	case !dnsRE.MatchString(c.CountyReport) || len(c.CountyReport) > 253:
		return fmt.Errorf("countyReport %q: want the CountyReport's name (required)", c.CountyReport)
	case c.Bucket == "":
		return fmt.Errorf("bucket is required")
	case c.Language != "" && c.Language != "zh-CN" && c.Language != "en":
		return fmt.Errorf("language %q: want zh-CN or en", c.Language)
	case c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "https://") && !strings.HasPrefix(c.PublicURL, "http://"):
		return fmt.Errorf("publicURL %q: want an http:// or https:// URL", c.PublicURL)
	}
	if err := checkProxies(c.TrustedProxies); err != nil {
		return err
	}
	if c.SSO != nil {
		if err := c.SSO.validate(c.PublicURL); err != nil {
			return err
		}
	}
	if c.Review != nil {
		return checkReview(*c.Review)
	}
	return nil
}

// MaxTrustedProxies bounds the trustedProxies list.
const MaxTrustedProxies = 64

// checkProxies names the first trusted proxy that is not a CIDR or an address.
func checkProxies(list []string) error {
	if len(list) > MaxTrustedProxies {
		return fmt.Errorf("trustedProxies lists %d entries, more than the %d allowed", len(list), MaxTrustedProxies)
	}
	for i, p := range list {
		if _, err := auth.ParseProxy(p); err != nil {
			return fmt.Errorf("trustedProxies[%d] %q: want a CIDR such as 10.0.0.0/8 or one address", i, p)
		}
	}
	return nil
}

// review is the terms the county's submissions are due by.
func (c *Config) review() v1alpha1.ReviewSpec {
	if c.Review == nil {
		return v1alpha1.ReviewSpec{}
	}
	return *c.Review
}

// TLS reports whether staff reach the portal over HTTPS.
func (c *Config) TLS() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// Realm is what session cookies are bound to: this county and no other.
func (c *Config) Realm() string {
	return "county/" + c.CountyCode + "/" + c.Namespace + "/" + c.CountyReport
}
