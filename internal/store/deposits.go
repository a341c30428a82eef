package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/loket/loket/internal/loket"
)

// ErrTotalTaken says another open deposit of the method has that total: pick another
// unique code.
var ErrTotalTaken = errors.New("store: an open deposit has that total")

// NewDeposit is what CreateDeposit stores.
type NewDeposit struct {
	ResellerID int64
	Method     string
	Amount     loket.Money
	UniqueCode loket.Money
	// PayAmount is what the payer sends in the method's unit; 0 means the total
	// (amount plus unique code) in rupiah.
	PayAmount int64
	PayTo     string
	Surface   string
	Expires   time.Duration
	// QR makes the QRIS string to pay a total with (method qris); nil for others.
	QR      func(total loket.Money) (string, error)
	MaxOpen int // open deposits a reseller may have
}

const depositCols = `id, reseller_id, method, amount, unique_code, total, pay_amount, pay_to, status, surface, qr_string, payment_id, brand, buyer_ref, created_at, expires_at, settled_at`

func scanDeposit(row interface{ Scan(...any) error }) (*loket.Deposit, error) {
	var d loket.Deposit
	var pay, settled sql.NullInt64
	var c, e int64
	if err := row.Scan(&d.ID, &d.ResellerID, &d.Method, &d.Amount, &d.UniqueCode, &d.Total, &d.PayAmount, &d.PayTo, &d.Status, &d.Surface, &d.QRString, &pay,
		&d.Brand, &d.BuyerRef, &c, &e, &settled); err != nil {
		return nil, err
	}
	if pay.Valid {
		v := pay.Int64
		d.PaymentID = &v
	}
	d.CreatedAt, d.ExpiresAt, d.SettledAt = Time(c), Time(e), TimePtr(settled)
	return &d, nil
}

// CreateDeposit opens a deposit. The partial unique index on open deposits' pay
// amounts refuses one another open deposit of the method has (ErrTotalTaken).
func (t *Tx) CreateDeposit(n NewDeposit) (*loket.Deposit, error) {
	now := Now()
	var open int
	// (Dropship orders' payments are the reseller's customers', not its deposits.)
	if err := t.QueryRow(`SELECT count(*) FROM deposits WHERE reseller_id = $1 AND status = 'pending' AND expires_at >= $2 AND order_id IS NULL`,
		n.ResellerID, now).Scan(&open); err != nil {
		return nil, err
	}
	if n.MaxOpen > 0 && open >= n.MaxOpen {
		return nil, loket.Errorf(loket.ELIMIT, "you have %d open deposits; pay or cancel one first", open)
	}
	if n.PayAmount == 0 {
		n.PayAmount = int64(n.Amount + n.UniqueCode)
	}
	// A lapsed deposit still marked pending must not hold its pay amount.
	if _, err := t.Exec(`UPDATE deposits SET status = 'expired', settled_at = $1 WHERE method = $2 AND pay_amount = $3 AND status = 'pending' AND expires_at < $1`,
		now, n.Method, n.PayAmount); err != nil {
		return nil, err
	}
	qr := ""
	if n.QR != nil {
		var err error
		if qr, err = n.QR(n.Amount + n.UniqueCode); err != nil {
			return nil, err
		}
	}
	d, err := scanDeposit(t.QueryRow(`INSERT INTO deposits (reseller_id, method, amount, unique_code, total, pay_amount, pay_to, status, surface, qr_string, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11) RETURNING `+depositCols,
		n.ResellerID, n.Method, n.Amount, n.UniqueCode, n.Amount+n.UniqueCode, n.PayAmount, n.PayTo, n.Surface, qr, now, now+n.Expires.Microseconds()))
	if isUnique(err) {
		return nil, ErrTotalTaken
	}
	return d, err
}

