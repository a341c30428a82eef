package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/qris"
	"github.com/loket/loket/internal/store"
)

// DropshipExpiry is how long a dropship order's customer has to pay.
const DropshipExpiry = 15 * time.Minute

// DropshipRequest is the dropship side of an order (seed 004's Mode B).
type DropshipRequest struct {
	SellingPrice  loket.Money // what the reseller's customer pays (at least the reseller's price)
	CustomerName  string
	CustomerPhone string
}

// CreateDropshipOrder accepts an order its reseller's customer will pay by QRIS: the
// order is written unpaid (the reseller's balance is not touched) with its payment, a
// dynamic QRIS of the selling price plus a unique code, valid for DropshipExpiry.
// When the payment is matched the order is dispatched; on success the margin goes to
// the reseller's profit balance; on failure the customer's payment is owed back; an
// unpaid order expires at no cost. A repeated ref_id returns the first order.
func (a *App) CreateDropshipOrder(ctx context.Context, r *loket.ResellerAuth, req loket.OrderRequest, d DropshipRequest) (*loket.Order, *loket.Dropship, bool, error) {
	start := time.Now()
	if req.Surface == "" {
		req.Surface = "api"
	}
	req.RefID = strings.TrimSpace(req.RefID)
	if req.RefID == "" {
		req.RefID = "auto-" + auth.RandomCode(16)
	}
	if len(req.RefID) > maxRefLen || !printable(req.RefID) {
		return nil, nil, false, loket.FieldError(loket.EINVALID, "ref_id", "ref_id must be 1-%d printable characters", maxRefLen)
	}
	d.CustomerName = strings.Join(strings.Fields(d.CustomerName), " ")
	d.CustomerPhone = strings.TrimSpace(d.CustomerPhone)
	if utf8.RuneCountInString(d.CustomerName) > 100 || !printable(d.CustomerName) {
		return nil, nil, false, loket.FieldError(loket.EINVALID, "customer_name", "customer_name is at most 100 characters")
	}
	if d.CustomerPhone != "" && !phoneLike(d.CustomerPhone) {
		return nil, nil, false, loket.FieldError(loket.EINVALID, "customer_phone", "customer_phone is not a phone number")
	}
	view := a.catalog.Load()
	p, ok := view.byCode[strings.ToUpper(strings.TrimSpace(req.Product))]
	if !ok || req.Product == "" {
		return nil, nil, false, loket.FieldError(loket.EPRODUCT, "product", "unknown product %q", clip(req.Product))
	}
	if !p.Active {
		return nil, nil, false, loket.FieldError(loket.EINACTIVE, "product", "product %s is not available now", p.Code)
	}
	target, fields, err := checkTarget(p, req.Target, req.Fields)
	if err != nil {
		return nil, nil, false, err
	}
	price := view.price(p, r.Level)
	if d.SellingPrice < price || d.SellingPrice > maxDeposit {
		return nil, nil, false, loket.FieldError(loket.EPRICE, "selling_price", "selling_price must be at least your price %d (and at most %d)", price, maxDeposit)
	}
	if a.firstRoute(view, p.ID) == nil {
		return nil, nil, false, loket.FieldError(loket.EUNAVAILABLE, "product", "product %s cannot be bought now", p.Code)
	}
	static, err := a.DB.Setting(ctx, settingQRIS)
	if err != nil {
		return nil, nil, false, err
	}
	if static == "" {
		return nil, nil, false, loket.Errorf(loket.ENOTCONFIGURED, "dropship needs QRIS payments, which are not set up yet (the operator runs loket payment set-qris)")
	}
	qr := func(total loket.Money) (string, error) { return qris.Dynamic(static, total) }
	n := &store.NewOrder{
		ResellerID: r.ID, AccountID: r.BalanceAccountID, RefID: req.RefID,
		RequestHash: requestHash(p.Code, target, fields, 0) + fmt.Sprintf(":ds:%d:%s:%s", d.SellingPrice, d.CustomerName, d.CustomerPhone),
		Product:     p, Target: target, Fields: fields, Price: price, Surface: req.Surface,
	}
	if a.cfg.GuardWindow > 0 {
		n.GuardWindow = a.cfg.GuardWindow
	}
	for try := 0; try < 30; try++ {
		nd := store.NewDropship{SellingPrice: d.SellingPrice, CustomerName: d.CustomerName, CustomerPhone: d.CustomerPhone,
			Token: auth.RandomCode(24),
			Payment: store.NewDeposit{ResellerID: r.ID, Method: MethodQRIS, Amount: d.SellingPrice, UniqueCode: randomCode(),
				Surface: req.Surface, Expires: DropshipExpiry, QR: qr}}
		var o *loket.Order
		var ds *loket.Dropship
		var existed bool
		err := a.DB.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
			var err error
			o, ds, existed, err = t.CreateDropshipOrder(n, nd)
			return err
		})
		if errors.Is(err, store.ErrTotalTaken) {
			continue
		}
		if err != nil {
			a.m.orderRefused.With(req.Surface, loket.ErrorCode(err)).Inc()
			return nil, nil, false, err
		}
		if !existed {
			a.m.orderCreated.With(req.Surface).Inc()
			a.m.orderCreateSeconds.With(req.Surface).ObserveSince(start)
			a.later(store.Job{Key: store.DropshipJobKey(o.ID), Kind: store.JobDropshipExpiry, RefID: o.ID}, time.Until(ds.ExpiresAt)+time.Second)
		}
		return o, ds, !existed, nil
	}
	return nil, nil, false, loket.Errorf(loket.EUNAVAILABLE, "too many open payments of this amount; try a slightly different selling_price")
}

