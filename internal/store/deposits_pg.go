package store

import "fmt"

// creditDepositsPG is creditDeposits for PostgreSQL: the claimed deposits travel as
// arrays and the transfers, entries, balances and payments are written by one
// statement (data-modifying CTEs, as orders_pg.go), after one that locks the
// resellers' accounts in ascending id order. Same keys, legs and formats.
func (t *Tx) creditDepositsPG(source string, claimed []*Deposit, now int64) error {
	src, err := t.HouseAccount(PaymentAccount(source), KindPaymentSource)
	if err != nil {
		return err
	}
	revenue, err := t.HouseAccount(AccRevenue, KindRevenue)
	if err != nil {
		return err
	}
	n := len(claimed)
	ids, rids, amounts, codes, totals, pids := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	methods := make([]string, n)
	for i, d := range claimed {
		ids[i], rids[i], amounts[i], codes[i], totals[i], methods[i] = d.ID, d.ResellerID, int64(d.Amount), int64(d.UniqueCode), int64(d.Total), d.Method
		pids[i] = *d.PaymentID
	}
	if _, err := t.Exec(`SELECT id FROM accounts WHERE id IN (SELECT balance_account_id FROM resellers WHERE id = ANY($1::bigint[]))
		ORDER BY id FOR UPDATE`, rids); err != nil {
		return fmt.Errorf("lock reseller accounts: %w", err)
	}
	var written int64
	q := `WITH d AS (
		SELECT x.id, x.amount, x.code, x.total, x.method, x.pid, r.balance_account_id AS acc
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[]) AS x(id, rid, amount, code, total, method, pid)
		JOIN resellers r ON r.id = x.rid
	), tr AS (
		INSERT INTO transfers (key, kind, note, created_at)
		SELECT 'deposit:' || id, 'deposit', 'deposit ' || id || ' (' || method || ')', $8::bigint FROM d ORDER BY id
		ON CONFLICT (key) DO NOTHING RETURNING id, key
	), x AS (
		SELECT tr.id AS tid, d.acc, d.amount, d.code, d.total,
			a.balance + SUM(d.amount) OVER (PARTITION BY d.acc ORDER BY d.id) AS after
		FROM tr JOIN d ON tr.key = 'deposit:' || d.id JOIN accounts a ON a.id = d.acc
	), e AS (
		INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at)
		SELECT l.tid, l.acc, l.amt, l.bal, $8::bigint FROM (
			SELECT tid, 1 AS leg, $9::bigint AS acc, -total AS amt, NULL::bigint AS bal FROM x
			UNION ALL SELECT tid, 2, acc, amount, after FROM x
			UNION ALL SELECT tid, 3, $10::bigint, code, NULL FROM x WHERE code > 0
		) l ORDER BY l.tid, l.leg
	), u AS (
		UPDATE accounts SET balance = accounts.balance + s.amt
		FROM (SELECT acc, SUM(amount) AS amt FROM d GROUP BY acc) s WHERE accounts.id = s.acc
	), p AS (
		UPDATE payments SET state = 'matched', deposit_id = d.id FROM d WHERE payments.id = d.pid
	)
	SELECT count(*) FROM tr`
	err = t.QueryRow(q, ids, rids, amounts, codes, totals, methods, pids, now, src, revenue).Scan(&written)
	if err != nil {
		return fmt.Errorf("credit deposits: %w", err)
	}
	// A deposit moves from pending to success once, so its key cannot be taken; if
	// it were, the whole batch is refused rather than crediting without a transfer.
	if written != int64(n) {
		return fmt.Errorf("deposit transfers: %d of %d keys were free", written, n)
	}
	return nil
}
