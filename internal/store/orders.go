package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/loket/loket/internal/loket"
)

// NewOrder is an accepted order, priced and checked, ready to be written.
type NewOrder struct {
	ResellerID  int64
	AccountID   int64 // the reseller's balance account
	RefID       string
	RequestHash string
	Product     *loket.Product
	Target      string
	Fields      map[string]string
	Price       loket.Money
	Surface     string
	GuardWindow time.Duration // 0: no anti double-order guard
	FirstRoute  *loket.Route  // recorded as attempt 1, so dispatch needs no extra commit
	// FirstRef is attempt 1's ref upstream when it is not SupplierRef(id, 1): a bill's
	// payment goes under its inquiry's ref.
	FirstRef string
	// FirstTrx is the supplier's id that attempt 1 starts with (a bill's inquiry's).
	FirstTrx string
	// InquiryID and BillKey make the order a bill's payment: BillKey (product|customer|
	// periods) is held by one pending or successful order at most.
	InquiryID int64
	BillKey   string
	Node      string // the node that will dispatch it at once
	Lease     time.Duration
	// Commissions are the uplines' shares of a downline's order (network pricing):
	// recorded with the order, posted to their profit accounts when it succeeds.
	Commissions []Commission
}

// ErrIdempotent wraps the order that a repeated ref_id refers to.
type ErrIdempotent struct{ Order *loket.Order }

func (e *ErrIdempotent) Error() string { return "order exists" }

// CreateOrder writes an order, its reservation, its first attempt and its dispatch job,
// all in the caller's transaction. A used (reseller, ref_id) returns the existing order
// with existed=true and writes nothing; with a different request it is a conflict.
func (t *Tx) CreateOrder(n *NewOrder) (o *loket.Order, existed bool, err error) {
	if t.Dialect() == Postgres && n.FirstRoute != nil && n.BillKey == "" && len(n.Commissions) == 0 {
		return t.createOrderPG(n)
	}
	now := Now()
	fields, _ := json.Marshal(n.Fields)
	if n.Fields == nil {
		fields = []byte("{}")
	}
	var id int64
	var inquiry, billKey any
	conflict := "(reseller_id, ref_id)"
	if n.BillKey != "" {
		// Any unique index: the ref_id's, or the bill's (orders_bill_key), which a
		// pending or successful payment of the same bill holds.
		inquiry, billKey, conflict = n.InquiryID, n.BillKey, ""
	}
	commission := SumCommissions(n.Commissions)
	err = t.QueryRow(`INSERT INTO orders (reseller_id, ref_id, request_hash, product_id, product_code, product_name, target, fields,
		price, status, surface, created_at, updated_at, inquiry_id, bill_key, commission) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $11, $12, $13, $14)
		ON CONFLICT `+conflict+` DO NOTHING RETURNING id`,
		n.ResellerID, n.RefID, n.RequestHash, n.Product.ID, n.Product.Code, n.Product.Name, n.Target, string(fields),
		n.Price, n.Surface, now, inquiry, billKey, commission).Scan(&id)
	if noRows(err) && n.BillKey != "" {
		return t.existingBillOrder(n)
	}
	if noRows(err) {
		return t.existingOrder(n)
	}
	if err != nil {
		return nil, false, fmt.Errorf("insert order: %w", err)
	}
	if err := t.takeGuard(n, id, now); err != nil {
		return nil, false, err
	}
	if err := t.takeStock(n); err != nil {
		return nil, false, err
	}
	if n.Price <= 0 {
		return nil, false, loket.Errorf(loket.EUNAVAILABLE, "%s has no price set", n.Product.Code)
	}
	if err := t.Reserve(id, n.AccountID, n.Price); err != nil {
		return nil, false, err
	}
	if err := t.insertCommissions(id, n.Price, n.Commissions); err != nil {
		return nil, false, err
	}
	lockedBy, lockedUntil := "", int64(0)
	if n.Node != "" {
		lockedBy, lockedUntil = n.Node, now+n.Lease.Microseconds()
	}
	if n.FirstRoute != nil {
		ref := n.FirstRef
		if ref == "" {
			ref = SupplierRef(id, 1)
		}
		if err := t.insertAttempt(id, 1, n.FirstRoute, ref, n.FirstTrx); err != nil {
			if n.BillKey != "" && isUnique(err) {
				// The inquiry's ref went upstream with an earlier payment (failed since).
				return nil, false, loket.FieldError(loket.ECONFLICT, "inquiry_id", "this inquiry was paid before; check the bill again to pay it")
			}
			return nil, false, err
		}
	}
	if _, err := t.Exec(`INSERT INTO jobs (key, kind, ref_id, run_at, locked_by, locked_until, created_at) VALUES ($1, 'order', $2, $3, $4, $5, $3)`,
		OrderJobKey(id), id, now, lockedBy, lockedUntil); err != nil {
		return nil, false, fmt.Errorf("enqueue dispatch: %w", err)
	}
	o = &loket.Order{
		ID: id, ResellerID: n.ResellerID, RefID: n.RefID, ProductID: n.Product.ID, ProductCode: n.Product.Code,
		ProductName: n.Product.Name, Target: n.Target, Fields: n.Fields, Price: n.Price, Status: loket.StatusPending,
		Surface: n.Surface, CreatedAt: Time(now), UpdatedAt: Time(now), Mode: loket.ModeSaldo, InquiryID: n.InquiryID,
		Commission: commission,
	}
	t.orderCreated(o)
	return o, false, nil
}

