package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"

	"github.com/loket/loket/internal/loket"
)

// Settling orders in sets: the other half of an order's statements. A batch's
// settlements of orders paid from a reseller's balance, decided by an attempt, with no
// uplines' commissions, are written together: one statement per table for all of them,
// the rows, keys and formats of SettleOrder's. One that does not fit (an order settled
// already, or twice in the batch) makes the set give way to one by one.

// settleOp marks a batch operation that settles an order, then runs then for it.
type settleOp struct {
	s    Settlement
	then func(*Tx, *loket.Order) error
	done func(*loket.Order)
}

// WriteSettlement settles an order as SettleOrder does, in a shared batch, and then,
// when this settled it, runs then in the same transaction. It returns the order
// settled, or nil when it was settled before. inSet says the order is a prepaid one
// paid from the reseller's balance (not a dropship order, not a bill), so that it may
// be written in a set.
func (db *DB) WriteSettlement(ctx context.Context, key uint64, s Settlement, inSet bool, then func(*Tx, *loket.Order) error) (*loket.Order, error) {
	var settled *loket.Order
	fn := func(t *Tx) error {
		so, ok, err := t.SettleOrder(s)
		settled = nil
		if err != nil || !ok {
			return err
		}
		settled = so
		if then != nil {
			return then(t, so)
		}
		return nil
	}
	var spec *settleOp
	if inSet && s.AttemptSeq > 0 && !s.Commission && (!s.Success || s.SupplierID != 0) {
		spec = &settleOp{s: s, then: then, done: func(o *loket.Order) { settled = o }}
	}
	err := db.batcher.doOp(ctx, key, fn, &batchSpec{settle: spec})
	return settled, err
}

