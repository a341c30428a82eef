package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/chat"
	"github.com/loket/loket/internal/chat/telegram"
	"github.com/loket/loket/internal/chat/xmpp"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/deposits"
	"github.com/loket/loket/internal/dropship"
	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/network"
	"github.com/loket/loket/internal/numbers"
	"github.com/loket/loket/internal/orders"
	"github.com/loket/loket/internal/payment"
	"github.com/loket/loket/internal/payment/orderkuota"
	_ "github.com/loket/loket/internal/payment/trongrid" // the USDT watcher
	"github.com/loket/loket/internal/ratelimit"
	"github.com/loket/loket/internal/resellers"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/webhooks"
)

// Core is the domain services of one node on one database: what loket serve runs
// behind its HTTP surfaces, and what the operator's commands call.
type Core struct {
	DB      *store.DB
	Log     *slog.Logger
	Metrics *metrics.Registry
	Jobs    *jobs.Runner
	Sealer  *auth.Sealer
	// Limits keeps the rate limits and sign-in lockouts: in the database on
	// PostgreSQL, so that they hold across the nodes sharing it; in this process's
	// memory on SQLite, which one process serves.
	Limits ratelimit.Store

	Resellers  *resellers.Service
	Catalog    *catalog.Service
	Orders     *orders.Service
	Deposits   *deposits.Service
	Numbers    *numbers.Service
	Dropship   *dropship.Service
	Webhooks   *webhooks.Service
	Chat       *chat.Service
	Network    *network.Service
	OrderKuota *orderkuota.Account
}

