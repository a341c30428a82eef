package deposits_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store/storetest"
)

func TestDepositLimits(t *testing.T) {
	a := loketest.Core(t, "sqlite")
	ctx := context.Background()
	ra := loketest.Buyer(t, a, "deplim", 0)
	for _, c := range []struct {
		method string
		amount loket.Money
		code   string
	}{{"qris", 1999, loket.EINVALID}, {"qris", 200_000_000, loket.EINVALID}, {"cash", 50000, loket.EINVALID}, {"bank", 9000, loket.EINVALID}} {
		if _, err := a.Deposits.CreateDeposit(ctx, ra, c.method, c.amount, ""); loket.ErrorCode(err) != c.code {
			t.Errorf("%s %d: %v", c.method, c.amount, err)
		}
	}
	var open []*loket.Deposit
	for i := 0; i < 3; i++ {
		d, err := a.Deposits.CreateDeposit(ctx, ra, "qris", 50000, "")
		if err != nil {
			t.Fatal(err)
		}
		if d.UniqueCode < 1 || d.UniqueCode > 999 || d.Total != d.Amount+d.UniqueCode || d.Fee() != d.UniqueCode {
			t.Fatalf("deposit = %+v", d)
		}
		open = append(open, d)
	}
	if _, err := a.Deposits.CreateDeposit(ctx, ra, "qris", 50000, ""); loket.ErrorCode(err) != loket.ELIMIT {
		t.Fatalf("a fourth open deposit: %v", err)
	}
	if _, err := a.Deposits.CancelDeposit(ctx, ra, open[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Deposits.CancelDeposit(ctx, ra, open[0].ID); loket.ErrorCode(err) != loket.ECONFLICT {
		t.Fatalf("cancel twice: %v", err)
	}
	if _, err := a.Deposits.CreateDeposit(ctx, ra, "qris", 50000, ""); err != nil {
		t.Fatalf("after a cancel: %v", err)
	}
}

// Many open deposits of the same amount and their payments arriving at once, with
// repeats and strays: each deposit is credited exactly once, to its reseller.
func TestMatcherRace(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := loketest.Core(t, engine)
			ctx := context.Background()
			rs, deps := openDeposits(t, a, "dep")
			var wg sync.WaitGroup
			var mu sync.Mutex
			matched := map[int64]int{}
			pay := func(ref string, amount loket.Money) {
				defer wg.Done()
				out, err := a.Deposits.RecordPayment(ctx, loket.Payment{Source: "sim", Ref: ref, Amount: amount, Brand: "DANA", PaidAt: time.Now()})
				if err != nil {
					t.Error(err)
					return
				}
				if out.Deposit != nil {
					mu.Lock()
					matched[out.Deposit.ID]++
					mu.Unlock()
				}
			}
			for i, d := range deps {
				wg.Add(2)
				go pay(fmt.Sprint("p", i), d.Total)
				go pay(fmt.Sprint("p", i), d.Total) // the source reports it twice
			}
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go pay(fmt.Sprint("stray", i), 12345+loket.Money(i)) // matches nothing
			}
			wg.Wait()
			if len(matched) != len(deps) {
				t.Fatalf("%d of %d deposits matched", len(matched), len(deps))
			}
			for id, n := range matched {
				if n != 1 {
					t.Fatalf("deposit %d credited %d times", id, n)
				}
			}
			for _, r := range rs {
				got, _ := a.DB.Reseller(ctx, r.ID, "")
				if got.Balance != 150000 {
					t.Fatalf("%s balance = %d, want 150000", r.Username, got.Balance)
				}
			}
			un, _ := a.DB.Payments(ctx, "unmatched", 100)
			if len(un) != 20 {
				t.Fatalf("%d unmatched payments, want 20", len(un))
			}
			// A second payment of a total already paid matches nothing.
			out, err := a.Deposits.RecordPayment(ctx, loket.Payment{Source: "sim", Ref: "late", Amount: deps[0].Total})
			if err != nil || out.Deposit != nil {
				t.Fatalf("second payment of a paid total: %+v %v", out, err)
			}
			if v, err := a.DB.Verify(ctx); err != nil || len(v) > 0 {
				t.Fatalf("verify: %v %v", v, err)
			}
		})
	}
}

// A payment after its deposit expired is kept, not credited; the operator credits it
// by hand, once.
func TestLatePaymentCreditedByHand(t *testing.T) {
	a := loketest.Core(t, "sqlite")
	ctx := context.Background()
	ra := loketest.Buyer(t, a, "late", 0)
	d, err := a.Deposits.CreateDeposit(ctx, ra, "qris", 20000, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.W.Exec(`UPDATE deposits SET expires_at = $1 WHERE id = $2`, time.Now().Add(-time.Minute).UnixMicro(), d.ID); err != nil {
		t.Fatal(err)
	}
	out, err := a.Deposits.RecordPayment(ctx, loket.Payment{Source: "sim", Ref: "L1", Amount: d.Total, PaidAt: time.Now()})
	if err != nil || out.Deposit != nil {
		t.Fatalf("late payment: %+v %v", out, err)
	}
	if err := a.Deposits.CreditPayment(ctx, out.PaymentID, ra.ID, "paid 2 minutes late"); err != nil {
		t.Fatal(err)
	}
	if err := a.Deposits.CreditPayment(ctx, out.PaymentID, ra.ID, "again"); loket.ErrorCode(err) != loket.ECONFLICT {
		t.Fatalf("second hand credit: %v", err)
	}
	got, _ := a.DB.Reseller(ctx, ra.ID, "")
	if got.Balance != d.Total {
		t.Fatalf("balance = %d, want the whole payment %d", got.Balance, d.Total)
	}
	if v, err := a.DB.Verify(ctx); err != nil || len(v) > 0 {
		t.Fatalf("verify: %v %v", v, err)
	}
}

// openDeposits gives 40 new resellers (named prefix0...) three open QRIS deposits of
// 50,000 each: 120 deposits of one amount, told apart only by their unique codes.
func openDeposits(t *testing.T, a *server.Core, prefix string) ([]*loket.ResellerAuth, []*loket.Deposit) {
	t.Helper()
	var rs []*loket.ResellerAuth
	var deps []*loket.Deposit
	for i := 0; i < 40; i++ {
		r := loketest.Buyer(t, a, fmt.Sprintf("%s%d", prefix, i), 0)
		rs = append(rs, r)
		for j := 0; j < 3; j++ {
			d, err := a.Deposits.CreateDeposit(context.Background(), r, "qris", 50000, "")
			if err != nil {
				t.Fatal(err)
			}
			deps = append(deps, d)
		}
	}
	return rs, deps
}
