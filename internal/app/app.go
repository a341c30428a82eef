// Package app is a transitional facade over the domain services (orders, catalog,
// deposits, numbers, dropship, webhooks, resellers and the job runner): it builds them
// on one database and exposes their methods as one value while the edges move to the
// service interfaces of package loket.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/deposits"
	"github.com/loket/loket/internal/dropship"
	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/numbers"
	"github.com/loket/loket/internal/orders"
	"github.com/loket/loket/internal/payment/orderkuota"
	"github.com/loket/loket/internal/resellers"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/webhooks"
)

// Config tunes the services. Zero values take the defaults.
type Config struct {
	Node                 string
	GuardWindow          time.Duration // negative disables
	SupplierTimeout      time.Duration
	Lease                time.Duration
	PendingDeadline      time.Duration
	Workers              int
	MasterKey            string
	AllowPrivateWebhooks bool
	PublicURL            string
	LowBalance           loket.Money
	PriceSyncEvery       time.Duration // negative disables
	VNTimeout            time.Duration
	VNPoll               time.Duration
	VNMarkupBP           int64
	WebhookDelays        []time.Duration
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
	if c.PendingDeadline <= 0 {
		c.PendingDeadline = 30 * time.Minute
	}
	if c.Workers <= 0 {
		c.Workers = 64
	}
	if c.LowBalance <= 0 {
		c.LowBalance = 500_000
	}
	if c.PriceSyncEvery == 0 {
		c.PriceSyncEvery = time.Hour
	}
	if c.VNTimeout <= 0 {
		c.VNTimeout = 20 * time.Minute
	}
	if c.VNPoll <= 0 {
		c.VNPoll = 3 * time.Second
	}
}

func positive(d time.Duration) time.Duration { return max(d, 0) }

type (
	Resellers = resellers.Service
	Catalog   = catalog.Service
	Orders    = orders.Service
	Deposits  = deposits.Service
	Numbers   = numbers.Service
	Dropship  = dropship.Service
	Webhooks  = webhooks.Service
)

// App is every service of one node.
type App struct {
	DB      *store.DB
	Log     *slog.Logger
	Metrics *metrics.Registry
	Jobs    *jobs.Runner
	cfg     Config
	sealer  *auth.Sealer

	*Resellers
	*Catalog
	*Orders
	*Deposits
	*Numbers
	*Dropship
	*Webhooks
	OrderKuota *orderkuota.Account
}

