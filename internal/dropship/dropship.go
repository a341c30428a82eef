// Package dropship sells for a reseller without touching its balance: the reseller's
// customer pays the order by QRIS, the order is dispatched once paid, and on success
// the margin lands in the reseller's profit balance (on failure the payment is owed
// back to the customer, and the operator records paying it). Profit leaves by
// withdrawals the operator approves, or moves into the balance.
package dropship

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/deposits"
	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/orders"
	"github.com/loket/loket/internal/resellers"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/webhooks"
)

// Expiry is how long a dropship order's customer has to pay.
const Expiry = 15 * time.Minute

// Config tunes the service.
type Config struct {
	PublicURL string // where customers open their invoice
}

// Service takes dropship orders and pays out profit.
type Service struct {
	db        *store.DB
	log       *slog.Logger
	runner    *jobs.Runner
	orders    *orders.Service
	deposits  *deposits.Service
	resellers *resellers.Service
	webhooks  *webhooks.Service
	cfg       Config
}

// New makes the service and registers the expiry job of unpaid orders with the runner.
func New(db *store.DB, runner *jobs.Runner, ord *orders.Service, deps *deposits.Service, rs *resellers.Service,
	hooks *webhooks.Service, log *slog.Logger, cfg Config) *Service {
	s := &Service{db: db, log: log, runner: runner, orders: ord, deposits: deps, resellers: rs, webhooks: hooks, cfg: cfg}
	runner.Handle(store.JobDropshipExpiry, s.expire)
	return s
}

// CreateDropshipOrder accepts an order its reseller's customer will pay by QRIS: the
// order is written unpaid (the reseller's balance is not touched) with its payment, a
// dynamic QRIS of the selling price plus a unique code, valid for Expiry. When the
// payment is matched the order is dispatched; on success the margin goes to the
// reseller's profit balance; on failure the customer's payment is owed back; an unpaid
// order expires at no cost. A repeated ref_id returns the first order.
func (s *Service) CreateDropshipOrder(ctx context.Context, r *loket.ResellerAuth, req loket.OrderRequest, d loket.DropshipRequest) (*loket.Order, *loket.Dropship, bool, error) {
	start := time.Now()
	if req.Surface == "" {
		req.Surface = "api"
	}
	if d.SellingPrice <= 0 {
		// Checked before anything else: a dropship order without a price the customer
		// pays is a mistake in the request, never an order of another kind.
		return nil, nil, false, loket.FieldError(loket.EINVALID, "selling_price", "selling_price must be a positive amount of rupiah, got %d", d.SellingPrice)
	}
	var err error
	if req.RefID, err = orders.CheckRef(req.RefID); err != nil {
		return nil, nil, false, err
	}
	d.CustomerName = strings.Join(strings.Fields(d.CustomerName), " ")
	d.CustomerPhone = strings.TrimSpace(d.CustomerPhone)
	if err := loket.CheckTexts("customer_name", d.CustomerName, "customer_phone", d.CustomerPhone); err != nil {
		return nil, nil, false, err
	}
	if utf8.RuneCountInString(d.CustomerName) > 100 || !loket.Printable(d.CustomerName) {
		return nil, nil, false, loket.FieldError(loket.EINVALID, "customer_name", "customer_name is at most 100 characters")
	}
	if d.CustomerPhone != "" && !phoneLike(d.CustomerPhone) {
		return nil, nil, false, loket.FieldError(loket.EINVALID, "customer_phone", "customer_phone is not a phone number")
	}
	// The customer, not max_price, bounds a dropship order's price.
	req.MaxPrice = 0
	c, err := s.orders.Check(ctx, r, req)
	if err != nil {
		return nil, nil, false, err
	}
	if d.SellingPrice < c.Price || d.SellingPrice > loket.MaxDeposit {
		return nil, nil, false, loket.FieldError(loket.EPRICE, "selling_price", "selling_price must be at least your price %d (and at most %d)", c.Price, loket.MaxDeposit)
	}
	qr, err := s.deposits.DynamicQRIS(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	if qr == nil {
		return nil, nil, false, loket.Errorf(loket.ENOTCONFIGURED, "dropship needs QRIS payments, which are not set up yet (the operator runs loket payment set-qris)")
	}
	n := s.orders.NewOrder(r, c)
	n.RequestHash += fmt.Sprintf(":ds:%d:%s:%s", d.SellingPrice, d.CustomerName, d.CustomerPhone)
	for try := 0; try < 30; try++ {
		nd := store.NewDropship{SellingPrice: d.SellingPrice, CustomerName: d.CustomerName, CustomerPhone: d.CustomerPhone,
			Token: auth.RandomCode(24),
			Payment: store.NewDeposit{ResellerID: r.ID, Method: loket.MethodQRIS, Amount: d.SellingPrice, UniqueCode: deposits.UniqueCode(),
				Surface: req.Surface, Expires: Expiry, QR: qr}}
		var o *loket.Order
		var ds *loket.Dropship
		var existed bool
		err := s.db.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
			var err error
			o, ds, existed, err = t.CreateDropshipOrder(n, nd)
			return err
		})
		if errors.Is(err, store.ErrTotalTaken) {
			continue
		}
		if err != nil {
			s.orders.Refused(req.Surface, err)
			return nil, nil, false, err
		}
		if !existed {
			s.orders.Created(req.Surface, start)
			s.runner.Later(store.Job{Key: store.DropshipJobKey(o.ID), Kind: store.JobDropshipExpiry, RefID: o.ID}, time.Until(ds.ExpiresAt)+time.Second)
		}
		return o, ds, !existed, nil
	}
	return nil, nil, false, loket.Errorf(loket.EUNAVAILABLE, "too many open payments of this amount; try a slightly different selling_price")
}

