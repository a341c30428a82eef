package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// The batch matcher records a whole batch of a source's payments and credits the
// deposits they pay with a handful of set-based statements, whatever the batch's size.
// On SQLite (recordPaymentsPG has PostgreSQL's way):
//
//  1. insert the payments, skipping any (source, ref) already kept (the unique
//     constraint decides, so two pollers reading the same history record it once);
//  2. one UPDATE claims, for each newly kept payment, the open unexpired deposit of
//     its method whose pay amount it equals (conditional on status = 'pending', so a
//     deposit paid, cancelled or expired meanwhile is never claimed);
//  3. one INSERT writes the transfers (key deposit:<id>, as RecordPayment), one the
//     entries of all of them, one UPDATE adds to each reseller's balance the sum of
//     its credited amounts, and one marks the payments matched.
//
// The effects, keys and formats are those of RecordPayment, one payment at a time.

// MaxPaymentBatch bounds one RecordPayments call (its statements' parameters are
// passed as one JSON document or array each, so this is about transaction length).
const MaxPaymentBatch = 20_000

// RecordPayments keeps a batch of one source's payments once each (by source and ref)
// and credits the open deposits they pay, like RecordPayment for each in turn. Of
// several payments of the batch with the same amount, the first kept claims the
// deposit. Outcomes are in the order of ps; a ref repeated within the batch is a
// duplicate of its first appearance. The payment account of source must exist
// (EnsureAccount).
func (t *Tx) RecordPayments(source string, ps []loket.Payment) ([]loket.PaymentOutcome, error) {
	if len(ps) > MaxPaymentBatch {
		return nil, fmt.Errorf("record payments: %d payments in one batch, at most %d", len(ps), MaxPaymentBatch)
	}
	out := make([]loket.PaymentOutcome, len(ps))
	now := Now()
	first := make(map[string]int, len(ps)) // ref -> index of its first appearance
	var rows []loket.Payment
	for i, p := range ps {
		if _, seen := first[p.Ref]; seen {
			out[i].Duplicate = true
			continue
		}
		first[p.Ref] = i
		p.Source = source
		p.Brand, p.Buyer = truncate(p.Brand, 64), truncate(p.Buyer, 128)
		if p.PaidAt.IsZero() {
			p.PaidAt = Time(now)
		}
		rows = append(rows, p)
	}
	if len(rows) == 0 {
		return out, nil
	}

	if t.db.Dialect == Postgres {
		// The planner's guesses for array parameters and CTEs run far above the
		// real row counts and would have it compile the statements (JIT), which
		// costs more than running them.
		if _, err := t.Exec(`SET LOCAL jit = off`); err != nil {
			return nil, err
		}
		if err := t.recordPaymentsPG(source, rows, first, out, now); err != nil {
			return nil, err
		}
		return out, nil
	}
	// 1. Keep the payments not seen before.
	inserted, err := t.insertPayments(source, rows, now)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(inserted))
	for ref, i := range first {
		id, ok := inserted[ref]
		if !ok {
			out[i].Duplicate = true
			continue
		}
		out[i].PaymentID = id
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return out, nil
	}

	// 2. Claim the deposits they pay.
	rs, err := t.Query(`UPDATE deposits SET status = 'success', payment_id = m.pid, brand = m.pbrand, buyer_ref = m.pbuyer, settled_at = $2
		FROM (SELECT w.did, w.pid, p.brand AS pbrand, p.buyer AS pbuyer FROM (
				SELECT d.id AS did, MIN(p.id) AS pid FROM payments p
				JOIN deposits d ON d.method = p.method AND d.pay_amount = p.amount AND d.status = 'pending' AND d.expires_at >= p.paid_at
				WHERE p.id `+t.inIDs(1)+` GROUP BY d.id) w
			JOIN payments p ON p.id = w.pid) m
		WHERE deposits.id = m.did AND deposits.status = 'pending'
		RETURNING `+depositCols, t.idsArg(ids), now)
	if err != nil {
		return nil, fmt.Errorf("match payments: %w", err)
	}
	byPayment := map[int64]*loket.Deposit{}
	var claimed []int64
	for rs.Next() {
		d, err := scanDeposit(rs)
		if err != nil {
			rs.Close()
			return nil, fmt.Errorf("match payments: %w", err)
		}
		byPayment[*d.PaymentID] = d
		claimed = append(claimed, d.ID)
	}
	if err := rs.Close(); err != nil {
		return nil, fmt.Errorf("match payments: %w", err)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("match payments: %w", err)
	}
	for i := range out {
		if d := byPayment[out[i].PaymentID]; d != nil && out[i].PaymentID != 0 {
			out[i].Deposit = d
		}
	}
	// Payments of dropship orders fund their orders instead of a balance.
	if claimed, err = t.fundDropships(source, claimed, true); err != nil {
		return nil, err
	}
	if len(claimed) == 0 {
		return out, nil
	}
	if err := t.creditDeposits(source, claimed, now); err != nil {
		return nil, err
	}
	return out, nil
}

