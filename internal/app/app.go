// Package app is Loket's domain service: it accepts orders from every surface, keeps
// the catalog cache, carries orders through suppliers to a final state, and tells
// resellers by webhook. The HTTP surfaces call it; it calls the store and suppliers.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// Config tunes the service. Zero values take the defaults.
type Config struct {
	Node                 string        // this process's name in job locks; default hostname
	GuardWindow          time.Duration // anti double-order window; default 1h, negative disables
	SupplierTimeout      time.Duration // one supplier call; default 15s
	Lease                time.Duration // job lock lease; default 60s
	PendingDeadline      time.Duration // pending orders older than this are flagged; default 30m
	Workers              int           // concurrent supplier calls; default 64
	MasterKey            string        // LOKET_MASTER_KEY: hex or base64 of 32 bytes
	AllowPrivateWebhooks bool
	PublicURL            string
	// LowBalance is the supplier balance below which Loket warns; default 500,000.
	LowBalance loket.Money
	// BalanceEvery is how often supplier balances are checked; default 5m.
	BalanceEvery time.Duration
	// PriceSyncEvery is how often each supplier's price list is pulled; default 1h,
	// negative disables.
	PriceSyncEvery time.Duration
	// Virtual numbers (vn.go): an activation's window (LOKET_VN_TIMEOUT, default 20m),
	// how often open activations are polled upstream (LOKET_VN_POLL, default 3s), how
	// often suppliers' catalogs are synced (default 10m), and the markup on suppliers'
	// costs in basis points (LOKET_VN_MARKUP_BP; 0 here means none).
	VNTimeout   time.Duration
	VNPoll      time.Duration
	VNSyncEvery time.Duration
	VNMarkupBP  int64
	// WebhookDelays are the waits between webhook attempts; the last repeats until 24h
	// have passed. Default: 10s, 30s, 1m, 2m, 5m, 10m, 30m, 1h, then every 2h.
	WebhookDelays []time.Duration
}

func (c *Config) defaults() {
	if c.Node == "" {
		h, _ := os.Hostname()
		c.Node = h
		if c.Node == "" {
			c.Node = "loket"
		}
	}
	if c.GuardWindow == 0 {
		c.GuardWindow = time.Hour
	}
	if c.SupplierTimeout <= 0 {
		c.SupplierTimeout = 15 * time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 60 * time.Second
	}
	if c.PendingDeadline <= 0 {
		c.PendingDeadline = 30 * time.Minute
	}
	if c.Workers <= 0 {
		c.Workers = 64
	}
	if c.LowBalance <= 0 {
		c.LowBalance = 500_000
	}
	if c.BalanceEvery <= 0 {
		c.BalanceEvery = 5 * time.Minute
	}
	if c.PriceSyncEvery == 0 {
		c.PriceSyncEvery = time.Hour
	}
	c.vnDefaults()
	if len(c.WebhookDelays) == 0 {
		c.WebhookDelays = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
			10 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour}
	}
}

// App is the domain service.
type App struct {
	DB      *store.DB
	Log     *slog.Logger
	Metrics *metrics.Registry
	cfg     Config
	sealer  *auth.Sealer

	catalog   atomic.Pointer[catalogView]
	catalogMu sync.Mutex

	suppliersMu sync.Mutex
	suppliers   map[int64]supplierEntry // by supplier id

	authCache sync.Map // key digest -> authEntry
	authByID  sync.Map // reseller id -> authEntry

	work     chan store.Job
	inflight sync.Map // job key -> struct{}: queued here
	running  sync.Map // job key -> struct{}: running here
	stop     chan struct{}
	wg       sync.WaitGroup
	started  atomic.Bool
	closing  atomic.Bool

	notifiers      map[string]Notifier
	priceNotifiers map[string]PriceNotifier
	acceptors      map[string]WebhookAcceptor
	hookOnce       sync.Once
	hookClient     *http.Client

	m       appMetrics
	health  health
	sources []sourceEntry

	early earlyCallbacks // callbacks that came before their order's answer (callbacks.go)

	priceJobsMu sync.Mutex
	priceJobs   map[int64]bool // suppliers whose price sync job this node made sure of

	vnm         vnMetrics
	vnNotifiers map[string]VNNotifier
}

type supplierEntry struct {
	cfg loket.Supplier
	s   supplier.Supplier
}

