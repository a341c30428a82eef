package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// profit gives the fixture's reseller profit, as dropship orders will.
func (f *fixture) profit(t *testing.T, amount loket.Money) (profitAccount int64) {
	t.Helper()
	ctx := context.Background()
	ra, err := f.db.ResellerAuthByID(ctx, f.reseller)
	if err != nil {
		t.Fatal(err)
	}
	adj, err := f.db.EnsureAccount(ctx, store.AccAdjustments, store.KindAdjustments)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.Write(ctx, 1, func(tx *store.Tx) error {
		_, err := tx.Transfer(fmt.Sprintf("profit-test:%d", amount), store.TransferAdjustment, nil, "test profit",
			[]store.Leg{{Account: ra.ProfitAccountID, Amount: amount}, {Account: adj, Amount: -amount}}, ra.ProfitAccountID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ra.ProfitAccountID
}

func (f *fixture) profitBalance(t *testing.T) loket.Money {
	t.Helper()
	r, err := f.db.Reseller(context.Background(), f.reseller, "")
	if err != nil {
		t.Fatal(err)
	}
	return r.ProfitBalance
}

// TestWithdrawalsNeverExceedProfit: 40 concurrent requests of 10,000 against a profit
// balance of 125,000 through the batching writer: exactly 12 are accepted, the rest
// refused with nothing written, and the books agree.
func TestWithdrawalsNeverExceedProfit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 0)
		acc := f.profit(t, 125_000)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				err := db.Write(ctx, uint64(i%4), func(tx *store.Tx) error {
					_, _, err := tx.RequestWithdrawal(store.NewWithdrawal{ResellerID: f.reseller, ProfitAccountID: acc, Key: fmt.Sprint("w", i),
						Amount: 10_000, Method: "BCA", AccountNo: "1234567890", AccountName: "Budi"})
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case loket.ErrorCode(err) == loket.EINSUFFICIENT:
					refused++
				default:
					t.Errorf("request %d: %v", i, err)
				}
			}(i)
		}
		wg.Wait()
		if ok != 12 || refused != 28 {
			t.Fatalf("%d accepted, %d refused; want 12 and 28", ok, refused)
		}
		if p := f.profitBalance(t); p != 5_000 {
			t.Fatalf("profit balance %d, want 5000", p)
		}
		ws, err := db.Withdrawals(ctx, loket.WithdrawalFilter{ResellerID: f.reseller, Status: loket.WithdrawalPending})
		if err != nil || len(ws) != 12 {
			t.Fatalf("%d pending withdrawals (%v), want 12", len(ws), err)
		}
		verify(t, db)
	})
}

// TestWithdrawalLifecycle: idempotent requests, approve and reject exactly once.
func TestWithdrawalLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 0)
		acc := f.profit(t, 50_000)
		req := func(key string, amount loket.Money, no string) (*loket.Withdrawal, bool, error) {
			var w *loket.Withdrawal
			var created bool
			err := db.Write(ctx, 1, func(tx *store.Tx) error {
				var err error
				w, created, err = tx.RequestWithdrawal(store.NewWithdrawal{ResellerID: f.reseller, ProfitAccountID: acc, Key: key,
					Amount: amount, Method: "DANA", AccountNo: no, AccountName: "Budi"})
				return err
			})
			return w, created, err
		}
		decide := func(id int64, approve bool) (*loket.Withdrawal, error) {
			var w *loket.Withdrawal
			err := db.Direct(ctx, func(tx *store.Tx) error {
				var err error
				w, err = tx.DecideWithdrawal(id, approve, "ref")
				return err
			})
			return w, err
		}
		a, created, err := req("a", 20_000, "08123456789")
		if err != nil || !created || a.Status != loket.WithdrawalPending {
			t.Fatalf("first: %+v %v %v", a, created, err)
		}
		again, created, err := req("a", 20_000, "08123456789")
		if err != nil || created || again.ID != a.ID {
			t.Fatalf("repeat: %+v %v %v", again, created, err)
		}
		if _, _, err := req("a", 20_000, "0899999999"); loket.ErrorCode(err) != loket.ECONFLICT {
			t.Fatalf("same key, other account: %v", err)
		}
		if p := f.profitBalance(t); p != 30_000 {
			t.Fatalf("profit %d after one request, want 30000", p)
		}
		b, _, err := req("b", 30_000, "08123456789")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := req("c", 1, "08123456789"); loket.ErrorCode(err) != loket.EINSUFFICIENT {
			t.Fatalf("over the profit: %v", err)
		}
		// Approve a: paid out. Approving again is a no-op; rejecting it now a conflict.
		if w, err := decide(a.ID, true); err != nil || w.Status != loket.WithdrawalApproved {
			t.Fatalf("approve: %+v %v", w, err)
		}
		if _, err := decide(a.ID, true); err != nil {
			t.Fatalf("approve twice: %v", err)
		}
		if _, err := decide(a.ID, false); loket.ErrorCode(err) != loket.ECONFLICT {
			t.Fatalf("reject after approve: %v", err)
		}
		// Reject b: the profit comes back, once.
		if w, err := decide(b.ID, false); err != nil || w.Status != loket.WithdrawalRejected {
			t.Fatalf("reject: %+v %v", w, err)
		}
		if _, err := decide(b.ID, false); err != nil {
			t.Fatal(err)
		}
		if p := f.profitBalance(t); p != 30_000 {
			t.Fatalf("profit %d after the rejection, want 30000", p)
		}
		if _, err := decide(999, true); loket.ErrorCode(err) != loket.ENOTFOUND {
			t.Fatalf("unknown withdrawal: %v", err)
		}
		// Moving profit into the balance: once per key.
		ra, _ := db.ResellerAuthByID(ctx, f.reseller)
		move := func(key string, amount loket.Money) (bool, error) {
			var dup bool
			err := db.Write(ctx, 1, func(tx *store.Tx) error {
				var err error
				dup, err = tx.MoveProfit(f.reseller, ra.ProfitAccountID, ra.BalanceAccountID, amount, key)
				return err
			})
			return dup, err
		}
		if dup, err := move("m1", 10_000); err != nil || dup {
			t.Fatalf("move: %v %v", dup, err)
		}
		if dup, err := move("m1", 10_000); err != nil || !dup {
			t.Fatalf("move again: %v %v", dup, err)
		}
		if _, err := move("m1", 5_000); loket.ErrorCode(err) != loket.ECONFLICT {
			t.Fatalf("same key, other amount: %v", err)
		}
		if _, err := move("m2", 20_001); loket.ErrorCode(err) != loket.EINSUFFICIENT {
			t.Fatalf("move beyond the profit: %v", err)
		}
		if p, b := f.profitBalance(t), f.balance(t); p != 20_000 || b != 10_000 {
			t.Fatalf("profit %d balance %d, want 20000 and 10000", p, b)
		}
		tot, err := db.LedgerTotals(ctx)
		if err != nil || tot.Payouts != 20_000 || tot.Withdrawals != 0 {
			t.Fatalf("totals %+v %v", tot, err)
		}
		verify(t, db)
	})
}
