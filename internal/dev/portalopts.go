package dev

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"k8s.io/client-go/rest"

	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/storage"
)

// PortalOptions turns a resolved portal workload into the options of an
// in-process portal: the container's `countyreport portal` flags, its files
// found below root, its storage credentials from its environment. The listen
// address is the local one given, not the container's port.
func PortalOptions(w *Workload, root, listen string) (portal.Options, error) {
	args := w.Args
	if len(args) > 0 && args[0] == "portal" {
		args = args[1:]
	} else if len(args) > 1 && args[1] == "portal" { // a command naming the binary
		args = args[2:]
	}
	o := portal.Options{Listen: listen}
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := func(name string, dst *string) {
		fs.Func(name, "", func(v string) error { *dst = Under(root, v); return nil })
	}
	file("config", &o.ConfigFile)
	file("accounts", &o.AccountsFile)
	file("accounts-file", &o.AccountsFile)
	file("session-key", &o.SessionKeyFile)
	file("session-key-file", &o.SessionKeyFile)
	var ignored string
	fs.StringVar(&ignored, "listen", "", "")
	fs.StringVar(&ignored, "metrics-listen", "", "")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("portal arguments %q: %w", w.Args, err)
	}
	if o.ConfigFile == "" {
		return o, fmt.Errorf("portal arguments %q name no --config", w.Args)
	}
	cfg, err := portal.LoadConfig(o.ConfigFile)
	if err != nil {
		return o, err
	}
	if o.AccountsFile == "" && cfg.AccountsFile != "" {
		o.AccountsFile = Under(root, cfg.AccountsFile)
	}
	o.Storage, err = storageFromEnv(w.Env, cfg.StorageEndpoint, cfg.StorageInsecure)
	return o, err
}

// storageFromEnv reads the COUNTYREPORT_STORAGE_* variables of a workload;
// endpoint and insecure come from the portal's configuration unless the
// environment sets them.
func storageFromEnv(env map[string]string, endpoint string, insecure bool) (storage.Config, error) {
	c := storage.Config{
		Endpoint: endpoint, Insecure: insecure,
		AccessKey: env[storage.EnvAccessKey], SecretKey: env[storage.EnvSecretKey],
		SessionToken: env[storage.EnvSessionToken], Region: env[storage.EnvRegion],
	}
	if v := env[storage.EnvEndpoint]; v != "" {
		c.Endpoint = v
	}
	if v := env[storage.EnvInsecure]; v != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return c, fmt.Errorf("%s=%q: want true or false", storage.EnvInsecure, v)
		}
		c.Insecure = b
	}
	return c, nil
}

// ServiceAccountConfig is admin acting as the ServiceAccount ns/name, with
// the groups a token of it would carry: the portal gets exactly the rights
// its ServiceAccount has in a cluster.
func ServiceAccountConfig(admin *rest.Config, ns, name string) *rest.Config {
	c := rest.CopyConfig(admin)
	c.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + ns + ":" + name,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
	}
	return c
}
