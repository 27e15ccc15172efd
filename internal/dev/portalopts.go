package dev

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"k8s.io/client-go/rest"

	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/storage"
)

// PortalOptions turns a resolved portal workload into the options of an
// in-process portal: the container's `countyreport portal` flags, its files
// found below root, its storage credentials from its environment. The listen
// address is the local one given, not the container's port; metrics are off
// (the operator's metrics are off in dev mode too).
//
// The city's portal (`countyreport city-portal`) is read the same way, with
// its --members-dir (the mounted member credentials, found below root);
// IsCityPortal tells the runtime to run it with portal.RunCity.
func PortalOptions(w *Workload, root, listen string) (portal.Options, error) {
	cmd, args := PortalCommand(w.Args)
	o := portal.Options{}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := func(dst *string, names ...string) {
		for _, n := range names {
			fs.Func(n, "", func(v string) error {
				p, err := Confine(root, v)
				*dst = p
				return err
			})
		}
	}
	var font, kubeconfig, ignored string
	file(&o.ConfigFile, "config")
	file(&o.AccountsFile, "accounts", "accounts-file")
	file(&o.SessionKeyFile, "session-key", "session-key-file")
	file(&font, "font")
	file(&kubeconfig, "kubeconfig")
	if cmd == CityPortalCommand {
		file(&o.MembersDir, "members-dir")
	}
	fs.StringVar(&ignored, "listen", "", "")
	fs.StringVar(&ignored, "metrics-listen", "", "")
	cfg, err := storageFromEnv(w.Env, root)
	if err != nil {
		return o, err
	}
	cfg.RegisterFlags(fs)
	fs.Lookup("storage-ca-file").Value = &confinedCAFile{root: root, bundle: &cfg.CABundle}
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("portal arguments %q: %w", w.Args, err)
	}
	if o.ConfigFile == "" {
		def := "/etc/countyreport/portal.yaml" // the portal's default
		if cmd == CityPortalCommand {
			def = "/etc/countyreport/city-portal.yaml"
		}
		if o.ConfigFile, err = Confine(root, def); err != nil {
			return o, err
		}
	}
	raw, err := os.ReadFile(o.ConfigFile)
	if err != nil {
		return o, fmt.Errorf("portal configuration: %w", err)
	}
	raw, err = localConfig(raw, root, "http://"+listen+"/")
	if err != nil {
		return o, fmt.Errorf("portal configuration %s: %w", o.ConfigFile, err)
	}
	if err := os.WriteFile(o.ConfigFile, raw, 0o600); err != nil {
		return o, err
	}
	var conf struct {
		StorageEndpoint string `json:"storageEndpoint"`
		StorageInsecure bool   `json:"storageInsecure"`
	}
	if err := yaml.Unmarshal(raw, &conf); err != nil {
		return o, fmt.Errorf("portal configuration %s: %w", o.ConfigFile, err)
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint, cfg.Insecure = conf.StorageEndpoint, conf.StorageInsecure
	}
	o.Storage = cfg
	setPortalExtras(&o, listen, font)
	return o, nil
}

// The subcommands of the portals the runtime runs.
const (
	CountyPortalCommand = "portal"
	CityPortalCommand   = "city-portal"
)

// PortalCommand finds the portal subcommand in a container's command line
// (its first word, or its second after the binary's name) and returns it
// with the flags after it; "portal" when there is none.
func PortalCommand(args []string) (string, []string) {
	for _, cmd := range []string{CountyPortalCommand, CityPortalCommand} {
		switch {
		case len(args) > 0 && args[0] == cmd:
			return cmd, args[1:]
		case len(args) > 1 && args[1] == cmd: // a command naming the binary
			return cmd, args[2:]
		}
	}
	return CountyPortalCommand, args
}

// IsCityPortal reports whether the workload runs the city's portal.
func IsCityPortal(w *Workload) bool {
	cmd, _ := PortalCommand(w.Args)
	return cmd == CityPortalCommand
}

// localConfig rewrites the portal's configuration for where it runs here:
// its file paths (keys ending in File or Dir), absolute or relative, are
// container paths, confined below root (Confine); its public URL is the
// local one staff open.
func localConfig(raw []byte, root, publicURL string) ([]byte, error) {
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		if !strings.HasSuffix(k, "File") && !strings.HasSuffix(k, "Dir") {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: want a path", k)
		}
		if s == "" {
			continue
		}
		p, err := Confine(root, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		m[k] = p
	}
	if _, ok := m["publicURL"]; ok {
		m["publicURL"] = publicURL
	}
	return yaml.Marshal(m)
}

// storageFromEnv reads the COUNTYREPORT_STORAGE_* variables of a workload,
// a CA file among them from below root.
func storageFromEnv(env map[string]string, root string) (storage.Config, error) {
	c := storage.Config{
		Endpoint:  env[storage.EnvEndpoint],
		AccessKey: env[storage.EnvAccessKey], SecretKey: env[storage.EnvSecretKey],
		SessionToken: env[storage.EnvSessionToken], Region: env[storage.EnvRegion],
	}
	if v := env[storage.EnvInsecure]; v != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return c, fmt.Errorf("%s=%q: want true or false", storage.EnvInsecure, v)
		}
		c.Insecure = b
	}
	if f := env[storage.EnvCAFile]; f != "" {
		if err := (&confinedCAFile{root: root, bundle: &c.CABundle}).Set(f); err != nil {
			return c, fmt.Errorf("%s: %w", storage.EnvCAFile, err)
		}
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
