package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/countyreport/countyreport/internal/portal"
)

func init() {
	register("portal", "serve one county's web portal", runPortal)
}

func runPortal(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	configPath := fs.String("config", "/etc/countyreport/portal.yaml", "the portal configuration written by the operator")
	listen := fs.String("listen", ":8080", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := portal.LoadConfig(*configPath)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              *listen,
		Handler:           portal.NewRouter(cfg),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("portal listening", "addr", *listen, "county", cfg.CountyCode)
	select {
	case err := <-errc:
		return fmt.Errorf("listen %s: %w", *listen, err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
