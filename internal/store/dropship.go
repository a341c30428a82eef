package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/loket/loket/internal/loket"
)

// Dropship orders (seed 004's "tanpa modal"): the reseller's customer pays the order's
// payment (a deposit row tied to the order) and the reseller's balance is never
// touched. The ledger path of one order:
//
//	paid:    payment source -total,  house:dropship +total           (FundDropship)
//	reserve: house:dropship -price,  in flight +price                (the order's hold)
//	success: in flight -price -> supplier payable + revenue           (PostHold, as any order)
//	         house:dropship -(total-price) -> profit +(selling-price), revenue +(total-selling)
//	failure: in flight -price -> house:dropship +price               (VoidHold)
//	         house:dropship -total -> house:refunds_owed +total
//	refund:  house:refunds_owed -total -> house:payouts +total        (the operator paid it back)
//
// An unpaid order expires with no ledger movement.

// House accounts and kinds of dropship.
const (
	AccDropship    = "house:dropship"     // customers' payments of orders not yet final
	AccRefundsOwed = "house:refunds_owed" // customers' payments of failed orders, to pay back
	KindDropship   = "dropship_escrow"
	KindRefundOwed = "refund_owed"
)

// Transfer kinds of dropship.
const (
	TransferDropshipPaid   = "dropship_paid"
	TransferDropshipSettle = "dropship_settle"
	TransferDropshipRefund = "dropship_refund"
)

// JobDropshipExpiry expires an unpaid dropship order; its key is DropshipJobKey.
const JobDropshipExpiry = "dropship_expiry"

// DropshipJobKey is the key of a dropship order's expiry job.
func DropshipJobKey(orderID int64) string { return fmt.Sprintf("dropship:%d", orderID) }

const dropshipCols = `d.order_id, d.deposit_id, d.selling_price, d.customer_name, d.customer_phone, d.token, d.payment_status, d.paid_total,
	d.profit, d.refund_status, d.refund_note, d.expires_at, d.paid_at, d.refunded_at, p.total, p.qr_string, p.brand`

func scanDropship(row interface{ Scan(...any) error }) (*loket.Dropship, error) {
	var d loket.Dropship
	var exp int64
	var paid, refunded sql.NullInt64
	if err := row.Scan(&d.OrderID, &d.DepositID, &d.SellingPrice, &d.CustomerName, &d.CustomerPhone, &d.Token, &d.PaymentStatus, &d.PaidTotal,
		&d.Profit, &d.RefundStatus, &d.RefundNote, &exp, &paid, &refunded, &d.Total, &d.QRString, &d.Brand); err != nil {
		return nil, err
	}
	d.ExpiresAt, d.PaidAt, d.RefundedAt = Time(exp), TimePtr(paid), TimePtr(refunded)
	return &d, nil
}

// NewDropship is the dropship side of a new order: what the customer pays and who
// the customer is, and the payment (a deposit of the selling price) to open for it.
type NewDropship struct {
	SellingPrice  loket.Money
	CustomerName  string
	CustomerPhone string
	Token         string
	Payment       NewDeposit // Amount is the selling price; ResellerID the reseller's
}

