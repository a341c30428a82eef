package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Ledger checkpoints (issue 21). A full verify that finds nothing wrong may record
// what it read: each account's entries' sum up to an entry id, the last order and
// activation ids it covers, and which of those were still pending. A verify from that
// checkpoint then reads only the entries after it, and checks one by one only the
// orders and activations after it, those pending at it, and the orders of the
// transfers written since: its cost grows with what happened since the checkpoint,
// not with the history.
//
// What such a verify cannot see is a change to what the checkpoint covers (an old
// entry or a settled order edited in place): it trusts the checkpoint for those, and
// only the full verify reads them again.
//
// A checkpoint covers only rows it can be sure were all committed. On PostgreSQL ids
// come from sequences, and transactions commit out of id order: when the snapshot is
// taken, an entry with a smaller id than some visible one may belong to a transaction
// still in progress, and appear later below a boundary taken as the largest id seen.
// So the boundary is the largest id among the rows created checkpointMargin before the
// snapshot began: every id at or below it was handed out before that row's, which was
// more than checkpointMargin ago, and Loket's transactions last milliseconds, so all
// of them had committed (or rolled back) when the snapshot was taken. On SQLite one
// writer commits in id order and the margin is not needed, but it costs only the
// re-reading of a few minutes of entries, so both engines take the same path.
//
// Should an entry still come in below the boundary (a transaction open longer than the
// margin), the verify from the checkpoint does not pass in silence: every transfer
// Loket writes moves a tracked (reseller) account, whose stored balance the same
// transaction updates, or a house account checked against its own records (money in
// flight against pending holds, the withdrawals, dropship and refunds-owed accounts
// against their rows). The late entry is in the balance or the records but neither in
// the checkpoint's sums nor in the entries read after it, so "balance equals entries"
// or the house account's check reports the difference.

// checkpointMargin is how long before a verify's snapshot a row must have been created
// to be covered by the checkpoint it records.
var checkpointMargin = 5 * time.Minute

// checkpointKeep is how many checkpoints are kept: the older ones are deleted when a
// new one is recorded (a verify starts from the newest).
const checkpointKeep = 10

// ErrNoCheckpoint is returned by a verify from a checkpoint when none was recorded.
var ErrNoCheckpoint = errors.New("no ledger checkpoint was recorded")

// LedgerCheckpoint is what a full verify found sound, up to where it could be sure nothing
// was still to commit.
type LedgerCheckpoint struct {
	ID                 int64
	CreatedAt          time.Time // when the verify took its snapshot
	EntryID            int64     // the last entry covered
	OrderID            int64     // the last order covered
	ActivationID       int64     // the last virtual-number activation covered
	Accounts           int       // accounts whose sums it keeps
	PendingOrders      int       // covered orders still pending then
	PendingActivations int       // covered activations still pending then
}

// VerifyOptions say how VerifyLedger verifies.
type VerifyOptions struct {
	// Progress, when not nil, is told how many entries were read of how many.
	Progress func(done, total int64)
	// Checkpoint records a checkpoint of what was verified when nothing is wrong.
	Checkpoint bool
	// SinceCheckpoint starts from the newest checkpoint (ErrNoCheckpoint when none).
	SinceCheckpoint bool
}

// VerifyReport is what VerifyLedger found.
type VerifyReport struct {
	Violations []loket.Violation
	Totals     Totals            // the accounts' sums by kind, as verified
	From       *LedgerCheckpoint // the checkpoint the verify started from
	Recorded   *LedgerCheckpoint // the checkpoint recorded
}

