package store

import (
	"context"
	"database/sql"
	"fmt"
)

// A rollup is kept by the writers, so ledger verify checks each against the rows it
// sums (the house accounts' sums against their entries, the order rollups against the
// orders), and RebuildRollups recomputes them all when one is found wrong (a bug, or
// a node of an older version writing orders beside a newer one).

// rollupChecks pairs each rollup, read by key, with the same figures computed from
// the rows it sums. Both queries return a text key and three numbers.
var rollupChecks = []struct{ name, rollup, rows string }{
	{"order_days",
		`SELECT day || ':' || status || ':' || surface || ':' || bill, SUM(orders), SUM(sales), SUM(profit) FROM order_days GROUP BY day, status, surface, bill`,
		`SELECT ((created_at + 25200000000) / 86400000000) || ':' || status || ':' || surface || ':' || (CASE WHEN inquiry_id IS NULL THEN 0 ELSE 1 END),
			count(*), SUM(price), SUM(CASE WHEN status = 'success' AND cost IS NOT NULL THEN price - cost ELSE 0 END)
			FROM orders GROUP BY (created_at + 25200000000) / 86400000000, status, surface, CASE WHEN inquiry_id IS NULL THEN 0 ELSE 1 END`},
	{"order_totals",
		`SELECT status || ':' || surface, SUM(orders), 0, 0 FROM order_totals GROUP BY status, surface`,
		`SELECT status || ':' || surface, count(*), 0, 0 FROM orders GROUP BY status, surface`},
	{"sales_days",
		`SELECT dim || ':' || day || ':' || key || ':' || bill, SUM(orders), SUM(sales), SUM(cost) FROM sales_days GROUP BY dim, day, key, bill`,
		`SELECT d.dim || ':' || ((o.created_at + 25200000000) / 86400000000) || ':' ||
				(CASE d.dim WHEN 'product' THEN o.product_id WHEN 'reseller' THEN o.reseller_id ELSE COALESCE(o.supplier_id, 0) END) || ':' ||
				(CASE WHEN o.inquiry_id IS NULL THEN 0 ELSE 1 END),
			count(*), SUM(o.price), SUM(COALESCE(o.cost, o.price))
			FROM orders o CROSS JOIN (SELECT 'product' AS dim UNION ALL SELECT 'reseller' UNION ALL SELECT 'supplier') d
			WHERE o.status = 'success'
			GROUP BY d.dim, (o.created_at + 25200000000) / 86400000000,
				CASE d.dim WHEN 'product' THEN o.product_id WHEN 'reseller' THEN o.reseller_id ELSE COALESCE(o.supplier_id, 0) END,
				CASE WHEN o.inquiry_id IS NULL THEN 0 ELSE 1 END`},
}

