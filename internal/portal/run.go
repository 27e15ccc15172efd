package portal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"k8s.io/client-go/rest"

	"github.com/countyreport/countyreport/internal/storage"
)

// Options are everything one portal needs to run. This is a shim of the
// library entry point the portal rewrite (branch portal) provides; it keeps
// the same signature so that callers (countyreport dev) are written against
// the real one.
type Options struct {
	ConfigFile     string         // the portal.yaml the operator wrote into the ConfigMap
	AccountsFile   string         // staff accounts; empty: none configured
	SessionKeyFile string         // session signing key; empty: none configured
	Storage        storage.Config // the county's scoped credentials
	Kube           *rest.Config   // the portal's own identity on the API server; nil: none
	Listen         string         // address of the pages
	MetricsListen  string         // address of /metrics; empty: off
	Ready          func(addr string)
}

// Run serves the portal until ctx ends. Ready, when set, is called with the
// address actually listened on (Listen may name port 0).
func Run(ctx context.Context, o Options) error {
	cfg, err := LoadConfig(o.ConfigFile)
	if err != nil {
		return err
	}
	var archive *storage.Archive
	if o.Storage.Endpoint != "" && o.Storage.AccessKey != "" {
		c, err := storage.New(o.Storage)
		if err != nil {
			return fmt.Errorf("portal storage: %w", err)
		}
		archive = c.Archive(cfg.Bucket)
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", o.Listen, err)
	}
	srv := &http.Server{
		Handler:           newRouter(cfg, archive),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
