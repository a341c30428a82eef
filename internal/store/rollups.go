package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Rollups (migration 0022) are totals kept as the money and the orders move, so that
// the reads of /metrics, the overview and the reports cost a few rows at any size of
// history. An operation notes its deltas on its Tx as it writes (a house account's
// entries, an order created or settled); the batch adds the deltas of the operations
// that committed with one statement per table just before its commit, so they are in
// the same transaction as the change and cost nothing per order. Each writer adds to
// its own stripe of a row (the lane's), so PostgreSQL lanes never wait on each other's
// rollup rows; readers sum the stripes.

// rollupStripes is how many stripes a rollup row has at most on PostgreSQL: lanes of
// a node take consecutive ones from a random start, so that nodes rarely share one.
const rollupStripes = 16

// stripe is the rollup stripe of write lane i (Direct: 0).
func (db *DB) stripe(i int) int {
	if db.Dialect != Postgres {
		return 0
	}
	return (db.stripeBase + i) % rollupStripes
}

// wibOffset is UTC+7: rollup days are days of WIB, where the operator reads them.
const wibOffset = 7 * int64(time.Hour/time.Microsecond)

const dayMicros = 24 * int64(time.Hour/time.Microsecond)

// WIBDay is the rollups' day of a UTC time in microseconds: days since 1970-01-01 WIB.
func WIBDay(us int64) int64 { return (us + wibOffset) / dayMicros }

// wibDayStart is the UTC time at which WIB day d begins.
func wibDayStart(d int64) time.Time { return Time(d*dayMicros - wibOffset) }

type dayKey struct {
	day     int64
	status  string
	surface string
	bill    int
}

type dayVal struct{ orders, sales, profit int64 }

type salesKey struct {
	dim  string
	day  int64
	key  int64
	bill int
}

type salesVal struct{ orders, sales, cost int64 }

// rollup is the deltas of one operation, or of a batch's committed operations.
type rollup struct {
	accounts map[int64]int64
	days     map[dayKey]dayVal
	totals   map[[2]string]int64
	sales    map[salesKey]salesVal
}

func (r *rollup) empty() bool {
	return r == nil || len(r.accounts)+len(r.days)+len(r.totals)+len(r.sales) == 0
}

func (t *Tx) deltas() *rollup {
	if t.roll == nil {
		t.roll = &rollup{}
	}
	return t.roll
}

// addAccount notes that a house account's entries moved by amount.
func (r *rollup) addAccount(account int64, amount loket.Money) {
	if r.accounts == nil {
		r.accounts = map[int64]int64{}
	}
	r.accounts[account] += int64(amount)
}

// addOrder counts an order in (n = 1) or out of (n = -1) its status: its day, status,
// surface and kind, and for a success (with its cost when known and its supplier, 0
// for none) its margin and the reports' rows.
func (r *rollup) addOrder(o *loket.Order, cost *loket.Money, supplier int64, n int64) {
	if r.days == nil {
		r.days = map[dayKey]dayVal{}
		r.totals = map[[2]string]int64{}
	}
	day := WIBDay(o.CreatedAt.UnixMicro())
	bill := 0
	if o.InquiryID != 0 {
		bill = 1
	}
	k := dayKey{day, o.Status, o.Surface, bill}
	v := r.days[k]
	v.orders += n
	v.sales += n * int64(o.Price)
	if o.Status == loket.StatusSuccess && cost != nil {
		v.profit += n * int64(o.Price-*cost)
	}
	r.days[k] = v
	r.totals[[2]string{o.Status, o.Surface}] += n
	if o.Status != loket.StatusSuccess {
		return
	}
	if r.sales == nil {
		r.sales = map[salesKey]salesVal{}
	}
	c := o.Price
	if cost != nil {
		c = *cost
	}
	for _, dk := range [...]struct {
		dim string
		key int64
	}{{"product", o.ProductID}, {"reseller", o.ResellerID}, {"supplier", supplier}} {
		sk := salesKey{dk.dim, day, dk.key, bill}
		s := r.sales[sk]
		s.orders += n
		s.sales += n * int64(o.Price)
		s.cost += n * int64(c)
		r.sales[sk] = s
	}
}

// orderCreated notes a new pending order.
func (t *Tx) orderCreated(o *loket.Order) { t.deltas().addOrder(o, nil, 0, 1) }

