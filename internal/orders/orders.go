// Package orders carries a reseller's purchase from its request to a final state:
// accepting it (checked, priced, its reservation, first attempt and dispatch job
// written in one transaction), routing it to the suppliers by priority while they are
// usable, sending and asking about each attempt, applying the suppliers' callbacks,
// and settling it once: the reservation posted on success, voided on failure, and the
// reseller told. An unknown outcome is never a failure: the order stays pending until
// a status check, a callback or the operator decides it.
package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/resellers"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/webhooks"
)

// Config tunes the order service.
type Config struct {
	GuardWindow     time.Duration // anti double-order window (LOKET_DOUBLE_ORDER_WINDOW); 0 switches it off
	SupplierTimeout time.Duration // one supplier call (LOKET_SUPPLIER_TIMEOUT)
	PendingDeadline time.Duration // pending orders older than this are flagged (LOKET_PENDING_DEADLINE)
	LowBalance      loket.Money   // a supplier balance below this is a warning (LOKET_SUPPLIER_LOW_BALANCE)
}

// BalanceEvery is how often the suppliers' balances are asked for.
const BalanceEvery = 5 * time.Minute

// Service accepts and carries orders.
type Service struct {
	db        *store.DB
	log       *slog.Logger
	runner    *jobs.Runner
	catalog   *catalog.Service
	resellers *resellers.Service
	webhooks  *webhooks.Service
	cfg       Config

	health     health
	early      earlyCallbacks // callbacks that came before their order's answer (callbacks.go)
	m          orderMetrics
	alert      func(ctx context.Context, kind, text string) error // the operator's alerts (chat), or nil
	low        atomic.Int64                                       // the setting supplier.low_balance; -1: unset
	pricer     Pricer                                             // a downline's price (network), or nil
	billPricer BillPricer                                         // a downline's bill's commissions (network), or nil
}

// Pricer prices a product for a reseller with an upline: the price and the uplines'
// commissions in it (network.Service.Price).
type Pricer func(ctx context.Context, r *loket.ResellerAuth, p *loket.Product) (loket.Money, []store.Commission, error)

// SetPricer prices downlines' orders with f. Call before Start.
func (s *Service) SetPricer(f Pricer) { s.pricer = f }

// BillPricer is the uplines' commissions on a downline's bill: each upline's markup on
// the admin (network.Service.BillCommissions).
type BillPricer func(ctx context.Context, r *loket.ResellerAuth, p *loket.Product, admin loket.Money) ([]store.Commission, error)

// SetBillPricer prices downlines' bills with f. Call before Start.
func (s *Service) SetBillPricer(f BillPricer) { s.billPricer = f }

// SetAlerter sends the operator's alerts (loket.AlertStuck, AlertLowBalance,
// AlertSupplier) through f: chat's, to the operator's chats. Call before Start.
func (s *Service) SetAlerter(f func(ctx context.Context, kind, text string) error) { s.alert = f }

// raise sends an alert in the background: the order path never waits on it.
func (s *Service) raise(kind, text string) {
	if s.alert == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.alert(ctx, kind, text); err != nil {
			s.log.Warn("operator alert", "kind", kind, "err", err)
		}
	}()
}

// New makes the service and registers the order job and the background checks (overdue
// orders, supplier balances) with the runner.
func New(db *store.DB, runner *jobs.Runner, cat *catalog.Service, rs *resellers.Service, hooks *webhooks.Service,
	log *slog.Logger, reg *metrics.Registry, cfg Config) *Service {
	s := &Service{db: db, log: log, runner: runner, catalog: cat, resellers: rs, webhooks: hooks, cfg: cfg}
	s.low.Store(-1)
	s.initMetrics(reg)
	runner.Handle(store.JobOrder, s.carry)
	runner.Every(30*time.Second, 10*time.Second, false, s.flagOverdue)
	runner.Every(BalanceEvery, time.Minute, true, s.CheckBalances)
	return s
}

// Limits on what an order may carry.
const (
	maxTargetLen = 64
	maxFields    = 16
	maxFieldLen  = 128
)

// Checked is an order request checked and priced for its reseller, ready to be
// written: what CreateOrder writes, and what a dropship order starts from.
type Checked struct {
	RefID       string
	Surface     string
	Product     *loket.Product
	Target      string
	Fields      map[string]string
	Price       loket.Money
	Route       *loket.Route       // the first usable route
	RequestHash string             // what a repeated ref_id must match
	Repeat      bool               // the reseller's repeat of the same: no anti double-order guard
	Commissions []store.Commission // the uplines' of a downline's order (network pricing)
}

