package storage_test

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/countyreport/countyreport/internal/storage"
)

func TestConfigFromEnvAndFlags(t *testing.T) {
	t.Setenv(storage.EnvEndpoint, "minio.example:9000")
	t.Setenv(storage.EnvAccessKey, "env-access")
	t.Setenv(storage.EnvSecretKey, "env-secret-value")
	t.Setenv(storage.EnvSessionToken, "env-token")
	t.Setenv(storage.EnvInsecure, "true")
	cfg, err := storage.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := storage.Config{Endpoint: "minio.example:9000", AccessKey: "env-access", SecretKey: "env-secret-value", SessionToken: "env-token", Insecure: true}
	if cfg.Endpoint != want.Endpoint || cfg.AccessKey != want.AccessKey || cfg.SecretKey != want.SecretKey || cfg.SessionToken != want.SessionToken || !cfg.Insecure {
		t.Fatalf("from env: %+v", cfg)
	}

	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	var help bytes.Buffer
	fs.SetOutput(&help)
	cfg.RegisterFlags(fs)
	if err := fs.Parse([]string{"--storage-endpoint", "other:9000", "--storage-secret-key", "flag-secret", "--storage-insecure=false"}); err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint != "other:9000" || cfg.SecretKey != "flag-secret" || cfg.Insecure || cfg.AccessKey != "env-access" {
		t.Fatalf("flags over env: %+v", cfg)
	}
	fs.PrintDefaults()
	for _, secret := range []string{"env-secret-value", "env-token", "env-access"} {
		if strings.Contains(help.String(), secret) {
			t.Fatalf("-help shows the secret %q:\n%s", secret, help.String())
		}
	}

	t.Setenv(storage.EnvInsecure, "sometimes")
	if _, err := storage.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), storage.EnvInsecure) {
		t.Fatalf("bad %s: %v", storage.EnvInsecure, err)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := storage.Config{Endpoint: "127.0.0.1:9000", AccessKey: "a", SecretKey: "s"}
	cases := map[string]struct {
		edit    func(*storage.Config)
		mention string
	}{
		"valid":              {func(*storage.Config) {}, ""},
		"no endpoint":        {func(c *storage.Config) { c.Endpoint = "" }, storage.EnvEndpoint},
		"endpoint with URL":  {func(c *storage.Config) { c.Endpoint = "http://127.0.0.1:9000" }, "without a scheme"},
		"endpoint with path": {func(c *storage.Config) { c.Endpoint = "127.0.0.1:9000/x" }, "without a path"},
		"endpoint no port":   {func(c *storage.Config) { c.Endpoint = "minio" }, "host:port"},
		"no secret key":      {func(c *storage.Config) { c.SecretKey = "" }, storage.EnvSecretKey},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			if tc.mention == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("Validate: %v, want an error mentioning %q", err, tc.mention)
			}
			if _, err := storage.New(c); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
}
