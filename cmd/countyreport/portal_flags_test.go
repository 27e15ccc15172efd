package main

import "testing"

// `countyreport city-portal` takes the portal's flags and --members-dir,
// with the city's configuration file by default and no Kubernetes client.
func TestCityPortalFlags(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1") // in a pod: still no API client
	o, err := parseCityPortalFlags([]string{"--listen=:8081", "--metrics-listen=", "--members-dir=/m"})
	if err != nil {
		t.Fatal(err)
	}
	if o.ConfigFile != "/etc/countyreport/city-portal.yaml" || o.Listen != ":8081" || o.MetricsListen != "" || o.MembersDir != "/m" || o.Kube != nil {
		t.Errorf("options %+v", o)
	}
	if _, err := parseCityPortalFlags([]string{"--kubeconfig=/k"}); err == nil {
		t.Error("city-portal accepts --kubeconfig")
	}
	if _, err := parsePortalFlags([]string{"--members-dir=/m"}); err == nil {
		t.Error("portal accepts --members-dir")
	}
}

func TestPortalFlagsKeepTheirDefaults(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	o, err := parsePortalFlags(nil)
	if err != nil || o.ConfigFile != "/etc/countyreport/portal.yaml" || o.MembersDir != "" {
		t.Errorf("portal defaults %+v, %v", o, err)
	}
}