// Check checks an order request for a reseller: its ref_id, product, target and form
// fields, price (and max_price) and that some route can serve it now.
func (s *Service) Check(ctx context.Context, r *loket.ResellerAuth, req loket.OrderRequest) (*Checked, error) {
	c := &Checked{Surface: req.Surface, Repeat: req.Repeat}
	if c.Surface == "" {
		c.Surface = "api"
	}
	var err error
	if c.RefID, err = CheckRef(req.RefID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Product) == "" {
		return nil, loket.FieldError(loket.EPRODUCT, "product", "product is required: the code of what to buy, e.g. HSA5")
	}
	p, err := s.catalog.Product(req.Product, r.Level)
	if err != nil {
		return nil, loket.FieldError(loket.EPRODUCT, "product", "unknown product %q", loket.Clip(req.Product))
	}
	if p.Postpaid() {
		return nil, &loket.Error{Code: loket.EPRODUCT, Field: "product", Reason: loket.ReasonPostpaid,
			Message: fmt.Sprintf("%s is a postpaid bill: check it with an inquiry (POST /v1/bills/inquiry) and pay the inquiry", p.Code)}
	}
	if !p.Active {
		return nil, loket.FieldError(loket.EINACTIVE, "product", "product %s is not available now", p.Code)
	}
	if err := p.CheckCutOff(time.Now()); err != nil {
		return nil, err
	}
	c.Product = p
	if c.Target, c.Fields, err = checkTarget(p, req.Target, req.Fields); err != nil {
		return nil, err
	}
	c.Price = p.Price
	if r.UplineID != 0 && s.pricer != nil {
		// A downline pays its upline's price and markup, up the chain.
		if c.Price, c.Commissions, err = s.pricer(ctx, r, p); err != nil {
			return nil, err
		}
	}
	if req.MaxPrice < 0 || req.MaxPrice > loket.MaxAmount {
		return nil, loket.FieldError(loket.EINVALID, "max_price", "max_price must be between 0 and %d", loket.MaxAmount)
	}
	if req.MaxPrice > 0 && c.Price > req.MaxPrice {
		return nil, loket.FieldError(loket.EPRICE, "max_price", "price %d is above max_price %d", c.Price, req.MaxPrice)
	}
	if c.Route = s.nextRoute(p.ID, nil); c.Route == nil {
		return nil, loket.FieldError(loket.EUNAVAILABLE, "product", "product %s cannot be bought now", p.Code)
	}
	c.RequestHash = requestHash(p.Code, c.Target, c.Fields, req.MaxPrice)
	return c, nil
}

// NewOrder is what the store writes for a checked request.
func (s *Service) NewOrder(r *loket.ResellerAuth, c *Checked) *store.NewOrder {
	n := &store.NewOrder{ResellerID: r.ID, AccountID: r.BalanceAccountID, RefID: c.RefID, RequestHash: c.RequestHash,
		Product: c.Product, Target: c.Target, Fields: c.Fields, Price: c.Price, Surface: c.Surface,
		GuardWindow: s.cfg.GuardWindow}
	if c.Repeat {
		n.GuardWindow = 0
	}
	n.Commissions = c.Commissions
	return n
}

// CreateOrder accepts an order: checks it, prices it for the reseller's level, and
// writes the order, its reservation, its first supplier attempt and its dispatch job in
// one transaction. A repeated ref_id returns the first order (created=false) and
// charges nothing; the same ref_id with another request is a conflict.
func (s *Service) CreateOrder(ctx context.Context, r *loket.ResellerAuth, req loket.OrderRequest) (*loket.Order, bool, error) {
	start := time.Now()
	c, err := s.Check(ctx, r, req)
	if err != nil {
		s.Refused(req.Surface, err)
		return nil, false, err
	}
	n := s.NewOrder(r, c)
	n.FirstRoute = c.Route
	o, existed, err := s.write(ctx, n)
	if err != nil {
		s.Refused(c.Surface, err)
		return nil, false, err
	}
	if !existed {
		s.Created(c.Surface, start)
	}
	return o, !existed, nil
}