// New makes the service. It reads the catalog and the master key; Start begins the
// background work.
func New(ctx context.Context, db *store.DB, log *slog.Logger, reg *metrics.Registry, cfg Config) (*App, error) {
	cfg.defaults()
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	a := &App{DB: db, Log: log, Metrics: reg, cfg: cfg, suppliers: map[int64]supplierEntry{},
		work: make(chan store.Job, 65536), stop: make(chan struct{}), notifiers: map[string]Notifier{},
		priceNotifiers: map[string]PriceNotifier{}, acceptors: map[string]WebhookAcceptor{},
		vnNotifiers: map[string]VNNotifier{}}
	key, err := a.masterKey(ctx)
	if err != nil {
		return nil, err
	}
	if a.sealer, err = auth.NewSealer(key); err != nil {
		return nil, err
	}
	if err := a.RefreshCatalog(ctx); err != nil {
		return nil, err
	}
	a.initMetrics()
	a.initVNMetrics()
	return a, nil
}

// Config returns the effective configuration.
func (a *App) Config() Config { return a.cfg }

func (a *App) masterKey(ctx context.Context) ([]byte, error) {
	raw := a.cfg.MasterKey
	if raw == "" {
		// Without LOKET_MASTER_KEY the key lives in the database: secrets are then only
		// as safe as the database itself. Operators who ship backups elsewhere set it.
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		v, err := a.DB.SetSettingIfAbsent(ctx, "master_key", hex.EncodeToString(b))
		if err != nil {
			return nil, fmt.Errorf("master key: %w", err)
		}
		raw = v
	}
	if b, err := hex.DecodeString(raw); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(raw); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("LOKET_MASTER_KEY must be 32 bytes, hex or base64 encoded")
}

// Start launches the dispatcher workers and the background loops.
func (a *App) Start(ctx context.Context) error {
	if a.started.Swap(true) {
		return nil
	}
	if err := a.releaseOwnLocks(ctx); err != nil {
		return err
	}
	for i := 0; i < a.cfg.Workers; i++ {
		a.wg.Add(1)
		go a.worker()
	}
	a.wg.Add(5)
	vnSynced := make(chan struct{})
	go a.vnCatalogLoop(vnSynced)
	go a.claimLoop()
	go a.catalogLoop()
	go a.flagLoop()
	go a.balanceLoop()
	select {
	case <-vnSynced:
	case <-time.After(3 * time.Second):
	}
	for _, e := range a.sources {
		a.wg.Add(1)
		go a.pollSource(e)
	}
	return nil
}

// Close stops background work, letting running jobs finish (bounded by ctx).
func (a *App) Close(ctx context.Context) {
	if !a.started.Load() || a.closing.Swap(true) {
		return
	}
	close(a.stop)
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		a.Log.Warn("shutdown: background work still running", "err", ctx.Err())
	}
}

// releaseOwnLocks frees jobs this node held when it last stopped, so a restart resumes
// them at once instead of after the lease. On SQLite one server owns the file, so
// every lock is ours.
func (a *App) releaseOwnLocks(ctx context.Context) error {
	return a.DB.Write(ctx, 0, func(t *store.Tx) error { return t.ReleaseLocks(a.cfg.Node) })
}

// catalogView is the in-memory catalog every order is checked and priced against.
type catalogView struct {
	version   string
	byCode    map[string]*loket.Product
	byID      map[int64]*loket.Product
	brands    map[string]*loket.Brand
	levels    map[string]loket.Level
	overrides map[int64]map[string]loket.Money
	routes    map[int64][]loket.Route
	suppliers map[int64]loket.Supplier
	raw       *loket.Catalog
}