// VerifyLedger checks the ledger's invariants in one snapshot: in full, or from the
// newest checkpoint. A full verify asked to may record a checkpoint, only when it
// found nothing wrong; one from a checkpoint records none, so that every checkpoint
// rests on a verify that read everything.
func (db *DB) VerifyLedger(ctx context.Context, opt VerifyOptions) (VerifyReport, error) {
	var rep VerifyReport
	if opt.Checkpoint && opt.SinceCheckpoint {
		return rep, errors.New("a checkpoint is recorded only by a full verify, not by one from a checkpoint")
	}
	// Taken before the snapshot, so the margin is counted from no later than it.
	began := Now()
	// One snapshot for every check: a server settling orders between two queries
	// would otherwise show violations that never existed.
	snap, err := db.snapshot(ctx)
	if err != nil {
		return rep, err
	}
	defer snap.Rollback()
	add := func(inv, format string, args ...any) {
		rep.Violations = append(rep.Violations, loket.Violation{Invariant: inv, Detail: fmt.Sprintf(format, args...)})
	}
	var sc verifyScope
	var base map[int64]int64
	if opt.SinceCheckpoint {
		if rep.From, base, err = newestCheckpoint(ctx, snap); err != nil {
			return rep, err
		}
		// The checkpoint's sums need not add up to zero on their own (a transfer may
		// be cut by its boundary); with the entries after it they must, as every entry
		// of the ledger is in one or the other.
		sc.from = rep.From
		if err := db.noJIT(ctx, snap); err != nil {
			return rep, err
		}
	}
	sums, err := verifyEntries(ctx, snap, sc.entryID(), base, opt.Progress, add)
	if err != nil {
		return rep, err
	}
	houses, totals, err := verifyAccounts(ctx, snap, sums, add)
	if err != nil {
		return rep, err
	}
	rep.Totals = totals
	// The rollups: the house accounts' sums always (sums is the whole ledger's either
	// way); the order rollups, which sum every order, in a full verify only.
	if err := verifyRollups(ctx, snap, sums, !opt.SinceCheckpoint, add); err != nil {
		return rep, err
	}
	if err := verifyRecords(ctx, snap, sc, houses, add); err != nil {
		return rep, err
	}
	if !opt.Checkpoint || len(rep.Violations) > 0 {
		return rep, nil
	}
	cp, err := readCheckpoint(ctx, snap, began, sums)
	if err != nil {
		return rep, err
	}
	snap.Rollback()
	rep.Recorded, err = db.recordCheckpoint(ctx, cp)
	return rep, err
}

// noJIT turns PostgreSQL's JIT compilation off in the snapshot of a verify from a
// checkpoint: its queries, estimated dear because they look rows up one by one, run
// in milliseconds, and compiling them took seconds (seen on a test server).
func (db *DB) noJIT(ctx context.Context, snap *sql.Tx) error {
	if db.Dialect != Postgres {
		return nil
	}
	var jit sql.NullString
	if err := snap.QueryRowContext(ctx, `SELECT current_setting('jit', true)`).Scan(&jit); err != nil || !jit.Valid {
		return err // none before PostgreSQL 11
	}
	_, err := snap.ExecContext(ctx, `SET LOCAL jit = off`)
	return err
}

