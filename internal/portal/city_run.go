package portal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/countyreport/countyreport/internal/audit"
	"github.com/countyreport/countyreport/internal/city"
	"github.com/countyreport/countyreport/internal/render"
	"github.com/countyreport/countyreport/internal/storage"
)

// cityServer is the city's portal: the month's board of its counties'
// submissions, where reviewers accept or return them; the comparison of
// the counties indicator by indicator; the city's own report archive. It
// reads each member county's bucket with that member's own read-only
// credentials (internal/city), and nothing of a county beyond its reports/,
// data/ and review/ prefixes is reachable with them.
type cityServer struct {
	site
	cfg     *CityConfig
	archive *storage.Archive // the city's own bucket
	members *memberSource
	font    *render.Font
	now     func() time.Time
	zone    *time.Location
}

// RunCity serves the city's portal until ctx ends. A missing or bad
// setting is an error naming it, before anything listens.
func RunCity(ctx context.Context, o Options) error {
	s, err := newCityServer(o)
	if err != nil {
		return err
	}
	return s.serve(ctx, o, s.routes(), "city", s.cfg.CityCode)
}

func newCityServer(o Options) (*cityServer, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	if o.ConfigFile == "" {
		return nil, errors.New("--config: no city portal configuration file given")
	}
	cfg, err := LoadCityConfig(o.ConfigFile)
	if err != nil {
		return nil, err
	}
	log = log.With("city", cfg.CityCode)
	store, sc, err := openStore(o, cfg.StorageEndpoint, cfg.StorageInsecure)
	if err != nil {
		return nil, err
	}
	a, err := openAuth(o, authInputs{
		accountsFile: cfg.AccountsFile, initialPasswordFile: cfg.InitialPasswordFile, keyFile: cfg.SessionKeyFile,
		realm: cfg.Realm(), cookie: "countyreport-city-session", tls: cfg.TLS(), proxies: cfg.TrustedProxies,
		sso: cfg.SSO, publicURL: cfg.PublicURL, store: store.Archive(cfg.Bucket),
	}, log)
	if err != nil {
		return nil, err
	}
	dir := firstNonEmpty(o.MembersDir, cfg.MembersDir)
	members := &memberSource{dir: dir, base: storage.Config{CABundle: sc.CABundle}, now: time.Now}
	if _, err := members.get(); err != nil {
		return nil, fmt.Errorf("--members-dir %s: %w", dir, err)
	}
	zone, _ := cfg.zone() // validated in ParseCityConfig
	s := &cityServer{
		site: site{auth: a, metrics: newHTTPMetrics(), log: log, name: cfg.CityName, nameEn: cfg.EnglishName,
			city: true, tls: cfg.TLS(), publicURL: cfg.PublicURL},
		cfg: cfg, archive: store.Archive(cfg.Bucket), members: members,
		font: loadFont(o.FontPath, log), now: o.clock(), zone: zone,
	}
	a.Trail = audit.New(s.archive, s.now, zone)
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return s, nil
}

// routes builds the city portal's handler.
func (s *cityServer) routes() http.Handler {
	r := s.engine()
	r.GET("/readyz", s.site.readyz(s.archive.Check))
	in := r.Group("/", s.auth.Require())
	reviewer := requireReviewer(&s.site)
	in.GET("/", s.board)
	in.POST("/review", reviewer, s.review)
	in.GET("/ranking", s.ranking)
	in.GET("/reports", s.reports)
	in.GET("/reports/:period/:file", s.download)
	in.GET("/audit", reviewer, s.audit)
	in.GET("/notifications", s.notifications)
	in.POST("/notifications/test", reviewer, s.testNotification)
	in.GET("/account", s.account)
	in.POST("/account", s.saveAccount)
	return s.protect(r)
}

// memberSource re-reads the member credentials Secret when it is older
// than memberReload: the operator rotates the credentials before they
// expire and the mounted files follow, so a long-running portal must too.
type memberSource struct {
	dir  string
	base storage.Config
	now  func() time.Time

	mu     sync.Mutex
	m      *city.Members
	loaded time.Time
}

const memberReload = time.Minute

func (ms *memberSource) get() (*city.Members, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.m != nil && ms.now().Sub(ms.loaded) < memberReload {
		return ms.m, nil
	}
	data, err := city.ReadSecretDir(ms.dir)
	if err == nil {
		var m *city.Members
		if m, err = city.Open(data, ms.base); err == nil {
			ms.m, ms.loaded = m, ms.now()
		}
	}
	if err != nil && ms.m == nil {
		return nil, err
	}
	return ms.m, nil // a failed reload keeps the last good credentials
}
