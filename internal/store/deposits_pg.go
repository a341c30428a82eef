package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// On PostgreSQL every statement is a round trip and every row written costs: the batch
// path there decides the matches before it writes the payments, so each payment is
// written once, already matched or not (no second UPDATE of 10,000 rows), and the
// ledger is one statement over arrays. Same effects, keys and formats as the generic
// path (RecordPayments on SQLite); the conformance tests run both.

// ErrBatchRace says a payment of a batch was recorded by a concurrent writer after the
// batch had claimed a deposit for it: the batch's transaction must be rolled back and
// run again (it then sees that payment as kept).
var ErrBatchRace = errors.New("store: a payment of the batch was recorded concurrently; run the batch again")

// recordPaymentsPG is RecordPayments on PostgreSQL for rows (refs distinct; first maps
// a ref to its index in out):
//
//  1. payment ids are drawn for the refs not kept yet;
//  2. one UPDATE claims the deposits they pay, naming those ids;
//  3. the payments are inserted with their ids, state and deposit; a ref a concurrent
//     writer kept in between is skipped by the unique constraint, and if it had
//     claimed a deposit the whole batch is refused (ErrBatchRace) rather than
//     crediting a payment that is not ours;
//  4. creditDepositsPG writes the ledger.
func (t *Tx) recordPaymentsPG(source string, rows []loket.Payment, first map[string]int, out []loket.PaymentOutcome, now int64) error {
	refs := make([]string, len(rows))
	for i, p := range rows {
		refs[i] = p.Ref
	}
	rs, err := t.Query(`SELECT x.ord, nextval(pg_get_serial_sequence('payments', 'id'))
		FROM unnest($2::text[]) WITH ORDINALITY AS x(r, ord)
		WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.source = $1 AND p.ref = x.r) ORDER BY x.ord`, source, refs)
	if err != nil {
		return fmt.Errorf("record payments: %w", err)
	}
	var fresh []loket.Payment
	for rs.Next() {
		var ord, id int64
		if err := rs.Scan(&ord, &id); err != nil {
			rs.Close()
			return fmt.Errorf("record payments: %w", err)
		}
		p := rows[ord-1]
		p.ID = id
		fresh = append(fresh, p)
	}
	if err := rs.Close(); err != nil {
		return fmt.Errorf("record payments: %w", err)
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("record payments: %w", err)
	}
	for i := range out {
		out[i].Duplicate = true // until inserted below
	}
	if len(fresh) == 0 {
		return nil
	}
	n := len(fresh)
	ids, amounts, paid := make([]int64, n), make([]int64, n), make([]int64, n)
	fr, methods, brands, buyers := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, p := range fresh {
		ids[i], fr[i], methods[i], amounts[i], brands[i], buyers[i], paid[i] = p.ID, p.Ref, p.Method, int64(p.Amount), p.Brand, p.Buyer, p.PaidAt.UnixMicro()
	}

	// 2. Claim: of several payments of one pay amount, the first (lowest id) wins.
	rs, err = t.Query(`UPDATE deposits SET status = 'success', payment_id = m.pid, brand = m.pb, buyer_ref = m.pu, settled_at = $7
		FROM (SELECT DISTINCT ON (d.id) d.id AS did, x.id AS pid, x.b AS pb, x.u AS pu
			FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[]) AS x(id, m, a, p, b, u)
			JOIN deposits d ON d.method = x.m AND d.pay_amount = x.a AND d.status = 'pending' AND d.expires_at >= x.p
			ORDER BY d.id, x.id) m
		WHERE deposits.id = m.did AND deposits.status = 'pending'
		RETURNING `+qualified("deposits", depositCols), ids, methods, amounts, paid, brands, buyers, now)
	if err != nil {
		return fmt.Errorf("match payments: %w", err)
	}
	byPayment := map[int64]*loket.Deposit{}
	var claimed []*loket.Deposit
	for rs.Next() {
		d, err := scanDeposit(rs)
		if err != nil {
			rs.Close()
			return fmt.Errorf("match payments: %w", err)
		}
		byPayment[*d.PaymentID] = d
		claimed = append(claimed, d)
	}
	if err := rs.Close(); err != nil {
		return fmt.Errorf("match payments: %w", err)
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("match payments: %w", err)
	}
	deps := make([]int64, n)
	for i, id := range ids {
		if d := byPayment[id]; d != nil {
			deps[i] = d.ID
		}
	}

	// 3. The payments, each written once.
	rs, err = t.Query(`INSERT INTO payments (id, source, ref, method, amount, brand, buyer, paid_at, received_at, state, deposit_id)
		SELECT x.id, $1, x.r, x.m, x.a, x.b, x.u, x.p, $9, CASE WHEN x.dep = 0 THEN 'unmatched' ELSE 'matched' END, NULLIF(x.dep, 0)
		FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::bigint[], $10::bigint[]) AS x(id, r, m, a, b, u, p, dep)
		ORDER BY x.id
		ON CONFLICT (source, ref) DO NOTHING RETURNING id`, source, ids, fr, methods, amounts, brands, buyers, paid, now, deps)
	if err != nil {
		return fmt.Errorf("record payments: %w", err)
	}
	inserted := make(map[int64]bool, n)
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			rs.Close()
			return fmt.Errorf("record payments: %w", err)
		}
		inserted[id] = true
	}
	if err := rs.Close(); err != nil {
		return fmt.Errorf("record payments: %w", err)
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("record payments: %w", err)
	}
	for _, d := range claimed {
		if !inserted[*d.PaymentID] {
			return ErrBatchRace
		}
	}
	for _, p := range fresh {
		if !inserted[p.ID] {
			continue // kept by a concurrent writer meanwhile: a duplicate
		}
		i := first[p.Ref]
		out[i] = loket.PaymentOutcome{PaymentID: p.ID, Deposit: byPayment[p.ID]}
	}
	// Payments of dropship orders fund their orders instead of a balance (their
	// payments are written matched above).
	if len(claimed) > 0 {
		ids := make([]int64, len(claimed))
		for i, d := range claimed {
			ids[i] = d.ID
		}
		rest, err := t.fundDropships(source, ids, false)
		if err != nil {
			return err
		}
		if len(rest) != len(claimed) {
			keep := make(map[int64]bool, len(rest))
			for _, id := range rest {
				keep[id] = true
			}
			kept := claimed[:0]
			for _, d := range claimed {
				if keep[d.ID] {
					kept = append(kept, d)
				}
			}
			claimed = kept
		}
	}
	if len(claimed) == 0 {
		return nil
	}
	return t.creditDepositsPG(source, claimed, now)
}

