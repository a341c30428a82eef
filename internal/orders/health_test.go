package orders_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// A supplier that keeps giving no usable answer is skipped for new orders, which go to
// the next route; the operator sees why.
func TestBreakerSkipsSilentSupplier(t *testing.T) {
	a := loketest.Core(t, "sqlite")
	ctx := context.Background()
	addRoute(t, a.DB, "HSA20", "silent", "test-unknown", 19000, 1)
	if err := a.Catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	ra := loketest.Buyer(t, a, "breaker", 10_000_000)
	var first []int64
	for i := 0; i < 5; i++ {
		o, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA20", Target: fmt.Sprintf("08123456780%d", i), RefID: fmt.Sprint("b", i)})
		if err != nil {
			t.Fatal(err)
		}
		first = append(first, o.ID)
	}
	// Wait until all five have had their no-answer.
	deadline := time.Now().Add(5 * time.Second)
	for _, id := range first {
		for {
			at, _ := a.DB.Attempts(ctx, id)
			if len(at) == 1 && at[0].Outcome == "unknown" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %d attempts %+v", id, at)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	var silent bool
	for _, s := range a.Orders.Suppliers() {
		if s.Name == "silent" {
			silent = true
			if s.Usable || !strings.Contains(s.Why, "no usable answer") {
				t.Fatalf("silent supplier state = %+v", s)
			}
		}
	}
	if !silent {
		t.Fatal("silent supplier not listed")
	}
	// The next order skips it and is delivered by the simulator.
	o, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA20", Target: "081234567890", RefID: "after"})
	if err != nil {
		t.Fatal(err)
	}
	got := waitFinal(t, func() *loket.Order { x, _ := a.Orders.Order(ctx, ra.ID, o.ID); return x })
	at, _ := a.DB.Attempts(ctx, o.ID)
	if got.Status != loket.StatusSuccess || len(at) != 1 || at[0].SupplierID == 0 || at[0].Outcome != "success" {
		t.Fatalf("order after the breaker opened = %+v, attempts %+v", got, at)
	}
	// The five stay pending: no answer is not a failure.
	for _, id := range first {
		if o, _ := a.Orders.Order(ctx, ra.ID, id); o.Status != loket.StatusPending {
			t.Fatalf("order %d = %s, want pending", id, o.Status)
		}
	}
}

// A supplier whose known balance cannot pay a route's cost is skipped.
func TestLowSupplierBalanceSkipsRoute(t *testing.T) {
	a := loketest.Core(t, "sqlite")
	ctx := context.Background()
	addRoute(t, a.DB, "S25", "broke", "test-broke", 24000, 1) // its balance is 0
	if err := a.Catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	a.Orders.CheckBalances(ctx)
	for _, s := range a.Orders.Suppliers() {
		if s.Name == "broke" && (s.Usable || !s.LowBalance || s.Balance == nil || *s.Balance != 0) {
			t.Fatalf("broke supplier state = %+v", s)
		}
	}
	ra := loketest.Buyer(t, a, "lowbal", 1_000_000)
	o, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "S25", Target: "081234567890", RefID: "lb"})
	if err != nil {
		t.Fatal(err)
	}
	waitFinal(t, func() *loket.Order { x, _ := a.Orders.Order(ctx, ra.ID, o.ID); return x })
	at, _ := a.DB.Attempts(ctx, o.ID)
	if len(at) != 1 || at[0].Outcome != "success" {
		t.Fatalf("attempts = %+v; want straight to the funded route", at)
	}
}
