package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/loket/loket/internal/loket"
)

// House accounts of profit withdrawals.
const (
	AccWithdrawals = "house:withdrawals" // asked for, not yet paid out
	AccPayouts     = "house:payouts"     // paid out of Loket to resellers' accounts
	KindWithdrawal = "withdrawal"
	KindPayout     = "payout"
)

// Transfer kinds of the profit balance.
const (
	TransferWithdrawRequest = "withdrawal_request"
	TransferWithdrawApprove = "withdrawal_approve"
	TransferWithdrawReject  = "withdrawal_reject"
	TransferProfitToBalance = "profit_to_balance"
)

// NewWithdrawal is what a reseller asks for.
type NewWithdrawal struct {
	ResellerID      int64
	ProfitAccountID int64
	Key             string
	Amount          loket.Money
	Method          string
	AccountNo       string
	AccountName     string
}

const withdrawalCols = `w.id, w.reseller_id, r.username, w.key, w.amount, w.method, w.account_no, w.account_name, w.status, w.note, w.created_at, w.decided_at`

func scanWithdrawal(s interface{ Scan(...any) error }) (*loket.Withdrawal, error) {
	var w loket.Withdrawal
	var created int64
	var decided sql.NullInt64
	if err := s.Scan(&w.ID, &w.ResellerID, &w.Username, &w.Key, &w.Amount, &w.Method, &w.AccountNo, &w.AccountName, &w.Status, &w.Note, &created, &decided); err != nil {
		return nil, err
	}
	w.CreatedAt = Time(created)
	if decided.Valid {
		t := Time(decided.Int64)
		w.DecidedAt = &t
	}
	return &w, nil
}

// RequestWithdrawal records a withdrawal and moves its amount out of the profit
// balance, which may not go below zero (the conditional UPDATE of Transfer), so
// concurrent requests can never ask for more than there is. The same key again returns
// the first request (created false); a different amount or account under it is a
// conflict.
func (t *Tx) RequestWithdrawal(n NewWithdrawal) (w *loket.Withdrawal, created bool, err error) {
	now := Now()
	var id int64
	err = t.QueryRow(`INSERT INTO withdrawals (reseller_id, key, amount, method, account_no, account_name, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) ON CONFLICT (reseller_id, key) DO NOTHING RETURNING id`,
		n.ResellerID, n.Key, n.Amount, n.Method, n.AccountNo, n.AccountName, now).Scan(&id)
	if noRows(err) {
		prev, err := t.withdrawalByKey(n.ResellerID, n.Key)
		if err != nil {
			return nil, false, err
		}
		if prev.Amount != n.Amount || prev.Method != n.Method || prev.AccountNo != n.AccountNo || prev.AccountName != n.AccountName {
			return nil, false, loket.FieldError(loket.ECONFLICT, "key", "key %q was used for a different withdrawal", n.Key)
		}
		return prev, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	pending, err := t.HouseAccount(AccWithdrawals, KindWithdrawal)
	if err != nil {
		return nil, false, err
	}
	if _, err := t.Transfer(fmt.Sprintf("withdrawal:%d:request", id), TransferWithdrawRequest, nil, "withdrawal request",
		[]Leg{{Account: n.ProfitAccountID, Amount: -n.Amount}, {Account: pending, Amount: n.Amount}}, n.ProfitAccountID); err != nil {
		if err == ErrInsufficient {
			return nil, false, loket.FieldError(loket.EINSUFFICIENT, "amount", "profit balance is below %d", n.Amount)
		}
		return nil, false, err
	}
	w, err = t.withdrawalByKey(n.ResellerID, n.Key)
	return w, true, err
}

func (t *Tx) withdrawalByKey(resellerID int64, key string) (*loket.Withdrawal, error) {
	return scanWithdrawal(t.QueryRow(`SELECT `+withdrawalCols+` FROM withdrawals w JOIN resellers r ON r.id = w.reseller_id
		WHERE w.reseller_id = $1 AND w.key = $2`, resellerID, key))
}

// DecideWithdrawal approves (the operator paid it out) or rejects (the amount goes back
// to the profit balance) a pending withdrawal, exactly once: the state change is
// conditional and the transfer's key unique. Deciding one already decided the same way
// returns it unchanged; the other way is a conflict.
func (t *Tx) DecideWithdrawal(id int64, approve bool, note string) (*loket.Withdrawal, error) {
	status := loket.WithdrawalRejected
	if approve {
		status = loket.WithdrawalApproved
	}
	res, err := t.Exec(`UPDATE withdrawals SET status = $1, note = $2, decided_at = $3 WHERE id = $4 AND status = 'pending'`,
		status, note, Now(), id)
	if err != nil {
		return nil, err
	}
	w, err := scanWithdrawal(t.QueryRow(`SELECT `+withdrawalCols+` FROM withdrawals w JOIN resellers r ON r.id = w.reseller_id WHERE w.id = $1`, id))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no withdrawal %d", id)
	}
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if w.Status == status {
			return w, nil
		}
		return nil, loket.Errorf(loket.ECONFLICT, "withdrawal %d is already %s", id, w.Status)
	}
	pending, err := t.HouseAccount(AccWithdrawals, KindWithdrawal)
	if err != nil {
		return nil, err
	}
	if approve {
		payouts, err := t.HouseAccount(AccPayouts, KindPayout)
		if err != nil {
			return nil, err
		}
		_, err = t.Transfer(fmt.Sprintf("withdrawal:%d:settle", id), TransferWithdrawApprove, nil, note,
			[]Leg{{Account: pending, Amount: -w.Amount}, {Account: payouts, Amount: w.Amount}})
		return w, err
	}
	var profit int64
	if err := t.QueryRow(`SELECT profit_account_id FROM resellers WHERE id = $1`, w.ResellerID).Scan(&profit); err != nil {
		return nil, err
	}
	_, err = t.Transfer(fmt.Sprintf("withdrawal:%d:settle", id), TransferWithdrawReject, nil, note,
		[]Leg{{Account: pending, Amount: -w.Amount}, {Account: profit, Amount: w.Amount}}, profit)
	return w, err
}