// takeGuard claims the anti double-order guard of (reseller, product, target) for
// order id, refusing while another pending order holds it within the window.
func (t *Tx) takeGuard(n *NewOrder, id, now int64) error {
	if n.GuardWindow <= 0 {
		return nil
	}
	var got int64
	err := t.QueryRow(`INSERT INTO order_guards (reseller_id, product_id, target, order_id, expires_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (reseller_id, product_id, target) DO UPDATE SET order_id = excluded.order_id, expires_at = excluded.expires_at
		WHERE order_guards.expires_at < $6 RETURNING order_id`,
		n.ResellerID, n.Product.ID, n.Target, id, now+n.GuardWindow.Microseconds(), now).Scan(&got)
	if noRows(err) {
		return loket.Errorf(loket.EDUPLICATE, "an order for %s to %s is still pending", n.Product.Code, n.Target)
	}
	if err != nil {
		return fmt.Errorf("order guard: %w", err)
	}
	return nil
}

// takeStock takes one of a product's stock, when it keeps one.
func (t *Tx) takeStock(n *NewOrder) error {
	if n.Product.Stock == nil {
		return nil
	}
	res, err := t.Exec(`UPDATE products SET stock = stock - 1 WHERE id = $1 AND stock > 0`, n.Product.ID)
	if err != nil {
		return fmt.Errorf("take stock: %w", err)
	}
	if k, _ := res.RowsAffected(); k == 0 {
		return loket.Errorf(loket.EOUTOFSTOCK, "%s is out of stock", n.Product.Code)
	}
	return nil
}

// OrderJobKey is the key of the one job that carries an order to its final state.
func OrderJobKey(orderID int64) string { return fmt.Sprintf("order:%d", orderID) }

// SupplierRef is the id Loket sends a supplier for attempt seq of an order. It is
// stable, so a retry of the same attempt is recognised upstream as the same request.
func SupplierRef(orderID int64, seq int) string { return fmt.Sprintf("LK%dA%d", orderID, seq) }

// InsertAttempt records that attempt seq of an order goes to route r. It is written
// before the supplier is called, so after a crash Loket knows to ask, not to re-buy.
func (t *Tx) InsertAttempt(orderID int64, seq int, r *loket.Route) error {
	return t.insertAttempt(orderID, seq, r, SupplierRef(orderID, seq), "")
}

func (t *Tx) insertAttempt(orderID int64, seq int, r *loket.Route, ref, trx string) error {
	now := Now()
	// Only for an order still pending: a contradicting report (a success callback
	// settling the order while its send answered "failed") must not send the order to
	// the next supplier as well.
	res, err := t.Exec(`INSERT INTO order_attempts (order_id, seq, route_id, supplier_id, supplier_code, supplier_ref, supplier_trx, cost, outcome, started_at, updated_at)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, 'new', $9, $9 WHERE EXISTS (SELECT 1 FROM orders WHERE id = $1 AND status = 'pending')`,
		orderID, seq, r.ID, r.SupplierID, r.SupplierCode, ref, trx, r.Cost, now)
	if err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrSettled
	}
	return nil
}

