package e2e

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loketest"
)

// TestIdempotency: a ref_id names one order for good. Repeating it returns that order
// and charges nothing, even when the repeats race; reusing it for another order is a
// conflict; and a second pending order for the same product and target is refused.
func TestIdempotency(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		const opening = 500_000
		r := newReseller(t, s, opening)
		p, err := r.C.Product(ctx, "S5")
		if err != nil {
			t.Fatal(err)
		}
		charged := int64(0)

		req := client.OrderRequest{Product: "S5", Target: msisdn(1, 0), RefID: "idem-1"}
		first, created, err := r.C.CreateOrder(ctx, req)
		if err != nil || !created {
			t.Fatalf("first: created=%v %v", created, err)
		}
		charged += p.Price
		again, created, err := r.C.CreateOrder(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if created || again.ID != first.ID {
			t.Errorf("same ref_id again: created=%v id %d, want created=false id %d", created, again.ID, first.ID)
		}
		settled := waitOrder(t, r.C, first.ID, 3*time.Second)
		later, created, err := r.C.CreateOrder(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if created || later.ID != first.ID || later.Status != settled.Status || later.SN != settled.SN {
			t.Errorf("same ref_id after settling: created=%v %+v, want %+v", created, later, settled)
		}
		if got := me(t, r).Balance; got != opening-charged {
			t.Errorf("balance %d after repeats, want %d (charged once)", got, opening-charged)
		}

		// The same ref_id for something else is a conflict and charges nothing.
		for _, other := range []client.OrderRequest{
			{Product: "S5", Target: msisdn(2, 0), RefID: "idem-1"},
			{Product: "S10", Target: msisdn(1, 0), RefID: "idem-1"},
			{Product: "S5", Target: msisdn(1, 0), RefID: "idem-1", MaxPrice: 1_000_000},
		} {
			_, _, err := r.C.CreateOrder(ctx, other)
			ae := wantAPIError(t, err, http.StatusConflict, client.CodeConflict)
			if ae.Field != "ref_id" {
				t.Errorf("conflict names field %q, want ref_id", ae.Field)
			}
		}

		// Racing repeats of one ref_id: one order, one charge.
		const racers = 12
		var wg sync.WaitGroup
		ids := make([]int64, racers)
		createdN := make([]bool, racers)
		errs := make([]error, racers)
		race := client.OrderRequest{Product: "S10", Target: msisdn(3, 0), RefID: "idem-race"}
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o, c, err := r.C.CreateOrder(ctx, race)
				errs[i], createdN[i] = err, c
				if o != nil {
					ids[i] = o.ID
				}
			}()
		}
		wg.Wait()
		nCreated := 0
		for i := range racers {
			if errs[i] != nil {
				t.Errorf("racer %d: %v", i, errs[i])
				continue
			}
			if createdN[i] {
				nCreated++
			}
			if ids[i] != ids[0] {
				t.Errorf("racer %d got order %d, racer 0 got %d", i, ids[i], ids[0])
			}
		}
		if nCreated != 1 {
			t.Errorf("%d racers created an order, want 1", nCreated)
		}
		p10, err := r.C.Product(ctx, "S10")
		if err != nil {
			t.Fatal(err)
		}
		charged += p10.Price
		waitOrder(t, r.C, ids[0], 3*time.Second)
		if got := me(t, r).Balance; got != opening-charged {
			t.Errorf("balance %d after racing repeats, want %d", got, opening-charged)
		}

		// Anti double-order: while an order for S5 to a target is pending, another
		// ref_id for the same product and target is refused.
		tgt := msisdn(4, 3)
		pend, created, err := r.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: tgt, RefID: "dup-a"})
		if err != nil || !created {
			t.Fatalf("dup-a: %v", err)
		}
		charged += p.Price
		_, _, err = r.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: tgt, RefID: "dup-b"})
		if o, _ := r.C.Order(ctx, pend.ID); o == nil || o.Status != client.StatusPending {
			t.Logf("dup-a settled before dup-b was checked (%+v); the guard may have been released", o)
		}
		wantAPIError(t, err, http.StatusConflict, client.CodeDuplicatePending)
		// The same target in another notation is the same target.
		_, _, err = r.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: "+62 " + tgt[1:], RefID: "dup-c"})
		wantAPIError(t, err, http.StatusConflict, client.CodeDuplicatePending)
		// Another product to the same target is no double order.
		o, created, err := r.C.CreateOrder(ctx, client.OrderRequest{Product: "S10", Target: tgt, RefID: "dup-other"})
		if err != nil || !created {
			t.Fatalf("another product to the same target: %v", err)
		}
		charged += p10.Price
		if got := waitOrder(t, r.C, pend.ID, 3*time.Second); got.Status != client.StatusSuccess {
			t.Errorf("dup-a: %s", got.Status)
		}
		waitOrder(t, r.C, o.ID, 3*time.Second)
		// Once settled, the same product and target may be bought again.
		o, created, err = r.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: tgt, RefID: "dup-b"})
		if err != nil || !created {
			t.Fatalf("dup-b after dup-a settled: %v", err)
		}
		charged += p.Price
		waitOrder(t, r.C, o.ID, 3*time.Second)

		if got := me(t, r).Balance; got != opening-charged {
			t.Errorf("final balance %d, want %d", got, opening-charged)
		}

		// A repeat is answered with the order even when the balance is spent now.
		poor := newReseller(t, s, p.Price)
		req = client.OrderRequest{Product: "S5", Target: msisdn(5, 0), RefID: "last-rupiah"}
		first, created, err = poor.C.CreateOrder(ctx, req)
		if err != nil || !created {
			t.Fatalf("last-rupiah: %v", err)
		}
		again, created, err = poor.C.CreateOrder(ctx, req)
		if err != nil || created || again.ID != first.ID {
			t.Errorf("repeat with no balance left: created=%v %+v %v; want the first order", created, again, err)
		}
		_, _, err = poor.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: msisdn(6, 0), RefID: "one-more"})
		wantAPIError(t, err, http.StatusPaymentRequired, client.CodeInsufficientBalance)
		if n := orderCount(t, s, r.ID); n != 5 {
			t.Errorf("%d orders, want 5", n)
		}
		loketest.VerifyLedger(t, s)
	})
}
