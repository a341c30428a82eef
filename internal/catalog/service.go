package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
	"github.com/loket/loket/internal/webhooks"
)

// Config tunes the catalog service.
type Config struct {
	// PublicURL is where upstreams reach this Loket: suppliers are told
	// PublicURL/callbacks/<name>.
	PublicURL string
	// PriceSyncEvery is how often each supplier's price list is pulled; 0 switches the
	// schedule off (LOKET_PRICE_SYNC_EVERY).
	PriceSyncEvery time.Duration
}

// Service is the catalog as the other services and the edges see it: an in-memory
// copy of the stored catalog (products, brands and their forms, levels, per-level
// prices, routes and suppliers) reloaded when it changes, so every order is checked
// and priced without a query; each supplier's adapter, made once per configuration;
// and the price sync that keeps route costs and base prices following the suppliers'
// price lists, with the resellers told of their price moves.
type Service struct {
	db       *store.DB
	log      *slog.Logger
	runner   *jobs.Runner
	webhooks *webhooks.Service
	cfg      Config

	view   atomic.Pointer[view]
	viewMu sync.Mutex

	suppliersMu sync.Mutex
	suppliers   map[int64]supplierEntry // by supplier id

	priceJobsMu sync.Mutex
	priceJobs   map[int64]bool // suppliers whose price sync job this node made sure of

	priceSyncs *metrics.CounterVec
}

type supplierEntry struct {
	cfg loket.Supplier
	s   supplier.Supplier
}

// view is the in-memory catalog every order is checked and priced against.
type view struct {
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

// NewService loads the catalog and registers the price jobs and the reload loop with
// the runner.
func NewService(ctx context.Context, db *store.DB, runner *jobs.Runner, hooks *webhooks.Service, log *slog.Logger, reg *metrics.Registry, cfg Config) (*Service, error) {
	s := &Service{db: db, log: log, runner: runner, webhooks: hooks, cfg: cfg, suppliers: map[int64]supplierEntry{},
		priceJobs:  map[int64]bool{},
		priceSyncs: reg.Counter("loket_supplier_price_syncs_total", "Price list pulls, by supplier and outcome (ok, empty, error).", "supplier", "outcome")}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	runner.Handle(store.JobPrices, s.tellPrices)
	runner.Handle(store.JobPriceSync, s.runPriceSync)
	runner.Every(time.Second, 10*time.Second, false, func(ctx context.Context) {
		if err := s.Refresh(ctx); err != nil {
			s.log.Error("refresh catalog", "err", err)
		} else if err := s.ensurePriceJobs(ctx); err != nil && !errors.Is(err, store.ErrClosed) {
			s.log.Error("schedule price sync", "err", err)
		}
	})
	return s, nil
}

// Refresh reloads the catalog cache when the stored catalog changed.
func (s *Service) Refresh(ctx context.Context) error {
	s.viewMu.Lock()
	defer s.viewMu.Unlock()
	v, err := s.db.CatalogVersion(ctx)
	if err != nil {
		return err
	}
	if cur := s.view.Load(); cur != nil && cur.version == v && v != "" {
		return nil
	}
	c, err := s.db.LoadCatalog(ctx)
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	nv := &view{version: c.Version, byCode: map[string]*loket.Product{}, byID: map[int64]*loket.Product{},
		brands: map[string]*loket.Brand{}, levels: map[string]loket.Level{}, overrides: c.Overrides, routes: c.Routes,
		suppliers: map[int64]loket.Supplier{}, raw: c}
	for i := range c.Brands {
		nv.brands[c.Brands[i].Code] = &c.Brands[i]
	}
	for i := range c.Products {
		p := &c.Products[i]
		if b := nv.brands[p.Brand]; b != nil {
			p.Forms = b.Forms
		}
		nv.byCode[strings.ToUpper(p.Code)] = p
		nv.byID[p.ID] = p
	}
	for _, l := range c.Levels {
		nv.levels[l.Name] = l
	}
	for _, sc := range c.Suppliers {
		nv.suppliers[sc.ID] = sc
		if _, err := s.db.EnsureAccount(ctx, store.SupplierAccount(sc.ID), store.KindSupplierPayable); err != nil {
			return err
		}
	}
	s.view.Store(nv)
	s.suppliersMu.Lock()
	for id, e := range s.suppliers {
		if sc, ok := nv.suppliers[id]; !ok || !sameConnection(sc, e.cfg) {
			delete(s.suppliers, id) // made anew with the new settings on next use
		}
	}
	s.suppliersMu.Unlock()
	return nil
}

// sameConnection says whether two settings of a supplier make the same adapter.
// Only what the adapter is built from counts: a price sync stamping PricesSyncedAt
// must not throw away an adapter's caches and its memory of the orders it placed.
func sameConnection(a, b loket.Supplier) bool {
	return a.Name == b.Name && a.Kind == b.Kind && a.BaseURL == b.BaseURL && a.APIKey == b.APIKey &&
		a.Secret == b.Secret && a.MemberID == b.MemberID
}

// Supplier returns the adapter of a registered supplier.
func (s *Service) Supplier(id int64) (supplier.Supplier, error) {
	s.suppliersMu.Lock()
	defer s.suppliersMu.Unlock()
	if e, ok := s.suppliers[id]; ok {
		return e.s, nil
	}
	cfg, ok := s.view.Load().suppliers[id]
	if !ok {
		return nil, fmt.Errorf("supplier %d is not registered", id)
	}
	sup, err := supplier.New(supplier.Config{Name: cfg.Name, Kind: cfg.Kind, BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, Secret: cfg.Secret,
		MemberID: cfg.MemberID, CallbackURL: s.cfg.PublicURL + "/callbacks/" + cfg.Name})
	if err != nil {
		return nil, err
	}
	s.suppliers[id] = supplierEntry{cfg: cfg, s: sup}
	return sup, nil
}

// SupplierConfig returns a registered supplier's settings.
func (s *Service) SupplierConfig(id int64) (loket.Supplier, bool) {
	cfg, ok := s.view.Load().suppliers[id]
	return cfg, ok
}

// SupplierByName returns a registered supplier's settings by name (any case).
func (s *Service) SupplierByName(name string) (loket.Supplier, bool) {
	for _, sc := range s.view.Load().suppliers {
		if strings.EqualFold(sc.Name, name) {
			return sc, true
		}
	}
	return loket.Supplier{}, false
}

// SupplierList lists the registered suppliers in the stored order.
func (s *Service) SupplierList() []loket.Supplier { return s.view.Load().raw.Suppliers }

// Routes returns a product's routes by priority.
func (s *Service) Routes(productID int64) []loket.Route { return s.view.Load().routes[productID] }

// AllRoutes returns every product's routes.
func (s *Service) AllRoutes() map[int64][]loket.Route { return s.view.Load().routes }

// Products lists the catalog priced for a level.
func (s *Service) Products(level string) []loket.Product {
	v := s.view.Load()
	out := make([]loket.Product, 0, len(v.raw.Products))
	for _, p := range v.raw.Products {
		v.priced(&p, level)
		out = append(out, p)
	}
	return out
}

// Product returns one product priced for a level.
func (s *Service) Product(code, level string) (*loket.Product, error) {
	v := s.view.Load()
	p, ok := v.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return nil, loket.FieldError(loket.EPRODUCT, "product", "unknown product %q", code)
	}
	cp := *p
	v.priced(&cp, level)
	return &cp, nil
}

