package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// Accepting orders in sets (issue 21). On SQLite the one writer spent most of its time
// running statements, seven per order accepted; on PostgreSQL each statement is a
// round trip. The orders of a batch that need nothing but the common path (a prepaid
// product without stock, a first route, no uplines, no bill) are written together
// instead: one statement per table for all of them, the same rows, keys and formats
// as CreateOrder's. Whatever does not fit (a used ref_id, a guard taken, a balance
// short, two orders of the batch on one guard) makes the set step give way: the batch
// rolls back and runs again operation by operation, where each is accepted or refused
// on its own as before.

// batchSpec says what a batch operation does, for the kinds that may go in sets.
type batchSpec struct {
	order  *orderOp
	settle *settleOp
}

// setKinds are the kinds of operations a batch writes in sets, in this order: the
// settlements first, so that their refunds are there for the new orders.
var setKinds = []struct {
	pick  func([]*op) []*op
	write func(*Tx, []*op) ([]*Tx, error)
}{
	{func(b []*op) []*op { return pickSet(b, func(s *batchSpec) bool { return s.settle != nil }) }, (*Tx).settleOrderSet},
	{func(b []*op) []*op { return pickSet(b, func(s *batchSpec) bool { return s.order != nil }) }, (*Tx).createOrderSet},
}

// orderOp marks a batch operation that creates the order n, then runs then (when
// not nil) in the same transaction; done receives the order when the batch wrote it
// in a set rather than by running the operation's fn.
type orderOp struct {
	n    *NewOrder
	then func(*Tx, *loket.Order) error
	done func(*loket.Order)
}

// errNoSet says a set step gave way: run the batch again operation by operation.
var errNoSet = errors.New("store: the batch's orders do not go as a set; rerun one by one")

// minOrderSet is the fewest orders of a batch worth writing as a set.
const minOrderSet = 2

// WriteOrder writes the order n as CreateOrder does, in a shared batch, and then, for
// a new order, runs then in the same transaction. It returns the order, and existed
// when n's ref_id had written it before.
func (db *DB) WriteOrder(ctx context.Context, n *NewOrder, then func(*Tx, *loket.Order) error) (*loket.Order, bool, error) {
	var o *loket.Order
	var existed bool
	fn := func(t *Tx) error {
		var err error
		o, existed, err = t.CreateOrder(n)
		if err == nil && !existed && then != nil {
			err = then(t, o)
		}
		return err
	}
	var spec *orderOp
	if n.inSet() {
		spec = &orderOp{n: n, then: then, done: func(x *loket.Order) { o, existed = x, false }}
	}
	err := db.batcher.doOp(ctx, uint64(n.ResellerID), fn, &batchSpec{order: spec})
	return o, existed, err
}

// inSet says n can be written in a set: the common path of CreateOrder.
func (n *NewOrder) inSet() bool {
	return n.FirstRoute != nil && n.BillKey == "" && len(n.Commissions) == 0 && n.Product.Stock == nil &&
		n.Price > 0 && n.FirstRef == "" && n.FirstTrx == ""
}

// rowsSource returns rows as a statement's source of rows (VALUES ...), and its
// parameters, which come first in the statement. On SQLite each value is a plain ?: SQLite looks a
// numbered parameter ($N) up in a list as it parses and as the driver binds it, which
// for the hundreds of a set's statement cost more than the writing. On PostgreSQL each
// is $N cast to its Go value's type, so that a VALUES list joined to a table compares
// like with like.
func (t *Tx) rowsSource(rows [][]any) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(rows)*len(rows[0]))
	b.WriteString("VALUES ")
	one := "(" + strings.Repeat("?, ", len(rows[0])-1) + "?)"
	for i, row := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		if t.Dialect() == SQLite {
			b.WriteString(one)
			args = append(args, row...)
			continue
		}
		b.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			args = append(args, v)
			b.WriteString(t.param(len(args), v))
		}
		b.WriteByte(')')
	}
	return b.String(), args
}