// orderSettled notes that pending order o (as it is now: settled; a success with its
// cost and supplier) left pending.
func (t *Tx) orderSettled(o *loket.Order, cost *loket.Money, supplier int64) {
	r := t.deltas()
	was := *o
	was.Status = loket.StatusPending
	r.addOrder(&was, nil, 0, -1)
	r.addOrder(o, cost, supplier, 1)
}

// merge adds the deltas of o into r.
func (r *rollup) merge(o *rollup) {
	if o.empty() {
		return
	}
	for k, v := range o.accounts {
		r.addAccount(k, loket.Money(v))
	}
	if len(o.days)+len(o.totals) > 0 && r.days == nil {
		r.days, r.totals = map[dayKey]dayVal{}, map[[2]string]int64{}
	}
	for k, v := range o.days {
		w := r.days[k]
		r.days[k] = dayVal{w.orders + v.orders, w.sales + v.sales, w.profit + v.profit}
	}
	for k, v := range o.totals {
		r.totals[k] += v
	}
	if len(o.sales) > 0 && r.sales == nil {
		r.sales = map[salesKey]salesVal{}
	}
	for k, v := range o.sales {
		w := r.sales[k]
		r.sales[k] = salesVal{w.orders + v.orders, w.sales + v.sales, w.cost + v.cost}
	}
}

// flush adds r to the rollup tables in t's transaction, at stripe: one statement per
// table, rows in key order (so that two writers on one stripe take its row locks in
// the same order and cannot deadlock).
func (r *rollup) flush(t *Tx, stripe int) error {
	if r.empty() {
		return nil
	}
	if len(r.accounts) > 0 {
		ids := sortedKeys(r.accounts, cmp.Compare[int64])
		var rows [][]any
		for _, id := range ids {
			if v := r.accounts[id]; v != 0 {
				rows = append(rows, []any{id, stripe, v})
			}
		}
		if err := upsert(t, "account_sums", "account_id, stripe", []string{"amount"}, rows); err != nil {
			return err
		}
	}
	if len(r.days) > 0 {
		keys := sortedKeys(r.days, func(a, b dayKey) int {
			return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.status, b.status), cmp.Compare(a.surface, b.surface), cmp.Compare(a.bill, b.bill))
		})
		var rows [][]any
		for _, k := range keys {
			if v := r.days[k]; v != (dayVal{}) {
				rows = append(rows, []any{k.day, k.status, k.surface, k.bill, stripe, v.orders, v.sales, v.profit})
			}
		}
		if err := upsert(t, "order_days", "day, status, surface, bill, stripe", []string{"orders", "sales", "profit"}, rows); err != nil {
			return err
		}
	}
	if len(r.totals) > 0 {
		keys := sortedKeys(r.totals, func(a, b [2]string) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
		var rows [][]any
		for _, k := range keys {
			if v := r.totals[k]; v != 0 {
				rows = append(rows, []any{k[0], k[1], stripe, v})
			}
		}
		if err := upsert(t, "order_totals", "status, surface, stripe", []string{"orders"}, rows); err != nil {
			return err
		}
	}
	if len(r.sales) > 0 {
		keys := sortedKeys(r.sales, func(a, b salesKey) int {
			return cmp.Or(cmp.Compare(a.dim, b.dim), cmp.Compare(a.day, b.day), cmp.Compare(a.key, b.key), cmp.Compare(a.bill, b.bill))
		})
		var rows [][]any
		for _, k := range keys {
			if v := r.sales[k]; v != (salesVal{}) {
				rows = append(rows, []any{k.dim, k.day, k.key, k.bill, stripe, v.orders, v.sales, v.cost})
			}
		}
		if err := upsert(t, "sales_days", "dim, day, key, bill, stripe", []string{"orders", "sales", "cost"}, rows); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[K comparable, V any](m map[K]V, c func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, c)
	return keys
}

// upsert adds rows (the key columns, then the value columns) to table: a new key is
// inserted, a known one has the values added to its own.
func upsert(t *Tx, table, keyCols string, valCols []string, rows [][]any) error {
	var set strings.Builder
	for i, c := range valCols {
		if i > 0 {
			set.WriteString(", ")
		}
		fmt.Fprintf(&set, "%s = %s.%s + excluded.%s", c, table, c, c)
	}
	err := t.setRows(rows, nil, func(src string, _ ...string) string {
		return "INSERT INTO " + table + " (" + keyCols + ", " + strings.Join(valCols, ", ") + ") " + src +
			" ON CONFLICT (" + keyCols + ") DO UPDATE SET " + set.String()
	}, nil)
	if err != nil {
		return fmt.Errorf("rollup %s: %w", table, err)
	}
	return nil
}
