package orders_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// scripted is a supplier whose answer is fixed by its kind. It reports no balance
// (unknown, which never makes Loket skip it) unless broke.
type scripted struct {
	outcome supplier.Outcome
	broke   bool
}

func (s scripted) Order(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	if s.outcome == supplier.Unknown {
		return supplier.Result{}, errors.New("upstream answered 502")
	}
	return supplier.Result{Outcome: s.outcome, Message: "upstream says " + string(s.outcome)}, nil
}
func (s scripted) Status(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	return s.Order(ctx, r)
}
func (s scripted) Balance(context.Context) (loket.Money, error) {
	if s.broke {
		return 0, nil
	}
	return 0, errors.New("balance not reported")
}
func (scripted) Prices(context.Context) ([]supplier.Price, error) { return nil, nil }

func init() {
	supplier.Register("test-fails", func(supplier.Config) (supplier.Supplier, error) { return scripted{outcome: supplier.Failed}, nil })
	supplier.Register("test-unknown", func(supplier.Config) (supplier.Supplier, error) { return scripted{outcome: supplier.Unknown}, nil })
	supplier.Register("test-broke", func(supplier.Config) (supplier.Supplier, error) {
		return scripted{outcome: supplier.Failed, broke: true}, nil
	})
}

func addRoute(t *testing.T, db *store.DB, product, name, kind string, cost loket.Money, priority int) {
	t.Helper()
	ctx := context.Background()
	var sid int64
	err := db.Direct(ctx, func(tx *store.Tx) error {
		var err error
		if sid, err = tx.UpsertSupplier(loket.Supplier{Name: name, Kind: kind, Enabled: true}); err != nil {
			return err
		}
		pid, err := tx.ProductID(product)
		if err != nil {
			return err
		}
		if _, err := tx.UpsertRoute(pid, sid, product, cost, priority); err != nil {
			return err
		}
		return tx.BumpCatalog()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitFinal(t *testing.T, get func() *loket.Order) *loket.Order {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		o := get()
		if o.Status != loket.StatusPending || time.Now().After(deadline) {
			return o
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFallbackOnDefiniteFailureOnly(t *testing.T) {
	a := loketest.Core(t, "sqlite")
	ctx := context.Background()
	addRoute(t, a.DB, "HSA5", "first", "test-fails", 5000, 1)
	addRoute(t, a.DB, "HSA10", "shaky", "test-unknown", 9000, 1)
	if err := a.Catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	ra := loketest.Buyer(t, a, "routing", 1_000_000)

	// A definite failure at the first route: the order goes to the next (sim), succeeds,
	// and is charged once; the sim route's cost is what the books record.
	o, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "fb1"})
	if err != nil {
		t.Fatal(err)
	}
	got := waitFinal(t, func() *loket.Order { x, _ := a.Orders.Order(ctx, ra.ID, o.ID); return x })
	if got.Status != loket.StatusSuccess || got.SN == "" {
		t.Fatalf("order = %+v, want success with SN via the second route", got)
	}
	at, _ := a.DB.Attempts(ctx, o.ID)
	if len(at) != 2 || at[0].Outcome != "failed" || at[1].Outcome != "success" {
		t.Fatalf("attempts = %+v", at)
	}
	if got.Message != "success" {
		t.Fatalf("message %q leaks supplier words", got.Message)
	}

	// An unknown answer (a 502): the order stays pending at that route; it is never
	// sent to the next one, which could deliver it a second time.
	o2, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA10", Target: "081234567890", RefID: "fb2"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	got2, _ := a.Orders.Order(ctx, ra.ID, o2.ID)
	at2, _ := a.DB.Attempts(ctx, o2.ID)
	if got2.Status != loket.StatusPending || len(at2) != 1 || at2[0].Outcome != "unknown" {
		t.Fatalf("order = %+v, attempts = %+v; want pending with one unknown attempt; suppliers %+v", got2, at2, a.Orders.Suppliers())
	}
	// The operator decides it; a second decision is refused.
	if _, err := a.Orders.SettleByOperator(ctx, o2.ID, false, "", "upstream confirmed failure"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Orders.SettleByOperator(ctx, o2.ID, true, "X", ""); loket.ErrorCode(err) != loket.ECONFLICT {
		t.Fatalf("second decision: %v", err)
	}
	r, _ := a.DB.Reseller(ctx, ra.ID, "")
	if want := loket.Money(1_000_000 - 5400); r.Balance != want {
		t.Fatalf("balance = %d, want %d", r.Balance, want)
	}
	if v, err := a.DB.Verify(ctx); err != nil || len(v) > 0 {
		t.Fatalf("verify: %v %v", v, err)
	}
}