// insertPayments inserts rows (refs distinct) unless their (source, ref) is kept
// already, and returns the ids of those inserted by ref.
func (t *Tx) insertPayments(source string, rows []loket.Payment, now int64) (map[string]int64, error) {
	type row struct {
		R string `json:"r"`
		M string `json:"m"`
		A int64  `json:"a"`
		B string `json:"b"`
		U string `json:"u"`
		P int64  `json:"p"`
	}
	js := make([]row, len(rows))
	for i, p := range rows {
		js[i] = row{p.Ref, p.Method, int64(p.Amount), p.Brand, p.Buyer, p.PaidAt.UnixMicro()}
	}
	doc, err := json.Marshal(js)
	if err != nil {
		return nil, err
	}
	// "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT.
	rs, err := t.Query(`INSERT INTO payments (source, ref, method, amount, brand, buyer, paid_at, received_at, state)
			SELECT $1, json_extract(value, '$.r'), json_extract(value, '$.m'), json_extract(value, '$.a'), json_extract(value, '$.b'),
				json_extract(value, '$.u'), json_extract(value, '$.p'), $3, 'unmatched'
			FROM json_each($2) WHERE true
			ON CONFLICT (source, ref) DO NOTHING RETURNING id, ref`, source, string(doc), now)
	if err != nil {
		return nil, fmt.Errorf("record payments: %w", err)
	}
	defer rs.Close()
	inserted := make(map[string]int64, len(rows))
	for rs.Next() {
		var id int64
		var ref string
		if err := rs.Scan(&id, &ref); err != nil {
			return nil, fmt.Errorf("record payments: %w", err)
		}
		inserted[ref] = id
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("record payments: %w", err)
	}
	return inserted, rs.Close()
}

// creditDeposits writes the ledger of deposits just claimed (status success, their
// payment set): one transfer each, keyed deposit:<id>, of the total out of the
// source's account, the amount to the reseller and the unique code to revenue; and
// marks their payments matched. PostgreSQL has creditDepositsPG.
func (t *Tx) creditDeposits(source string, claimed []int64, now int64) error {
	src, err := t.HouseAccount(PaymentAccount(source), KindPaymentSource)
	if err != nil {
		return err
	}
	revenue, err := t.HouseAccount(AccRevenue, KindRevenue)
	if err != nil {
		return err
	}
	ids := t.idsArg(claimed)
	in := t.inIDs(1)
	res, err := t.Exec(`INSERT INTO transfers (key, kind, note, created_at)
		SELECT 'deposit:' || id, 'deposit', 'deposit ' || id || ' (' || method || ')', $2 FROM deposits WHERE id `+in+` ORDER BY id
		ON CONFLICT (key) DO NOTHING`, ids, now)
	if err != nil {
		return fmt.Errorf("deposit transfers: %w", err)
	}
	// A deposit moves from pending to success once, so its key cannot be taken; if
	// it were, the whole batch is refused rather than crediting without a transfer.
	if n, _ := res.RowsAffected(); n != int64(len(claimed)) {
		return fmt.Errorf("deposit transfers: %d of %d keys were free", n, len(claimed))
	}
	// A reseller credited several deposits gets an entry per deposit, in deposit id
	// order, with the running balance after each.
	entriesQ := `INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at)
		SELECT x.tid, x.acc, x.amt, x.bal, $2 FROM (
			SELECT tr.id AS tid, 1 AS leg, CAST($3 AS BIGINT) AS acc, -d.total AS amt, CAST(NULL AS BIGINT) AS bal
				FROM deposits d JOIN transfers tr ON tr.key = 'deposit:' || d.id WHERE d.id ` + in + `
			UNION ALL
			SELECT tr.id, 2, r.balance_account_id, d.amount, a.balance + SUM(d.amount) OVER (PARTITION BY r.balance_account_id ORDER BY d.id)
				FROM deposits d JOIN resellers r ON r.id = d.reseller_id JOIN accounts a ON a.id = r.balance_account_id
				JOIN transfers tr ON tr.key = 'deposit:' || d.id WHERE d.id ` + in + `
			UNION ALL
			SELECT tr.id, 3, CAST($4 AS BIGINT), d.unique_code, CAST(NULL AS BIGINT)
				FROM deposits d JOIN transfers tr ON tr.key = 'deposit:' || d.id WHERE d.id ` + in + ` AND d.unique_code > 0
		) x ORDER BY x.tid, x.leg`
	if _, err := t.Exec(entriesQ, ids, now, src, revenue); err != nil {
		return fmt.Errorf("deposit entries: %w", err)
	}
	// The house legs just written, for the rollups.
	var totals, codes loket.Money
	if err := t.QueryRow(`SELECT COALESCE(SUM(total), 0), COALESCE(SUM(unique_code), 0) FROM deposits WHERE id `+in, ids).Scan(&totals, &codes); err != nil {
		return fmt.Errorf("deposit sums: %w", err)
	}
	t.deltas().addAccount(src, -totals)
	if codes != 0 {
		t.deltas().addAccount(revenue, codes)
	}
	if _, err := t.Exec(`UPDATE accounts SET balance = accounts.balance + s.amt
		FROM (SELECT r.balance_account_id AS acc, SUM(d.amount) AS amt FROM deposits d JOIN resellers r ON r.id = d.reseller_id
			WHERE d.id `+in+` GROUP BY r.balance_account_id) s
		WHERE accounts.id = s.acc`, ids); err != nil {
		return fmt.Errorf("credit resellers: %w", err)
	}
	if _, err := t.Exec(`UPDATE payments SET state = 'matched', deposit_id = d.id FROM deposits d
		WHERE d.id `+in+` AND payments.id = d.payment_id`, ids); err != nil {
		return fmt.Errorf("mark payments matched: %w", err)
	}
	return nil
}

// inIDs is the condition "is one of the ids in parameter $n" (see idsArg).
func (t *Tx) inIDs(n int) string {
	return fmt.Sprintf("IN (SELECT value FROM json_each($%d))", n)
}

// idsArg passes a set of ids as one parameter: a JSON array.
func (t *Tx) idsArg(ids []int64) any {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	return b.String()
}
