package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/countyreport/countyreport/internal/portal"
	"github.com/countyreport/countyreport/internal/storage"
)

func init() {
	register("portal", "serve one county's web portal", runPortal)
}

func runPortal(ctx context.Context, args []string) error {
	o, err := parsePortalFlags(args)
	if err != nil {
		return err
	}
	return portal.Run(ctx, *o)
}

// parsePortalFlags turns the command line (and COUNTYREPORT_STORAGE_*) into
// portal.Options; everything else is checked by portal.Run.
func parsePortalFlags(args []string) (*portal.Options, error) {
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	o := &portal.Options{Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	fs.StringVar(&o.ConfigFile, "config", "/etc/countyreport/portal.yaml", "the portal configuration written by the operator")
	fs.StringVar(&o.AccountsFile, "accounts", "", "the staff accounts file (accounts.yaml); default: accountsFile in --config")
	fs.StringVar(&o.SessionKeyFile, "session-key-file", "", "file holding the county's session key (32+ bytes); default: sessionKeyFile in --config")
	fs.StringVar(&o.Listen, "listen", ":8080", "address of the portal's pages")
	fs.StringVar(&o.MetricsListen, "metrics-listen", ":9090", `address of /metrics ("" = off); keep it off the Ingress`)
	fs.StringVar(&o.FontPath, "font", "", "font for the dashboard's charts (default: the report's)")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the portal's ServiceAccount (default: in-cluster; neither: no \"generate now\")")
	sc, err := storage.ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	sc.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	o.Storage = sc
	switch {
	case *kubeconfig != "":
		if o.Kube, err = clientcmd.BuildConfigFromFlags("", *kubeconfig); err != nil {
			return nil, fmt.Errorf("--kubeconfig %s: %w", *kubeconfig, err)
		}
	case os.Getenv("KUBERNETES_SERVICE_HOST") != "":
		if o.Kube, err = rest.InClusterConfig(); err != nil {
			return nil, fmt.Errorf("in-cluster Kubernetes configuration: %w (or give --kubeconfig)", err)
		}
	}
	return o, nil
}
