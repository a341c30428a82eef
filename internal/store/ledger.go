package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/loket/loket/internal/loket"
)

// Account kinds. Reseller accounts keep a stored balance that may never go below zero;
// house accounts are derived from their entries, so no order ever waits on their row.
const (
	KindResellerBalance = "reseller_balance"
	KindResellerProfit  = "reseller_profit"
	KindInFlight        = "in_flight"        // money reserved by pending orders
	KindRevenue         = "revenue"          // platform margin
	KindSupplierPayable = "supplier_payable" // what the operator owes (or paid) suppliers
	KindPaymentSource   = "payment_source"   // money that came in from outside
	KindAdjustments     = "adjustments"      // the operator's manual corrections
)

// House account codes.
const (
	AccInFlight    = "house:in_flight"
	AccRevenue     = "house:revenue"
	AccAdjustments = "house:adjustments"
)

// SupplierAccount is the payable account of a supplier.
func SupplierAccount(supplierID int64) string { return fmt.Sprintf("house:supplier:%d", supplierID) }

// PaymentAccount is the account money from a payment source arrives through.
func PaymentAccount(source string) string { return "house:payments:" + source }

// Transfer kinds.
const (
	TransferDeposit    = "deposit"
	TransferAdjustment = "adjustment"
	TransferReserve    = "order_reserve"
	TransferPost       = "order_post"
	TransferVoid       = "order_void"
)

// ErrInsufficient is returned when a transfer would take a reseller account below zero.
var ErrInsufficient = loket.Errorf(loket.EINSUFFICIENT, "insufficient balance")

// Leg is one side of a transfer: a signed amount on an account (credit positive).
type Leg struct {
	Account int64
	Amount  loket.Money
}

// TransferResult says what a transfer did.
type TransferResult struct {
	ID        int64
	Duplicate bool                  // the key was used before; nothing was moved now
	After     map[int64]loket.Money // balance after, for tracked accounts
}

type accountInfo struct {
	id      int64
	tracked bool
}

// EnsureAccount creates the house account code if it does not exist, in a transaction
// of its own, and returns its id. House accounts are made this way, never inside a
// batch, so an id in the cache always names a committed row.
func (db *DB) EnsureAccount(ctx context.Context, code, kind string) (int64, error) {
	if v, ok := db.accounts.Load(code); ok {
		return v.(accountInfo).id, nil
	}
	var info accountInfo
	err := db.Direct(ctx, func(t *Tx) error {
		if _, err := t.Exec(`INSERT INTO accounts (code, kind, tracked, balance) VALUES ($1, $2, $3, 0) ON CONFLICT (code) DO NOTHING`,
			code, kind, false); err != nil {
			return err
		}
		return t.QueryRow(`SELECT id, tracked FROM accounts WHERE code = $1`, code).Scan(&info.id, &info.tracked)
	})
	if err != nil {
		return 0, fmt.Errorf("ensure account %s: %w", code, err)
	}
	db.accounts.Store(code, info)
	return info.id, nil
}

// accountID returns the id of the committed house account code.
func (t *Tx) accountID(code, kind string) (accountInfo, error) {
	if v, ok := t.db.accounts.Load(code); ok {
		return v.(accountInfo), nil
	}
	var info accountInfo
	err := t.QueryRow(`SELECT id, tracked FROM accounts WHERE code = $1`, code).Scan(&info.id, &info.tracked)
	if noRows(err) {
		return info, fmt.Errorf("account %s does not exist (house accounts are made by EnsureAccount)", code)
	}
	if err != nil {
		return info, fmt.Errorf("account %s: %w", code, err)
	}
	t.db.accounts.Store(code, info)
	return info, nil
}

// OrderBalance is, in what commits with a new order or a settlement (the then of
// WriteOrder or WriteSettlement), its reseller's balance right after it: known without
// a read when the set it was written in changed that balance, else the account's
// balance now, which is then the same (id is the reseller's balance account).
func (t *Tx) OrderBalance(id int64) (loket.Money, error) {
	if t.orderBalance != nil {
		return *t.orderBalance, nil
	}
	if t.setBalances != nil {
		return t.setBalances.get(t, id)
	}
	return t.AccountBalance(id)
}

// setBalances are accounts whose balances the thens of a set may ask (OrderBalance),
// read in one statement when the first asks: a chat result says its balance after.
type setBalances struct {
	ids []int64
	got map[int64]loket.Money // nil: not read yet
}

