// Package portal is one county's web portal: the pages county staff use to
// see their county's reports. The operator runs one per county with that
// county's configuration; a portal never knows about other counties.
package portal

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/countyreport/countyreport/internal/tenant"
)

// LoadConfig reads the portal configuration the operator wrote into the ConfigMap.
func LoadConfig(path string) (*tenant.PortalConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("portal configuration: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("portal configuration %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig reads a portal configuration; unknown fields are errors.
func ParseConfig(b []byte) (*tenant.PortalConfig, error) {
	var c tenant.PortalConfig
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, err
	}
	if c.CountyCode == "" || c.CountyName == "" {
		return nil, fmt.Errorf("countyCode and countyName are required")
	}
	return &c, nil
}