// Withdrawals lists withdrawals, newest first.
func (db *DB) Withdrawals(ctx context.Context, f loket.WithdrawalFilter) ([]loket.Withdrawal, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT ` + withdrawalCols + ` FROM withdrawals w JOIN resellers r ON r.id = w.reseller_id WHERE 1 = 1`
	var args []any
	if f.ResellerID != 0 {
		args = append(args, f.ResellerID)
		q += fmt.Sprintf(" AND w.reseller_id = $%d", len(args))
	}
	if f.Status != "" {
		args = append(args, f.Status)
		q += fmt.Sprintf(" AND w.status = $%d", len(args))
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY w.id DESC LIMIT $%d", len(args))
	var out []loket.Withdrawal
	err := db.each(ctx, q, func(r *sql.Rows) error {
		w, err := scanWithdrawal(r)
		if err != nil {
			return err
		}
		out = append(out, *w)
		return nil
	}, args...)
	return out, err
}

// MoveProfit moves amount of a reseller's profit balance into its balance. key (the
// reseller's) makes it idempotent: a repeat moves nothing and reports duplicate; the
// same key for another amount is a conflict.
func (t *Tx) MoveProfit(resellerID, profitAccount, balanceAccount int64, amount loket.Money, key string) (duplicate bool, err error) {
	res, err := t.Transfer(fmt.Sprintf("profit:%d:%s", resellerID, key), TransferProfitToBalance, nil, "profit to balance",
		[]Leg{{Account: profitAccount, Amount: -amount}, {Account: balanceAccount, Amount: amount}}, profitAccount, balanceAccount)
	if err == ErrInsufficient {
		return false, loket.FieldError(loket.EINSUFFICIENT, "amount", "profit balance is below %d", amount)
	}
	if err != nil || !res.Duplicate {
		return false, err
	}
	var moved loket.Money
	if err := t.QueryRow(`SELECT amount FROM entries WHERE transfer_id = $1 AND account_id = $2`, res.ID, balanceAccount).Scan(&moved); err != nil {
		return false, err
	}
	if moved != amount {
		return false, loket.FieldError(loket.ECONFLICT, "key", "key %q moved %d, not %d", key, moved, amount)
	}
	return true, nil
}

// verifyWithdrawals checks that the withdrawals account holds exactly what pending
// withdrawals ask for; houses are the sums of the house accounts' entries.
func verifyWithdrawals(ctx context.Context, snap *sql.Tx, houses map[string]int64, add func(inv, format string, args ...any)) error {
	var pending sql.NullInt64
	if err := snap.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM withdrawals WHERE status = 'pending'`).Scan(&pending); err != nil {
		return err
	}
	if held := houses[AccWithdrawals]; held != pending.Int64 {
		add("withdrawals account equals pending withdrawals", "house:withdrawals holds %d, pending withdrawals sum to %d", held, pending.Int64)
	}
	return nil
}