// param is the placeholder of parameter n, whose value is v: ? on SQLite (see
// rowsSource), $n with v's type on PostgreSQL.
func (t *Tx) param(n int, v any) string {
	if t.Dialect() == SQLite {
		return "?"
	}
	switch v.(type) {
	case string:
		return fmt.Sprintf("$%d::text", n)
	case bool:
		return fmt.Sprintf("$%d::boolean", n)
	default: // the integers, loket.Money, sql.NullInt64
		return fmt.Sprintf("$%d::bigint", n)
	}
}

// setChunks are the sizes of the VALUES lists a set's statement runs with on SQLite.
// Each size of a statement is a text of its own, prepared once per connection and kept
// (Tx.stmt): parsing a new text of hundreds of values cost more than running it. A set
// of any size runs as a sum of these.
var setChunks = [...]int{32, 16, 8, 4, 2, 1}

// setRows runs a set's statement over rows. text(src, after) is the statement, given
// the source of its rows (rowsSource) and the placeholders of the parameters extra,
// which follow the rows' own. On SQLite the rows go in chunks of setChunks' sizes; on
// PostgreSQL all in one statement, up to a thousand rows (65,535 parameters). Its
// driver keeps each text prepared; a fixed text over one array a column measured no
// faster there, nor did a whole set in one statement of data-modifying CTEs: the
// backends' time goes to the rows, not to the statements. each, when not nil, reads a
// row the statement returns.
func (t *Tx) setRows(rows [][]any, extra []any, text func(src string, after ...string) string, each func(*sql.Rows) error) error {
	for len(rows) > 0 {
		n := min(len(rows), 1000)
		if t.Dialect() == SQLite {
			for _, c := range setChunks {
				if c <= n {
					n = c
					break
				}
			}
		}
		src, args := t.rowsSource(rows[:n])
		after := make([]string, len(extra))
		for i, v := range extra {
			after[i] = t.param(len(args)+i+1, v)
		}
		q := text(src, after...)
		args = append(args, extra...)
		if each == nil {
			if _, err := t.Exec(q, args...); err != nil {
				return err
			}
		} else if err := scanAll(t.Query(q, args...))(each); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// createOrderSet writes the orders of ops (each with its orderOp) together, and runs
// each one's then in a Tx of its own on the same transaction, as the batch runs an
// operation: it returns each operation's Tx (its AfterCommit functions and rollup
// deltas). errNoSet means one of them did not fit; the caller rolls back.
func (t *Tx) createOrderSet(ops []*op) ([]*Tx, error) {
	now := Now()
	inflight, err := t.HouseAccount(AccInFlight, KindInFlight)
	if err != nil {
		return nil, err
	}
	ids, balances, err := t.writeOrderSet(ops, now, inflight)
	if err != nil {
		return nil, err
	}
	var reserved loket.Money
	for _, o := range ops {
		reserved += o.spec.order.n.Price
	}
	t.deltas().addAccount(inflight, reserved)
	// Each order as CreateOrder returns it, and what the caller writes with it.
	return t.eachInSet(len(ops), func(i int, ot *Tx) error {
		o, n := ops[i].spec.order, ops[i].spec.order.n
		ord := &loket.Order{
			ID: ids[i], ResellerID: n.ResellerID, RefID: n.RefID, ProductID: n.Product.ID, ProductCode: n.Product.Code,
			ProductName: n.Product.Name, Target: n.Target, Fields: n.Fields, Price: n.Price, Status: loket.StatusPending,
			Surface: n.Surface, CreatedAt: Time(now), UpdatedAt: Time(now), Mode: loket.ModeSaldo,
		}
		ot.orderCreated(ord)
		ot.orderBalance = &balances[i]
		if o.then != nil {
			if err := o.then(ot, ord); err != nil {
				return err
			}
		}
		o.done(ord)
		return nil
	})
}

// writeOrderSet writes the orders of ops and their reservations, attempts and jobs, a
// statement per table, and returns each one's id; errNoSet means one did not fit.
func (t *Tx) writeOrderSet(ops []*op, now, inflight int64) ([]int64, []loket.Money, error) {
	// The orders: one each, or none for a used ref_id (two in the batch, or an earlier
	// one): that one goes one by one.
	rows := make([][]any, len(ops))
	for i, o := range ops {
		n := o.spec.order.n
		fields := []byte("{}")
		if n.Fields != nil {
			fields, _ = json.Marshal(n.Fields)
		}
		rows[i] = []any{n.ResellerID, n.RefID, n.RequestHash, n.Product.ID, n.Product.Code, n.Product.Name, n.Target, string(fields),
			n.Price, loket.StatusPending, n.Surface, now, now}
	}
	type refKey struct {
		reseller int64
		ref      string
	}
	idOf := make(map[refKey]int64, len(ops))
	err := t.setRows(rows, nil, func(src string, _ ...string) string {
		return `INSERT INTO orders (reseller_id, ref_id, request_hash, product_id, product_code, product_name, target, fields,
		price, status, surface, created_at, updated_at) ` + src + ` ON CONFLICT (reseller_id, ref_id) DO NOTHING RETURNING id, reseller_id, ref_id`
	}, func(rs *sql.Rows) error {
		var k refKey
		var id int64
		if err := rs.Scan(&id, &k.reseller, &k.ref); err != nil {
			return err
		}
		idOf[k] = id
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("insert orders: %w", err)
	}
	if len(idOf) != len(ops) {
		return nil, nil, errNoSet
	}
	ids := make([]int64, len(ops))
	for i, o := range ops {
		ids[i] = idOf[refKey{o.spec.order.n.ResellerID, o.spec.order.n.RefID}]
	}
	// The guards: each must be free (or past its window), including of the batch's
	// other orders.
	var guards [][]any
	for i, o := range ops {
		if n := o.spec.order.n; n.GuardWindow > 0 {
			guards = append(guards, []any{n.ResellerID, n.Product.ID, n.Target, ids[i], now + n.GuardWindow.Microseconds()})
		}
	}
	if len(guards) > 0 {
		got := 0
		err := t.setRows(guards, []any{now}, func(src string, after ...string) string {
			return `INSERT INTO order_guards (reseller_id, product_id, target, order_id, expires_at) ` + src + `
			ON CONFLICT (reseller_id, product_id, target) DO UPDATE SET order_id = excluded.order_id, expires_at = excluded.expires_at
			WHERE order_guards.expires_at < ` + after[0] + ` RETURNING order_id`
		}, func(*sql.Rows) error { got++; return nil })
		if err != nil {
			return nil, nil, fmt.Errorf("order guards: %w", err)
		}
		if got != len(guards) {
			return nil, nil, errNoSet
		}
	}
	// The balances: each account is charged its orders' total at once, and must hold it.
	total := map[int64]loket.Money{}
	for _, o := range ops {
		total[o.spec.order.n.AccountID] += o.spec.order.n.Price
	}
	accounts := sortedKeys(total, cmp.Compare[int64])
	charges := make([][]any, len(accounts))
	for i, a := range accounts {
		charges[i] = []any{a, total[a]}
	}
	after := make(map[int64]loket.Money, len(accounts)) // each account's balance before its first order of the batch
	err = t.setRows(charges, nil, func(src string, _ ...string) string {
		return `WITH s(acc, amt) AS (` + src + `)
		UPDATE accounts SET balance = accounts.balance - s.amt FROM s WHERE accounts.id = s.acc AND accounts.balance >= s.amt
		RETURNING accounts.id, accounts.balance`
	}, func(rs *sql.Rows) error {
		var id int64
		var bal loket.Money
		if err := rs.Scan(&id, &bal); err != nil {
			return err
		}
		after[id] = bal + total[id]
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("charge balances: %w", err)
	}
	if len(after) != len(accounts) {
		return nil, nil, errNoSet // a balance short: its orders are refused one by one
	}
	// The reservations, as Reserve writes them: a transfer each, its two legs with the
	// balance after each order in the batch's order, and the hold.
	transfers := make([][]any, len(ops))
	for i, id := range ids {
		transfers[i] = []any{fmt.Sprintf("order:%d:reserve", id), TransferReserve, id, "", now}
	}
	tid, err := t.orderTransfers(transfers)
	if err != nil {
		return nil, nil, fmt.Errorf("reserve transfers: %w", err)
	}
	if len(tid) != len(ops) {
		return nil, nil, fmt.Errorf("reserve transfers: %d of %d keys were free", len(tid), len(ops))
	}
	entries := make([][]any, 0, 2*len(ops))
	balances := make([]loket.Money, len(ops)) // each order's reseller's balance right after it
	holds := make([][]any, len(ops))
	attempts := make([][]any, len(ops))
	jobs := make([][]any, len(ops))
	for i, o := range ops {
		n, id := o.spec.order.n, ids[i]
		after[n.AccountID] -= n.Price
		balances[i] = after[n.AccountID]
		entries = append(entries, []any{tid[id], n.AccountID, -n.Price, after[n.AccountID], now},
			[]any{tid[id], inflight, n.Price, sql.NullInt64{}, now})
		holds[i] = []any{id, n.AccountID, n.Price, "pending", tid[id], now}
		r := n.FirstRoute
		attempts[i] = []any{id, 1, r.ID, r.SupplierID, r.SupplierCode, SupplierRef(id, 1), "", r.Cost, "new", now, now}
		lockedBy, lockedUntil := "", int64(0)
		if n.Node != "" {
			lockedBy, lockedUntil = n.Node, now+n.Lease.Microseconds()
		}
		jobs[i] = []any{OrderJobKey(id), JobOrder, id, now, lockedBy, lockedUntil, now}
	}
	for _, s := range []struct {
		what, head string
		rows       [][]any
	}{
		{"reserve entries", `INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) `, entries},
		{"holds", `INSERT INTO holds (order_id, account_id, amount, state, reserve_transfer_id, created_at) `, holds},
		{"attempts", `INSERT INTO order_attempts (order_id, seq, route_id, supplier_id, supplier_code, supplier_ref, supplier_trx, cost, outcome, started_at, updated_at) `, attempts},
		{"jobs", `INSERT INTO jobs (key, kind, ref_id, run_at, locked_by, locked_until, created_at) `, jobs},
	} {
		if err := t.setRows(s.rows, nil, func(src string, _ ...string) string { return s.head + src }, nil); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return ids, balances, nil
}

// orderTransfers writes the transfers rows (key, kind, order_id, note, created_at)
// and returns each order's transfer id; a key already taken writes nothing and is
// missing from the answer.
func (t *Tx) orderTransfers(rows [][]any) (map[int64]int64, error) {
	tid := make(map[int64]int64, len(rows))
	err := t.setRows(rows, nil, func(src string, _ ...string) string {
		return `INSERT INTO transfers (key, kind, order_id, note, created_at) ` + src + `
		ON CONFLICT (key) DO NOTHING RETURNING id, order_id`
	}, func(rs *sql.Rows) error {
		var id, order int64
		if err := rs.Scan(&id, &order); err != nil {
			return err
		}
		tid[order] = id
		return nil
	})
	return tid, err
}

// eachInSet runs each(i, tx) for the n operations of a set, each in a Tx of its own on
// t's transaction (its AfterCommit functions and rollup deltas apart, as the batch
// keeps an operation's), and returns those Txs. One refusing makes the set give way
// (errNoSet): run one by one, it leaves no trace. What they insert through insertLater
// is written once all have run, a statement per kind of row for the whole set.
func (t *Tx) eachInSet(n int, each func(i int, ot *Tx) error) ([]*Tx, error) {
	txs := make([]*Tx, n)
	later := &laterRows{}
	for i := range n {
		ot := &Tx{tx: t.tx, db: t.db, ctx: t.ctx, lane: t.lane, later: later}
		if err := call(func(x *Tx) error { return each(i, x) }, ot); err != nil {
			if isRetryable(err) {
				return nil, err
			}
			return nil, errNoSet
		}
		txs[i] = ot
	}
	if err := later.write(t); err != nil {
		if isRetryable(err) {
			return nil, err
		}
		return nil, errNoSet
	}
	return txs, nil
}

// laterRows are the rows the operations of a set insert through insertLater, by
// statement, in the order the statements were first used.
type laterRows struct {
	order    []laterKey
	rows     map[laterKey][][]any
	greatest map[laterKey][2]int // statements that take one row a key (updateLater)
}

type laterKey struct{ head, tail string }

// insertLater runs head VALUES (row) tail: at once, or, for an operation of a set,
// with the set's other rows of the same statement once all its operations have run.
// The statement is an INSERT, or any other over its rows as a source (a CTE's VALUES).
// For rows that nothing in the same batch reads back, whose insert's outcome the
// caller does not need (an id, whether a conflict skipped it).
func (t *Tx) insertLater(head, tail string, row ...any) error {
	if t.later == nil {
		src, args := t.rowsSource([][]any{row})
		_, err := t.Exec(head+" "+src+tail, args...)
		return err
	}
	k := laterKey{head, tail}
	if t.later.rows == nil {
		t.later.rows = map[laterKey][][]any{}
	}
	if _, ok := t.later.rows[k]; !ok {
		t.later.order = append(t.later.order, k)
	}
	t.later.rows[k] = append(t.later.rows[k], row)
	return nil
}

// updateLater is insertLater for a statement that sets a row by its key, the value
// in column key of row, to what the row whose column by (an integer) is greatest
// says: in a set, the statement gets one row a key, that one, so that it can join its
// rows to the table's as they are, where a source with a key twice needed a grouping
// the planner weighed on every statement (the rows differ in each set's text).
func (t *Tx) updateLater(head, tail string, key, by int, row ...any) error {
	if t.later != nil {
		if t.later.greatest == nil {
			t.later.greatest = map[laterKey][2]int{}
		}
		t.later.greatest[laterKey{head, tail}] = [2]int{key, by}
	}
	return t.insertLater(head, tail, row...)
}

// greatestByKey keeps, of rows, one a key (column c[0]): the first with the greatest
// column c[1], in the order the keys came.
func greatestByKey(rows [][]any, c [2]int) [][]any {
	at := make(map[any]int, len(rows))
	out := rows[:0:0]
	for _, r := range rows {
		i, seen := at[r[c[0]]]
		if !seen {
			at[r[c[0]]] = len(out)
			out = append(out, r)
		} else if asInt64(r[c[1]]) > asInt64(out[i][c[1]]) {
			out[i] = r
		}
	}
	return out
}

// asInt64 is an integer column's value (int64 or int; anything else counts as 0).
func asInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	}
	return 0
}

func (l *laterRows) write(t *Tx) error {
	for _, k := range l.order {
		rows := l.rows[k]
		if c, ok := l.greatest[k]; ok {
			rows = greatestByKey(rows, c)
		}
		err := t.setRows(rows, nil, func(src string, _ ...string) string { return k.head + " " + src + k.tail }, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", k.head, err)
		}
	}
	return nil
}

// pickSet returns the operations of batch that is says may go in one set, or nil
// when they are too few to be worth it.
func pickSet(batch []*op, is func(*batchSpec) bool) []*op {
	var set []*op
	for _, o := range batch {
		if o.spec != nil && is(o.spec) && o.ctx.Err() == nil {
			set = append(set, o)
		}
	}
	if len(set) < minOrderSet {
		return nil
	}
	return set
}
