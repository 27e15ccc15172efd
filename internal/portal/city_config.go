package portal

import (
	"fmt"
	"os"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/notify"
)

// CityConfig is what the city's portal reads at start (RunCity): which city
// it serves, its members, its review calendar and ranking, where its own
// archive and its member credentials are. The operator writes it from the
// CityReport (internal/tenant); like Config it holds no secret.
type CityConfig struct {
	// CityReport is the CityReport's name (cluster-scoped); Namespace is
	// the city's own namespace, city-<name>.
	CityReport string `json:"cityReport"`
	Namespace  string `json:"namespace"`

	CityCode    string `json:"cityCode"`
	CityName    string `json:"cityName"`
	EnglishName string `json:"englishName,omitempty"`

	// Members are the counties that are members on both sides, as the
	// operator found them; the portal reads each one's bucket with that
	// member's own credentials from MembersDir, never another's.
	Members []CityMember `json:"members,omitempty"`

	Review  v1alpha1.ReviewSpec  `json:"review"`
	Ranking v1alpha1.RankingSpec `json:"ranking"`

	// Bucket is the city's own archive (its reports and rankings).
	Bucket          string `json:"bucket"`
	StorageEndpoint string `json:"storageEndpoint,omitempty"`
	StorageInsecure bool   `json:"storageInsecure,omitempty"`

	// MembersDir is where the member credentials Secret (<city>-members) is
	// mounted, one file per key.
	MembersDir string `json:"membersDir"`

	AccountsFile        string   `json:"accountsFile,omitempty"`
	SessionKeyFile      string   `json:"sessionKeyFile,omitempty"`
	InitialPasswordFile string   `json:"initialPasswordFile,omitempty"`
	PublicURL           string   `json:"publicURL,omitempty"`
	TrustedProxies      []string `json:"trustedProxies,omitempty"`
	// SSO is the city's single sign-on (spec.portal.sso); its editors are
	// the reviewers. nil: none.
	SSO *SSOConfig `json:"sso,omitempty"`
	// NotifyChannels are the city's notification channels (names and
	// types only: their secrets stay in Secrets the portal cannot read), for
	// the notifications page's test buttons.
	NotifyChannels []NotifyChannel `json:"notifyChannels,omitempty"`
}

// NotifyChannel names one notification channel of the city.
type NotifyChannel struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// CityMember is one member county as the city's portal names it.
type CityMember struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	EnglishName string `json:"englishName,omitempty"`
}

// LoadCityConfig reads the city portal's configuration file.
func LoadCityConfig(path string) (*CityConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	c, err := ParseCityConfig(b)
	if err != nil {
		return nil, fmt.Errorf("--config %s: %w", path, err)
	}
	return c, nil
}

// ParseCityConfig reads a city portal configuration; unknown fields are
// errors, and so is a missing or malformed required field (named).
func ParseCityConfig(b []byte) (*CityConfig, error) {
	var c CityConfig
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate names the first missing or malformed field.
func (c *CityConfig) Validate() error {
	switch {
	case !codeRE.MatchString(c.CityCode):
		return fmt.Errorf("cityCode %q: want a 6-digit administrative code (required)", c.CityCode)
	case strings.TrimSpace(c.CityName) == "":
		return fmt.Errorf("cityName is required")
	case !dnsRE.MatchString(c.CityReport) || len(c.CityReport) > 253:
		return fmt.Errorf("cityReport %q: want the CityReport's name (required)", c.CityReport)
	case !dnsRE.MatchString(c.Namespace) || len(c.Namespace) > 63:
		return fmt.Errorf("namespace %q: want the city's namespace (required)", c.Namespace)
	case c.Bucket == "":
		return fmt.Errorf("bucket is required")
	case c.MembersDir == "":
		return fmt.Errorf("membersDir is required")
	case c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "https://") && !strings.HasPrefix(c.PublicURL, "http://"):
		return fmt.Errorf("publicURL %q: want an http:// or https:// URL", c.PublicURL)
	}
	if c.SSO != nil {
		if err := c.SSO.validate(c.PublicURL); err != nil {
			return err
		}
	}
	if err := checkReview(c.Review); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, m := range c.Members {
		switch {
		case !codeRE.MatchString(m.Code):
			return fmt.Errorf("members[%d].code %q: want a 6-digit administrative code", i, m.Code)
		case strings.TrimSpace(m.Name) == "":
			return fmt.Errorf("members[%d].name is required", i)
		case seen[m.Code]:
			return fmt.Errorf("members[%d].code %s is listed twice", i, m.Code)
		}
		seen[m.Code] = true
	}
	if err := checkProxies(c.TrustedProxies); err != nil {
		return err
	}
	for i, ch := range c.NotifyChannels {
		if !notify.ValidChannelName(ch.Name) {
			return fmt.Errorf("notifyChannels[%d].name %q: want a channel name", i, ch.Name)
		}
	}
	return nil
}

// zone is the review deadline's time zone (Asia/Shanghai when unset).
func (c *CityConfig) zone() (*time.Location, error) { return reviewZone(c.Review) }

// deadlineDay is the review deadline's day of the month (5 when unset).
func (c *CityConfig) deadlineDay() int { return reviewDay(c.Review) }

// reviewZone is the zone of a city's review deadline (Asia/Shanghai when unset).
func reviewZone(r v1alpha1.ReviewSpec) (*time.Location, error) {
	name := r.TimeZone
	if name == "" {
		name = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("review.timeZone %q: unknown time zone", r.TimeZone)
	}
	return loc, nil
}

// reviewDay is the day of the month after a period by which it is due (5 when unset).
func reviewDay(r v1alpha1.ReviewSpec) int {
	if r.DeadlineDay == 0 {
		return 5
	}
	return int(r.DeadlineDay)
}

// checkReview names what is wrong with a city's review terms.
func checkReview(r v1alpha1.ReviewSpec) error {
	if r.DeadlineDay < 0 || r.DeadlineDay > 28 {
		return fmt.Errorf("review.deadlineDay %d: want 1 to 28", r.DeadlineDay)
	}
	_, err := reviewZone(r)
	return err
}

// TLS reports whether reviewers reach the portal over HTTPS.
func (c *CityConfig) TLS() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// Realm binds the city portal's session cookies: a county portal's session
// is never valid here, nor this one's there.
func (c *CityConfig) Realm() string { return "city/" + c.CityCode + "/" + c.CityReport }

// member finds a member by code.
func (c *CityConfig) member(code string) (CityMember, bool) {
	for _, m := range c.Members {
		if m.Code == code {
			return m, true
		}
	}
	return CityMember{}, false
}