// RefreshCatalog reloads the catalog cache when the stored catalog changed.
func (a *App) RefreshCatalog(ctx context.Context) error {
	a.catalogMu.Lock()
	defer a.catalogMu.Unlock()
	v, err := a.DB.CatalogVersion(ctx)
	if err != nil {
		return err
	}
	if cur := a.catalog.Load(); cur != nil && cur.version == v && v != "" {
		return nil
	}
	c, err := a.DB.LoadCatalog(ctx)
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	view := &catalogView{version: c.Version, byCode: map[string]*loket.Product{}, byID: map[int64]*loket.Product{},
		brands: map[string]*loket.Brand{}, levels: map[string]loket.Level{}, overrides: c.Overrides, routes: c.Routes,
		suppliers: map[int64]loket.Supplier{}, raw: c}
	for i := range c.Brands {
		view.brands[c.Brands[i].Code] = &c.Brands[i]
	}
	for i := range c.Products {
		p := &c.Products[i]
		if b := view.brands[p.Brand]; b != nil {
			p.Forms = b.Forms
		}
		view.byCode[strings.ToUpper(p.Code)] = p
		view.byID[p.ID] = p
	}
	for _, l := range c.Levels {
		view.levels[l.Name] = l
	}
	for _, s := range c.Suppliers {
		view.suppliers[s.ID] = s
		if _, err := a.DB.EnsureAccount(ctx, store.SupplierAccount(s.ID), store.KindSupplierPayable); err != nil {
			return err
		}
	}
	a.catalog.Store(view)
	a.suppliersMu.Lock()
	for id, e := range a.suppliers {
		if s, ok := view.suppliers[id]; !ok || s != e.cfg {
			delete(a.suppliers, id) // made anew with the new settings on next use
		}
	}
	a.suppliersMu.Unlock()
	return nil
}

func (a *App) catalogLoop() {
	defer a.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := a.RefreshCatalog(ctx); err != nil {
				a.Log.Error("refresh catalog", "err", err)
			} else if err := a.ensurePriceJobs(ctx); err != nil && !errors.Is(err, store.ErrClosed) {
				a.Log.Error("schedule price sync", "err", err)
			}
			cancel()
		}
	}
}

// supplierFor returns the Supplier behind a registered supplier id.
func (a *App) supplierFor(id int64) (supplier.Supplier, error) {
	a.suppliersMu.Lock()
	defer a.suppliersMu.Unlock()
	if e, ok := a.suppliers[id]; ok {
		return e.s, nil
	}
	cfg, ok := a.catalog.Load().suppliers[id]
	if !ok {
		return nil, fmt.Errorf("supplier %d is not registered", id)
	}
	s, err := supplier.New(supplier.Config{Name: cfg.Name, Kind: cfg.Kind, BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, Secret: cfg.Secret,
		MemberID: cfg.MemberID, CallbackURL: a.cfg.PublicURL + "/callbacks/" + cfg.Name})
	if err != nil {
		return nil, err
	}
	a.suppliers[id] = supplierEntry{cfg: cfg, s: s}
	return s, nil
}

// Products lists the catalog priced for a level.
func (a *App) Products(level string) []loket.Product {
	view := a.catalog.Load()
	out := make([]loket.Product, 0, len(view.raw.Products))
	for _, p := range view.raw.Products {
		p.Price = view.price(&p, level)
		out = append(out, p)
	}
	return out
}

// Product returns one product priced for a level.
func (a *App) Product(code, level string) (*loket.Product, error) {
	view := a.catalog.Load()
	p, ok := view.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return nil, loket.FieldError(loket.EPRODUCT, "product", "unknown product %q", code)
	}
	cp := *p
	cp.Price = view.price(p, level)
	return &cp, nil
}

// ProductByID returns one product by id, priced for a level.
func (a *App) ProductByID(id int64, level string) (*loket.Product, error) {
	view := a.catalog.Load()
	p, ok := view.byID[id]
	if !ok {
		return nil, loket.FieldError(loket.EPRODUCT, "product", "unknown product %d", id)
	}
	cp := *p
	cp.Price = view.price(p, level)
	return &cp, nil
}

// Brands lists the brands with their forms.
func (a *App) Brands() []loket.Brand { return a.catalog.Load().raw.Brands }

// Categories lists the categories.
func (a *App) Categories() []loket.Category { return a.catalog.Load().raw.Categories }

// price is what a reseller of level pays for p: a per-level override, else the base
// price with the level's markup.
func (v *catalogView) price(p *loket.Product, level string) loket.Money {
	if o, ok := v.overrides[p.ID][level]; ok {
		return o
	}
	return v.markup(p.BasePrice, level)
}

// markup is base with a level's markup, rounded up to whole rupiah.
func (v *catalogView) markup(base loket.Money, level string) loket.Money {
	l := v.levels[level]
	return base.PlusBP(l.MarkupBP) + l.MarkupFlat
}

// PriceFor is what a reseller of level pays for something with this base price and no
// per-product override (virtual numbers, say).
func (a *App) PriceFor(base loket.Money, level string) loket.Money {
	return a.catalog.Load().markup(base, level)
}
