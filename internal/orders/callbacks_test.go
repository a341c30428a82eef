package orders_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// pusher is a supplier that only ever says "pending" when asked, and reports results by
// callback: {"ref","trx","status","sn"} with X-Secret: s3cret.
type pusher struct{ refless bool }

var pusherOrders atomic.Int64

func (p pusher) Order(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	pusherOrders.Add(1)
	return supplier.Result{Outcome: supplier.Pending, TrxID: "T-" + r.Ref}, nil
}
func (p pusher) Status(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	if p.refless && r.TrxID == "" {
		return supplier.Result{}, errors.New("no transaction id to ask about")
	}
	return supplier.Result{Outcome: supplier.Pending, RetryAfter: time.Hour}, nil
}
func (pusher) Balance(context.Context) (loket.Money, error) {
	return 0, errors.New("balance not reported")
}
func (pusher) Prices(context.Context) ([]supplier.Price, error) { return nil, nil }
func (p pusher) RefLess() bool                                  { return p.refless }
func (pusher) ReceiveCallback(r *http.Request, body []byte) ([]supplier.Callback, int, []byte, error) {
	if r.Header.Get("X-Secret") != "s3cret" {
		return nil, http.StatusUnauthorized, []byte(`{"ok":false}`), errors.New("bad secret")
	}
	var m struct{ Ref, Trx, Status, SN string }
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, http.StatusBadRequest, []byte(`{"ok":false}`), err
	}
	return []supplier.Callback{{Ref: m.Ref, TrxID: m.Trx, Result: supplier.Result{Outcome: supplier.Outcome(m.Status), SN: m.SN}}},
		http.StatusOK, []byte(`{"ok":true}`), nil
}

func init() {
	supplier.Register("test-pusher", func(supplier.Config) (supplier.Supplier, error) { return pusher{}, nil })
	supplier.Register("test-refless", func(supplier.Config) (supplier.Supplier, error) { return pusher{refless: true}, nil })
}

func callback(t *testing.T, a *server.Core, name, secret, body string) (int, string) {
	t.Helper()
	r := httptest.NewRequest("POST", "/callbacks/"+name, strings.NewReader(body))
	r.Header.Set("X-Secret", secret)
	status, answer := a.Orders.HandleCallback(context.Background(), name, r, []byte(body))
	return status, string(answer)
}

func TestCallbacks(t *testing.T) {
	a := loketest.Core(t, "sqlite")
	ctx := context.Background()
	addRoute(t, a.DB, "HSA5", "push", "test-pusher", 5200, 1)
	if err := a.Catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	ra := loketest.Buyer(t, a, "callbacks", 1_000_000)
	get := func(id int64) *loket.Order { o, _ := a.Orders.Order(ctx, ra.ID, id); return o }
	waitAttempt := func(id int64, outcome string) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			at, _ := a.DB.Attempts(ctx, id)
			if len(at) > 0 && at[len(at)-1].Outcome == outcome {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %d: attempts %+v, want last %s", id, at, outcome)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// Success by callback, by Loket's ref; repeats change nothing.
	o1, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "cb1"})
	if err != nil {
		t.Fatal(err)
	}
	waitAttempt(o1.ID, "pending")
	if st, ans := callback(t, a, "push", "wrong", `{"ref":"`+store.SupplierRef(o1.ID, 1)+`","status":"success","sn":"X"}`); st != 401 || ans != `{"ok":false}` {
		t.Fatalf("forged callback: %d %s", st, ans)
	}
	if o := get(o1.ID); o.Status != loket.StatusPending {
		t.Fatalf("a forged callback settled the order: %+v", o)
	}
	for i := 0; i < 2; i++ {
		if st, ans := callback(t, a, "push", "s3cret", `{"ref":"`+store.SupplierRef(o1.ID, 1)+`","status":"success","sn":"SN-CB"}`); st != 200 || ans != `{"ok":true}` {
			t.Fatalf("callback: %d %s", st, ans)
		}
	}
	if o := get(o1.ID); o.Status != loket.StatusSuccess || o.SN != "SN-CB" {
		t.Fatalf("after callback: %+v", o)
	}
	// A late failure for a delivered order is ignored.
	callback(t, a, "push", "s3cret", `{"ref":"`+store.SupplierRef(o1.ID, 1)+`","status":"failed"}`)
	if o := get(o1.ID); o.Status != loket.StatusSuccess {
		t.Fatalf("late failure changed a success: %+v", o)
	}

	// Failure by callback, by the upstream's trx id: the order moves to the next route
	// (the simulator, which delivers a target ending in 0).
	o2, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567800", RefID: "cb2"})
	if err != nil {
		t.Fatal(err)
	}
	waitAttempt(o2.ID, "pending")
	callback(t, a, "push", "s3cret", `{"trx":"T-`+store.SupplierRef(o2.ID, 1)+`","status":"failed"}`)
	got := waitFinal(t, func() *loket.Order { return get(o2.ID) })
	if got.Status != loket.StatusSuccess {
		t.Fatalf("after failure callback: %+v, want success at the next route", got)
	}
	// The first route now reports success after all: no second settlement.
	callback(t, a, "push", "s3cret", `{"ref":"`+store.SupplierRef(o2.ID, 1)+`","status":"success","sn":"LATE"}`)
	if o := get(o2.ID); o.SN == "LATE" {
		t.Fatalf("a contradicting callback settled again: %+v", o)
	}

	// Unknown references are answered and ignored.
	if st, _ := callback(t, a, "push", "s3cret", `{"ref":"LK999A1","status":"success"}`); st != 200 {
		t.Fatalf("unknown ref: %d", st)
	}
	if st, _ := callback(t, a, "nobody", "s3cret", `{}`); st != 404 {
		t.Fatalf("unknown supplier: %d", st)
	}
	r, _ := a.DB.Reseller(ctx, ra.ID, "")
	if want := loket.Money(1_000_000 - 2*5400); r.Balance != want {
		t.Fatalf("balance = %d, want %d (two orders, each charged once)", r.Balance, want)
	}
	if v, err := a.DB.Verify(ctx); err != nil || len(v) > 0 {
		t.Fatalf("verify: %v %v", v, err)
	}
}