// Deposit loads a deposit; resellerID limits it to one reseller's own deposits (0:
// any, dropship orders' payments included). A dropship order's payment is its
// customer's, not a deposit of the reseller: the reseller sees it on the order.
func (db *DB) Deposit(ctx context.Context, id, resellerID int64) (*loket.Deposit, error) {
	d, err := scanDeposit(db.queryRow(ctx, `SELECT `+depositCols+` FROM deposits WHERE id = $1 AND ($2 = 0 OR (reseller_id = $2 AND order_id IS NULL))`, id, resellerID))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no such deposit")
	}
	return d, err
}

// Deposits lists a reseller's deposits, newest first (not its dropship orders'
// payments).
func (db *DB) Deposits(ctx context.Context, resellerID int64, limit int) ([]*loket.Deposit, error) {
	var out []*loket.Deposit
	err := db.each(ctx, `SELECT `+depositCols+` FROM deposits WHERE reseller_id = $1 AND order_id IS NULL ORDER BY id DESC LIMIT $2`, func(r *sql.Rows) error {
		d, err := scanDeposit(r)
		if err == nil {
			out = append(out, d)
		}
		return err
	}, resellerID, limit)
	return out, err
}

// CancelDeposit cancels a reseller's open deposit. A dropship order's payment cannot be
// cancelled this way: the order expires on its own.
func (t *Tx) CancelDeposit(id, resellerID int64) (*loket.Deposit, error) {
	d, err := scanDeposit(t.QueryRow(`UPDATE deposits SET status = 'cancel', settled_at = $3
		WHERE id = $1 AND reseller_id = $2 AND status = 'pending' AND order_id IS NULL
		RETURNING `+depositCols, id, resellerID, Now()))
	if noRows(err) {
		return nil, loket.Errorf(loket.ECONFLICT, "deposit %d is not open", id)
	}
	return d, err
}

// ExpireDeposits closes open deposits past their expiry and returns how many.
func (t *Tx) ExpireDeposits() (int64, error) {
	now := Now()
	res, err := t.Exec(`UPDATE deposits SET status = 'expired', settled_at = $1 WHERE status = 'pending' AND expires_at < $1`, now)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// RecordPayment keeps a payment once (by source and ref) and credits the open deposit
// of its method whose pay amount (the total, for rupiah methods) equals its amount, if there is one and it had not expired
// when the payment was made: the deposit's amount to the reseller, the unique code to
// revenue, the total from the payment source's account. An unmatched payment is kept
// for the operator. The payment account must exist (EnsureAccount).
func (t *Tx) RecordPayment(p loket.Payment) (loket.PaymentOutcome, error) {
	var out loket.PaymentOutcome
	now := Now()
	paid := p.PaidAt.UnixMicro()
	if p.PaidAt.IsZero() {
		paid = now
	}
	err := t.QueryRow(`INSERT INTO payments (source, ref, method, amount, brand, buyer, paid_at, received_at, state)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'unmatched') ON CONFLICT (source, ref) DO NOTHING RETURNING id`,
		p.Source, p.Ref, p.Method, p.Amount, truncate(p.Brand, 64), truncate(p.Buyer, 128), paid, now).Scan(&out.PaymentID)
	if noRows(err) {
		out.Duplicate = true
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("record payment: %w", err)
	}
	d, err := scanDeposit(t.QueryRow(`UPDATE deposits SET status = 'success', payment_id = $4, brand = $5, buyer_ref = $6, settled_at = $7
		WHERE method = $1 AND pay_amount = $2 AND status = 'pending' AND expires_at >= $3 RETURNING `+depositCols,
		p.Method, p.Amount, paid, out.PaymentID, truncate(p.Brand, 64), truncate(p.Buyer, 128), now))
	if noRows(err) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("match payment: %w", err)
	}
	source, err := t.HouseAccount(PaymentAccount(p.Source), KindPaymentSource)
	if err != nil {
		return out, err
	}
	if done, err := t.payDropship(d, source); err != nil || done {
		if err == nil {
			_, err = t.Exec(`UPDATE payments SET state = 'matched', deposit_id = $2 WHERE id = $1`, out.PaymentID, d.ID)
			out.Deposit = d
		}
		return out, err
	}
	ra, err := t.resellerAccounts(d.ResellerID)
	if err != nil {
		return out, err
	}
	legs := []Leg{{source, -d.Total}, {ra, d.Amount}}
	if d.UniqueCode > 0 {
		revenue, err := t.HouseAccount(AccRevenue, KindRevenue)
		if err != nil {
			return out, err
		}
		legs = append(legs, Leg{revenue, d.UniqueCode})
	}
	if _, err := t.Transfer(fmt.Sprintf("deposit:%d", d.ID), TransferDeposit, nil, fmt.Sprintf("deposit %d (%s)", d.ID, d.Method), legs, ra); err != nil {
		return out, err
	}
	if _, err := t.Exec(`UPDATE payments SET state = 'matched', deposit_id = $2 WHERE id = $1`, out.PaymentID, d.ID); err != nil {
		return out, err
	}
	out.Deposit = d
	return out, nil
}