// New makes the services.
func New(ctx context.Context, db *store.DB, log *slog.Logger, reg *metrics.Registry, cfg Config) (*App, error) {
	cfg.defaults()
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	key, err := MasterKey(ctx, db, cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	sealer, err := auth.NewSealer(key)
	if err != nil {
		return nil, err
	}
	a := &App{DB: db, Log: log, Metrics: reg, cfg: cfg, sealer: sealer}
	a.Jobs = jobs.New(db, log, reg, jobs.Config{Node: cfg.Node, Workers: cfg.Workers, Lease: cfg.Lease})
	a.Webhooks = webhooks.New(db, a.Jobs, sealer, log, reg, webhooks.Config{AllowPrivate: cfg.AllowPrivateWebhooks, Delays: cfg.WebhookDelays})
	a.Resellers = resellers.New(db, sealer, a.Webhooks.CheckURL)
	if a.Catalog, err = catalog.NewService(ctx, db, a.Jobs, a.Webhooks, log, reg,
		catalog.Config{PublicURL: cfg.PublicURL, PriceSyncEvery: positive(cfg.PriceSyncEvery)}); err != nil {
		return nil, err
	}
	a.Orders = orders.New(db, a.Jobs, a.Catalog, a.Resellers, a.Webhooks, log, reg, orders.Config{GuardWindow: positive(cfg.GuardWindow),
		SupplierTimeout: cfg.SupplierTimeout, PendingDeadline: cfg.PendingDeadline, LowBalance: cfg.LowBalance})
	a.Deposits = deposits.New(db, a.Jobs, sealer, log, reg, deposits.Config{PublicURL: cfg.PublicURL})
	a.Dropship = dropship.New(db, a.Jobs, a.Orders, a.Deposits, a.Resellers, a.Webhooks, log, dropship.Config{PublicURL: cfg.PublicURL})
	a.Numbers = numbers.New(db, a.Jobs, a.Catalog, a.Resellers, a.Webhooks, log, reg, numbers.Config{Timeout: cfg.VNTimeout,
		Poll: cfg.VNPoll, MarkupBP: cfg.VNMarkupBP, SupplierTimeout: cfg.SupplierTimeout})
	a.OrderKuota = orderkuota.NewAccount(db, sealer, log)
	db.RegisterMetrics(reg)
	return a, nil
}

// Sealer seals secrets with the installation's master key.
func (a *App) Sealer() *auth.Sealer { return a.sealer }

// Config returns the effective configuration.
func (a *App) Config() Config { return a.cfg }

// MasterKey is the key secrets are sealed with: LOKET_MASTER_KEY (hex or base64 of 32
// bytes) when set, else a key kept in the database, made on first use. Without
// LOKET_MASTER_KEY secrets are only as safe as the database itself; operators who ship
// backups elsewhere set it.
func MasterKey(ctx context.Context, db *store.DB, configured string) ([]byte, error) {
	raw := configured
	if raw == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		v, err := db.SetSettingIfAbsent(ctx, "master_key", hex.EncodeToString(b))
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

// Start starts the background work, and waits (at most 3 s) for the first
// virtual-number catalog sync, so a fresh Loket has its routes before its first order.
func (a *App) Start(ctx context.Context) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	a.Numbers.WaitSynced(3 * time.Second)
	return nil
}

// Close stops the background work, letting running jobs finish (bounded by ctx).
func (a *App) Close(ctx context.Context) { a.Jobs.Close(ctx) }

// Transitional names of the services' methods.

func (a *App) RefreshCatalog(ctx context.Context) error { return a.Catalog.Refresh(ctx) }
func (a *App) Products(level string) []loket.Product    { return a.Catalog.Products(level) }
func (a *App) Suppliers() []loket.SupplierState         { return a.Orders.Suppliers() }
func (a *App) SetVNNotifier(surface string, n loket.SMSNotifier) {
	a.Webhooks.SetSMSNotifier(surface, n)
}
func (a *App) SetWebhookAcceptor(event string, f loket.WebhookAcceptor) {
	a.Webhooks.SetAcceptor(event, f)
}
func (a *App) TestWebhook(ctx context.Context, id int64) (int, error) {
	return a.Webhooks.Test(ctx, id)
}
func (a *App) CheckWebhookURL(raw string) error { return a.Webhooks.CheckURL(raw) }
func (a *App) DropshipInvoiceURL(d *loket.Dropship) string { return a.Dropship.InvoiceURL(d) }
func (a *App) DropshipStatusURL(d *loket.Dropship) string  { return a.Dropship.StatusURL(d) }
func (a *App) DropshipQRURL(d *loket.Dropship) string      { return a.Dropship.QRURL(d) }
func (a *App) Seal(s string) string                        { return a.sealer.Seal(s) }
func (a *App) Unseal(s string) (string, error)             { return a.sealer.Open(s) }
func (a *App) OrderKuotaStatus(ctx context.Context) (orderkuota.Status, error) {
	return a.OrderKuota.Status(ctx)
}
func (a *App) StartOrderKuotaLogin(ctx context.Context, in orderkuota.Login) error {
	return a.OrderKuota.StartLogin(ctx, in)
}
func (a *App) CompleteOrderKuotaLogin(ctx context.Context, otp string) error {
	return a.OrderKuota.CompleteLogin(ctx, otp)
}

// CheckSecret reports whether secret is the reseller's secret key.
func CheckSecret(r *loket.ResellerAuth, secret string) bool {
	return secret != "" && auth.Equal(auth.Digest(strings.TrimSpace(secret)), r.SecretHash)
}