// CreateDropshipOrder writes an unpaid dropship order: the order (no reservation, no
// dispatch job yet), its anti double-order guard and stock, its payment (a deposit of
// the selling price with a unique code, tied to the order) and the job that expires it
// unpaid. A used (reseller, ref_id) returns the existing order (existed true); with
// another request it is a conflict. ErrTotalTaken asks for another unique code.
func (t *Tx) CreateDropshipOrder(n *NewOrder, d NewDropship) (*loket.Order, *loket.Dropship, bool, error) {
	now := Now()
	fields, _ := json.Marshal(n.Fields)
	if n.Fields == nil {
		fields = []byte("{}")
	}
	var id int64
	commission := SumCommissions(n.Commissions)
	err := t.QueryRow(`INSERT INTO orders (reseller_id, ref_id, request_hash, product_id, product_code, product_name, target, fields,
		price, status, surface, created_at, updated_at, mode, commission) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $11, 'dropship', $12)
		ON CONFLICT (reseller_id, ref_id) DO NOTHING RETURNING id`,
		n.ResellerID, n.RefID, n.RequestHash, n.Product.ID, n.Product.Code, n.Product.Name, n.Target, string(fields),
		n.Price, n.Surface, now, commission).Scan(&id)
	if noRows(err) {
		o, _, err := t.existingOrder(n)
		if err != nil {
			return nil, nil, false, err
		}
		ds, err := t.dropship(o.ID)
		return o, ds, true, err
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("insert order: %w", err)
	}
	if n.Price <= 0 {
		return nil, nil, false, loket.Errorf(loket.EUNAVAILABLE, "%s has no price set", n.Product.Code)
	}
	if err := t.takeGuard(n, id, now); err != nil {
		return nil, nil, false, err
	}
	if err := t.takeStock(n); err != nil {
		return nil, nil, false, err
	}
	// A downline's dropship order pays its uplines as any of its orders: recorded
	// now, posted when it succeeds (after its customer paid).
	if err := t.insertCommissions(id, n.Price, n.Commissions); err != nil {
		return nil, nil, false, err
	}
	d.Payment.MaxOpen = 0 // a reseller's customers' payments do not count against its own deposits
	dep, err := t.CreateDeposit(d.Payment)
	if err != nil {
		return nil, nil, false, err
	}
	if _, err := t.Exec(`UPDATE deposits SET order_id = $1 WHERE id = $2`, id, dep.ID); err != nil {
		return nil, nil, false, err
	}
	if _, err := t.Exec(`INSERT INTO dropship_orders (order_id, deposit_id, selling_price, customer_name, customer_phone, token, payment_status, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)`, id, dep.ID, d.SellingPrice, d.CustomerName, d.CustomerPhone, d.Token,
		dep.ExpiresAt.UnixMicro()); err != nil {
		return nil, nil, false, err
	}
	if err := t.EnqueueJob(DropshipJobKey(id), JobDropshipExpiry, id, dep.ExpiresAt, "", 0); err != nil {
		return nil, nil, false, err
	}
	o := &loket.Order{ID: id, ResellerID: n.ResellerID, RefID: n.RefID, ProductID: n.Product.ID, ProductCode: n.Product.Code,
		ProductName: n.Product.Name, Target: n.Target, Fields: n.Fields, Price: n.Price, Status: loket.StatusPending,
		Surface: n.Surface, CreatedAt: Time(now), UpdatedAt: Time(now), Mode: loket.ModeDropship, Commission: commission}
	t.orderCreated(o)
	ds, err := t.dropship(id)
	return o, ds, false, err
}

func (t *Tx) dropship(orderID int64) (*loket.Dropship, error) {
	d, err := scanDropship(t.QueryRow(`SELECT `+dropshipCols+` FROM dropship_orders d JOIN deposits p ON p.id = d.deposit_id WHERE d.order_id = $1`, orderID))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "order %d is not a dropship order", orderID)
	}
	return d, err
}

// Dropship loads the dropship side of an order.
func (db *DB) Dropship(ctx context.Context, orderID int64) (*loket.Dropship, error) {
	d, err := scanDropship(db.queryRow(ctx, `SELECT `+dropshipCols+` FROM dropship_orders d JOIN deposits p ON p.id = d.deposit_id WHERE d.order_id = $1`, orderID))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "order %d is not a dropship order", orderID)
	}
	return d, err
}

// ErrDropshipClosed says a dropship order's payment can no longer be taken (expired).
var ErrDropshipClosed = errors.New("store: the dropship order is no longer awaiting payment")