// UpdateAttempt stores what a supplier said about an attempt. An attempt already
// final (success or failed) keeps its outcome: a callback may settle an attempt
// before the dispatcher records the answer to its send ("pending"), and that late
// write must not make a delivered order's attempt read pending again.
func (t *Tx) UpdateAttempt(orderID int64, seq int, outcome, trx, message string) error {
	_, err := t.Exec(`UPDATE order_attempts SET outcome = $3, supplier_trx = CASE WHEN $4 = '' THEN supplier_trx ELSE $4 END,
		message = $5, updated_at = $6 WHERE order_id = $1 AND seq = $2 AND outcome NOT IN ('success', 'failed')`,
		orderID, seq, outcome, trx, truncate(message, 500), Now())
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// On a character boundary: half a character is invalid UTF-8, which PostgreSQL
	// refuses.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// AttemptFor finds the attempt a supplier's callback is about: by Loket's ref for it,
// or else by the supplier's own transaction id.
func (db *DB) AttemptFor(ctx context.Context, supplierID int64, ref, trx string) (*loket.Attempt, error) {
	var a loket.Attempt
	var s, u int64
	err := db.queryRow(ctx, `SELECT order_id, seq, route_id, supplier_id, supplier_code, supplier_ref, supplier_trx, cost, outcome, message, started_at, updated_at
		FROM order_attempts WHERE supplier_id = $1 AND (($2 <> '' AND supplier_ref = $2) OR ($2 = '' AND $3 <> '' AND supplier_trx = $3))
		ORDER BY seq DESC LIMIT 1`, supplierID, ref, trx).Scan(&a.OrderID, &a.Seq, &a.RouteID, &a.SupplierID, &a.SupplierCode, &a.SupplierRef,
		&a.SupplierTrx, &a.Cost, &a.Outcome, &a.Message, &s, &u)
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no attempt for that reference")
	}
	if err != nil {
		return nil, err
	}
	a.StartedAt, a.UpdatedAt = Time(s), Time(u)
	return &a, nil
}

// Attempts lists an order's attempts in order.
func (db *DB) Attempts(ctx context.Context, orderID int64) ([]loket.Attempt, error) {
	var out []loket.Attempt
	err := db.each(ctx, `SELECT order_id, seq, route_id, supplier_id, supplier_code, supplier_ref, supplier_trx, cost, outcome, message, started_at, updated_at
		FROM order_attempts WHERE order_id = $1 ORDER BY seq`, func(r *sql.Rows) error {
		var a loket.Attempt
		var s, u int64
		if err := r.Scan(&a.OrderID, &a.Seq, &a.RouteID, &a.SupplierID, &a.SupplierCode, &a.SupplierRef, &a.SupplierTrx, &a.Cost, &a.Outcome, &a.Message, &s, &u); err != nil {
			return err
		}
		a.StartedAt, a.UpdatedAt = Time(s), Time(u)
		out = append(out, a)
		return nil
	}, orderID)
	return out, err
}

// Settlement is an order's final outcome.
type Settlement struct {
	OrderID    int64
	Success    bool
	SN         string
	Message    string
	SupplierID int64
	Cost       loket.Money

	// The attempt that decided it, if any: its outcome is recorded with the settlement.
	AttemptSeq     int
	AttemptOutcome string
	SupplierTrx    string
	SupplierMsg    string
	// Commission says the order carries uplines' commissions (Order.Commission > 0):
	// its settlement posts them.
	Commission bool
}

// SettleOrder moves a pending order to success (posting its hold) or failed (voiding
// it, giving back stock) and releases its guard and job. It returns false and changes
// nothing when the order was settled already: callbacks and polls may race, and only
// the first one counts.
func (t *Tx) SettleOrder(s Settlement) (*loket.Order, bool, error) {
	if s.Success && t.Dialect() == Postgres && s.AttemptSeq > 0 && s.SupplierID != 0 && !s.Commission {
		o, err := t.settleSuccessPG(s, s.AttemptSeq, s.AttemptOutcome, s.SupplierTrx, s.SupplierMsg)
		return o, o != nil, err
	}
	if s.AttemptSeq > 0 {
		if err := t.UpdateAttempt(s.OrderID, s.AttemptSeq, s.AttemptOutcome, s.SupplierTrx, s.SupplierMsg); err != nil {
			return nil, false, err
		}
	}
	now := Now()
	status := loket.StatusFailed
	if s.Success {
		status = loket.StatusSuccess
	}
	var cost, supplier sql.NullInt64
	if s.Success {
		cost = sql.NullInt64{Int64: int64(s.Cost), Valid: true}
		supplier = sql.NullInt64{Int64: s.SupplierID, Valid: s.SupplierID != 0}
	}
	o, err := scanOrder(t.QueryRow(`UPDATE orders SET status = $2, sn = $3, message = $4, cost = $5, supplier_id = $6, updated_at = $7, settled_at = $7
		WHERE id = $1 AND status = 'pending' RETURNING `+orderCols, s.OrderID, status, truncate(s.SN, 200), truncate(s.Message, 500), cost, supplier, now))
	if noRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("settle order %d: %w", s.OrderID, err)
	}
	if s.Success {
		t.orderSettled(o, &s.Cost, s.SupplierID)
	} else {
		t.orderSettled(o, nil, 0)
	}
	if s.Success {
		var cs []Commission
		if o.Commission > 0 {
			if cs, err = t.orderCommissions(o.ID); err != nil {
				return nil, false, err
			}
		}
		err = t.PostHold(o.ID, o.Price, s.SupplierID, s.Cost, cs...)
	} else {
		err = t.VoidHold(o.ID, o.Price)
	}
	if err != nil {
		return nil, false, err
	}
	if !s.Success {
		if _, err := t.Exec(`UPDATE products SET stock = stock + 1 WHERE id = $1 AND stock IS NOT NULL`, o.ProductID); err != nil {
			return nil, false, err
		}
	}
	if _, err := t.Exec(`DELETE FROM order_guards WHERE reseller_id = $1 AND product_id = $2 AND target = $3 AND order_id = $4`,
		o.ResellerID, o.ProductID, o.Target, o.ID); err != nil {
		return nil, false, err
	}
	if _, err := t.Exec(`DELETE FROM jobs WHERE key = $1`, OrderJobKey(o.ID)); err != nil {
		return nil, false, err
	}
	return o, true, nil
}