func (s *setBalances) get(t *Tx, id int64) (loket.Money, error) {
	if s.got == nil {
		s.got = make(map[int64]loket.Money, len(s.ids))
		rows := make([][]any, len(s.ids))
		for i, a := range s.ids {
			rows[i] = []any{a}
		}
		err := t.setRows(rows, nil, func(src string, _ ...string) string {
			return `SELECT id, balance FROM accounts WHERE id IN (` + src + `)`
		}, func(r *sql.Rows) error {
			var a int64
			var b loket.Money
			err := r.Scan(&a, &b)
			s.got[a] = b
			return err
		})
		if err != nil {
			s.got = nil
			return 0, err
		}
	}
	if b, ok := s.got[id]; ok {
		return b, nil
	}
	return t.AccountBalance(id)
}

// AccountBalance reads a tracked account's balance as this transaction sees it.
func (t *Tx) AccountBalance(id int64) (loket.Money, error) {
	var b loket.Money
	err := t.QueryRow(`SELECT balance FROM accounts WHERE id = $1`, id).Scan(&b)
	return b, err
}

// HouseAccount returns the id of a house account, creating it on first use.
func (t *Tx) HouseAccount(code, kind string) (int64, error) {
	info, err := t.accountID(code, kind)
	return info.id, err
}