// FundDropship applies the matched payment of a dropship order, in the matcher's
// transaction, in place of crediting a balance: the payment goes into house:dropship,
// the order's price is reserved from there, and its dispatch job is written. It
// happens once (a conditional payment status and unique transfer keys).
func (t *Tx) FundDropship(orderID, sourceAccount int64, total loket.Money) error {
	now := Now()
	res, err := t.Exec(`UPDATE dropship_orders SET payment_status = 'settlement', paid_total = $2, paid_at = $3
		WHERE order_id = $1 AND payment_status = 'pending'`, orderID, total, now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrDropshipClosed
	}
	escrow, err := t.HouseAccount(AccDropship, KindDropship)
	if err != nil {
		return err
	}
	if _, err := t.Transfer(fmt.Sprintf("dropship:%d:paid", orderID), TransferDropshipPaid, &orderID, "customer payment",
		[]Leg{{Account: sourceAccount, Amount: -total}, {Account: escrow, Amount: total}}); err != nil {
		return err
	}
	var price loket.Money
	if err := t.QueryRow(`SELECT price FROM orders WHERE id = $1 AND status = 'pending'`, orderID).Scan(&price); err != nil {
		return fmt.Errorf("dropship order %d: %w", orderID, err)
	}
	if err := t.reserve(orderID, escrow, price, false); err != nil {
		return err
	}
	if _, err := t.Exec(`DELETE FROM jobs WHERE key = $1`, DropshipJobKey(orderID)); err != nil {
		return err
	}
	return t.EnqueueJob(OrderJobKey(orderID), JobOrder, orderID, Time(now), "", 0)
}

// payDropship applies a matched deposit that is a dropship order's payment (done
// true); any other deposit is left to be credited (done false).
func (t *Tx) payDropship(d *loket.Deposit, sourceAccount int64) (done bool, err error) {
	var order sql.NullInt64
	if err := t.QueryRow(`SELECT order_id FROM deposits WHERE id = $1`, d.ID).Scan(&order); err != nil {
		return false, err
	}
	if !order.Valid {
		return false, nil
	}
	return true, t.FundDropship(order.Int64, sourceAccount, d.Total)
}