// settleOrderSet writes the settlements of ops together and runs each one's then in
// a Tx of its own on the same transaction; it returns those Txs. errNoSet means one
// did not fit; the caller rolls back.
func (t *Tx) settleOrderSet(ops []*op) ([]*Tx, error) {
	now := Now()
	inflight, err := t.HouseAccount(AccInFlight, KindInFlight)
	if err != nil {
		return nil, err
	}
	revenue, err := t.HouseAccount(AccRevenue, KindRevenue)
	if err != nil {
		return nil, err
	}
	// The attempts, as UpdateAttempt writes them.
	rows := make([][]any, len(ops))
	for i, o := range ops {
		s := o.spec.settle.s
		rows[i] = []any{s.OrderID, s.AttemptSeq, s.AttemptOutcome, s.SupplierTrx, s.SupplierMsg}
	}
	err = t.setRows(rows, []any{now}, func(src string, after ...string) string {
		return `WITH v(oid, seq, outcome, trx, msg) AS (` + src + `)
		UPDATE order_attempts SET outcome = v.outcome, supplier_trx = CASE WHEN v.trx = '' THEN order_attempts.supplier_trx ELSE v.trx END,
			message = v.msg, updated_at = ` + after[0] + ` FROM v
		WHERE order_attempts.order_id = v.oid AND order_attempts.seq = v.seq AND order_attempts.outcome NOT IN ('success', 'failed')`
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("settle attempts: %w", err)
	}
	// The orders, each from pending once.
	for i, o := range ops {
		s := o.spec.settle.s
		status, cost, supplier := loket.StatusFailed, sql.NullInt64{}, sql.NullInt64{}
		if s.Success {
			status = loket.StatusSuccess
			cost = sql.NullInt64{Int64: int64(s.Cost), Valid: true}
			supplier = sql.NullInt64{Int64: s.SupplierID, Valid: true}
		}
		rows[i] = []any{s.OrderID, status, truncate(s.SN, 200), truncate(s.Message, 500), cost, supplier}
	}
	byID := make(map[int64]*loket.Order, len(ops))
	// "Not settled" is said as NOT IN ('success', 'failed') rather than = 'pending' (the
	// same rows: status is one of the three), so that PostgreSQL finds each order by
	// its key: with = 'pending' it read every pending order through orders_pending,
	// dead index entries included, and joined (83-164 µs of executor time an order
	// against 57-77, pg_stat_statements; docs/PERFORMANCE.md). The holds below likewise.
	err = t.setRows(rows, []any{now, now}, func(src string, after ...string) string {
		return `WITH v(vid, vstatus, vsn, vmsg, vcost, vsupplier) AS (` + src + `)
		UPDATE orders SET status = v.vstatus, sn = v.vsn, message = v.vmsg, cost = v.vcost, supplier_id = v.vsupplier,
			updated_at = ` + after[0] + `, settled_at = ` + after[1] + `
		FROM v WHERE orders.id = v.vid AND orders.status NOT IN ('success', 'failed') RETURNING ` + orderCols
	}, func(rs *sql.Rows) error {
		o, err := scanOrder(rs)
		if err == nil {
			byID[o.ID] = o
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("settle orders: %w", err)
	}
	if len(byID) != len(ops) {
		return nil, errNoSet // one was settled already (or twice here): one by one
	}
	orders := make([]*loket.Order, len(ops))
	for i, o := range ops {
		orders[i] = byID[o.spec.settle.s.OrderID]
		if orders[i].Mode != loket.ModeSaldo || orders[i].Commission != 0 {
			return nil, errNoSet
		}
	}
	// The settling transfers, keyed order:<id>:settle as PostHold and VoidHold do.
	transfers := make([][]any, len(ops))
	for i, o := range ops {
		kind := TransferVoid
		if o.spec.settle.s.Success {
			kind = TransferPost
		}
		id := orders[i].ID
		transfers[i] = []any{fmt.Sprintf("order:%d:settle", id), kind, id, "", now}
	}
	tid, err := t.orderTransfers(transfers)
	if err != nil {
		return nil, fmt.Errorf("settle transfers: %w", err)
	}
	if len(tid) != len(ops) {
		return nil, errNoSet
	}
	// The holds, posted or voided once; a voided one's reserved amount goes back to its
	// account.
	holds := make([][]any, len(ops))
	for i, o := range ops {
		state := loket.HoldVoided
		if o.spec.settle.s.Success {
			state = loket.HoldPosted
		}
		holds[i] = []any{orders[i].ID, state, tid[orders[i].ID]}
	}
	type hold struct {
		account int64
		amount  loket.Money
	}
	held := make(map[int64]hold, len(ops))
	err = t.setRows(holds, []any{now}, func(src string, after ...string) string {
		return `WITH v(oid, st, tid) AS (` + src + `)
		UPDATE holds SET state = v.st, settle_transfer_id = v.tid, settled_at = ` + after[0] + ` FROM v
		WHERE holds.order_id = v.oid AND holds.state NOT IN ('posted', 'voided') RETURNING holds.order_id, holds.account_id, holds.amount`
	}, func(rs *sql.Rows) error {
		var id int64
		var h hold
		if err := rs.Scan(&id, &h.account, &h.amount); err != nil {
			return err
		}
		held[id] = h
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("settle holds: %w", err)
	}
	if len(held) != len(ops) {
		return nil, errNoSet
	}
	// The refunds: each account gets its voided holds back at once.
	refund := map[int64]loket.Money{}
	for i, o := range ops {
		if h := held[orders[i].ID]; !o.spec.settle.s.Success {
			refund[h.account] += h.amount
		}
	}
	after := map[int64]loket.Money{} // each account's balance before this batch's refunds
	if len(refund) > 0 {
		accounts := sortedKeys(refund, cmp.Compare[int64])
		credits := make([][]any, len(accounts))
		for i, a := range accounts {
			credits[i] = []any{a, refund[a]}
		}
		err = t.setRows(credits, nil, func(src string, _ ...string) string {
			return `WITH c(acc, amt) AS (` + src + `)
			UPDATE accounts SET balance = accounts.balance + c.amt FROM c WHERE accounts.id = c.acc AND accounts.tracked
			RETURNING accounts.id, accounts.balance`
		}, func(rs *sql.Rows) error {
			var id int64
			var bal loket.Money
			if err := rs.Scan(&id, &bal); err != nil {
				return err
			}
			after[id] = bal - refund[id]
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("refund balances: %w", err)
		}
		if len(after) != len(accounts) {
			return nil, errNoSet // a hold on an account that keeps no balance: one by one
		}
	}
	// The entries, as PostHold's and VoidHold's legs.
	var entries [][]any
	payables := map[int64]int64{}
	// Each order's reseller's balance right after its settlement, where the set knows
	// it (an account refunded in this set); nil: unchanged by the set (OrderBalance reads it).
	balances := make([]*loket.Money, len(ops))
	r := t.deltas()
	for i, o := range ops {
		s, ord := o.spec.settle.s, orders[i]
		h, id := held[ord.ID], tid[ord.ID]
		if h.amount != ord.Price {
			return nil, errNoSet // not as this order reserved: one by one, which says so
		}
		entries = append(entries, []any{id, inflight, -h.amount, sql.NullInt64{}, now})
		r.addAccount(inflight, -h.amount)
		if !s.Success {
			after[h.account] += h.amount
			b := after[h.account]
			balances[i] = &b
			entries = append(entries, []any{id, h.account, h.amount, b, now})
			t.orderSettled(ord, nil, 0)
			continue
		}
		if b, ok := after[h.account]; ok {
			balances[i] = &b
		}
		if s.Cost != 0 {
			payable, ok := payables[s.SupplierID]
			if !ok {
				if payable, err = t.HouseAccount(SupplierAccount(s.SupplierID), KindSupplierPayable); err != nil {
					return nil, err
				}
				payables[s.SupplierID] = payable
			}
			entries = append(entries, []any{id, payable, s.Cost, sql.NullInt64{}, now})
			r.addAccount(payable, s.Cost)
		}
		if rest := h.amount - s.Cost; rest != 0 {
			entries = append(entries, []any{id, revenue, rest, sql.NullInt64{}, now})
			r.addAccount(revenue, rest)
		}
		cost := s.Cost
		t.orderSettled(ord, &cost, s.SupplierID)
	}
	if err := t.setRows(entries, nil, func(src string, _ ...string) string {
		return `INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) ` + src
	}, nil); err != nil {
		return nil, fmt.Errorf("settle entries: %w", err)
	}
	// Stock back for what failed; the guards and jobs released.
	stock := map[int64]int64{}
	guards := make([][]any, len(ops))
	jobs := make([][]any, len(ops))
	for i, o := range ops {
		ord := orders[i]
		if !o.spec.settle.s.Success {
			stock[ord.ProductID]++
		}
		guards[i] = []any{ord.ResellerID, ord.ProductID, ord.Target, ord.ID}
		jobs[i] = []any{OrderJobKey(ord.ID)}
	}
	if len(stock) > 0 {
		rows := make([][]any, 0, len(stock))
		for _, p := range sortedKeys(stock, cmp.Compare[int64]) {
			rows = append(rows, []any{p, stock[p]})
		}
		if err := t.setRows(rows, nil, func(src string, _ ...string) string {
			return `WITH c(pid, n) AS (` + src + `)
			UPDATE products SET stock = products.stock + c.n FROM c WHERE products.id = c.pid AND products.stock IS NOT NULL`
		}, nil); err != nil {
			return nil, fmt.Errorf("stock back: %w", err)
		}
	}
	if err := t.setRows(guards, nil, func(src string, _ ...string) string {
		// Through a CTE: SQLite searches the key for a row value IN a subquery, and
		// scans the table for one IN a VALUES list.
		return `WITH v(r, p, t, o) AS (` + src + `)
		DELETE FROM order_guards WHERE (reseller_id, product_id, target, order_id) IN (SELECT r, p, t, o FROM v)`
	}, nil); err != nil {
		return nil, fmt.Errorf("release guards: %w", err)
	}
	if err := t.setRows(jobs, nil, func(src string, _ ...string) string {
		return `DELETE FROM jobs WHERE key IN (` + src + `)`
	}, nil); err != nil {
		return nil, fmt.Errorf("release jobs: %w", err)
	}
	// What each caller writes with its order.
	unchanged, seen := &setBalances{}, map[int64]bool{}
	for i, ord := range orders {
		if a := held[ord.ID].account; balances[i] == nil && !seen[a] {
			seen[a] = true
			unchanged.ids = append(unchanged.ids, a)
		}
	}
	replies := &setReplies{ids: make([]int64, len(orders))}
	for i, ord := range orders {
		replies.ids[i] = ord.ID
	}
	hookIDs := &setIDs{n: len(ops)}
	return t.eachInSet(len(ops), func(i int, ot *Tx) error {
		o := ops[i].spec.settle
		ot.orderBalance, ot.setBalances, ot.setReplies, ot.webhookIDs = balances[i], unchanged, replies, hookIDs
		if o.then != nil {
			if err := o.then(ot, orders[i]); err != nil {
				return err
			}
		}
		o.done(orders[i])
		return nil
	})
}