// verifyRollups checks the rollups in the verification's snapshot: sums holds what
// each account's entries sum to. orders says to check the order rollups too, which
// reads every order.
func verifyRollups(ctx context.Context, snap *sql.Tx, sums map[int64]int64, orders bool, add func(inv, format string, args ...any)) error {
	// A copy made before migration 0022 (the backup before migrating, or an older
	// backup being restored) has no rollups to check.
	var has int
	if err := snap.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = '0022_rollups'`).Scan(&has); err != nil {
		return err
	}
	if has == 0 {
		return nil
	}
	const inv = "rollups match their rows"
	n := 0
	report := func(format string, args ...any) {
		if n++; n <= 20 {
			add(inv, format, args...)
		}
	}
	err := eachRow(ctx, snap, `SELECT a.id, a.code, a.tracked, s.amount FROM accounts a
		LEFT JOIN (SELECT account_id, SUM(amount) AS amount FROM account_sums GROUP BY account_id) s ON s.account_id = a.id
		WHERE NOT a.tracked OR s.account_id IS NOT NULL ORDER BY a.id`, func(r *sql.Rows) error {
		var id int64
		var code string
		var tracked bool
		var amount sql.NullInt64
		if err := r.Scan(&id, &code, &tracked, &amount); err != nil {
			return err
		}
		if tracked {
			report("account %s keeps its own balance but has rollup rows (%d)", code, amount.Int64)
		} else if amount.Int64 != sums[id] {
			report("account %s: its rollup says %d, its entries sum to %d", code, amount.Int64, sums[id])
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range rollupChecks {
		if !orders {
			break
		}
		kept := map[string][3]int64{}
		if err := eachRow(ctx, snap, c.rollup, func(r *sql.Rows) error {
			var k string
			var v [3]int64
			if err := r.Scan(&k, &v[0], &v[1], &v[2]); err != nil {
				return err
			}
			if v != ([3]int64{}) {
				kept[k] = v
			}
			return nil
		}); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		if err := eachRow(ctx, snap, c.rows, func(r *sql.Rows) error {
			var k string
			var v [3]int64
			if err := r.Scan(&k, &v[0], &v[1], &v[2]); err != nil {
				return err
			}
			if kept[k] != v {
				report("%s %s: the rollup says %v, the orders %v", c.name, k, kept[k], v)
			}
			delete(kept, k)
			return nil
		}); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		for k, v := range kept {
			report("%s %s: the rollup says %v, the orders nothing", c.name, k, v)
		}
	}
	if n > 20 {
		add(inv, "%d more rollup rows differ; loket ledger rebuild recomputes them", n-20)
	}
	return nil
}

// RebuildRollups recomputes every rollup from the rows it sums, in one write
// transaction that holds off every writer meanwhile (SQLite's write lock; on
// PostgreSQL a lock on the tables the rollups sum), and returns how many rows each
// rollup has now.
func (db *DB) RebuildRollups(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.Direct(ctx, func(t *Tx) error {
		if t.Dialect() == Postgres {
			if _, err := t.Exec(`LOCK TABLE entries, orders, account_sums, order_days, order_totals, sales_days IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		for _, q := range rebuildRollups(t.Dialect()) {
			if _, err := t.Exec(q); err != nil {
				return fmt.Errorf("rebuild rollups: %w", err)
			}
		}
		for _, table := range []string{"account_sums", "order_days", "order_totals", "sales_days"} {
			var n int64
			if err := t.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
				return err
			}
			out[table] = n
		}
		return nil
	})
	return out, err
}

// rebuildRollups is the statements that recompute the rollups: migration 0022's,
// after emptying them.
func rebuildRollups(d Dialect) []string {
	out := []string{`DELETE FROM account_sums`, `DELETE FROM order_days`, `DELETE FROM order_totals`, `DELETE FROM sales_days`}
	tracked := "a.tracked = 0"
	if d == Postgres {
		tracked = "NOT a.tracked"
	}
	out = append(out,
		`INSERT INTO account_sums (account_id, stripe, amount)
			SELECT e.account_id, 0, SUM(e.amount) FROM entries e JOIN accounts a ON a.id = e.account_id
			WHERE `+tracked+` GROUP BY e.account_id`,
		`INSERT INTO order_days (day, status, surface, bill, stripe, orders, sales, profit)
			SELECT (created_at + 25200000000) / 86400000000, status, surface, CASE WHEN inquiry_id IS NULL THEN 0 ELSE 1 END, 0,
				count(*), SUM(price), SUM(CASE WHEN status = 'success' AND cost IS NOT NULL THEN price - cost ELSE 0 END)
			FROM orders GROUP BY 1, 2, 3, 4`,
		`INSERT INTO order_totals (status, surface, stripe, orders) SELECT status, surface, 0, count(*) FROM orders GROUP BY 1, 2`)
	for _, dim := range [][2]string{{"product", "product_id"}, {"reseller", "reseller_id"}, {"supplier", "COALESCE(supplier_id, 0)"}} {
		out = append(out, `INSERT INTO sales_days (dim, day, key, bill, stripe, orders, sales, cost)
			SELECT '`+dim[0]+`', (created_at + 25200000000) / 86400000000, `+dim[1]+`, CASE WHEN inquiry_id IS NULL THEN 0 ELSE 1 END, 0,
				count(*), SUM(price), SUM(COALESCE(cost, price))
			FROM orders WHERE status = 'success' GROUP BY 2, 3, 4`)
	}
	return out
}
