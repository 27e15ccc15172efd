package portal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/countyreport/countyreport/api/v1alpha1"
	"github.com/countyreport/countyreport/internal/accounts"
	auditlog "github.com/countyreport/countyreport/internal/audit"
	"github.com/countyreport/countyreport/internal/portal/auth"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/storage"
)

// Options are everything Run needs. `countyreport portal` fills them from
// its flags; the dev mode fills them itself.
type Options struct {
	// ConfigFile is the operator's portal configuration (Config as YAML).
	ConfigFile string
	// AccountsFile and SessionKeyFile override the configuration's
	// accountsFile and sessionKeyFile.
	AccountsFile   string
	SessionKeyFile string
	// Storage reaches the county's bucket with its scoped credentials. An
	// empty Endpoint takes the configuration's storageEndpoint and
	// storageInsecure.
	Storage storage.Config
	// Kube reaches the API server as the portal's ServiceAccount; nil
	// disables "generate now" and the run state on the dashboard.
	Kube *rest.Config
	// Listen is the pages' address; MetricsListen serves /metrics ("" = none).
	Listen        string
	MetricsListen string
	// Ready, if set, is called once with the pages' address when listening;
	// MetricsReady likewise with the metrics address.
	Ready        func(addr string)
	MetricsReady func(addr string)
	// Logger receives the portal's log and audit lines (default: slog.Default()).
	Logger *slog.Logger
	// FontPath is the font the charts measure text with ("" = the report's default).
	FontPath string
	// MembersDir overrides the city configuration's membersDir (RunCity only).
	MembersDir string
	// Now is the clock that says which month is under review, when a
	// deadline has passed, when a submission or verdict was made, and when
	// a session idles out (nil: time.Now). Tests inject one so that they
	// pass on any date.
	Now func() time.Time
}

// clock is o.Now, or the real clock.
func (o Options) clock() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

// Run serves one county's portal until ctx ends. A missing or bad setting
// is an error naming it, before anything listens.
func Run(ctx context.Context, o Options) error {
	s, err := newServer(o)
	if err != nil {
		return err
	}
	return s.serve(ctx, o, s.routes(), "county", s.cfg.CountyCode, "namespace", s.cfg.Namespace)
}

// serve listens on o.Listen (and o.MetricsListen) with h until ctx ends,
// following the accounts file meanwhile.
func (s *site) serve(ctx context.Context, o Options, h http.Handler, logAttrs ...any) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.auth.Accounts.Watch(ctx)
	go s.auth.Sessions.Revocations().Watch(ctx, auth.PollInterval)

	if o.Listen == "" {
		return errors.New("--listen: no address to serve the portal on")
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", o.Listen, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a 20 MB upload on a slow county line
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if o.MetricsListen != "" {
		mln, err := net.Listen("tcp", o.MetricsListen)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("--metrics-listen %s: %w", o.MetricsListen, err)
		}
		msrv := &http.Server{Handler: s.metrics.handler(), ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, msrv)
		go func() { errc <- msrv.Serve(mln) }()
		s.log.Info("portal metrics listening", "addr", mln.Addr().String())
		if o.MetricsReady != nil {
			o.MetricsReady(mln.Addr().String())
		}
	}
	s.log.Info("portal listening", append([]any{"addr", ln.Addr().String()}, logAttrs...)...)
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	shutdown, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	for _, hs := range servers {
		if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
			serveErr = err
		}
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		return nil
	}
	return serveErr
}

// newServer checks every setting and builds the portal.
func newServer(o Options) (*server, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	if o.ConfigFile == "" {
		return nil, errors.New("--config: no portal configuration file given")
	}
	cfg, err := LoadConfig(o.ConfigFile)
	if err != nil {
		return nil, err
	}
	log = log.With("county", cfg.CountyCode)

	store, _, err := openStore(o, cfg.StorageEndpoint, cfg.StorageInsecure)
	if err != nil {
		return nil, err
	}
	a, err := openAuth(o, authInputs{
		accountsFile: cfg.AccountsFile, initialPasswordFile: cfg.InitialPasswordFile, keyFile: cfg.SessionKeyFile,
		realm: cfg.Realm(), tls: cfg.TLS(), proxies: cfg.TrustedProxies,
		sso: cfg.SSO, publicURL: cfg.PublicURL, store: store.Archive(cfg.Bucket),
	}, log)
	if err != nil {
		return nil, err
	}

	s := &server{
		site: site{auth: a, metrics: newHTTPMetrics(), log: log, name: cfg.CountyName, nameEn: cfg.EnglishName,
			tls: cfg.TLS(), publicURL: cfg.PublicURL},
		cfg: cfg, archive: store.Archive(cfg.Bucket), now: o.clock(), zone: countyZone(nil),
	}
	a.Trail = auditlog.New(s.archive, s.now, s.zone)
	if o.Kube != nil {
		if s.kube, err = newKubeClient(o.Kube); err != nil {
			return nil, fmt.Errorf("--kubeconfig: %w", err)
		}
	}
	s.font = loadFont(o.FontPath, log)
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.data = newDataPages(s)
	s.state = newStateCache(s.loadSnapshot)
	return s, nil
}