// An attempt recorded but maybe sent before a crash is never sent again to an upstream
// without client references: a second send could buy twice.
func TestNoResendToRefLessAfterCrash(t *testing.T) {
	ctx := context.Background()
	a := loketest.Core(t, "sqlite")
	addRoute(t, a.DB, "HSA10", "refless", "test-refless", 9000, 1)
	if err := a.Catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	ra := loketest.Buyer(t, a, "refless", 1_000_000)
	// A second app on the same database accepts an order and "crashes" before sending
	// it: it never starts its workers.
	b := loketest.CoreOn(t, a.DB, "--node=crashed", "--job-lease=1ms")
	before := pusherOrders.Load()
	o, _, err := b.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA10", Target: "081234567890", RefID: "rl1"})
	if err != nil {
		t.Fatal(err)
	}
	// The running app claims the job when the lease lapses, finds the attempt "new"
	// but not its own, and asks instead of sending.
	deadline := time.Now().Add(5 * time.Second)
	for {
		at, _ := a.DB.Attempts(ctx, o.ID)
		if len(at) == 1 && at[0].Outcome == "unknown" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("attempts = %+v", at)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := pusherOrders.Load() - before; n != 0 {
		t.Fatalf("the attempt was sent %d times after the crash", n)
	}
	if got, _ := a.Orders.Order(ctx, ra.ID, o.ID); got.Status != loket.StatusPending {
		t.Fatalf("order = %+v, want pending for the operator", got)
	}
}

// slowPusher answers an order only when its gate opens, with its own transaction id;
// meanwhile the result may already come by callback.
type slowPusher struct{ pusher }

var slowGate = make(chan struct{})

func (s slowPusher) Order(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	select {
	case <-slowGate:
	case <-ctx.Done():
		return supplier.Result{}, ctx.Err()
	}
	return supplier.Result{Outcome: supplier.Pending, TrxID: "T-" + r.Ref, RetryAfter: time.Hour}, nil
}

func init() {
	supplier.Register("test-slowpusher", func(supplier.Config) (supplier.Supplier, error) { return slowPusher{}, nil })
}

// TestEarlyCallback: the upstream's callback, naming only its own transaction id,
// arrives before its answer to the order call. It matches no attempt yet; once the
// answer records the id, the kept callback settles the order at once (not at the next
// status poll, an hour away).
func TestEarlyCallback(t *testing.T) {
	a := loketest.Core(t, "sqlite", "--supplier-timeout=10s")
	ctx := context.Background()
	addRoute(t, a.DB, "HSA5", "slow", "test-slowpusher", 5200, 1)
	if err := a.Catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	ra := loketest.Buyer(t, a, "early", 100_000)
	o, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "e1"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the order call is out, waiting for the gate
	if st, _ := callback(t, a, "slow", "s3cret", `{"trx":"T-`+store.SupplierRef(o.ID, 1)+`","status":"success","sn":"EARLY"}`); st != 200 {
		t.Fatalf("early callback answered %d", st)
	}
	if got, _ := a.Orders.Order(ctx, ra.ID, o.ID); got.Status != loket.StatusPending {
		t.Fatalf("settled before the answer: %+v", got)
	}
	close(slowGate)
	got := waitFinal(t, func() *loket.Order { o, _ := a.Orders.Order(ctx, ra.ID, o.ID); return o })
	if got.Status != loket.StatusSuccess || got.SN != "EARLY" {
		t.Fatalf("order %+v, want success with the early callback's SN", got)
	}
}
