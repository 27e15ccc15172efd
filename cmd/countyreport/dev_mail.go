package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/countyreport/countyreport/internal/notify/mailpittest"
)

// startMail runs the local mail server (bin/mailpit, built by `make tools`)
// that the samples' notification routes send to, on fixed loopback ports;
// its mail is kept in the state directory. Without the binary the platform
// runs without it and says so: notifications by mail then wait.
func startMail(o *devOptions, p *progress) (func(), error) {
	bin := filepath.Join(o.root, "bin", "mailpit")
	if env := os.Getenv(mailpittest.EnvBin); env != "" {
		bin = env
	}
	if _, err := os.Stat(bin); err != nil {
		p.say("no %s: the local mail server is off and mail notifications wait (run `make tools`)", rel(o.root, bin))
		return func() {}, nil
	}
	dir := filepath.Join(o.stateDir, "mailpit")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	_ = os.Setenv(mailpittest.EnvBin, bin)
	srv, err := mailpittest.StartServer(dir, mailpittest.Options{SMTPPort: o.mailPort, HTTPPort: o.mailAPIPort})
	if err != nil {
		// The platform is still useful without it (a port taken by another
		// platform's mail server, say): mail notifications wait.
		p.say("the local mail server did not start (--mail-port %d, --mail-api-port %d): %v; mail notifications wait", o.mailPort, o.mailAPIPort, firstLine(err))
		return func() {}, nil
	}
	o.mailAPI = srv.API
	p.say("mail server (mailpit) on 127.0.0.1:%d; received mail: %s/api/v1/messages", o.mailPort, srv.API)
	return srv.Stop, nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