func (t *Tx) resellerAccounts(resellerID int64) (int64, error) {
	var acc int64
	err := t.QueryRow(`SELECT balance_account_id FROM resellers WHERE id = $1`, resellerID).Scan(&acc)
	return acc, err
}

// CreditPayment credits an unmatched payment to a reseller by the operator's hand, once.
func (t *Tx) CreditPayment(paymentID, resellerID int64, note string) error {
	var amount loket.Money
	var source string
	// Only rupiah payments: a USDT payment's amount is micro-USDT, worth rupiah only
	// at a rate, and would be credited a million times over.
	err := t.QueryRow(`UPDATE payments SET state = 'credited', note = $2 WHERE id = $1 AND state = 'unmatched' AND method <> 'usdt' RETURNING amount, source`,
		paymentID, truncate(note, 200)).Scan(&amount, &source)
	if noRows(err) {
		var method string
		if t.QueryRow(`SELECT method FROM payments WHERE id = $1`, paymentID).Scan(&method) == nil && method == "usdt" {
			return loket.Errorf(loket.EINVALID, "payment %d is USDT; credit its rupiah value with loket reseller credit", paymentID)
		}
		return loket.Errorf(loket.ECONFLICT, "payment %d is not unmatched", paymentID)
	}
	if err != nil {
		return err
	}
	ra, err := t.resellerAccounts(resellerID)
	if err != nil {
		if noRows(err) {
			return loket.Errorf(loket.ENOTFOUND, "no such reseller")
		}
		return err
	}
	src, err := t.HouseAccount(PaymentAccount(source), KindPaymentSource)
	if err != nil {
		return err
	}
	_, err = t.Transfer(fmt.Sprintf("payment:%d:credit", paymentID), TransferDeposit, nil, "by hand: "+note,
		[]Leg{{src, -amount}, {ra, amount}}, ra)
	return err
}

// Payments lists payments in a state ("" for all), newest first.
func (db *DB) Payments(ctx context.Context, state string, limit int) ([]*loket.Payment, error) {
	var out []*loket.Payment
	err := db.each(ctx, `SELECT id, source, ref, method, amount, brand, buyer, paid_at, received_at, deposit_id, state, note FROM payments
		WHERE ($1 = '' OR state = $1) ORDER BY id DESC LIMIT $2`, func(r *sql.Rows) error {
		var p loket.Payment
		var paid, recv int64
		var dep sql.NullInt64
		if err := r.Scan(&p.ID, &p.Source, &p.Ref, &p.Method, &p.Amount, &p.Brand, &p.Buyer, &paid, &recv, &dep, &p.State, &p.Note); err != nil {
			return err
		}
		p.PaidAt, p.ReceivedAt = Time(paid), Time(recv)
		if dep.Valid {
			v := dep.Int64
			p.DepositID = &v
		}
		out = append(out, &p)
		return nil
	}, state, limit)
	return out, err
}