// expireDropship is an unpaid dropship order's expiry job: the order fails at no cost
// and its reseller is told. A paid order's job is gone (FundDropship deletes it); one
// that runs early waits for its time.
func (a *App) expireDropship(ctx context.Context, j store.Job) error {
	d, err := a.DB.Dropship(ctx, j.RefID)
	if err != nil {
		if loket.ErrorCode(err) == loket.ENOTFOUND {
			return a.DB.Direct(ctx, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
		}
		return err
	}
	if wait := time.Until(d.ExpiresAt); wait > 0 {
		a.later(j, wait+time.Second)
		return nil
	}
	o0, err := a.DB.Order(ctx, j.RefID, 0)
	if err != nil {
		return err
	}
	ra, err := a.resellerByID(ctx, o0.ResellerID)
	if err != nil {
		return err
	}
	var expired *loket.Order
	var hook int64
	err = a.DB.Write(ctx, uint64(o0.ResellerID), func(t *store.Tx) error {
		hook = 0
		var err error
		if expired, err = t.ExpireDropship(j.RefID); err != nil || expired == nil {
			if err == nil {
				err = t.DeleteJob(j.Key)
			}
			return err
		}
		hook, err = a.queueOrderWebhook(t, ra, expired)
		return err
	})
	if err != nil {
		return err
	}
	if expired != nil {
		a.m.orderSettled.With("expired", expired.Surface).Inc()
		if hook != 0 {
			a.enqueue(store.Job{Key: fmt.Sprintf("webhook:%d", hook), Kind: store.JobWebhook, RefID: hook})
		}
	}
	return nil
}

// RefundDropship records that the operator paid back the customer of a failed dropship
// order (note: the transfer reference), once.
func (a *App) RefundDropship(ctx context.Context, orderID int64, note string) (*loket.Dropship, error) {
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > 200 {
		return nil, loket.FieldError(loket.EINVALID, "note", "a note is required (how the customer was paid back), up to 200 characters")
	}
	var d *loket.Dropship
	err := a.DB.Direct(ctx, func(t *store.Tx) error {
		var err error
		d, err = t.RefundDropship(orderID, note)
		return err
	})
	return d, err
}

// DropshipToken is the secret of a dropship order's public invoice link.
func (a *App) DropshipInvoiceURL(d *loket.Dropship) string {
	return fmt.Sprintf("%s/pay/%d/%s", a.cfg.PublicURL, d.OrderID, d.Token)
}

// DropshipStatusURL is the JSON status of a dropship order's payment, for the invoice
// page and the reseller's customer.
func (a *App) DropshipStatusURL(d *loket.Dropship) string {
	return fmt.Sprintf("%s/pay/%d/%s/status", a.cfg.PublicURL, d.OrderID, d.Token)
}

// DropshipQRURL is the dropship payment's QR code as a PNG at a public link.
func (a *App) DropshipQRURL(d *loket.Dropship) string {
	return fmt.Sprintf("%s/qr/%d/%s.png", a.cfg.PublicURL, d.DepositID, a.QRToken(d.DepositID))
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