// expire is an unpaid dropship order's expiry job: the order fails at no cost and its
// reseller is told. A paid order's job is gone (FundDropship deletes it); one that runs
// early waits for its time.
func (s *Service) expire(ctx context.Context, j store.Job) error {
	d, err := s.db.Dropship(ctx, j.RefID)
	if err != nil {
		if loket.ErrorCode(err) == loket.ENOTFOUND {
			return s.db.Direct(ctx, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
		}
		return err
	}
	if wait := time.Until(d.ExpiresAt); wait > 0 {
		s.runner.Later(j, wait+time.Second)
		return nil
	}
	o0, err := s.db.Order(ctx, j.RefID, 0)
	if err != nil {
		return err
	}
	ra, err := s.resellers.Auth(ctx, o0.ResellerID)
	if err != nil {
		return err
	}
	var expired *loket.Order
	var hook int64
	err = s.db.Write(ctx, uint64(o0.ResellerID), func(t *store.Tx) error {
		hook = 0
		var err error
		if expired, err = t.ExpireDropship(j.RefID); err != nil || expired == nil {
			if err == nil {
				err = t.DeleteJob(j.Key)
			}
			return err
		}
		hook, err = s.webhooks.QueueOrder(t, ra, expired)
		return err
	})
	if err != nil {
		return err
	}
	if expired != nil {
		s.orders.Expired(expired)
		s.webhooks.Send(hook)
	}
	return nil
}

// RefundDropship records that the operator paid back the customer of a failed dropship
// order (note: the transfer reference), once.
func (s *Service) RefundDropship(ctx context.Context, orderID int64, note string) (*loket.Dropship, error) {
	note = strings.TrimSpace(note)
	if err := loket.CheckText("note", note, loket.MaxText); err != nil {
		return nil, err
	}
	if note == "" || utf8.RuneCountInString(note) > 200 {
		return nil, loket.FieldError(loket.EINVALID, "note", "a note is required (how the customer was paid back), up to 200 characters")
	}
	var d *loket.Dropship
	err := s.db.Direct(ctx, func(t *store.Tx) error {
		var err error
		d, err = t.RefundDropship(orderID, note)
		return err
	})
	return d, err
}

// Dropship returns the dropship side of an order.
func (s *Service) Dropship(ctx context.Context, orderID int64) (*loket.Dropship, error) {
	return s.db.Dropship(ctx, orderID)
}

// ByToken returns a dropship order and its payment by the secret of its invoice link.
func (s *Service) ByToken(ctx context.Context, orderID int64, token string) (*loket.Dropship, *loket.Order, error) {
	if err := loket.CheckText("token", token, loket.MaxText); err != nil {
		return nil, nil, err
	}
	return s.db.DropshipByToken(ctx, orderID, token)
}

// RefundsOwed lists failed dropship orders whose customer is owed the payment (one
// reseller's when resellerID is not 0).
func (s *Service) RefundsOwed(ctx context.Context, resellerID int64, limit int) ([]loket.Dropship, error) {
	return s.db.RefundsOwed(ctx, resellerID, limit)
}

// InvoiceURL is a dropship order's public invoice page, for the customer.
func (s *Service) InvoiceURL(d *loket.Dropship) string {
	return fmt.Sprintf("%s/pay/%d/%s", s.cfg.PublicURL, d.OrderID, d.Token)
}

// StatusURL is the JSON status of a dropship order's payment, for the invoice page and
// the reseller's customer.
func (s *Service) StatusURL(d *loket.Dropship) string {
	return fmt.Sprintf("%s/pay/%d/%s/status", s.cfg.PublicURL, d.OrderID, d.Token)
}

// QRURL is the dropship payment's QR code as a PNG at a public link.
func (s *Service) QRURL(d *loket.Dropship) string {
	return s.deposits.PublicQRURLOf(d.DepositID)
}

// phoneLike accepts what a reseller writes as its customer's number (informational,
// shown on the invoice): digits, with spaces, dashes or a leading +, 3 to 20 digits.
func phoneLike(s string) bool {
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '-' || (c == '+' && i == 0):
		default:
			return false
		}
	}
	return digits >= 3 && digits <= 20
}
