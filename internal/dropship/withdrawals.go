package dropship

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

// RequestWithdrawal takes amount out of a reseller's profit balance into a pending
// withdrawal for the operator to pay. It never asks for more than the profit balance,
// however many requests run at once. The same key again returns the first request.
func (s *Service) RequestWithdrawal(ctx context.Context, ra *loket.ResellerAuth, in loket.WithdrawalInput) (*loket.Withdrawal, bool, error) {
	in.Key = strings.TrimSpace(in.Key)
	in.Method = strings.ToUpper(strings.TrimSpace(in.Method))
	in.AccountNo = strings.TrimSpace(in.AccountNo)
	in.AccountName = strings.Join(strings.Fields(in.AccountName), " ")
	if err := loket.CheckTexts("key", in.Key, "method", in.Method, "account_no", in.AccountNo, "account_name", in.AccountName); err != nil {
		return nil, false, err
	}
	switch {
	case in.Key == "" || len(in.Key) > 64:
		return nil, false, loket.FieldError(loket.EINVALID, "key", "give a key of 1 to 64 characters; the same key again returns the same withdrawal")
	case in.Amount < loket.MinWithdrawal || in.Amount > loket.MaxAmount:
		return nil, false, loket.FieldError(loket.EINVALID, "amount", "a withdrawal is at least %d", loket.MinWithdrawal)
	case in.Method == "" || utf8.RuneCountInString(in.Method) > 30:
		return nil, false, loket.FieldError(loket.EINVALID, "method", "name the bank or e-wallet (BCA, DANA...)")
	case !accountNumber(in.AccountNo):
		return nil, false, loket.FieldError(loket.EINVALID, "account_no", "the account or phone number: 5 to 30 digits")
	case in.AccountName == "" || utf8.RuneCountInString(in.AccountName) > 100:
		return nil, false, loket.FieldError(loket.EINVALID, "account_name", "the account holder's name, up to 100 characters")
	}
	if _, err := s.db.EnsureAccount(ctx, store.AccWithdrawals, store.KindWithdrawal); err != nil {
		return nil, false, err
	}
	var w *loket.Withdrawal
	var created bool
	err := s.db.Write(ctx, uint64(ra.ID), func(t *store.Tx) error {
		var err error
		w, created, err = t.RequestWithdrawal(store.NewWithdrawal{ResellerID: ra.ID, ProfitAccountID: ra.ProfitAccountID, Key: in.Key,
			Amount: in.Amount, Method: in.Method, AccountNo: in.AccountNo, AccountName: in.AccountName})
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if created {
		s.log.Info("withdrawal requested", "withdrawal", w.ID, "reseller", ra.ID, "amount", w.Amount)
	}
	return w, created, nil
}

func accountNumber(s string) bool {
	s = strings.NewReplacer(" ", "", "-", "", ".", "").Replace(strings.TrimPrefix(s, "+"))
	if len(s) < 5 || len(s) > 30 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// DecideWithdrawal is the operator's answer: approve once the money was sent (note: the
// transfer reference), or reject (note: why), which returns the amount to the profit
// balance. Each withdrawal is decided once.
func (s *Service) DecideWithdrawal(ctx context.Context, id int64, approve bool, note string) (*loket.Withdrawal, error) {
	note = strings.TrimSpace(note)
	if err := loket.CheckText("note", note, loket.MaxText); err != nil {
		return nil, err
	}
	if note == "" || utf8.RuneCountInString(note) > 200 {
		return nil, loket.FieldError(loket.EINVALID, "note", "a note is required (the transfer reference, or why it is rejected), up to 200 characters")
	}
	for _, acc := range [][2]string{{store.AccWithdrawals, store.KindWithdrawal}, {store.AccPayouts, store.KindPayout}} {
		if _, err := s.db.EnsureAccount(ctx, acc[0], acc[1]); err != nil {
			return nil, err
		}
	}
	var w *loket.Withdrawal
	err := s.db.Direct(ctx, func(t *store.Tx) error {
		var err error
		w, err = t.DecideWithdrawal(id, approve, note)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("withdrawal decided", "withdrawal", w.ID, "status", w.Status)
	return w, nil
}

// MoveProfit moves part of a reseller's profit balance into its balance, to buy with.
func (s *Service) MoveProfit(ctx context.Context, ra *loket.ResellerAuth, amount loket.Money, key string) (moved bool, err error) {
	key = strings.TrimSpace(key)
	if err := loket.CheckText("key", key, loket.MaxText); err != nil {
		return false, err
	}
	if key == "" || len(key) > 64 {
		return false, loket.FieldError(loket.EINVALID, "key", "give a key of 1 to 64 characters; the same key again moves nothing")
	}
	if amount <= 0 || amount > loket.MaxAmount {
		return false, loket.FieldError(loket.EINVALID, "amount", "amount must be positive")
	}
	var dup bool
	err = s.db.Write(ctx, uint64(ra.ID), func(t *store.Tx) error {
		var err error
		dup, err = t.MoveProfit(ra.ID, ra.ProfitAccountID, ra.BalanceAccountID, amount, key)
		return err
	})
	return !dup, err
}

// Withdrawals lists withdrawal requests, newest first.
func (s *Service) Withdrawals(ctx context.Context, f loket.WithdrawalFilter) ([]loket.Withdrawal, error) {
	if err := loket.CheckText("status", f.Status, loket.MaxText); err != nil {
		return nil, err
	}
	return s.db.Withdrawals(ctx, f)
}
