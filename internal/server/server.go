// Package server wires a whole Loket: database, domain service, HTTP surfaces. The
// loket command runs it; end-to-end tests start it on port 0.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/loket/loket/internal/api"
	"github.com/loket/loket/internal/backup"
	"github.com/loket/loket/internal/compat/chestcloudx"
	"github.com/loket/loket/internal/compat/digiflazz"
	"github.com/loket/loket/internal/compat/socx"
	"github.com/loket/loket/internal/compat/tokowendigg"
	"github.com/loket/loket/internal/compat/warungnokos"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/payment"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier/sim"

	// The supplier kinds this Loket can buy from (loket supplier add --kind).
	_ "github.com/loket/loket/internal/supplier/chestcloudx"
	_ "github.com/loket/loket/internal/supplier/digiflazz"
	_ "github.com/loket/loket/internal/supplier/socx"
	_ "github.com/loket/loket/internal/supplier/tokowendigg"
	_ "github.com/loket/loket/internal/supplier/warungnokos"
	"github.com/loket/loket/internal/web"
	"github.com/loket/loket/internal/web/dashboards"
)

// surfaces are the compatibility surfaces of the seed APIs, each mounted at
// /compat/{name} (CONTRACT.md).
var surfaces = []func(*httpx.Mux, loket.Services){
	socx.Mount,
	tokowendigg.Mount,
	chestcloudx.Mount,
	warungnokos.Mount,
	digiflazz.Mount,
}

// Server is a running Loket.
type Server struct {
	Config *config.Config
	DB     *store.DB
	Core   *Core
	API    *api.Server
	URL    string // http://host:port it listens at (https:// with LOKET_TLS_CERT)
	// MetricsURL is http(s)://host:port/metrics of the metrics listener
	// (LOKET_METRICS_ADDR); empty when /metrics is on the API's.
	MetricsURL string
	Log        *slog.Logger

	hs   *http.Server
	ms   *http.Server // the metrics listener's, or nil
	tls  *certFiles   // what both listeners serve TLS with, or nil
	ln   net.Listener
	errc chan error
}