func newKubeClient(cfg *rest.Config) (client.Client, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: scheme})
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// openStore connects to the storage endpoint of --storage-endpoint, or else
// of the configuration; it returns the settings used, for the city's member
// connections to share the CA bundle.
func openStore(o Options, endpoint string, insecure bool) (*storage.Client, storage.Config, error) {
	sc := o.Storage
	if sc.Endpoint == "" {
		sc.Endpoint, sc.Insecure = endpoint, insecure
	}
	if err := sc.Validate(); err != nil {
		return nil, sc, err
	}
	store, err := storage.New(sc)
	return store, sc, err
}

// authInputs are what a portal's sign-in is made of.
type authInputs struct {
	accountsFile, initialPasswordFile, keyFile string
	realm, cookie                              string
	tls                                        bool
	proxies                                    []string
	sso                                        *SSOConfig
	publicURL                                  string
	// store is the tenant's bucket: session revocations and login attempts.
	store *storage.Archive
}

// openAuth opens the accounts, the session keys (the flags override the
// configuration's files) and the single sign-on of a portal bound to realm.
func openAuth(o Options, in authInputs, log *slog.Logger) (*auth.Auth, error) {
	accountsFile := firstNonEmpty(o.AccountsFile, in.accountsFile)
	if accountsFile == "" {
		return nil, errors.New("--accounts: no accounts file given (nor accountsFile in --config)")
	}
	acc, err := accounts.OpenWithInitial(accountsFile, in.initialPasswordFile, log)
	if err != nil {
		return nil, fmt.Errorf("--accounts: %w", err)
	}
	keyFile := firstNonEmpty(o.SessionKeyFile, in.keyFile)
	if keyFile == "" {
		return nil, errors.New("--session-key-file: no session key file given (nor sessionKeyFile in --config)")
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("--session-key-file: %w", err)
	}
	keys, err := auth.ParseKeys(b)
	if err != nil {
		return nil, fmt.Errorf("--session-key-file %s: %w", keyFile, err)
	}
	so := auth.SessionOptions{Realm: in.realm, Keys: keys, Secure: in.tls, Cookie: in.cookie, Log: log, Now: o.clock()}
	if in.store != nil {
		so.Store = in.store
	}
	sessions, err := auth.NewSessions(so)
	if err != nil {
		return nil, fmt.Errorf("--session-key-file %s: %w", keyFile, err)
	}
	a := auth.New(acc, sessions, log.With("component", "audit"))
	// A removed account or a changed password ends its sessions at once (ASVS 7.4.3).
	audit := log.With("component", "audit")
	acc.OnRevoke(func(users []string) {
		for _, u := range users {
			n := sessions.EndUser(u)
			audit.Info("audit", "audit", true, "event", "sessions-ended", "user", u, "result", "account removed or password changed", "sessions", n)
		}
	})
	// Every change of the accounts file is an entry of the audit log
	// (each replica that reads the change records it).
	acc.OnChange(func(changes []accounts.Change) {
		for _, ch := range changes {
			// Done by whoever edited the accounts Secret, not by the account.
			a.RecordSystem(context.Background(), "account", "", ch.What, "account", ch.Username, "accountRole", string(ch.Role))
		}
	})
	for _, p := range in.proxies {
		pr, _ := auth.ParseProxy(p) // validated with the configuration
		a.TrustedProxies = append(a.TrustedProxies, pr)
	}
	if in.sso != nil {
		var attempts auth.AttemptStore
		if in.store != nil {
			attempts = in.store
		}
		if a.SSO, err = newOIDC(in.sso, in.publicURL, attempts); err != nil {
			return nil, err
		}
		a.LocalDisabled = in.sso.LocalAccountsDisabled
	}
	return a, nil
}

// loadFont opens the charts' font; without one the charts are left out (logged).
func loadFont(path string, log *slog.Logger) *render.Font {
	p, err := render.FindFont(path)
	if err != nil {
		log.Warn("no font for the charts; they are left out", "err", err)
		return nil
	}
	f, err := render.LoadFont(p)
	if err != nil {
		log.Warn("font for the charts not loaded; they are left out", "path", p, "err", err)
		return nil
	}
	return f
}