// Transfer moves money between accounts. The legs must sum to zero. key makes the
// call idempotent: a second transfer with the same key moves nothing and reports the
// first. Tracked (reseller) accounts are updated with one conditional UPDATE each, in
// ascending id order, and may not go below zero; trackedAccounts lists which legs are
// on tracked accounts so no lookup is needed on the hot path.
func (t *Tx) Transfer(key, kind string, orderID *int64, note string, legs []Leg, trackedAccounts ...int64) (TransferResult, error) {
	var res TransferResult
	var sum loket.Money
	for _, l := range legs {
		if l.Amount == 0 {
			return res, errors.New("transfer: zero leg")
		}
		if l.Amount > loket.MaxAmount || l.Amount < -loket.MaxAmount {
			return res, loket.Errorf(loket.EINVALID, "amount out of range")
		}
		sum += l.Amount
	}
	if sum != 0 || len(legs) < 2 {
		return res, fmt.Errorf("transfer %s: legs sum to %d, want 0", key, sum)
	}
	now := Now()
	err := t.QueryRow(`INSERT INTO transfers (key, kind, order_id, note, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (key) DO NOTHING RETURNING id`, key, kind, orderID, note, now).Scan(&res.ID)
	if noRows(err) {
		if err := t.QueryRow(`SELECT id FROM transfers WHERE key = $1`, key).Scan(&res.ID); err != nil {
			return res, fmt.Errorf("transfer %s: %w", key, err)
		}
		res.Duplicate = true
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("transfer %s: %w", key, err)
	}
	isTracked := func(id int64) bool {
		for _, a := range trackedAccounts {
			if a == id {
				return true
			}
		}
		return false
	}
	order := make([]int, len(legs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return legs[order[a]].Account < legs[order[b]].Account })
	res.After = map[int64]loket.Money{}
	after := make([]sql.NullInt64, len(legs))
	for _, i := range order {
		l := legs[i]
		if !isTracked(l.Account) {
			continue
		}
		var bal loket.Money
		err := t.QueryRow(`UPDATE accounts SET balance = balance + $2 WHERE id = $1 AND balance + $2 >= 0 RETURNING balance`,
			l.Account, l.Amount).Scan(&bal)
		if noRows(err) {
			return res, ErrInsufficient
		}
		if err != nil {
			return res, fmt.Errorf("transfer %s: update account %d: %w", key, l.Account, err)
		}
		after[i] = sql.NullInt64{Int64: int64(bal), Valid: true}
		res.After[l.Account] = bal
	}
	for _, l := range legs {
		if !isTracked(l.Account) {
			t.deltas().addAccount(l.Account, l.Amount)
		}
	}
	q := `INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) VALUES `
	args := make([]any, 0, len(legs)*5)
	for i, l := range legs {
		if i > 0 {
			q += ", "
		}
		n := len(args)
		q += fmt.Sprintf("($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5)
		args = append(args, res.ID, l.Account, l.Amount, after[i], now)
	}
	if _, err := t.Exec(q, args...); err != nil {
		return res, fmt.Errorf("transfer %s: entries: %w", key, err)
	}
	return res, nil
}

// Reserve takes amount from a reseller's balance account into the in-flight account and
// records the hold of order orderID: the pending phase of a two-phase transfer.
func (t *Tx) Reserve(orderID, account int64, amount loket.Money) error {
	return t.reserve(orderID, account, amount, true)
}

// reserve is Reserve from any account: tracked says the account keeps a stored
// balance that may not go below zero (a reseller's); a house account (a dropship
// order's escrow) is derived from its entries.
func (t *Tx) reserve(orderID, account int64, amount loket.Money, tracked bool) error {
	inflight, err := t.HouseAccount(AccInFlight, KindInFlight)
	if err != nil {
		return err
	}
	var trackedAccounts []int64
	if tracked {
		trackedAccounts = []int64{account}
	}
	res, err := t.Transfer(fmt.Sprintf("order:%d:reserve", orderID), TransferReserve, &orderID, "",
		[]Leg{{account, -amount}, {inflight, amount}}, trackedAccounts...)
	if err != nil {
		return err
	}
	if res.Duplicate {
		return fmt.Errorf("reserve order %d: already reserved", orderID)
	}
	_, err = t.Exec(`INSERT INTO holds (order_id, account_id, amount, state, reserve_transfer_id, created_at) VALUES ($1, $2, $3, 'pending', $4, $5)`,
		orderID, account, amount, res.ID, Now())
	return err
}

// ErrSettled is returned when a hold was posted or voided already.
var ErrSettled = errors.New("hold already settled")

// settleHold moves a pending hold to state with the settling transfer, once.
func (t *Tx) settleHold(orderID int64, state string, transfer TransferResult) error {
	if transfer.Duplicate {
		return ErrSettled
	}
	res, err := t.Exec(`UPDATE holds SET state = $2, settle_transfer_id = $3, settled_at = $4 WHERE order_id = $1 AND state = 'pending'`,
		orderID, state, transfer.ID, Now())
	if err != nil {
		return fmt.Errorf("settle hold %d: %w", orderID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrSettled
	}
	return nil
}

// PostHold finalises the hold of a successful order: the reserved amount goes to the
// supplier's payable account (cost) and to revenue (the rest; negative on a loss).
// It happens once: the transfer key order:<id>:settle and the hold's pending state
// both refuse a second settlement, which returns ErrSettled and moves nothing.
//
// A downline's order also pays each upline its commission, to its profit account, in
// the same transfer: revenue keeps what is left.
func (t *Tx) PostHold(orderID int64, amount loket.Money, supplierID int64, cost loket.Money, commissions ...Commission) error {
	inflight, err := t.HouseAccount(AccInFlight, KindInFlight)
	if err != nil {
		return err
	}
	legs := []Leg{{inflight, -amount}}
	if cost != 0 {
		payable, err := t.HouseAccount(SupplierAccount(supplierID), KindSupplierPayable)
		if err != nil {
			return err
		}
		legs = append(legs, Leg{payable, cost})
	}
	rest := amount - cost
	var tracked []int64
	for _, c := range commissions {
		legs = append(legs, Leg{c.AccountID, c.Amount})
		tracked = append(tracked, c.AccountID)
		rest -= c.Amount
	}
	if rest != 0 {
		revenue, err := t.HouseAccount(AccRevenue, KindRevenue)
		if err != nil {
			return err
		}
		legs = append(legs, Leg{revenue, rest})
	}
	res, err := t.Transfer(fmt.Sprintf("order:%d:settle", orderID), TransferPost, &orderID, "", legs, tracked...)
	if err != nil {
		return err
	}
	return t.settleHold(orderID, loket.HoldPosted, res)
}

// VoidHold returns the reserved amount of a failed order to the reseller, once.
func (t *Tx) VoidHold(orderID int64, amount loket.Money) error {
	var account int64
	var tracked bool
	if err := t.QueryRow(`SELECT h.account_id, a.tracked FROM holds h JOIN accounts a ON a.id = h.account_id WHERE h.order_id = $1`,
		orderID).Scan(&account, &tracked); err != nil {
		return fmt.Errorf("void hold %d: %w", orderID, err)
	}
	inflight, err := t.HouseAccount(AccInFlight, KindInFlight)
	if err != nil {
		return err
	}
	var trackedAccounts []int64
	if tracked {
		trackedAccounts = []int64{account}
	}
	res, err := t.Transfer(fmt.Sprintf("order:%d:settle", orderID), TransferVoid, &orderID, "",
		[]Leg{{inflight, -amount}, {account, amount}}, trackedAccounts...)
	if err != nil {
		return err
	}
	return t.settleHold(orderID, loket.HoldVoided, res)
}

// Verify checks the ledger's invariants and returns every violation found.
func (db *DB) Verify(ctx context.Context) ([]loket.Violation, error) {
	return db.VerifyProgress(ctx, nil)
}

// VerifyProgress is Verify telling progress, when progress is not nil, as it reads the
// entries: done of total, first (0, total) and last (total, total). The entries are
// read in chunks of verifyChunk, in one snapshot; what is checked, and found, is
// Verify's.
func (db *DB) VerifyProgress(ctx context.Context, progress func(done, total int64)) ([]loket.Violation, error) {
	r, err := db.VerifyLedger(ctx, VerifyOptions{Progress: progress})
	return r.Violations, err
}

// snapshot begins a read-only transaction that sees one consistent state.
func (db *DB) snapshot(ctx context.Context) (*sql.Tx, error) {
	if db.Dialect == Postgres {
		return db.R.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	// A SQLite read transaction in WAL mode reads one snapshot from its first read on.
	return db.R.BeginTx(ctx, nil)
}

func eachRow(ctx context.Context, tx *sql.Tx, q string, fn func(*sql.Rows) error, args ...any) error {
	return scanAll(tx.QueryContext(ctx, q, args...))(fn)
}

func (db *DB) each(ctx context.Context, q string, fn func(*sql.Rows) error, args ...any) error {
	return scanAll(db.query(ctx, q, args...))(fn)
}

// scanAll calls fn for each row of a query's result, and closes it.
func scanAll(rows *sql.Rows, err error) func(fn func(*sql.Rows) error) error {
	return func(fn func(*sql.Rows) error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}

// Totals are the balances of the house accounts and the sum of reseller balances.
type Totals struct {
	ResellerBalances loket.Money
	ResellerProfit   loket.Money
	InFlight         loket.Money
	Revenue          loket.Money
	SupplierPayable  loket.Money
	PaymentSources   loket.Money
	Adjustments      loket.Money
	Withdrawals      loket.Money // profit asked for, not yet paid out
	Payouts          loket.Money // profit and refunds paid out
	Dropship         loket.Money // customers' payments of dropship orders not yet final
	RefundsOwed      loket.Money // customers' payments of failed dropship orders
}

// LedgerTotals sums every account by kind: the stored balances of the tracked ones
// and the rollup sums of the others (account_sums), a row or a few per account
// whatever the number of entries.
func (db *DB) LedgerTotals(ctx context.Context) (Totals, error) {
	var t Totals
	err := db.each(ctx, `SELECT kind, SUM(amount) FROM (
			SELECT a.kind AS kind, a.balance AS amount FROM accounts a WHERE a.tracked = $1
			UNION ALL SELECT a.kind, s.amount FROM account_sums s JOIN accounts a ON a.id = s.account_id WHERE a.tracked <> $1
		) x GROUP BY kind`,
		func(r *sql.Rows) error {
			var kind string
			var sum loket.Money
			if err := r.Scan(&kind, &sum); err != nil {
				return err
			}
			t.add(kind, sum)
			return nil
		}, true)
	return t, err
}

// add counts the sum of an account of kind in its total.
func (t *Totals) add(kind string, sum loket.Money) {
	switch kind {
	case KindResellerBalance:
		t.ResellerBalances += sum
	case KindResellerProfit:
		t.ResellerProfit += sum
	case KindInFlight:
		t.InFlight += sum
	case KindRevenue:
		t.Revenue += sum
	case KindSupplierPayable:
		t.SupplierPayable += sum
	case KindPaymentSource:
		t.PaymentSources += sum
	case KindAdjustments:
		t.Adjustments += sum
	case KindWithdrawal:
		t.Withdrawals += sum
	case KindPayout:
		t.Payouts += sum
	case KindDropship:
		t.Dropship += sum
	case KindRefundOwed:
		t.RefundsOwed += sum
	}
}
