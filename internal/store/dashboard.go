package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Reads for the operator's dashboard (internal/web). None of them touches the order
// hot path: orders keeps its two indexes, and a period of orders is found as a range
// of the primary key (ids grow with time), its first id by a binary search of point
// lookups.

// FirstOrderIDAt returns an order id at or before the first order created at or after
// at: the start of a primary-key range that holds every order since at. Ids are given
// in the order orders are written, and writers' clocks agree to well under a minute,
// so the search looks for at less a minute and callers filter by created_at too.
func (db *DB) FirstOrderIDAt(ctx context.Context, at time.Time) (int64, error) {
	target := at.Add(-time.Minute).UnixMicro()
	var max int64
	if err := db.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM orders`).Scan(&max); err != nil {
		return 0, err
	}
	lo, hi := int64(1), max+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		var created int64
		err := db.queryRow(ctx, `SELECT created_at FROM orders WHERE id >= $1 ORDER BY id LIMIT 1`, mid).Scan(&created)
		if err != nil && !noRows(err) {
			return 0, err
		}
		if noRows(err) || created >= target {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// wibDays returns the rollup days [lo, hi) that make up [from, to) when both are WIB
// midnights; ok is false otherwise.
func wibDays(from, to time.Time) (lo, hi int64, ok bool) {
	f, t := from.UnixMicro()+wibOffset, to.UnixMicro()+wibOffset
	if f%dayMicros != 0 || t%dayMicros != 0 || t <= f {
		return 0, 0, false
	}
	return f / dayMicros, t / dayMicros, true
}

// SalesByStatus sums the orders created in [from, to) by status, and by kind (bill
// payments apart); the dropship orders awaiting their customer's payment as
// loket.StatusAwaitingPayment. Whole WIB days read the rollup (a few rows a day);
// other ranges read their orders.
func (db *DB) SalesByStatus(ctx context.Context, from, to time.Time) ([]loket.StatusSum, error) {
	lo, hi, ok := wibDays(from, to)
	if !ok {
		return db.salesByStatusScan(ctx, from, to)
	}
	sums := map[[2]string]*loket.StatusSum{}
	get := func(status string, bill int) *loket.StatusSum {
		k := [2]string{status, fmt.Sprint(bill)}
		if sums[k] == nil {
			sums[k] = &loket.StatusSum{Status: status, Bill: bill == 1}
		}
		return sums[k]
	}
	err := db.each(ctx, `SELECT status, bill, SUM(orders), SUM(sales), SUM(profit) FROM order_days WHERE day >= $1 AND day < $2 GROUP BY status, bill`,
		func(r *sql.Rows) error {
			var st string
			var bill int
			var n int64
			var sales, profit loket.Money
			if err := r.Scan(&st, &bill, &n, &sales, &profit); err != nil {
				return err
			}
			s := get(st, bill)
			s.Count, s.Sales, s.Profit = n, sales, profit
			return nil
		}, lo, hi)
	if err != nil {
		return nil, err
	}
	// A dropship order whose customer has not paid is not in process (nothing is
	// charged, no supplier asked): it counts apart, as Money leaves it out too. Such
	// orders are few, found by their partial index.
	err = db.each(ctx, `SELECT CASE WHEN o.inquiry_id IS NULL THEN 0 ELSE 1 END, count(*), COALESCE(SUM(o.price), 0)
		FROM dropship_orders d JOIN orders o ON o.id = d.order_id
		WHERE d.payment_status = 'pending' AND o.status = 'pending' AND o.created_at >= $1 AND o.created_at < $2 GROUP BY 1`,
		func(r *sql.Rows) error {
			var bill int
			var n int64
			var sales loket.Money
			if err := r.Scan(&bill, &n, &sales); err != nil {
				return err
			}
			p, a := get(loket.StatusPending, bill), get(loket.StatusAwaitingPayment, bill)
			p.Count, p.Sales = p.Count-n, p.Sales-sales
			a.Count, a.Sales = a.Count+n, a.Sales+sales
			return nil
		}, from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return nil, err
	}
	var out []loket.StatusSum
	for _, s := range sums {
		if s.Count != 0 {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(a, b loket.StatusSum) int {
		if c := cmp.Compare(a.Status, b.Status); c != 0 {
			return c
		}
		return cmp.Compare(boolInt(a.Bill), boolInt(b.Bill))
	})
	return out, nil
}

// salesByStatusScan is SalesByStatus over the orders themselves, for a range that is
// not whole WIB days.
func (db *DB) salesByStatusScan(ctx context.Context, from, to time.Time) ([]loket.StatusSum, error) {
	first, err := db.FirstOrderIDAt(ctx, from)
	if err != nil {
		return nil, err
	}
	var out []loket.StatusSum
	err = db.each(ctx, `SELECT CASE WHEN status = 'pending' AND mode = 'dropship' AND EXISTS (SELECT 1 FROM dropship_orders d
			WHERE d.order_id = orders.id AND d.payment_status = 'pending') THEN '`+loket.StatusAwaitingPayment+`' ELSE status END,
		CASE WHEN inquiry_id IS NULL THEN 0 ELSE 1 END AS bill, count(*), COALESCE(SUM(price), 0),
		COALESCE(SUM(CASE WHEN status = 'success' AND cost IS NOT NULL THEN price - cost ELSE 0 END), 0)
		FROM orders WHERE id >= $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1, 2 ORDER BY 1, 2`,
		func(r *sql.Rows) error {
			var s loket.StatusSum
			var bill int
			if err := r.Scan(&s.Status, &bill, &s.Count, &s.Sales, &s.Profit); err != nil {
				return err
			}
			s.Bill = bill == 1
			out = append(out, s)
			return nil
		}, first, from.UnixMicro(), to.UnixMicro())
	return out, err
}

// DailySales sums successful sales per day of loc over the days days ending today,
// in one query; every day is present, zero when nothing sold. In WIB (as the
// dashboards ask) it reads the rollup; in another zone, the days' orders.
func (db *DB) DailySales(ctx context.Context, now time.Time, days int, loc *time.Location) ([]loket.DaySum, error) {
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	from := today.AddDate(0, 0, -(days - 1))
	out := make([]loket.DaySum, days)
	for i := range out {
		out[i].Day = from.AddDate(0, 0, i)
	}
	lo, hi, ok := wibDays(from, today.AddDate(0, 0, 1))
	if !ok || hi-lo != int64(days) {
		return out, db.dailySalesScan(ctx, from, loc, out)
	}
	err := db.each(ctx, `SELECT day, status, bill, SUM(orders), SUM(sales), SUM(profit) FROM order_days
		WHERE day >= $1 AND day < $2 GROUP BY day, status, bill`,
		func(r *sql.Rows) error {
			var d int64
			var st string
			var bill int
			var n int64
			var sales, profit loket.Money
			if err := r.Scan(&d, &st, &bill, &n, &sales, &profit); err != nil {
				return err
			}
			s := &out[d-lo]
			s.Orders += n
			switch {
			case st != loket.StatusSuccess:
			case bill == 0:
				s.Success, s.Sales, s.Profit = s.Success+n, s.Sales+sales, s.Profit+profit
			default:
				s.Bills, s.BillSales, s.BillProfit = s.Bills+n, s.BillSales+sales, s.BillProfit+profit
			}
			return nil
		}, lo, hi)
	return out, err
}

// dailySalesScan fills out (the days from from, in loc) from the days' orders.
func (db *DB) dailySalesScan(ctx context.Context, from time.Time, loc *time.Location, out []loket.DaySum) error {
	first, err := db.FirstOrderIDAt(ctx, from)
	if err != nil {
		return err
	}
	_, off := from.Zone()
	const day = int64(24 * time.Hour / time.Microsecond)
	days := int64(len(out))
	base := (from.UnixMicro() + int64(off)*1e6) / day
	return db.each(ctx, `SELECT (created_at + $3) / $4 AS d, count(*),
		COALESCE(SUM(CASE WHEN status = 'success' AND inquiry_id IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'success' AND inquiry_id IS NULL THEN price ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'success' AND inquiry_id IS NULL AND cost IS NOT NULL THEN price - cost ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'success' AND inquiry_id IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'success' AND inquiry_id IS NOT NULL THEN price ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'success' AND inquiry_id IS NOT NULL AND cost IS NOT NULL THEN price - cost ELSE 0 END), 0)
		FROM orders WHERE id >= $1 AND created_at >= $2 GROUP BY 1`,
		func(r *sql.Rows) error {
			var d int64
			var s loket.DaySum
			if err := r.Scan(&d, &s.Orders, &s.Success, &s.Sales, &s.Profit, &s.Bills, &s.BillSales, &s.BillProfit); err != nil {
				return err
			}
			if i := d - base; i >= 0 && i < days {
				s.Day = out[i].Day
				out[i] = s
			}
			return nil
		}, first, from.UnixMicro(), int64(off)*1e6, day)
}

const orderRowCols = orderCols + `, COALESCE((SELECT username FROM resellers r WHERE r.id = orders.reseller_id), ''),
	COALESCE((SELECT name FROM suppliers s WHERE s.id = orders.supplier_id), ''), cost`

type extraScan struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

func scanOrderRow(row interface{ Scan(...any) error }) (*loket.OrderRow, error) {
	var o loket.OrderRow
	var cost sql.NullInt64
	var err error
	o.Order, err = scanOrder(extraScan{row, []any{&o.Username, &o.SupplierName, &cost}})
	if err != nil {
		return nil, err
	}
	if cost.Valid {
		c := loket.Money(cost.Int64)
		o.Cost = &c
	}
	return &o, nil
}

// SearchOrders returns orders newest first, each search reading about what it
// returns (see orderWhere).
func (db *DB) SearchOrders(ctx context.Context, f loket.OrderSearch) ([]*loket.OrderRow, error) {
	if err := loket.CheckTexts("ref", f.Ref, "target", f.Target, "status", f.Status); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	where, args, err := db.orderWhere(ctx, loket.OrderFilter{ResellerID: f.ResellerID, RefID: f.Ref, Status: f.Status, Before: f.Before}, f.Target)
	if err != nil {
		return nil, err
	}
	args = append(args, f.Limit)
	var out []*loket.OrderRow
	err = db.each(ctx, fmt.Sprintf(`SELECT `+orderRowCols+` FROM orders WHERE %s ORDER BY id DESC LIMIT $%d`, where, len(args)),
		func(r *sql.Rows) error {
			o, err := scanOrderRow(r)
			if err == nil {
				out = append(out, o)
			}
			return err
		}, args...)
	return out, err
}

// inProcess says an order (pending: found through orders_pending) is being carried
// out, as opposed to a dropship order awaiting its customer's payment: its dispatch
// job is there, found by key. (Not "id IN (SELECT ref_id FROM jobs ...)": on
// PostgreSQL the jobs table, where every order's job is written and deleted, keeps
// its dead pages until vacuumed, and reading it whole costs tens of milliseconds.)
const inProcess = `EXISTS (SELECT 1 FROM jobs j WHERE j.key = 'order:' || orders.id)`

// orderWhere is the condition, and its arguments, that finds the orders f (and
// target, when not empty) asks for, in a shape that reads about what it returns:
//   - a reseller: its (reseller_id, id) or (reseller_id, ref_id) index;
//   - a ref alone: the (reseller_id, ref_id) index of each reseller, a lookup each;
//   - a target: its index (orders_target);
//   - pending (and flagged) orders: their partial index (orders_pending);
//   - failed orders: their partial index (orders_failed); successful ones are most
//     orders, found walking back from the newest;
//   - a period: the range of ids FirstOrderIDAt finds for its ends.
func (db *DB) orderWhere(ctx context.Context, f loket.OrderFilter, target string) (string, []any, error) {
	where := []string{"1 = 1"}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.ResellerID != 0 {
		add("reseller_id = $%d", f.ResellerID)
	} else if f.RefID != "" {
		where = append(where, "reseller_id IN (SELECT id FROM resellers)")
	}
	if f.RefID != "" {
		add("ref_id = $%d", f.RefID)
	}
	if target != "" {
		add("target = $%d", target)
	}
	switch {
	case f.Flagged:
		where = append(where, "status = 'pending' AND flagged_at IS NOT NULL") // a literal, for the partial index
	case f.Status == loket.StatusPending:
		where = append(where, "status = 'pending'")
	case f.Status == loket.StatusFailed:
		where = append(where, "status = 'failed'") // a literal, for the partial index
	case f.Status != "":
		add("status = $%d", f.Status)
	}
	if !f.From.IsZero() {
		first, err := db.FirstOrderIDAt(ctx, f.From)
		if err != nil {
			return "", nil, err
		}
		add("id >= $%d", first)
		add("created_at >= $%d", f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		// Orders created before To were given ids before the first order created a
		// minute after it (FirstOrderIDAt allows writers' clocks a minute).
		end, err := db.FirstOrderIDAt(ctx, f.To.Add(2*time.Minute))
		if err != nil {
			return "", nil, err
		}
		add("id < $%d", end)
		add("created_at < $%d", f.To.UnixMicro())
	}
	if f.Before > 0 {
		add("id < $%d", f.Before)
	}
	return strings.Join(where, " AND "), args, nil
}

// OrderRowByID loads one order as the operator sees it.
func (db *DB) OrderRowByID(ctx context.Context, id int64) (*loket.OrderRow, error) {
	o, err := scanOrderRow(db.queryRow(ctx, `SELECT `+orderRowCols+` FROM orders WHERE id = $1`, id))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no such order")
	}
	return o, err
}

// PendingOrders lists unsettled orders in process (flagged ones first), found through
// the pending orders' partial index.
func (db *DB) PendingOrders(ctx context.Context, flaggedOnly bool, limit int) ([]*loket.OrderRow, error) {
	var out []*loket.OrderRow
	err := db.each(ctx, `SELECT `+orderRowCols+` FROM orders WHERE status = 'pending' AND `+inProcess+`
		AND ($1 = 0 OR flagged_at IS NOT NULL) ORDER BY flagged_at IS NULL, id LIMIT $2`,
		func(r *sql.Rows) error {
			o, err := scanOrderRow(r)
			if err == nil {
				out = append(out, o)
			}
			return err
		}, boolInt(flaggedOnly), limit)
	return out, err
}

// OrderWebhooks lists the webhooks of one order with every delivery attempt.
func (db *DB) OrderWebhooks(ctx context.Context, resellerID, orderID int64) ([]*loket.Webhook, error) {
	var ids []int64
	err := db.each(ctx, `SELECT id FROM webhooks WHERE reseller_id = $1 AND order_id = $2 ORDER BY id`, func(r *sql.Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	}, resellerID, orderID)
	if err != nil {
		return nil, err
	}
	out := make([]*loket.Webhook, 0, len(ids))
	for _, id := range ids {
		w, err := db.WebhookByID(ctx, id)
		if err != nil {
			return nil, err
		}
		err = db.each(ctx, `SELECT attempt, at, status_code, error, duration_us FROM webhook_attempts WHERE webhook_id = $1 ORDER BY attempt`,
			func(r *sql.Rows) error {
				var a loket.WebhookAttempt
				var at, us int64
				if err := r.Scan(&a.Attempt, &at, &a.StatusCode, &a.Error, &us); err != nil {
					return err
				}
				a.At, a.DurationMS = Time(at), float64(us)/1000
				w.Log = append(w.Log, a)
				return nil
			}, id)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// Levels lists the price levels.
func (db *DB) Levels(ctx context.Context) ([]loket.Level, error) {
	var out []loket.Level
	err := db.each(ctx, `SELECT name, markup_bp, markup_flat FROM price_levels ORDER BY name`, func(r *sql.Rows) error {
		var l loket.Level
		if err := r.Scan(&l.Name, &l.MarkupBP, &l.MarkupFlat); err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

// OpenDeposits lists pending deposits of every reseller, newest first, with usernames
// and, for dropship orders' payments, the order and its customer.
func (db *DB) OpenDeposits(ctx context.Context, limit int) ([]loket.OpenDeposit, error) {
	var out []loket.OpenDeposit
	err := db.each(ctx, `SELECT `+depositCols+`, COALESCE((SELECT username FROM resellers r WHERE r.id = deposits.reseller_id), ''),
		COALESCE((SELECT order_id FROM dropship_orders x WHERE x.deposit_id = deposits.id), 0),
		COALESCE((SELECT customer_name FROM dropship_orders x WHERE x.deposit_id = deposits.id), '')
		FROM deposits WHERE status = 'pending' ORDER BY id DESC LIMIT $1`, func(r *sql.Rows) error {
		var o loket.OpenDeposit
		d, err := scanDeposit(extraScan{r, []any{&o.Username, &o.DropshipOrder, &o.Customer}})
		if err != nil {
			return err
		}
		o.Deposit = d
		out = append(out, o)
		return nil
	}, limit)
	return out, err
}

// Money reads the MoneySummary.
func (db *DB) Money(ctx context.Context) (loket.MoneySummary, error) {
	var m loket.MoneySummary
	err := db.queryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN kind = $1 THEN balance ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN kind = $2 THEN balance ELSE 0 END), 0)
		FROM accounts WHERE kind IN ($1, $2)`, KindResellerBalance, KindResellerProfit).Scan(&m.ResellerBalances, &m.ResellerProfit)
	if err != nil {
		return m, err
	}
	err = db.queryRow(ctx, `SELECT count(*), COALESCE(SUM(price), 0) FROM orders
		WHERE status = 'pending' AND `+inProcess).Scan(&m.PendingOrders, &m.InFlight)
	return m, err
}