// ProductByID returns one product by id, priced for a level.
func (s *Service) ProductByID(id int64, level string) (*loket.Product, error) {
	v := s.view.Load()
	p, ok := v.byID[id]
	if !ok {
		return nil, loket.FieldError(loket.EPRODUCT, "product", "unknown product %d", id)
	}
	cp := *p
	v.priced(&cp, level)
	return &cp, nil
}

// Brands lists the brands with their forms.
func (s *Service) Brands() []loket.Brand { return s.view.Load().raw.Brands }

// Categories lists the categories.
func (s *Service) Categories() []loket.Category { return s.view.Load().raw.Categories }

// Catalog is the whole cached catalog, for the operator's pages. Callers must not
// change it.
func (s *Service) Catalog() *loket.Catalog { return s.view.Load().raw }

// PriceFor is what a reseller of level pays for something with this base price and no
// per-product override (virtual numbers, say).
func (s *Service) PriceFor(base loket.Money, level string) loket.Money {
	return s.view.Load().markup(base, level)
}

// price is what a reseller of level pays for p: a per-level override, else the base
// price with the level's markup.
// priced fills a product's price and, for a bill, commission for a level. A bill has
// no fixed price: its price is the bill's (orders.Service prices each inquiry).
func (v *view) priced(p *loket.Product, level string) {
	if p.Postpaid() {
		p.Price = 0
		if c, ok := v.raw.Commissions[p.ID][level]; ok {
			p.Commission = c
		}
		return
	}
	p.Price = v.price(p, level)
}

func (v *view) price(p *loket.Product, level string) loket.Money {
	if o, ok := v.overrides[p.ID][level]; ok {
		return o
	}
	return v.markup(p.BasePrice, level)
}

// markup is base with a level's markup, rounded up to whole rupiah.
func (v *view) markup(base loket.Money, level string) loket.Money {
	l := v.levels[level]
	return base.PlusBP(l.MarkupBP) + l.MarkupFlat
}
