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
	register("city-portal", "serve the city's web portal (review, board, ranking of its member counties)", runCityPortal)
}

func runPortal(ctx context.Context, args []string) error {
	o, err := parsePortalFlags(args)
	if err != nil {
		return err
	}
	return portal.Run(ctx, *o)
}

func runCityPortal(ctx context.Context, args []string) error {
	o, err := parseCityPortalFlags(args)
	if err != nil {
		return err
	}
	return portal.RunCity(ctx, *o)
}

// parsePortalFlags turns the command line (and COUNTYREPORT_STORAGE_*) into
// portal.Options; everything else is checked by portal.Run.
func parsePortalFlags(args []string) (*portal.Options, error) {
	return parsePortalCommand("portal", args)
}

// parseCityPortalFlags is parsePortalFlags for `countyreport city-portal`:
// the same flags, --members-dir besides, and no Kubernetes API (the city
// portal never calls it, and its pod has no token).
func parseCityPortalFlags(args []string) (*portal.Options, error) {
	return parsePortalCommand("city-portal", args)
}

func parsePortalCommand(name string, args []string) (*portal.Options, error) {
	city := name == "city-portal"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	o := &portal.Options{Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	tenantWord, defaultConfig := "county", "/etc/countyreport/portal.yaml"
	if city {
		tenantWord, defaultConfig = "city", "/etc/countyreport/city-portal.yaml"
	}
	fs.StringVar(&o.ConfigFile, "config", defaultConfig, "the portal configuration written by the operator")
	fs.StringVar(&o.AccountsFile, "accounts", "", "the staff accounts file (accounts.yaml); default: accountsFile in --config")
	fs.StringVar(&o.SessionKeyFile, "session-key-file", "", "file holding the "+tenantWord+"'s session keys (one of 32+ bytes a line, the newest first); default: sessionKeyFile in --config")
	fs.StringVar(&o.Listen, "listen", ":8080", "address of the portal's pages")
	fs.StringVar(&o.MetricsListen, "metrics-listen", ":9090", `address of /metrics ("" = off); keep it off the Ingress`)
	fs.StringVar(&o.FontPath, "font", "", "font for the dashboard's charts (default: the report's)")
	var kubeconfig *string
	if city {
		fs.StringVar(&o.MembersDir, "members-dir", "", "directory of the member credentials Secret, one file per key (<code>.accessKey, …); default: membersDir in --config")
	} else {
		kubeconfig = fs.String("kubeconfig", "", "kubeconfig of the portal's ServiceAccount (default: in-cluster; neither: no \"generate now\")")
	}
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
	if city {
		return o, nil
	}
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
