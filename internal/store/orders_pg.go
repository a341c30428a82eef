package store

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/loket/loket/internal/loket"
)

// On PostgreSQL every statement is a network round trip, and those dominated the cost
// of an order. The hot paths below do in one statement what CreateOrder and
// SettleOrder do in seven or eight on SQLite: data-modifying CTEs, each step taking its
// input from the previous step's RETURNING, so that when a step finds nothing (a used
// ref_id, a taken guard, a short balance) no later step writes. The effects, keys and
// formats are the same as the generic path's; the conformance suite runs both.

// createOrderPG is CreateOrder for PostgreSQL orders with a first route.
func (t *Tx) createOrderPG(n *NewOrder) (*loket.Order, bool, error) {
	now := Now()
	fields, _ := json.Marshal(n.Fields)
	if n.Fields == nil {
		fields = []byte("{}")
	}
	if n.Price <= 0 {
		return nil, false, loket.Errorf(loket.EUNAVAILABLE, "%s has no price set", n.Product.Code)
	}
	inflight, err := t.HouseAccount(AccInFlight, KindInFlight)
	if err != nil {
		return nil, false, err
	}
	if n.Product.Stock != nil {
		res, err := t.Exec(`UPDATE products SET stock = stock - 1 WHERE id = $1 AND stock > 0`, n.Product.ID)
		if err != nil {
			return nil, false, fmt.Errorf("take stock: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return nil, false, loket.Errorf(loket.EOUTOFSTOCK, "%s is out of stock", n.Product.Code)
		}
	}
	lockedBy, lockedUntil := "", int64(0)
	if n.Node != "" {
		lockedBy, lockedUntil = n.Node, now+n.Lease.Microseconds()
	}
	r := n.FirstRoute
	var id sql.NullInt64
	var guardOK, reserved bool
	// The supplier ref built here is SupplierRef(id, 1); the keys are those of Reserve
	// and OrderJobKey.
	err = t.QueryRow(`WITH o AS (
		INSERT INTO orders (reseller_id, ref_id, request_hash, product_id, product_code, product_name, target, fields,
			price, status, surface, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::bigint, 'pending', $10, $11::bigint, $11::bigint)
		ON CONFLICT (reseller_id, ref_id) DO NOTHING RETURNING id
	), g AS (
		INSERT INTO order_guards (reseller_id, product_id, target, order_id, expires_at)
		SELECT $1, $4, $7, o.id, $12::bigint FROM o WHERE $13::boolean
		ON CONFLICT (reseller_id, product_id, target) DO UPDATE SET order_id = excluded.order_id, expires_at = excluded.expires_at
		WHERE order_guards.expires_at < $11::bigint RETURNING order_id
	), ok AS (
		SELECT o.id FROM o WHERE NOT $13::boolean OR EXISTS (SELECT 1 FROM g)
	), a AS (
		UPDATE accounts SET balance = accounts.balance - $9::bigint FROM ok
		WHERE accounts.id = $14 AND accounts.balance >= $9::bigint RETURNING accounts.balance, ok.id
	), tr AS (
		INSERT INTO transfers (key, kind, order_id, note, created_at)
		SELECT 'order:' || a.id || ':reserve', 'order_reserve', a.id, '', $11::bigint FROM a RETURNING id, order_id
	), e AS (
		INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at)
		SELECT tr.id, $14::bigint, -$9::bigint, a.balance, $11::bigint FROM tr, a
		UNION ALL SELECT tr.id, $15::bigint, $9::bigint, NULL::bigint, $11::bigint FROM tr
	), h AS (
		INSERT INTO holds (order_id, account_id, amount, state, reserve_transfer_id, created_at)
		SELECT tr.order_id, $14, $9::bigint, 'pending', tr.id, $11::bigint FROM tr
	), att AS (
		INSERT INTO order_attempts (order_id, seq, route_id, supplier_id, supplier_code, supplier_ref, cost, outcome, started_at, updated_at)
		SELECT tr.order_id, 1, $16, $17, $18, 'LK' || tr.order_id || 'A1', $19, 'new', $11::bigint, $11::bigint FROM tr
	), j AS (
		INSERT INTO jobs (key, kind, ref_id, run_at, locked_by, locked_until, created_at)
		SELECT 'order:' || tr.order_id, 'order', tr.order_id, $11::bigint, $20, $21::bigint, $11::bigint FROM tr
	)
	SELECT (SELECT id FROM o), EXISTS (SELECT 1 FROM ok), EXISTS (SELECT 1 FROM tr)`,
		n.ResellerID, n.RefID, n.RequestHash, n.Product.ID, n.Product.Code, n.Product.Name, n.Target, string(fields),
		n.Price, n.Surface, now, now+n.GuardWindow.Microseconds(), n.GuardWindow > 0, n.AccountID, inflight,
		r.ID, r.SupplierID, r.SupplierCode, r.Cost, lockedBy, lockedUntil).Scan(&id, &guardOK, &reserved)
	if err != nil {
		return nil, false, fmt.Errorf("insert order: %w", err)
	}
	if !id.Valid {
		return t.existingOrder(n)
	}
	if !guardOK {
		return nil, false, loket.Errorf(loket.EDUPLICATE, "an order for %s to %s is still pending", n.Product.Code, n.Target)
	}
	if !reserved {
		return nil, false, ErrInsufficient
	}
	o := &loket.Order{
		ID: id.Int64, ResellerID: n.ResellerID, RefID: n.RefID, ProductID: n.Product.ID, ProductCode: n.Product.Code,
		ProductName: n.Product.Name, Target: n.Target, Fields: n.Fields, Price: n.Price, Status: loket.StatusPending,
		Surface: n.Surface, CreatedAt: Time(now), UpdatedAt: Time(now), Mode: loket.ModeSaldo,
	}
	t.deltas().addAccount(inflight, n.Price)
	t.orderCreated(o)
	return o, false, nil
}

// existingOrder answers a used (reseller, ref_id): the first order if the request is
// the same, a conflict if not.
func (t *Tx) existingOrder(n *NewOrder) (*loket.Order, bool, error) {
	var id int64
	var hash string
	if err := t.QueryRow(`SELECT id, request_hash FROM orders WHERE reseller_id = $1 AND ref_id = $2`, n.ResellerID, n.RefID).Scan(&id, &hash); err != nil {
		return nil, false, fmt.Errorf("find order by ref_id: %w", err)
	}
	if hash != n.RequestHash {
		return nil, false, loket.FieldError(loket.ECONFLICT, "ref_id", "ref_id %q was used for a different order", n.RefID)
	}
	o, err := t.order(id)
	return o, true, err
}

// settleSuccessPG is SettleOrder for a success on PostgreSQL: the order, its attempt,
// the post transfer and its entries, the hold, the guard and the job, in one
// statement. It returns nil when the order was not pending.
func (t *Tx) settleSuccessPG(s Settlement, attemptSeq int, outcome, trx, attemptMsg string) (*loket.Order, error) {
	now := Now()
	inflight, err := t.HouseAccount(AccInFlight, KindInFlight)
	if err != nil {
		return nil, err
	}
	payable, err := t.HouseAccount(SupplierAccount(s.SupplierID), KindSupplierPayable)
	if err != nil {
		return nil, err
	}
	revenue, err := t.HouseAccount(AccRevenue, KindRevenue)
	if err != nil {
		return nil, err
	}
	o, err := scanOrder(t.QueryRow(`WITH o AS (
		UPDATE orders SET status = 'success', sn = $2, message = $3, cost = $4::bigint, supplier_id = $5, updated_at = $6::bigint, settled_at = $6::bigint
		WHERE id = $1 AND status = 'pending' RETURNING `+orderCols+`
	), att AS (
		UPDATE order_attempts SET outcome = $8::text, supplier_trx = CASE WHEN $9::text = '' THEN supplier_trx ELSE $9::text END, message = $10::text, updated_at = $6::bigint
		WHERE order_id = $1 AND seq = $7 AND EXISTS (SELECT 1 FROM o)
	), tr AS (
		INSERT INTO transfers (key, kind, order_id, note, created_at)
		SELECT 'order:' || o.id || ':settle', 'order_post', o.id, '', $6::bigint FROM o RETURNING id
	), e AS (
		INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at)
		SELECT tr.id, $11::bigint, -o.price, NULL::bigint, $6::bigint FROM tr, o
		UNION ALL SELECT tr.id, $12::bigint, $4::bigint, NULL::bigint, $6::bigint FROM tr WHERE $4::bigint <> 0
		UNION ALL SELECT tr.id, $13::bigint, o.price - $4::bigint, NULL::bigint, $6::bigint FROM tr, o WHERE o.price <> $4::bigint
	), h AS (
		UPDATE holds SET state = 'posted', settle_transfer_id = tr.id, settled_at = $6::bigint FROM tr
		WHERE holds.order_id = $1 AND holds.state = 'pending'
	), g AS (
		DELETE FROM order_guards USING o WHERE order_guards.reseller_id = o.reseller_id AND order_guards.product_id = o.product_id
			AND order_guards.target = o.target AND order_guards.order_id = o.id
	), j AS (
		DELETE FROM jobs USING o WHERE jobs.key = 'order:' || o.id
	)
	SELECT `+orderCols+` FROM o`,
		s.OrderID, truncate(s.SN, 200), truncate(s.Message, 500), s.Cost, s.SupplierID, now,
		attemptSeq, outcome, trx, truncate(attemptMsg, 500), inflight, payable, revenue))
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("settle order %d: %w", s.OrderID, err)
	}
	// The entries written above: in flight gives the price to the supplier's payable
	// (the cost) and revenue (the rest).
	r := t.deltas()
	r.addAccount(inflight, -o.Price)
	r.addAccount(payable, s.Cost)
	r.addAccount(revenue, o.Price-s.Cost)
	t.orderSettled(o, &s.Cost, s.SupplierID)
	return o, nil
}
