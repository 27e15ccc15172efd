package tenant

import (
	"slices"
	"testing"

	"github.com/countyreport/countyreport/internal/portal"
)

// The operator's trusted proxies reach every portal's configuration, the
// county's and the city's, as the portals parse it; without them the
// portals believe no X-Forwarded-For. A change rolls the portals.
func TestTrustedProxiesReachEveryPortal(t *testing.T) {
	proxies := []string{"10.244.0.0/16", "fd00:10:244::/56"}
	in := Inputs{StorageEndpoint: "10.0.0.9:9000", TrustedProxies: proxies}
	county, err := portal.ParseConfig([]byte(mustConfig(t, hengshan(), in)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(county.TrustedProxies, proxies) {
		t.Errorf("county portal: trustedProxies = %v, want %v", county.TrustedProxies, proxies)
	}
	cin := cityInputs()
	cin.TrustedProxies = proxies
	data, err := CityConfigData(hengyang(), cin)
	if err != nil {
		t.Fatal(err)
	}
	city, err := portal.ParseCityConfig([]byte(data[CityConfigFile]))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(city.TrustedProxies, proxies) {
		t.Errorf("city portal: trustedProxies = %v, want %v", city.TrustedProxies, proxies)
	}
	none, err := portal.ParseConfig([]byte(mustConfig(t, hengshan(), Inputs{StorageEndpoint: "10.0.0.9:9000"})))
	if err != nil {
		t.Fatal(err)
	}
	if len(none.TrustedProxies) != 0 {
		t.Errorf("no operator setting, yet trustedProxies = %v", none.TrustedProxies)
	}
	a := ConfigHash(map[string]string{ConfigFile: mustConfig(t, hengshan(), in)}, in)
	b := ConfigHash(map[string]string{ConfigFile: mustConfig(t, hengshan(), Inputs{StorageEndpoint: "10.0.0.9:9000"})}, Inputs{})
	if a == b {
		t.Error("changing the trusted proxies does not roll the portal")
	}
}