// OpenDB opens and migrates the configured database. An existing SQLite database
// with migrations pending is copied first (backup.BeforeMigrate). LOKET_BACKUP_DIR is
// checked here, so that a folder that cannot be written refuses the start.
func OpenDB(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	if cfg.BackupDir != "" {
		if !strings.HasPrefix(cfg.DatabaseURL, "sqlite:") {
			return nil, errors.New("LOKET_BACKUP_DIR is for SQLite: on PostgreSQL back up with pg_dump or point-in-time recovery (docs/backup.md), and unset it")
		}
		if err := backup.CheckDir(cfg.BackupDir); err != nil {
			return nil, err
		}
	}
	ckpt := cfg.SQLiteAutocheckpoint
	if ckpt == 0 {
		ckpt = -1 // off; store's 0 is SQLite's default
	}
	db, err := store.Open(cfg.DatabaseURL, store.Options{Lanes: cfg.DBLanes, Autocheckpoint: ckpt, PlainWAL: cfg.SQLitePlainWAL})
	if err != nil {
		return nil, err
	}
	copied, err := backup.BeforeMigrate(ctx, db, cfg.BackupDir)
	if err != nil {
		db.Close()
		return nil, err
	}
	if copied != "" {
		slog.Info("database copied before migrating it", "file", copied)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Start opens the database (unless db is given), starts the service and listens on
// cfg.Addr ("127.0.0.1:0" picks a port). prepare, if set, runs on the database before
// the service starts (the demo loads its dataset there).
func Start(ctx context.Context, cfg *config.Config, log *slog.Logger, db *store.DB, prepare func(context.Context, *store.DB) error) (*Server, error) {
	sim.SetDelay(cfg.SimDelay)
	var err error
	var certs *certFiles // read before anything else: bad files refuse the start
	if cfg.TLSCert != "" {
		if certs, err = loadCertFiles(cfg.TLSCert, cfg.TLSKey, log); err != nil {
			return nil, err
		}
	}
	owned := db == nil
	if owned {
		if db, err = OpenDB(ctx, cfg); err != nil {
			return nil, err
		}
	}
	fail := func(err error) (*Server, error) {
		if owned {
			db.Close()
		}
		return nil, err
	}
	if prepare != nil {
		if err := prepare(ctx, db); err != nil {
			return fail(err)
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fail(err)
	}
	var mln net.Listener
	if cfg.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			ln.Close()
			return fail(fmt.Errorf("metrics listener: %w", err))
		}
	}
	closeAll := func(err error) (*Server, error) {
		ln.Close()
		if mln != nil {
			mln.Close()
		}
		return fail(err)
	}
	scheme := cfg.Scheme() + "://"
	if cfg.PublicURL == scheme+cfg.Addr {
		cfg.PublicURL = scheme + ln.Addr().String()
		if len(cfg.TrustedProxies) > 0 {
			log.Warn("LOKET_TRUSTED_PROXIES is set but LOKET_PUBLIC_URL is not: links to this Loket (callbacks, invoices, QR images) will name the listener, not the proxy", "public_url", cfg.PublicURL)
		}
	}
	reg := metrics.NewRegistry()
	metrics.RegisterRuntime(reg)
	if certs != nil {
		certs.registerMetrics(reg)
	}
	c, err := NewCore(ctx, db, log, reg, cfg)
	if err != nil {
		return closeAll(err)
	}
	s := &Server{Config: cfg, DB: db, Core: c, Log: log, ln: ln, URL: scheme + ln.Addr().String(), tls: certs, errc: make(chan error, 1)}
	svc := c.Services()
	s.API = api.New(svc, log, reg, cfg.PublicURL, db.Ping)
	s.API.TrustProxies(cfg.TrustedProxies)
	tron := payment.Tron{URL: cfg.TronAPIURL, Key: cfg.TronAPIKey, Every: cfg.TronPoll}
	if cfg.Demo {
		mountPaymentSimulator(s.API.Mux, c, s.URL, s.selfClient(10*time.Second))
		tron = mountChainSimulator(s.API.Mux, c, s.URL, s.selfClient(20*time.Second))
	}
	if err := c.AddPaymentSources(ctx, tron); err != nil {
		return closeAll(err)
	}
	dashboards.Mount(s.API.Mux, svc, web.Config{PublicURL: cfg.PublicURL, PendingDeadline: cfg.PendingDeadline,
		GuardWindow: cfg.DoubleOrderWindow, SupplierTimeout: cfg.SupplierTimeout, LowBalance: loket.Money(cfg.SupplierLowBalance),
		SignInFailures: cfg.SignInFailures, SignInAddrFailures: cfg.SignInAddrFailures, SignInWindow: cfg.SignInWindow})
	for _, mount := range surfaces {
		mount(s.API.Mux, svc)
	}
	s.API.MountDocs()
	// What /metrics shows (revenue, balances, suppliers by name) is the operator's
	// alone: on its own listener, behind a token, or else to loopback only.
	scrape := metrics.Restrict(reg, cfg.MetricsToken, mln == nil)
	if mln == nil {
		s.API.Handle("GET /metrics", scrape)
	}
	if cfg.BackupDir != "" && db.Dialect == store.SQLite {
		backup.New(db, log, reg, backup.Config{Dir: cfg.BackupDir, Every: cfg.BackupEvery, Keep: cfg.BackupKeep}).Schedule(c.Jobs)
	}
	if err := c.Start(ctx); err != nil {
		return closeAll(err)
	}
	s.hs = newHTTPServer(s.API, log)
	go func() {
		err := s.serve(s.hs, ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.errc <- err
	}()
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", scrape)
		s.ms = newHTTPServer(mux, log)
		s.MetricsURL = scheme + mln.Addr().String() + "/metrics"
		go func() {
			if err := s.serve(s.ms, mln); !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener stopped", "err", err)
			}
		}()
	}
	return s, nil
}

func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// serve runs hs on ln, over TLS when LOKET_TLS_CERT is set.
func (s *Server) serve(hs *http.Server, ln net.Listener) error {
	if s.tls == nil {
		return hs.Serve(ln)
	}
	hs.TLSConfig = s.tls.config()
	return hs.ServeTLS(ln, "", "")
}

// selfClient is an HTTP client to this server's own listener.
func (s *Server) selfClient(timeout time.Duration) *http.Client {
	if s.tls == nil {
		return &http.Client{Timeout: timeout}
	}
	return s.tls.selfClient(timeout)
}

// ReloadTLS reads the certificate and key files again now (loket serve does on
// SIGHUP), rather than at the next handshake after they change. A pair that does not
// load is returned and logged, and the old one is still served. Without TLS it does
// nothing.
func (s *Server) ReloadTLS() error {
	if s.tls == nil {
		return nil
	}
	return s.tls.reload()
}

// Done reports the listener's end.
func (s *Server) Done() <-chan error { return s.errc }

// Close stops taking requests, lets running ones and background work finish (bounded
// by ctx), and closes the database.
func (s *Server) Close(ctx context.Context) error {
	err := s.hs.Shutdown(ctx)
	if s.ms != nil {
		s.ms.Shutdown(ctx)
	}
	s.Core.Close(ctx)
	if e := s.DB.Close(); err == nil {
		err = e
	}
	return err
}