// NewCore builds the services on db with the settings of cfg. Nothing runs in the
// background until Start.
func NewCore(ctx context.Context, db *store.DB, log *slog.Logger, reg *metrics.Registry, cfg *config.Config) (*Core, error) {
	sealer, _, err := openSealer(ctx, db, cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	// The markup of virtual numbers no markup rule of scope numbers covers.
	db.VNMarkupBP = int64(cfg.VNMarkupBP)
	c := &Core{DB: db, Log: log, Metrics: reg, Sealer: sealer, Limits: ratelimit.NewMemory()}
	if db.Dialect == store.Postgres {
		c.Limits = db.Limits()
	}
	c.Jobs = jobs.New(db, log, reg, jobs.Config{Node: cfg.Node, Workers: cfg.Workers, Lease: cfg.JobLease})
	c.Webhooks = webhooks.New(db, c.Jobs, sealer, log, reg, webhooks.Config{AllowPrivate: cfg.AllowPrivateWebhooks})
	c.Resellers = resellers.New(db, sealer, c.Webhooks.CheckURL, resellers.Config{SignInFailures: cfg.SignInFailures,
		SignInAddrFailures: cfg.SignInAddrFailures, SignInWindow: cfg.SignInWindow, Limits: c.Limits})
	c.Webhooks.SetAuth(c.Resellers.Auth)
	if c.Catalog, err = catalog.NewService(ctx, db, c.Jobs, c.Webhooks, log, reg,
		catalog.Config{PublicURL: cfg.PublicURL, PriceSyncEvery: cfg.PriceSyncEvery}); err != nil {
		return nil, err
	}
	c.Orders = orders.New(db, c.Jobs, c.Catalog, c.Resellers, c.Webhooks, log, reg, orders.Config{GuardWindow: cfg.DoubleOrderWindow,
		SupplierTimeout: cfg.SupplierTimeout, PendingDeadline: cfg.PendingDeadline, LowBalance: loket.Money(cfg.SupplierLowBalance)})
	c.Network = network.New(db, c.Catalog, c.Resellers, log)
	c.Network.SetWebhooks(c.Webhooks)
	c.Orders.SetPricer(c.Network.Price)
	c.Orders.SetBillPricer(c.Network.BillCommissions)
	c.Deposits = deposits.New(db, c.Jobs, sealer, log, reg, deposits.Config{PublicURL: cfg.PublicURL})
	c.Dropship = dropship.New(db, c.Jobs, c.Orders, c.Deposits, c.Resellers, c.Webhooks, log, dropship.Config{PublicURL: cfg.PublicURL})
	c.Numbers = numbers.New(db, c.Jobs, c.Catalog, c.Resellers, c.Webhooks, log, reg, numbers.Config{Timeout: cfg.VNTimeout,
		Poll: cfg.VNPoll, SupplierTimeout: cfg.SupplierTimeout, PendingDeadline: cfg.PendingDeadline})
	c.Numbers.SetVNPricer(c.Network.VNPrice)
	c.Chat = chat.New(db, c.Jobs, c.Services(), c.Webhooks, log, reg, chat.Config{PINFailures: cfg.ChatPINFailures, PINLock: cfg.ChatPINLock})
	c.Orders.SetAlerter(c.Chat.Alert)
	if cfg.TelegramToken != "" {
		tg, err := telegram.New(telegram.Config{Token: cfg.TelegramToken, APIURL: cfg.TelegramAPIURL}, log)
		if err != nil {
			return nil, fmt.Errorf("LOKET_TELEGRAM_TOKEN: %w", err)
		}
		c.Chat.AddChannel(tg)
	}
	if cfg.XMPPJID != "" {
		xc, err := xmpp.New(xmpp.Config{JID: cfg.XMPPJID, Password: cfg.XMPPPassword, Server: cfg.XMPPServer, TLS: cfg.XMPPTLS}, log)
		if err != nil {
			return nil, fmt.Errorf("LOKET_XMPP_JID: %w", err)
		}
		c.Chat.AddChannel(xc)
	}
	c.OrderKuota = orderkuota.NewAccount(db, sealer, log)
	db.RegisterMetrics(reg)
	return c, nil
}

// Services is what the edges may call.
func (c *Core) Services() loket.Services {
	s := loket.Services{Resellers: c.Resellers, Catalog: c.Catalog, Orders: c.Orders, Bills: c.Orders, Deposits: c.Deposits,
		Numbers: c.Numbers, Dropship: c.Dropship, Webhooks: c.Webhooks, Reports: c.DB, Sessions: c.DB, Settings: c.DB, Limits: c.Limits}
	if c.Chat != nil {
		s.Chat = c.Chat
	}
	if c.Network != nil {
		s.Network = c.Network
	}
	return s
}

// AddPaymentSources polls every registered payment source: the OrderKuota account once
// logged in (loket payment orderkuota login / otp), the USDT watcher reading the chain
// through tron once a USDT address is set (loket payment set-usdt). Call before Start.
func (c *Core) AddPaymentSources(ctx context.Context, tron payment.Tron) error {
	srcs, err := payment.Build(ctx, payment.Env{Settings: c.DB, Sealer: c.Sealer, Log: c.Log, Tron: tron})
	if err != nil {
		return err
	}
	for _, p := range srcs {
		c.Deposits.AddSource(p.Source, p.Every)
	}
	return nil
}

// Start starts the background work, and waits (at most 3 s) for the first
// virtual-number catalog sync, so a fresh Loket has its routes before its first order.
func (c *Core) Start(ctx context.Context) error {
	if err := c.Jobs.Start(ctx); err != nil {
		return err
	}
	c.Numbers.WaitSynced(3 * time.Second)
	return nil
}

// Close stops the background work, letting running jobs finish (bounded by ctx).
func (c *Core) Close(ctx context.Context) { c.Jobs.Close(ctx) }

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
	return parseKey(raw, "LOKET_MASTER_KEY")
}

// parseKey reads a master key: 32 bytes, hex or base64 encoded.
func parseKey(raw, what string) ([]byte, error) {
	if b, err := hex.DecodeString(raw); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(raw); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New(what + " must be 32 bytes, hex or base64 encoded")
}