// write writes an accepted order with its first attempt (n.FirstRoute, under
// n.FirstRef or the order's own ref) and hands its job to this node's workers once
// committed.
func (s *Service) write(ctx context.Context, n *store.NewOrder) (*loket.Order, bool, error) {
	n.Node, n.Lease = s.runner.Node(), s.runner.Lease()
	route := n.FirstRoute
	return s.db.WriteOrder(ctx, n, func(t *store.Tx, o *loket.Order) error {
		if f := store.InOrderTx(ctx); f != nil {
			// What commits with the order (a chat's answer and where its result goes).
			if err := f(t, o); err != nil {
				return err
			}
		}
		ref := n.FirstRef
		if ref == "" {
			ref = store.SupplierRef(o.ID, 1)
		}
		fresh := &store.FreshOrder{Order: o, Attempt: loket.Attempt{OrderID: o.ID, Seq: 1, RouteID: route.ID, SupplierID: route.SupplierID,
			SupplierCode: route.SupplierCode, SupplierRef: ref, SupplierTrx: n.FirstTrx, Cost: route.Cost, Outcome: "new", StartedAt: o.CreatedAt}}
		t.AfterCommit(func() {
			s.runner.Enqueue(store.Job{Key: store.OrderJobKey(o.ID), Kind: store.JobOrder, RefID: o.ID, Fresh: fresh})
		})
		return nil
	})
}

// Created counts an accepted order of a surface, placed since start.
func (s *Service) Created(surface string, start time.Time) {
	s.m.created.With(surface).Inc()
	s.m.createSeconds.With(surface).ObserveSince(start)
}

// Refused counts an order refused with err.
func (s *Service) Refused(surface string, err error) {
	if surface == "" {
		surface = "api"
	}
	s.m.refused.With(surface, loket.ErrorCode(err)).Inc()
}

// Expired counts an unpaid order that expired.
func (s *Service) Expired(o *loket.Order) { s.m.settled.With("expired", o.Surface).Inc() }

// Order returns one of a reseller's orders (any reseller's when resellerID is 0).
func (s *Service) Order(ctx context.Context, resellerID, id int64) (*loket.Order, error) {
	o, err := s.db.Order(ctx, id, resellerID)
	return s.withInquiry(ctx, o), err
}

// OrderByRef returns a reseller's order by its ref_id.
func (s *Service) OrderByRef(ctx context.Context, resellerID int64, refID string) (*loket.Order, error) {
	if err := loket.CheckText("ref_id", refID, loket.MaxText); err != nil {
		return nil, err
	}
	o, err := s.db.OrderByRef(ctx, resellerID, refID)
	return s.withInquiry(ctx, o), err
}

// Orders lists orders.
func (s *Service) Orders(ctx context.Context, f loket.OrderFilter) ([]*loket.Order, error) {
	if err := loket.CheckTexts("ref_id", f.RefID, "status", f.Status); err != nil {
		return nil, err
	}
	list, err := s.db.ListOrders(ctx, f)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, o := range list {
		if o.InquiryID != 0 {
			ids = append(ids, o.InquiryID)
		}
	}
	if len(ids) > 0 {
		inqs, err := s.db.Inquiries(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			o.Inquiry = inqs[o.InquiryID]
		}
	}
	return list, nil
}

// Attempts lists an order's supplier attempts, in order.
func (s *Service) Attempts(ctx context.Context, orderID int64) ([]loket.Attempt, error) {
	return s.db.Attempts(ctx, orderID)
}

// CheckRef trims a reseller's ref_id and checks it; an empty one gets a random ref.
func CheckRef(ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		ref = "auto-" + auth.RandomCode(16)
	}
	if len(ref) > loket.MaxRefLen || !loket.Printable(ref) {
		return "", loket.FieldError(loket.EINVALID, "ref_id", "ref_id must be 1-%d printable characters", loket.MaxRefLen)
	}
	return ref, nil
}

func requestHash(product, target string, fields map[string]string, maxPrice loket.Money) string {
	h := sha256.New()
	h.Write([]byte(product + "\x00" + target + "\x00"))
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h.Write([]byte(k + "=" + fields[k] + "\x00"))
	}
	if maxPrice > 0 {
		h.Write([]byte{byte(maxPrice), byte(maxPrice >> 8), byte(maxPrice >> 16), byte(maxPrice >> 24), byte(maxPrice >> 32)})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