// fundDropships funds the dropship orders whose payments are among the deposits a
// batch just claimed (marking their payments matched when markPayments), and returns
// the other deposits' ids, to be credited as balance deposits. One query per batch;
// dropship payments are few.
func (t *Tx) fundDropships(source string, claimed []int64, markPayments bool) ([]int64, error) {
	q := `SELECT id, order_id, total, payment_id FROM deposits WHERE id ` + t.inIDs(1) + ` AND order_id IS NOT NULL ORDER BY id`
	var arg any = t.idsArg(claimed)
	if t.db.Dialect == Postgres {
		q = `SELECT id, order_id, total, payment_id FROM deposits WHERE id = ANY($1::bigint[]) AND order_id IS NOT NULL ORDER BY id`
		arg = claimed
	}
	rows, err := t.Query(q, arg)
	if err != nil {
		return nil, fmt.Errorf("dropship payments: %w", err)
	}
	type funded struct{ dep, order, total, payment int64 }
	var fs []funded
	for rows.Next() {
		var f funded
		var pay sql.NullInt64
		if err := rows.Scan(&f.dep, &f.order, &f.total, &pay); err != nil {
			rows.Close()
			return nil, err
		}
		f.payment = pay.Int64
		fs = append(fs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return claimed, nil
	}
	src, err := t.HouseAccount(PaymentAccount(source), KindPaymentSource)
	if err != nil {
		return nil, err
	}
	skip := map[int64]bool{}
	for _, f := range fs {
		if err := t.FundDropship(f.order, src, loket.Money(f.total)); err != nil {
			return nil, err
		}
		if markPayments {
			if _, err := t.Exec(`UPDATE payments SET state = 'matched', deposit_id = $2 WHERE id = $1`, f.payment, f.dep); err != nil {
				return nil, err
			}
		}
		skip[f.dep] = true
	}
	rest := make([]int64, 0, len(claimed)-len(fs))
	for _, id := range claimed {
		if !skip[id] {
			rest = append(rest, id)
		}
	}
	return rest, nil
}

// SettleDropship finishes the money of a dropship order just settled (in SettleOrder's
// transaction, after its hold was posted or voided): on success the margin goes to the
// reseller's profit balance and the unique code to revenue; on failure the customer's
// whole payment becomes a refund owed.
func (t *Tx) SettleDropship(o *loket.Order, success bool) error {
	var paid, selling loket.Money
	if err := t.QueryRow(`SELECT paid_total, selling_price FROM dropship_orders WHERE order_id = $1 AND payment_status = 'settlement'`,
		o.ID).Scan(&paid, &selling); err != nil {
		return fmt.Errorf("settle dropship order %d: %w", o.ID, err)
	}
	escrow, err := t.HouseAccount(AccDropship, KindDropship)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("dropship:%d:settle", o.ID)
	if !success {
		owed, err := t.HouseAccount(AccRefundsOwed, KindRefundOwed)
		if err != nil {
			return err
		}
		if _, err := t.Transfer(key, TransferDropshipSettle, &o.ID, "customer payment owed back",
			[]Leg{{Account: escrow, Amount: -paid}, {Account: owed, Amount: paid}}); err != nil {
			return err
		}
		_, err = t.Exec(`UPDATE dropship_orders SET refund_status = 'owed' WHERE order_id = $1`, o.ID)
		return err
	}
	var profitAccount int64
	if err := t.QueryRow(`SELECT profit_account_id FROM resellers WHERE id = $1`, o.ResellerID).Scan(&profitAccount); err != nil {
		return err
	}
	profit, fee := selling-o.Price, paid-selling
	legs := []Leg{{Account: escrow, Amount: -(paid - o.Price)}}
	var tracked []int64
	if profit > 0 {
		legs = append(legs, Leg{Account: profitAccount, Amount: profit})
		tracked = append(tracked, profitAccount)
	}
	if fee > 0 {
		revenue, err := t.HouseAccount(AccRevenue, KindRevenue)
		if err != nil {
			return err
		}
		legs = append(legs, Leg{Account: revenue, Amount: fee})
	}
	if len(legs) > 1 {
		if _, err := t.Transfer(key, TransferDropshipSettle, &o.ID, "dropship margin", legs, tracked...); err != nil {
			return err
		}
	}
	_, err = t.Exec(`UPDATE dropship_orders SET profit = $2 WHERE order_id = $1`, o.ID, profit)
	return err
}

// ExpireDropship closes an unpaid dropship order whose payment time is over: its
// payment (deposit) expires, the order fails with nothing charged, its stock and guard
// are released. It returns the failed order, or nil when the order was paid (or closed)
// meanwhile. The deposit row is changed first, as the matcher does, so the two never
// wait on each other in opposite order.
func (t *Tx) ExpireDropship(orderID int64) (*loket.Order, error) {
	now := Now()
	// (The deposit may already read expired: a lapsed deposit is marked so when
	// another takes its pay amount.)
	res, err := t.Exec(`UPDATE deposits SET status = 'expired', settled_at = COALESCE(settled_at, $2)
		WHERE id = (SELECT deposit_id FROM dropship_orders WHERE order_id = $1) AND status IN ('pending', 'expired', 'cancel')`, orderID, now)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, nil // paid, or closed already
	}
	res, err = t.Exec(`UPDATE dropship_orders SET payment_status = 'expired' WHERE order_id = $1 AND payment_status = 'pending'`, orderID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, nil
	}
	o, err := scanOrder(t.QueryRow(`UPDATE orders SET status = 'failed', message = 'payment expired', updated_at = $2, settled_at = $2
		WHERE id = $1 AND status = 'pending' RETURNING `+orderCols, orderID, now))
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t.orderSettled(o, nil, 0)
	if _, err := t.Exec(`UPDATE products SET stock = stock + 1 WHERE id = $1 AND stock IS NOT NULL`, o.ProductID); err != nil {
		return nil, err
	}
	if _, err := t.Exec(`DELETE FROM order_guards WHERE reseller_id = $1 AND product_id = $2 AND target = $3 AND order_id = $4`,
		o.ResellerID, o.ProductID, o.Target, o.ID); err != nil {
		return nil, err
	}
	if _, err := t.Exec(`DELETE FROM jobs WHERE key = $1`, DropshipJobKey(orderID)); err != nil {
		return nil, err
	}
	return o, nil
}