const orderCols = `id, reseller_id, ref_id, product_id, product_code, product_name, target, fields, price, status, sn, message, surface,
	created_at, updated_at, settled_at, flagged_at, mode, inquiry_id, commission`

func scanOrder(row interface{ Scan(...any) error }) (*loket.Order, error) {
	var o loket.Order
	var fields string
	var c, u int64
	var s, f, inq sql.NullInt64
	if err := row.Scan(&o.ID, &o.ResellerID, &o.RefID, &o.ProductID, &o.ProductCode, &o.ProductName, &o.Target, &fields, &o.Price,
		&o.Status, &o.SN, &o.Message, &o.Surface, &c, &u, &s, &f, &o.Mode, &inq, &o.Commission); err != nil {
		return nil, err
	}
	o.InquiryID = inq.Int64
	if fields != "" && fields != "{}" && fields != "null" {
		_ = json.Unmarshal([]byte(fields), &o.Fields)
	}
	o.CreatedAt, o.UpdatedAt = Time(c), Time(u)
	o.SettledAt, o.FlaggedAt = TimePtr(s), TimePtr(f)
	return &o, nil
}

func (t *Tx) order(id int64) (*loket.Order, error) {
	o, err := scanOrder(t.QueryRow(`SELECT `+orderCols+` FROM orders WHERE id = $1`, id))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no such order")
	}
	return o, err
}

// Order loads an order. resellerID limits the lookup to one reseller's orders (0: any).
func (db *DB) Order(ctx context.Context, id, resellerID int64) (*loket.Order, error) {
	o, err := scanOrder(db.queryRow(ctx, `SELECT `+orderCols+` FROM orders WHERE id = $1 AND ($2 = 0 OR reseller_id = $2)`, id, resellerID))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no such order")
	}
	return o, err
}

// OrderByRef loads a reseller's order by its ref_id.
func (db *DB) OrderByRef(ctx context.Context, resellerID int64, ref string) (*loket.Order, error) {
	o, err := scanOrder(db.queryRow(ctx, `SELECT `+orderCols+` FROM orders WHERE reseller_id = $1 AND ref_id = $2`, resellerID, ref))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no such order")
	}
	return o, err
}

// ListOrders returns orders newest first.
func (db *DB) ListOrders(ctx context.Context, f loket.OrderFilter) ([]*loket.Order, error) {
	where, args, err := db.orderWhere(ctx, f, "")
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	args = append(args, f.Limit)
	var out []*loket.Order
	err = db.each(ctx, fmt.Sprintf(`SELECT `+orderCols+` FROM orders WHERE %s ORDER BY id DESC LIMIT $%d`, where, len(args)),
		func(r *sql.Rows) error {
			o, err := scanOrder(r)
			if err == nil {
				out = append(out, o)
			}
			return err
		}, args...)
	return out, err
}

// FlagOverdue marks orders pending since before cutoff for the operator, and returns
// the ids newly flagged. Nothing is refunded: an unknown outcome is not a failure.
// The pending orders' partial index (orders_pending) finds them.
func (db *DB) FlagOverdue(ctx context.Context, cutoff time.Time) ([]int64, error) {
	var ids []int64
	err := db.Write(ctx, 0, func(t *Tx) error {
		ids = ids[:0]
		rows, err := t.Query(`UPDATE orders SET flagged_at = $1 WHERE status = 'pending' AND created_at < $2 AND flagged_at IS NULL
			AND `+inProcess+` RETURNING id`, Now(), cutoff.UnixMicro())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}

// OrderCounts returns the number of orders by status and surface, from their rollup.
func (db *DB) OrderCounts(ctx context.Context) (map[[2]string]int64, error) {
	out := map[[2]string]int64{}
	err := db.each(ctx, `SELECT status, surface, SUM(orders) FROM order_totals GROUP BY status, surface`, func(r *sql.Rows) error {
		var st, su string
		var n int64
		if err := r.Scan(&st, &su, &n); err != nil {
			return err
		}
		out[[2]string{st, su}] = n
		return nil
	})
	return out, err
}
