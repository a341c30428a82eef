package store

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/loket/loket/internal/loket"
)

// reportDims is, per dimension, the joins, the group key and its label. The joins are
// point lookups by primary key of the range's own orders.
var reportDims = map[string]struct{ join, key, label, name string }{
	loket.ReportByDay:      {"", "(o.created_at + $4) / $5", "''", "''"},
	loket.ReportByProduct:  {"", "o.product_id", "MAX(o.product_code)", "MAX(o.product_name)"},
	loket.ReportByBrand:    {"LEFT JOIN products p ON p.id = o.product_id LEFT JOIN brands b ON b.id = p.brand_id", "COALESCE(b.id, 0)", "COALESCE(MAX(b.name), '')", "''"},
	loket.ReportByReseller: {"LEFT JOIN resellers r ON r.id = o.reseller_id", "o.reseller_id", "COALESCE(MAX(r.username), '')", "''"},
	loket.ReportBySupplier: {"LEFT JOIN suppliers s ON s.id = o.supplier_id", "COALESCE(o.supplier_id, 0)", "COALESCE(MAX(s.name), '')", "''"},
}

// Report sums the successful orders created in [q.From, q.To) by one dimension. Whole
// WIB days (what the reports page asks) read the sales_days rollup: a row per day and
// key that sold, whatever the number of orders; another range reads its orders.
func (db *DB) Report(ctx context.Context, q loket.ReportQuery) ([]loket.ReportRow, error) {
	dim, ok := reportDims[q.By]
	if !ok {
		return nil, loket.Errorf(loket.EINVALID, "unknown report dimension %q", q.By)
	}
	kind := ""
	switch q.Kind {
	case "", loket.ReportPrepaid:
		kind = " AND o.inquiry_id IS NULL"
	case loket.ReportBills:
		kind = " AND o.inquiry_id IS NOT NULL"
	case loket.ReportAll:
	default:
		return nil, loket.Errorf(loket.EINVALID, "unknown report kind %q", q.Kind)
	}
	if !q.To.After(q.From) {
		return nil, loket.Errorf(loket.EINVALID, "the report's end must come after its start")
	}
	if q.To.Sub(q.From) > loket.MaxReportDays*24*time.Hour {
		return nil, loket.Errorf(loket.EINVALID, "a report covers at most %d days", loket.MaxReportDays)
	}
	loc := q.Loc
	if loc == nil {
		loc = time.UTC
	}
	from := q.From.In(loc)
	_, off := from.Zone()
	const day = int64(24 * time.Hour / time.Microsecond)
	base := (from.UnixMicro() + int64(off)*1e6) / day
	var out []loket.ReportRow
	var err error
	// Whole WIB days read the rollup: a row per day and product (or reseller, or
	// supplier) that sold, whatever the orders.
	if lo, hi, ok := wibDays(q.From, q.To); ok && (q.By != loket.ReportByDay || int64(off)*1e6 == wibOffset) {
		sd, ok := reportSalesDims[q.By]
		if !ok {
			return nil, loket.Errorf(loket.EINVALID, "unknown report dimension %q", q.By)
		}
		bill := map[string]string{"": " AND s.bill = 0", loket.ReportPrepaid: " AND s.bill = 0", loket.ReportBills: " AND s.bill = 1"}[q.Kind]
		err = db.each(ctx, `SELECT `+sd.key+`, `+sd.label+`, `+sd.name+`, SUM(s.orders), SUM(s.sales), SUM(s.cost)
			FROM sales_days s `+sd.join+` WHERE s.dim = '`+sd.dim+`' AND s.day >= $1 AND s.day < $2`+bill+`
			GROUP BY 1 HAVING SUM(s.orders) <> 0`,
			func(r *sql.Rows) error {
				x, err := scanReportRow(r)
				out = append(out, x)
				return err
			}, lo, hi)
		base = lo
	} else {
		out, err = db.reportScan(ctx, q, dim.join, dim.key, dim.label, dim.name, kind, off)
	}
	if err != nil {
		return nil, err
	}
	if q.By != loket.ReportByDay {
		sort.Slice(out, func(i, j int) bool {
			if out[i].Sales != out[j].Sales {
				return out[i].Sales > out[j].Sales
			}
			return out[i].Label < out[j].Label
		})
		return out, nil
	}
	// By day: every day of the range, zero when nothing sold.
	start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	var days []loket.ReportRow
	for d := start; d.Before(q.To); d = d.AddDate(0, 0, 1) {
		days = append(days, loket.ReportRow{Key: int64(len(days)), Day: d})
	}
	for _, x := range out {
		if i := x.Key - base; i >= 0 && i < int64(len(days)) {
			x.Key, x.Day = i, days[i].Day
			days[i] = x
		}
	}
	return days, nil
}

// reportSalesDims is, per dimension, how a report reads the sales_days rollup: which
// of its dimensions, the group key, its label and name, and the joins for those
// (point lookups by primary key). A brand sums its products' rows.
var reportSalesDims = map[string]struct{ dim, join, key, label, name string }{
	loket.ReportByDay:      {"product", "", "s.day", "''", "''"},
	loket.ReportByProduct:  {"product", "LEFT JOIN products p ON p.id = s.key", "s.key", "COALESCE(MAX(p.code), '')", "COALESCE(MAX(p.name), '')"},
	loket.ReportByBrand:    {"product", "LEFT JOIN products p ON p.id = s.key LEFT JOIN brands b ON b.id = p.brand_id", "COALESCE(b.id, 0)", "COALESCE(MAX(b.name), '')", "''"},
	loket.ReportByReseller: {"reseller", "LEFT JOIN resellers r ON r.id = s.key", "s.key", "COALESCE(MAX(r.username), '')", "''"},
	loket.ReportBySupplier: {"supplier", "LEFT JOIN suppliers x ON x.id = s.key", "s.key", "COALESCE(MAX(x.name), '')", "''"},
}

// reportScan is Report over the range's orders (a range that is not whole WIB days):
// one query over the primary-key range that FirstOrderIDAt finds, whose read grows
// with the range.
func (db *DB) reportScan(ctx context.Context, q loket.ReportQuery, join, key, label, name, kind string, off int) ([]loket.ReportRow, error) {
	first, err := db.FirstOrderIDAt(ctx, q.From)
	if err != nil {
		return nil, err
	}
	const day = int64(24 * time.Hour / time.Microsecond)
	args := []any{first, q.From.UnixMicro(), q.To.UnixMicro()}
	if q.By == loket.ReportByDay {
		args = append(args, int64(off)*1e6, day)
	}
	var out []loket.ReportRow
	err = db.each(ctx, `SELECT `+key+`, `+label+`, `+name+`, count(*), COALESCE(SUM(o.price), 0), COALESCE(SUM(COALESCE(o.cost, o.price)), 0)
		FROM orders o `+join+` WHERE o.id >= $1 AND o.created_at >= $2 AND o.created_at < $3 AND o.status = 'success'`+kind+`
		GROUP BY 1`,
		func(r *sql.Rows) error {
			x, err := scanReportRow(r)
			out = append(out, x)
			return err
		}, args...)
	return out, err
}

func scanReportRow(r *sql.Rows) (loket.ReportRow, error) {
	var x loket.ReportRow
	err := r.Scan(&x.Key, &x.Label, &x.Name, &x.Count, &x.Sales, &x.Cost)
	x.Margin = x.Sales - x.Cost
	return x, err
}