// RefundDropship records that the operator paid a failed dropship order's customer
// back, once: the refund owed leaves Loket (house:payouts).
func (t *Tx) RefundDropship(orderID int64, note string) (*loket.Dropship, error) {
	res, err := t.Exec(`UPDATE dropship_orders SET refund_status = 'refunded', refund_note = $2, refunded_at = $3
		WHERE order_id = $1 AND refund_status = 'owed'`, orderID, note, Now())
	if err != nil {
		return nil, err
	}
	d, err := t.dropship(orderID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		if d.RefundStatus == loket.RefundRefunded {
			return d, nil
		}
		return nil, loket.Errorf(loket.ECONFLICT, "order %d owes no refund", orderID)
	}
	owed, err := t.HouseAccount(AccRefundsOwed, KindRefundOwed)
	if err != nil {
		return nil, err
	}
	payouts, err := t.HouseAccount(AccPayouts, KindPayout)
	if err != nil {
		return nil, err
	}
	_, err = t.Transfer(fmt.Sprintf("dropship:%d:refund", orderID), TransferDropshipRefund, &orderID, note,
		[]Leg{{Account: owed, Amount: -d.PaidTotal}, {Account: payouts, Amount: d.PaidTotal}})
	return d, err
}

// DropshipByToken finds a dropship order by its public invoice token.
func (db *DB) DropshipByToken(ctx context.Context, orderID int64, token string) (*loket.Dropship, *loket.Order, error) {
	d, err := db.Dropship(ctx, orderID)
	if err != nil {
		return nil, nil, err
	}
	if d.Token != token {
		return nil, nil, loket.Errorf(loket.ENOTFOUND, "no such invoice")
	}
	o, err := db.Order(ctx, orderID, 0)
	return d, o, err
}

// RefundsOwed lists failed dropship orders whose customer is owed the payment.
func (db *DB) RefundsOwed(ctx context.Context, resellerID int64, limit int) ([]loket.Dropship, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []loket.Dropship
	err := db.each(ctx, `SELECT `+dropshipCols+` FROM dropship_orders d JOIN deposits p ON p.id = d.deposit_id JOIN orders o ON o.id = d.order_id
		WHERE d.refund_status = 'owed' AND ($1 = 0 OR o.reseller_id = $1) ORDER BY d.order_id DESC LIMIT $2`, func(r *sql.Rows) error {
		d, err := scanDropship(r)
		if err != nil {
			return err
		}
		out = append(out, *d)
		return nil
	}, resellerID, limit)
	return out, err
}

// verifyDropship checks the dropship accounts (houses: the sums of the house
// accounts' entries): house:dropship holds, for each paid order not yet final, its
// payment less its reservation; house:refunds_owed holds the payments of failed orders
// not yet refunded; unpaid and expired orders of the scope reserve nothing.
func verifyDropship(ctx context.Context, snap *sql.Tx, sc verifyScope, houses map[string]int64, add func(inv, format string, args ...any)) error {
	var want, wantOwed sql.NullInt64
	// From the pending orders (orders_pending), not from every dropship order.
	if err := snap.QueryRowContext(ctx, `SELECT COALESCE(SUM(d.paid_total - o.price), 0) FROM orders o JOIN dropship_orders d ON d.order_id = o.id
		WHERE o.status = 'pending' AND d.payment_status = 'settlement'`).Scan(&want); err != nil {
		return err
	}
	if escrow := houses[AccDropship]; escrow != want.Int64 {
		add("dropship escrow equals paid pending orders", "house:dropship holds %d, paid pending dropship orders leave %d", escrow, want.Int64)
	}
	if err := snap.QueryRowContext(ctx, `SELECT COALESCE(SUM(paid_total), 0) FROM dropship_orders WHERE refund_status = 'owed'`).Scan(&wantOwed); err != nil {
		return err
	}
	if owed := houses[AccRefundsOwed]; owed != wantOwed.Int64 {
		add("refunds owed equal failed dropship payments", "house:refunds_owed holds %d, owed refunds sum to %d", owed, wantOwed.Int64)
	}
	with, args := sc.orders()
	return eachRow(ctx, snap, with+`SELECT d.order_id, d.payment_status FROM dropship_orders d JOIN holds h ON h.order_id = d.order_id
		WHERE `+sc.orderIn("d.order_id")+` AND d.payment_status <> 'settlement' LIMIT 20`, func(r *sql.Rows) error {
		var id int64
		var st string
		if err := r.Scan(&id, &st); err != nil {
			return err
		}
		add("unpaid dropship orders reserve nothing", "dropship order %d is %s but has a hold", id, st)
		return nil
	}, args...)
}