// qualified prefixes each column of a list ("a, b") with table.
func qualified(table, cols string) string {
	return table + "." + strings.ReplaceAll(cols, ", ", ", "+table+".")
}

// creditDepositsPG is creditDeposits for PostgreSQL, the payments already written as
// matched. The claimed deposits travel as arrays; one statement writes the transfers
// and their house legs (the source's and revenue's, which keep no stored balance), and
// only then are the resellers' accounts locked, in ascending id order, for the
// statement that writes their legs and balances: so two batches at once run side by
// side until that last short step. Same keys, legs and formats.
func (t *Tx) creditDepositsPG(source string, claimed []*loket.Deposit, now int64) error {
	src, err := t.HouseAccount(PaymentAccount(source), KindPaymentSource)
	if err != nil {
		return err
	}
	revenue, err := t.HouseAccount(AccRevenue, KindRevenue)
	if err != nil {
		return err
	}
	n := len(claimed)
	ids, rids, amounts, codes, totals := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	methods := make([]string, n)
	index := make(map[int64]int, n)
	for i, d := range claimed {
		ids[i], rids[i], amounts[i], codes[i], totals[i], methods[i] = d.ID, d.ResellerID, int64(d.Amount), int64(d.UniqueCode), int64(d.Total), d.Method
		index[d.ID] = i
		t.deltas().addAccount(src, -d.Total)
		if d.UniqueCode > 0 {
			t.deltas().addAccount(revenue, d.UniqueCode)
		}
	}
	// A deposit moves from pending to success once, so its key cannot be taken; if
	// it were, the insert fails and the whole batch with it, rather than crediting
	// without a transfer.
	rs, err := t.Query(`WITH d AS (
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[]) AS x(id, code, total, method)
	), tr AS (
		INSERT INTO transfers (key, kind, note, created_at)
		SELECT 'deposit:' || id, 'deposit', 'deposit ' || id || ' (' || method || ')', $5::bigint FROM d ORDER BY id
		RETURNING id, key
	), x AS (
		SELECT tr.id AS tid, d.id AS did, d.code, d.total FROM tr JOIN d ON tr.key = 'deposit:' || d.id
	), e AS (
		INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at)
		SELECT l.tid, l.acc, l.amt, NULL, $5::bigint FROM (
			SELECT tid, 1 AS leg, $6::bigint AS acc, -total AS amt FROM x
			UNION ALL SELECT tid, 3, $7::bigint, code FROM x WHERE code > 0
		) l ORDER BY l.tid, l.leg
	)
	SELECT did, tid FROM x`, ids, codes, totals, methods, now, src, revenue)
	if err != nil {
		return fmt.Errorf("deposit transfers: %w", err)
	}
	tids := make([]int64, n)
	got := 0
	for rs.Next() {
		var did, tid int64
		if err := rs.Scan(&did, &tid); err != nil {
			rs.Close()
			return fmt.Errorf("deposit transfers: %w", err)
		}
		if i, ok := index[did]; ok && tids[i] == 0 {
			tids[i] = tid
			got++
		}
	}
	if err := rs.Close(); err != nil {
		return fmt.Errorf("deposit transfers: %w", err)
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("deposit transfers: %w", err)
	}
	if got != n {
		return fmt.Errorf("deposit transfers: %d of %d written", got, n)
	}
	if _, err := t.Exec(`SELECT id FROM accounts WHERE id IN (SELECT balance_account_id FROM resellers WHERE id = ANY($1::bigint[]))
		ORDER BY id FOR UPDATE`, rids); err != nil {
		return fmt.Errorf("lock reseller accounts: %w", err)
	}
	// A reseller credited several deposits gets an entry per deposit, in deposit id
	// order, each with the balance after it.
	if _, err := t.Exec(`WITH d AS (
		SELECT x.id, x.tid, x.amount, r.balance_account_id AS acc
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS x(id, tid, rid, amount)
		JOIN resellers r ON r.id = x.rid
	), e AS (
		INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at)
		SELECT d.tid, d.acc, d.amount, a.balance + SUM(d.amount) OVER (PARTITION BY d.acc ORDER BY d.id), $5::bigint
		FROM d JOIN accounts a ON a.id = d.acc ORDER BY d.acc, d.id
	)
	UPDATE accounts SET balance = accounts.balance + s.amt
	FROM (SELECT acc, SUM(amount) AS amt FROM d GROUP BY acc) s WHERE accounts.id = s.acc`, ids, tids, rids, amounts, now); err != nil {
		return fmt.Errorf("credit resellers: %w", err)
	}
	return nil
}