// verifyRecords checks the house accounts against the records of what they hold, and
// the orders and activations of the scope against their holds, transfers and
// commissions.
func verifyRecords(ctx context.Context, snap *sql.Tx, sc verifyScope, houses map[string]int64, add func(inv, format string, args ...any)) error {
	// Money in flight is exactly what pending holds reserve.
	var pending, vnPending sql.NullInt64
	if err := snap.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM holds WHERE state = 'pending'`).Scan(&pending); err != nil {
		return err
	}
	if err := snap.QueryRowContext(ctx, `SELECT COALESCE(SUM(price), 0) FROM vn_activations WHERE hold = 'pending'`).Scan(&vnPending); err != nil {
		return err
	}
	if inflight := houses[AccInFlight]; inflight != pending.Int64+vnPending.Int64 {
		add("in flight equals pending holds", "in-flight account holds %d, pending holds sum to %d", inflight, pending.Int64+vnPending.Int64)
	}
	// Every order's hold agrees with its status.
	// (A dropship order reserves only once its customer paid: verifyDropship checks the
	// unpaid and expired ones.)
	with, args := sc.orders()
	if err := eachRow(ctx, snap, with+`SELECT o.id, o.status, COALESCE(h.state, '') FROM orders o LEFT JOIN holds h ON h.order_id = o.id
		WHERE `+sc.orderIn("o.id")+` AND ((h.state IS NULL AND NOT EXISTS (SELECT 1 FROM dropship_orders d WHERE d.order_id = o.id AND d.payment_status <> 'settlement'))
		   OR (o.status = 'pending' AND h.state <> 'pending') OR (o.status = 'success' AND h.state <> 'posted')
		   OR (o.status = 'failed' AND h.state <> 'voided')) LIMIT 20`,
		func(r *sql.Rows) error {
			var id int64
			var st, hs string
			if err := r.Scan(&id, &st, &hs); err != nil {
				return err
			}
			add("order matches its hold", "order %d is %s but its hold is %q", id, st, hs)
			return nil
		}, args...); err != nil {
		return err
	}
	if err := verifyWithdrawals(ctx, snap, houses, add); err != nil {
		return err
	}
	if err := verifyDropship(ctx, snap, sc, houses, add); err != nil {
		return err
	}
	if err := verifyActivations(ctx, snap, sc, add); err != nil {
		return err
	}
	if err := verifyCommissions(ctx, snap, sc, add); err != nil {
		return err
	}
	return verifyActivationCommissions(ctx, snap, sc, add)
}

// verifyScope is what a verify checks one by one: every order and activation (the
// zero scope: the full verify), or, from a checkpoint, those that may have changed
// since it: the ones after it, those pending at it or now, and (orders) those of the
// transfers whose entries came after it. The scope is named in SQL by WITH items
// (scope_orders, scope_activations), so that nothing is gathered in memory.
type verifyScope struct {
	from *LedgerCheckpoint
}

// entryID is the entry after which entries are read: 0 for all.
func (s verifyScope) entryID() int64 {
	if s.from == nil {
		return 0
	}
	return s.from.EntryID
}

// orders returns the WITH clause that defines scope_orders, for a query that begins
// with it, and its arguments; nothing in the full verify. A query that has WITH items
// of its own appends them after a comma (ordersAnd).
func (s verifyScope) orders() (string, []any) {
	if s.from == nil {
		return "", nil
	}
	return `WITH scope_orders(id) AS (
			SELECT id FROM orders WHERE id > $1
			UNION SELECT ref_id FROM ledger_checkpoint_pending WHERE checkpoint_id = $2 AND kind = 'order'
			UNION SELECT id FROM orders WHERE status = 'pending'
			UNION SELECT order_id FROM (SELECT (SELECT tr.order_id FROM transfers tr WHERE tr.id = e.transfer_id) AS order_id
				FROM entries e WHERE ` + idAfter("e.id", "$3") + `) n WHERE order_id IS NOT NULL
		) `, []any{s.from.OrderID, s.from.ID, s.from.EntryID}
}

// ordersAnd is orders for a query with WITH items of its own: items follow the scope's.
func (s verifyScope) ordersAnd(items string) (string, []any) {
	with, args := s.orders()
	if with == "" {
		return "WITH " + items + " ", nil
	}
	return with + ", " + items + " ", args
}

// orderIn is the condition that col, an order id, is in the scope.
func (s verifyScope) orderIn(col string) string {
	if s.from == nil {
		return "1 = 1"
	}
	return col + " IN (SELECT id FROM scope_orders)"
}

// commissions returns the WITH items c (per order of the scope, the sum of its
// recorded commissions, for those that have any), p (per order, the sum of the
// commissions posted to profit accounts by its order_post transfers, for those that
// posted any) and x (the orders of either), and their arguments. From a checkpoint the transfers are those that
// settled an order of the scope and those whose entries came after the checkpoint.
//
// In the scope, the rows of the big tables are looked up one by one (subqueries by
// key), so that no planner joins them whole: PostgreSQL would rather scan a table
// than look up a few thousand rows in it while it is small, and would still be
// right, but the cost would then grow with the history.
func (s verifyScope) commissions() (string, []any) {
	if s.from == nil {
		return s.ordersAnd(`c AS (
			SELECT order_id, SUM(amount) AS total FROM order_commissions GROUP BY order_id
		), p AS (
			SELECT tr.order_id, SUM(e.amount) AS total FROM transfers tr JOIN entries e ON e.transfer_id = tr.id
			JOIN accounts a ON a.id = e.account_id WHERE tr.kind = 'order_post' AND a.kind = 'reseller_profit' GROUP BY tr.order_id
		), x AS (SELECT order_id FROM c UNION SELECT order_id FROM p)`)
	}
	return s.ordersAnd(`c AS (
			SELECT order_id, total FROM (SELECT so.id AS order_id, (SELECT SUM(k.amount) FROM order_commissions k WHERE k.order_id = so.id) AS total
				FROM scope_orders so) n WHERE total IS NOT NULL
		), st(id) AS (
			SELECT (SELECT t.id FROM transfers t WHERE t.key = 'order:' || so.id || ':settle') FROM scope_orders so
			UNION SELECT transfer_id FROM entries WHERE ` + idAfter("id", "$3") + `
		), pt AS (
			SELECT (SELECT t.order_id FROM transfers t WHERE t.id = st.id AND t.kind = 'order_post') AS order_id,
				(SELECT SUM(e.amount) FROM entries e JOIN accounts a ON a.id = e.account_id WHERE e.transfer_id = st.id AND a.kind = 'reseller_profit') AS total
			FROM st WHERE st.id IS NOT NULL
		), p AS (
			SELECT order_id, SUM(total) AS total FROM pt WHERE order_id IS NOT NULL AND total IS NOT NULL GROUP BY order_id
		), x AS (SELECT order_id FROM c UNION SELECT order_id FROM p)`)
}

// activations is orders for virtual-number activations: scope_activations.
func (s verifyScope) activations() (string, []any) {
	if s.from == nil {
		return "", nil
	}
	return `WITH scope_activations(id) AS (
			SELECT id FROM vn_activations WHERE id > $1
			UNION SELECT ref_id FROM ledger_checkpoint_pending WHERE checkpoint_id = $2 AND kind = 'activation'
			UNION SELECT id FROM vn_activations WHERE hold = 'pending'
		) `, []any{s.from.ActivationID, s.from.ID}
}

// activationsAnd is ordersAnd for activations.
func (s verifyScope) activationsAnd(items string) (string, []any) {
	with, args := s.activations()
	if with == "" {
		return "WITH " + items + " ", nil
	}
	return with + ", " + items + " ", args
}

// activationCommissions is commissions for activations: c and p, the commissions
// recorded with activations and those their vn_post transfers posted.
func (s verifyScope) activationCommissions() (string, []any) {
	if s.from == nil {
		return s.activationsAnd(`c AS (
			SELECT activation_id AS id, SUM(amount) AS total FROM activation_commissions GROUP BY activation_id
		), p AS (
			SELECT a.id, SUM(e.amount) AS total FROM vn_activations a JOIN transfers tr ON tr.key = 'vn:' || a.id || ':settle'
			JOIN entries e ON e.transfer_id = tr.id JOIN accounts ac ON ac.id = e.account_id
			WHERE tr.kind = 'vn_post' AND ac.kind = 'reseller_profit' AND a.id IN (SELECT id FROM c) GROUP BY a.id
		)`)
	}
	return s.activationsAnd(`c AS (
			SELECT id, total FROM (SELECT sa.id, (SELECT SUM(k.amount) FROM activation_commissions k WHERE k.activation_id = sa.id) AS total
				FROM scope_activations sa) n WHERE total IS NOT NULL
		), p AS (
			SELECT id, total FROM (SELECT c.id, (SELECT SUM(e.amount) FROM transfers tr JOIN entries e ON e.transfer_id = tr.id
				JOIN accounts ac ON ac.id = e.account_id WHERE tr.key = 'vn:' || c.id || ':settle' AND tr.kind = 'vn_post' AND ac.kind = 'reseller_profit') AS total
				FROM c) n WHERE total IS NOT NULL
		)`)
}

// activationIn is orderIn for activations.
func (s verifyScope) activationIn(col string) string {
	if s.from == nil {
		return "1 = 1"
	}
	return col + " IN (SELECT id FROM scope_activations)"
}

// newCheckpoint is a checkpoint read in a verify's snapshot, to be recorded.
type newCheckpoint struct {
	LedgerCheckpoint
	sums                      map[int64]int64 // account -> its entries' sum up to EntryID
	pendingOrders, pendingVNs []int64
}

// readCheckpoint reads, in the snapshot of a full verify that found nothing wrong,
// what a checkpoint of it keeps: the boundaries (see checkpointMargin), the sums up to
// the entries' boundary (those of the whole ledger, less the entries after it), and
// the orders and activations covered that are pending.
func readCheckpoint(ctx context.Context, snap *sql.Tx, began int64, sums map[int64]int64) (*newCheckpoint, error) {
	cp := &newCheckpoint{LedgerCheckpoint: LedgerCheckpoint{CreatedAt: Time(began)}, sums: map[int64]int64{}}
	cutoff := began - checkpointMargin.Microseconds()
	// The largest id among rows made before the cutoff: read backwards from the newest,
	// so only the rows of the margin are passed over.
	for _, b := range []struct {
		table string
		id    *int64
	}{{"entries", &cp.EntryID}, {"orders", &cp.OrderID}, {"vn_activations", &cp.ActivationID}} {
		err := snap.QueryRowContext(ctx, `SELECT id FROM `+b.table+` WHERE created_at <= $1 ORDER BY id DESC LIMIT 1`, cutoff).Scan(b.id)
		if err != nil && err != sql.ErrNoRows {
			return nil, err
		}
	}
	for id, s := range sums {
		cp.sums[id] = s
	}
	if err := eachRow(ctx, snap, `SELECT account_id, SUM(amount) FROM entries WHERE `+idAfter("id", "$1")+` GROUP BY account_id`, func(r *sql.Rows) error {
		var id, s int64
		if err := r.Scan(&id, &s); err != nil {
			return err
		}
		cp.sums[id] -= s
		return nil
	}, cp.EntryID); err != nil {
		return nil, err
	}
	for id, s := range cp.sums {
		if s == 0 {
			delete(cp.sums, id)
		}
	}
	ids := func(q string, arg int64, out *[]int64) error {
		return eachRow(ctx, snap, q, func(r *sql.Rows) error {
			var id int64
			err := r.Scan(&id)
			*out = append(*out, id)
			return err
		}, arg)
	}
	if err := ids(`SELECT id FROM orders WHERE status = 'pending' AND id <= $1`, cp.OrderID, &cp.pendingOrders); err != nil {
		return nil, err
	}
	if err := ids(`SELECT id FROM vn_activations WHERE hold = 'pending' AND id <= $1`, cp.ActivationID, &cp.pendingVNs); err != nil {
		return nil, err
	}
	cp.Accounts, cp.PendingOrders, cp.PendingActivations = len(cp.sums), len(cp.pendingOrders), len(cp.pendingVNs)
	return cp, nil
}

// recordCheckpoint writes cp, and deletes the checkpoints older than the newest
// checkpointKeep.
func (db *DB) recordCheckpoint(ctx context.Context, cp *newCheckpoint) (*LedgerCheckpoint, error) {
	err := db.Direct(ctx, func(t *Tx) error {
		if err := t.QueryRow(`INSERT INTO ledger_checkpoints (created_at, entry_id, order_id, activation_id) VALUES ($1, $2, $3, $4) RETURNING id`,
			cp.CreatedAt.UnixMicro(), cp.EntryID, cp.OrderID, cp.ActivationID).Scan(&cp.ID); err != nil {
			return err
		}
		rows := make([][3]any, 0, len(cp.sums)+len(cp.pendingOrders)+len(cp.pendingVNs))
		for id, s := range cp.sums {
			rows = append(rows, [3]any{cp.ID, id, s})
		}
		if err := insertRows(t, `INSERT INTO ledger_checkpoint_accounts (checkpoint_id, account_id, amount) VALUES `, rows); err != nil {
			return err
		}
		rows = rows[:0]
		for _, id := range cp.pendingOrders {
			rows = append(rows, [3]any{cp.ID, "order", id})
		}
		for _, id := range cp.pendingVNs {
			rows = append(rows, [3]any{cp.ID, "activation", id})
		}
		if err := insertRows(t, `INSERT INTO ledger_checkpoint_pending (checkpoint_id, kind, ref_id) VALUES `, rows); err != nil {
			return err
		}
		var oldest sql.NullInt64
		if err := t.QueryRow(`SELECT MIN(id) FROM (SELECT id FROM ledger_checkpoints ORDER BY id DESC LIMIT $1) k`, checkpointKeep).Scan(&oldest); err != nil {
			return err
		}
		for _, table := range []string{"ledger_checkpoint_accounts", "ledger_checkpoint_pending"} {
			if _, err := t.Exec(`DELETE FROM `+table+` WHERE checkpoint_id < $1`, oldest.Int64); err != nil {
				return err
			}
		}
		_, err := t.Exec(`DELETE FROM ledger_checkpoints WHERE id < $1`, oldest.Int64)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record the ledger checkpoint: %w", err)
	}
	return &cp.LedgerCheckpoint, nil
}

// insertRows inserts rows of three values with q, a few hundred a statement.
func insertRows(t *Tx, q string, rows [][3]any) error {
	const per = 300
	for len(rows) > 0 {
		n := min(len(rows), per)
		var b strings.Builder
		b.WriteString(q)
		args := make([]any, 0, 3*n)
		for i, row := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
			args = append(args, row[:]...)
		}
		if _, err := t.Exec(b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

const checkpointCols = `c.id, c.created_at, c.entry_id, c.order_id, c.activation_id,
	(SELECT count(*) FROM ledger_checkpoint_accounts a WHERE a.checkpoint_id = c.id),
	(SELECT count(*) FROM ledger_checkpoint_pending p WHERE p.checkpoint_id = c.id AND p.kind = 'order'),
	(SELECT count(*) FROM ledger_checkpoint_pending p WHERE p.checkpoint_id = c.id AND p.kind = 'activation')`

func scanCheckpoint(r interface{ Scan(...any) error }) (*LedgerCheckpoint, error) {
	var c LedgerCheckpoint
	var at int64
	err := r.Scan(&c.ID, &at, &c.EntryID, &c.OrderID, &c.ActivationID, &c.Accounts, &c.PendingOrders, &c.PendingActivations)
	c.CreatedAt = Time(at)
	return &c, err
}

// newestCheckpoint reads the newest checkpoint and its accounts' sums in the snapshot.
func newestCheckpoint(ctx context.Context, snap *sql.Tx) (*LedgerCheckpoint, map[int64]int64, error) {
	cp, err := scanCheckpoint(snap.QueryRowContext(ctx, `SELECT `+checkpointCols+` FROM ledger_checkpoints c ORDER BY c.id DESC LIMIT 1`))
	if err == sql.ErrNoRows {
		return nil, nil, ErrNoCheckpoint
	}
	if err != nil {
		return nil, nil, err
	}
	sums := map[int64]int64{}
	err = eachRow(ctx, snap, `SELECT account_id, amount FROM ledger_checkpoint_accounts WHERE checkpoint_id = $1`, func(r *sql.Rows) error {
		var id, s int64
		err := r.Scan(&id, &s)
		sums[id] = s
		return err
	}, cp.ID)
	return cp, sums, err
}

// LedgerCheckpoints lists the ledger checkpoints kept, newest first.
func (db *DB) LedgerCheckpoints(ctx context.Context) ([]*LedgerCheckpoint, error) {
	var out []*LedgerCheckpoint
	err := db.each(ctx, `SELECT `+checkpointCols+` FROM ledger_checkpoints c ORDER BY c.id DESC`, func(r *sql.Rows) error {
		c, err := scanCheckpoint(r)
		out = append(out, c)
		return err
	})
	return out, err
}
