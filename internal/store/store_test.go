package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/sqlitevfs"
	"github.com/loket/loket/internal/store/storetest"
)

// The conformance suite: every test here runs on SQLite and, when configured, on
// PostgreSQL, against the same expectations.

type fixture struct {
	db       *store.DB
	reseller int64
	account  int64
	product  *loket.Product
	route    *loket.Route
}

func setup(t *testing.T, db *store.DB, balance loket.Money) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db}
	err := db.Direct(ctx, func(tx *store.Tx) error {
		if err := tx.UpsertLevel(loket.Level{Name: "reseller"}); err != nil {
			return err
		}
		cat, err := tx.UpsertCategory(loket.Category{Code: "pulsa", Name: "Pulsa", TargetKind: loket.TargetMSISDN})
		if err != nil {
			return err
		}
		brand, err := tx.UpsertBrand(loket.Brand{Code: "THREE", Name: "Three", Active: true}, cat)
		if err != nil {
			return err
		}
		stock := int64(2)
		pid, err := tx.UpsertProduct(loket.Product{Code: "HSA5", Name: "Three 5.000", BasePrice: 5400, Active: true}, brand)
		if err != nil {
			return err
		}
		if _, err := tx.UpsertProduct(loket.Product{Code: "RARE", Name: "Rare", BasePrice: 1000, Active: true, Stock: &stock}, brand); err != nil {
			return err
		}
		sid, err := tx.UpsertSupplier(loket.Supplier{Name: "sim", Kind: "sim", Enabled: true})
		if err != nil {
			return err
		}
		rid, err := tx.UpsertRoute(pid, sid, "HSA5", 5300, 100)
		if err != nil {
			return err
		}
		f.product = &loket.Product{ID: pid, Code: "HSA5", Name: "Three 5.000", BasePrice: 5400}
		f.route = &loket.Route{ID: rid, ProductID: pid, SupplierID: sid, SupplierCode: "HSA5", Cost: 5300}
		f.reseller, err = tx.CreateReseller(store.NewReseller{Username: "budi", Level: "reseller", APIKeyHash: "k1", SecretHash: "s", SecretSeal: "x", ReferralCode: "R1"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.EnsureAccount(ctx, store.SupplierAccount(f.route.SupplierID), store.KindSupplierPayable); err != nil {
		t.Fatal(err)
	}
	ra, err := db.ResellerAuthByID(ctx, f.reseller)
	if err != nil {
		t.Fatal(err)
	}
	f.account = ra.BalanceAccountID
	if balance > 0 {
		f.credit(t, balance, "opening")
	}
	return f
}

func (f *fixture) credit(t *testing.T, amount loket.Money, key string) {
	t.Helper()
	adj, err := f.db.EnsureAccount(context.Background(), store.AccAdjustments, store.KindAdjustments)
	if err != nil {
		t.Fatal(err)
	}
	err = f.db.Write(context.Background(), 1, func(tx *store.Tx) error {
		_, err := tx.Transfer("credit:"+key, store.TransferAdjustment, nil, key, []store.Leg{{Account: f.account, Amount: amount}, {Account: adj, Amount: -amount}}, f.account)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) balance(t *testing.T) loket.Money {
	t.Helper()
	r, err := f.db.Reseller(context.Background(), f.reseller, "")
	if err != nil {
		t.Fatal(err)
	}
	return r.Balance
}

func (f *fixture) order(ref, target string, window time.Duration) *store.NewOrder {
	return &store.NewOrder{ResellerID: f.reseller, AccountID: f.account, RefID: ref, RequestHash: "h:" + target, Product: f.product,
		Target: target, Price: 5400, Surface: "api", GuardWindow: window, FirstRoute: f.route, Node: "n1", Lease: time.Minute}
}

func (f *fixture) create(t *testing.T, n *store.NewOrder) (*loket.Order, bool, error) {
	t.Helper()
	var o *loket.Order
	var existed bool
	err := f.db.Write(context.Background(), uint64(f.reseller), func(tx *store.Tx) error {
		var err error
		o, existed, err = tx.CreateOrder(n)
		return err
	})
	return o, existed, err
}

func verify(t *testing.T, db *store.DB) {
	t.Helper()
	v, err := db.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v {
		t.Errorf("ledger: %s: %s", x.Invariant, x.Detail)
	}
}

func TestMigrateTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}

func TestTransferIdempotentAndFloor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 0)
		f.credit(t, 10000, "a")
		f.credit(t, 10000, "a") // same key: nothing moves
		if got := f.balance(t); got != 10000 {
			t.Fatalf("balance = %d, want 10000", got)
		}
		f.credit(t, -10000, "b")
		adj, _ := db.EnsureAccount(context.Background(), store.AccAdjustments, store.KindAdjustments)
		err := db.Write(context.Background(), 1, func(tx *store.Tx) error {
			_, err := tx.Transfer("c", store.TransferAdjustment, nil, "", []store.Leg{{Account: f.account, Amount: -1}, {Account: adj, Amount: 1}}, f.account)
			return err
		})
		if loket.ErrorCode(err) != loket.EINSUFFICIENT {
			t.Fatalf("overdraft: err = %v, want insufficient_balance", err)
		}
		err = db.Write(context.Background(), 1, func(tx *store.Tx) error {
			_, err := tx.Transfer("d", store.TransferAdjustment, nil, "", []store.Leg{{Account: f.account, Amount: 5}, {Account: adj, Amount: -4}}, f.account)
			return err
		})
		if err == nil {
			t.Fatal("unbalanced transfer accepted")
		}
		verify(t, db)
	})
}

func TestOrderLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 20000)
		o, existed, err := f.create(t, f.order("r1", "081234567890", time.Hour))
		if err != nil || existed {
			t.Fatalf("create: %v existed=%v", err, existed)
		}
		if got := f.balance(t); got != 20000-5400 {
			t.Fatalf("balance after reserve = %d", got)
		}
		// Same ref, same request: the same order, nothing charged.
		again, existed, err := f.create(t, f.order("r1", "081234567890", time.Hour))
		if err != nil || !existed || again.ID != o.ID {
			t.Fatalf("repeat: %v existed=%v id=%d want %d", err, existed, again.ID, o.ID)
		}
		// Same ref, other request: conflict.
		if _, _, err := f.create(t, f.order("r1", "081234567899", time.Hour)); loket.ErrorCode(err) != loket.ECONFLICT {
			t.Fatalf("ref reuse: %v", err)
		}
		// Same product and target while pending: refused by the guard.
		if _, _, err := f.create(t, f.order("r2", "081234567890", time.Hour)); loket.ErrorCode(err) != loket.EDUPLICATE {
			t.Fatalf("double order: %v", err)
		}
		if got := f.balance(t); got != 20000-5400 {
			t.Fatalf("refusals charged: balance = %d", got)
		}
		// Settle success once; a second settle changes nothing.
		var ok1, ok2 bool
		for i, ok := range []*bool{&ok1, &ok2} {
			err := db.Write(ctx, 1, func(tx *store.Tx) error {
				_, done, err := tx.SettleOrder(store.Settlement{OrderID: o.ID, Success: i == 0 || true, SN: "SN1", SupplierID: f.route.SupplierID, Cost: 5300})
				*ok = done
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if !ok1 || ok2 {
			t.Fatalf("settle: first=%v second=%v", ok1, ok2)
		}
		// A late failure report for a settled order is ignored too.
		err = db.Write(ctx, 1, func(tx *store.Tx) error {
			_, done, err := tx.SettleOrder(store.Settlement{OrderID: o.ID, Success: false})
			if done {
				return errors.New("failure settled a successful order")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Order(ctx, o.ID, f.reseller)
		if err != nil || got.Status != loket.StatusSuccess || got.SN != "SN1" {
			t.Fatalf("order = %+v, %v", got, err)
		}
		// The guard is released: the same target may be ordered again, and fail.
		o2, _, err := f.create(t, f.order("r3", "081234567890", time.Hour))
		if err != nil {
			t.Fatalf("after settle: %v", err)
		}
		if err := db.Write(ctx, 1, func(tx *store.Tx) error {
			_, _, err := tx.SettleOrder(store.Settlement{OrderID: o2.ID, Success: false})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := f.balance(t); got != 20000-5400 {
			t.Fatalf("refund: balance = %d, want %d", got, 20000-5400)
		}
		tot, err := db.LedgerTotals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tot.Revenue != 100 || tot.SupplierPayable != 5300 || tot.InFlight != 0 {
			t.Fatalf("totals = %+v", tot)
		}
		lines, err := db.Ledger(ctx, f.account, 0, 10)
		if err != nil || len(lines) != 4 || lines[0].TransferKind != store.TransferVoid || lines[0].BalanceAfter != 20000-5400 {
			t.Fatalf("ledger = %+v, %v", lines, err)
		}
		verify(t, db)
	})
}

func TestInsufficientLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 5000)
		if _, _, err := f.create(t, f.order("r1", "081234567890", time.Hour)); loket.ErrorCode(err) != loket.EINSUFFICIENT {
			t.Fatalf("err = %v", err)
		}
		orders, err := db.ListOrders(context.Background(), loket.OrderFilter{ResellerID: f.reseller})
		if err != nil || len(orders) != 0 {
			t.Fatalf("orders = %d, %v", len(orders), err)
		}
		depth, _ := db.QueueDepth(context.Background())
		if depth[store.JobOrder] != 0 {
			t.Fatalf("a job was left behind: %v", depth)
		}
		verify(t, db)
	})
}

func TestStock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 100000)
		var rare loket.Product
		cat, err := db.LoadCatalog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range cat.Products {
			if p.Code == "RARE" {
				rare = p
			}
		}
		var ids []int64
		for i := 0; i < 3; i++ {
			n := f.order(fmt.Sprint("s", i), fmt.Sprintf("08123456789%d", i), 0)
			n.Product, n.Price = &rare, 1000
			o, _, err := f.create(t, n)
			if i < 2 {
				if err != nil {
					t.Fatalf("order %d: %v", i, err)
				}
				ids = append(ids, o.ID)
			} else if loket.ErrorCode(err) != loket.EOUTOFSTOCK {
				t.Fatalf("third order: %v", err)
			}
		}
		// A failed order gives its unit back.
		if err := db.Write(context.Background(), 1, func(tx *store.Tx) error {
			_, _, err := tx.SettleOrder(store.Settlement{OrderID: ids[0], Success: false})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		n := f.order("s9", "081234567899", 0)
		n.Product, n.Price = &rare, 1000
		if _, _, err := f.create(t, n); err != nil {
			t.Fatalf("after refund: %v", err)
		}
		verify(t, db)
	})
}

// Many concurrent orders against one balance: group commit must not let any through
// that the balance cannot pay, and every refusal must leave nothing behind.
func TestConcurrentOrdersOneBalance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 5400*25)
		var wg sync.WaitGroup
		var mu sync.Mutex
		okN, poorN := 0, 0
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, _, err := f.create(t, f.order(fmt.Sprint("c", i), fmt.Sprintf("0812%08d", i), 0))
				mu.Lock()
				defer mu.Unlock()
				switch loket.ErrorCode(err) {
				case "":
					okN++
				case loket.EINSUFFICIENT:
					poorN++
				default:
					t.Errorf("order %d: %v", i, err)
				}
			}(i)
		}
		wg.Wait()
		if okN != 25 || poorN != 175 {
			t.Fatalf("accepted %d, refused %d; want 25 and 175", okN, poorN)
		}
		if b := f.balance(t); b != 0 {
			t.Fatalf("balance = %d", b)
		}
		batches, ops := db.BatchStats()
		t.Logf("%d ops in %d batches", ops, batches)
		verify(t, db)
	})
}

func TestJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 20000)
		o, _, err := f.create(t, f.order("j1", "081234567890", 0))
		if err != nil {
			t.Fatal(err)
		}
		// Locked by n1 at creation: nobody else may claim it.
		jobs, err := db.ClaimJobs(ctx, "n2", time.Minute, 10)
		if err != nil || len(jobs) != 0 {
			t.Fatalf("claimed a locked job: %v %v", jobs, err)
		}
		// Its lock lapses: n2 takes it, once.
		if err := db.Write(ctx, 1, func(tx *store.Tx) error {
			return tx.Reschedule(store.OrderJobKey(o.ID), "n1", time.Now().Add(-time.Second), -time.Millisecond, "")
		}); err != nil {
			t.Fatal(err)
		}
		jobs, err = db.ClaimJobs(ctx, "n2", time.Minute, 10)
		if err != nil || len(jobs) != 1 || jobs[0].RefID != o.ID || jobs[0].Kind != store.JobOrder {
			t.Fatalf("claim = %+v, %v", jobs, err)
		}
		if again, _ := db.ClaimJobs(ctx, "n3", time.Minute, 10); len(again) != 0 {
			t.Fatalf("claimed twice: %+v", again)
		}
		// Settling removes the job.
		if err := db.Write(ctx, 1, func(tx *store.Tx) error {
			_, _, err := tx.SettleOrder(store.Settlement{OrderID: o.ID, Success: true, SupplierID: f.route.SupplierID, Cost: 5300})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.QueueDepth(ctx); d[store.JobOrder] != 0 {
			t.Fatalf("job left after settle: %v", d)
		}
		// Attempts are recorded with a stable supplier ref.
		at, err := db.Attempts(ctx, o.ID)
		if err != nil || len(at) != 1 || at[0].SupplierRef != store.SupplierRef(o.ID, 1) || at[0].Outcome != "new" {
			t.Fatalf("attempts = %+v, %v", at, err)
		}
	})
}

func TestWebhookRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 0)
		var id int64
		if err := db.Write(ctx, 1, func(tx *store.Tx) error {
			var err error
			id, err = tx.EnqueueWebhook(loket.Webhook{ResellerID: f.reseller, Event: "order.updated", URL: "https://example.com/h", Body: `{"a":1}`}, "", 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for i, state := range []string{"pending", "delivered"} {
			if err := db.Write(ctx, 1, func(tx *store.Tx) error {
				return tx.RecordWebhookAttempt(id, loket.WebhookAttempt{At: time.Now(), StatusCode: 500 - 300*i}, state)
			}); err != nil {
				t.Fatal(err)
			}
		}
		hooks, err := db.Webhooks(ctx, f.reseller, 10)
		if err != nil || len(hooks) != 1 || hooks[0].State != "delivered" || len(hooks[0].Log) != 2 || hooks[0].Log[1].StatusCode != 200 {
			t.Fatalf("webhooks = %+v, %v", hooks, err)
		}

		// Deliveries recorded together: each pending one delivered with its attempt and
		// its job done, one listed twice recorded once, one delivered before (the first
		// above) left as it was.
		var ids []int64
		if err := db.Write(ctx, 1, func(tx *store.Tx) error {
			for range 3 {
				id, err := tx.EnqueueWebhook(loket.Webhook{ResellerID: f.reseller, Event: "order.updated", URL: "https://example.com/h", Body: `{}`}, "node-a", time.Minute)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		at := time.Now()
		var ds []store.WebhookDelivered
		for _, w := range []int64{ids[0], ids[1], ids[2], ids[1], id} {
			ds = append(ds, store.WebhookDelivered{ID: w, Attempt: loket.WebhookAttempt{At: at, StatusCode: 204, DurationMS: 1.5}})
		}
		if err := db.Write(ctx, 1, func(tx *store.Tx) error { return tx.RecordWebhooksDelivered(ds) }); err != nil {
			t.Fatal(err)
		}
		if hooks, err = db.Webhooks(ctx, f.reseller, 10); err != nil || len(hooks) != 4 {
			t.Fatalf("webhooks = %+v, %v", hooks, err)
		}
		for _, h := range hooks {
			attempts, last := 1, 204
			if h.ID == id {
				attempts, last = 2, 200
			}
			if h.State != "delivered" || h.Attempts != attempts || len(h.Log) != attempts || h.Log[attempts-1].StatusCode != last {
				t.Errorf("webhook %d: %+v", h.ID, h)
			}
		}
		if d, _ := db.QueueDepth(ctx); d[store.JobWebhook] != 0 {
			t.Errorf("jobs left: %v", d)
		}
	})
}

// Verify must notice a tampered balance.
func TestVerifyCatchesTampering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 1000)
		if _, err := db.W.Exec(`UPDATE accounts SET balance = balance + 1 WHERE id = $1`, f.account); err != nil {
			t.Fatal(err)
		}
		v, err := db.Verify(context.Background())
		if err != nil || len(v) == 0 {
			t.Fatalf("verify missed a tampered balance: %v %v", v, err)
		}
	})
}

// Direct writes (CLI, admin) running beside batches must not stall each other: a lane
// once waited on a pool connection while holding SQLite's write lock, and the direct
// writers holding the connections waited on that lock until busy_timeout.
func TestDirectBesideBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 1_000_000)
		start := time.Now()
		var wg sync.WaitGroup
		for i := 0; i < 6; i++ {
			wg.Add(2)
			go func(i int) {
				defer wg.Done()
				err := db.Direct(context.Background(), func(tx *store.Tx) error {
					_, err := tx.CreateReseller(store.NewReseller{Username: fmt.Sprint("d", i), Level: "reseller",
						APIKeyHash: fmt.Sprint("kd", i), SecretHash: "s", SecretSeal: "x", ReferralCode: fmt.Sprint("RD", i)})
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}(i)
			go func(i int) {
				defer wg.Done()
				// A statement the lane has not prepared yet in this batch.
				if _, _, err := f.create(t, f.order(fmt.Sprint("db", i), fmt.Sprintf("0812%08d", i), 0)); err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("took %v: writers stalled each other", d)
		}
	})
}

// The write lane keeps its statements prepared from batch to batch: more distinct
// statements than it keeps, a refused operation and a failed statement (each rolling
// its batch back) leave it writing as before.
func TestLaneStatementsAcrossBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 1_000_000)
		ctx := context.Background()
		for i := range 700 { // one-off texts, more than the lane keeps (512)
			var n int
			if err := db.Write(ctx, 0, func(tx *store.Tx) error {
				return tx.QueryRow(fmt.Sprintf("SELECT %d", i)).Scan(&n)
			}); err != nil || n != i {
				t.Fatalf("statement %d: %d, %v", i, n, err)
			}
		}
		bad := errors.New("refused")
		if err := db.Write(ctx, 0, func(tx *store.Tx) error { return bad }); !errors.Is(err, bad) {
			t.Fatalf("refused operation: %v", err)
		}
		if err := db.Write(ctx, 0, func(tx *store.Tx) error {
			_, err := tx.Exec("INSERT INTO no_such_table VALUES (1)")
			return err
		}); err == nil {
			t.Fatal("a statement on a missing table went through")
		}
		for i := range 3 {
			if _, _, err := f.create(t, f.order(fmt.Sprint("lane", i), fmt.Sprintf("0813%08d", i), 0)); err != nil {
				t.Fatal(err)
			}
		}
		verify(t, db)
	})
}

// Settling with the deciding attempt records the attempt's outcome with the
// settlement, on every engine's path.
func TestSettleWithAttempt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 20000)
		ok, _, err := f.create(t, f.order("a1", "081234567890", time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		bad, _, err := f.create(t, f.order("a2", "081234567892", time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []store.Settlement{
			{OrderID: ok.ID, Success: true, SN: "SN9", Message: "success", SupplierID: f.route.SupplierID, Cost: 5300,
				AttemptSeq: 1, AttemptOutcome: "success", SupplierTrx: "T1", SupplierMsg: "ok"},
			{OrderID: bad.ID, Success: false, Message: "failed", AttemptSeq: 1, AttemptOutcome: "failed", SupplierTrx: "T2", SupplierMsg: "no"},
		} {
			for i := 0; i < 2; i++ { // the second time changes nothing
				err := db.Write(ctx, 1, func(tx *store.Tx) error {
					_, done, err := tx.SettleOrder(s)
					if done != (i == 0) {
						return fmt.Errorf("settle %d of order %d: done=%v", i, s.OrderID, done)
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, c := range []struct {
			id      int64
			outcome string
			trx     string
		}{{ok.ID, "success", "T1"}, {bad.ID, "failed", "T2"}} {
			at, err := db.Attempts(ctx, c.id)
			if err != nil || len(at) != 1 || at[0].Outcome != c.outcome || at[0].SupplierTrx != c.trx {
				t.Fatalf("attempts of %d = %+v, %v", c.id, at, err)
			}
		}
		o, _ := db.Order(ctx, ok.ID, 0)
		if o.Status != loket.StatusSuccess || o.SN != "SN9" {
			t.Fatalf("order = %+v", o)
		}
		if d, _ := db.QueueDepth(ctx); d[store.JobOrder] != 0 {
			t.Fatalf("jobs left: %v", d)
		}
		if got := f.balance(t); got != 20000-5400 {
			t.Fatalf("balance = %d", got)
		}
		// A settled order takes no further attempt: it is never sent again.
		for _, id := range []int64{ok.ID, bad.ID} {
			err := db.Write(ctx, 1, func(tx *store.Tx) error { return tx.InsertAttempt(id, 2, f.route) })
			if !errors.Is(err, store.ErrSettled) {
				t.Fatalf("attempt 2 of settled order %d: %v, want ErrSettled", id, err)
			}
		}
		tot, _ := db.LedgerTotals(ctx)
		if tot.Revenue != 100 || tot.SupplierPayable != 5300 || tot.InFlight != 0 {
			t.Fatalf("totals = %+v", tot)
		}
		verify(t, db)
	})
}

// A panicking operation fails alone: its neighbours commit and the lane keeps working.
func TestPanickingOperation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db, 100000)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				errs[i] = db.Write(context.Background(), 1, func(tx *store.Tx) error {
					if i == 1 {
						panic("bug")
					}
					_, _, err := tx.CreateOrder(f.order(fmt.Sprint("p", i), fmt.Sprintf("0812345678%d0", i), 0))
					return err
				})
			}(i)
		}
		wg.Wait()
		if errs[0] != nil || errs[2] != nil || errs[1] == nil {
			t.Fatalf("errs = %v", errs)
		}
		if _, _, err := f.create(t, f.order("after", "081234567999", 0)); err != nil {
			t.Fatalf("lane after a panic: %v", err)
		}
		verify(t, db)
	})
}

// A price change recorded while the fan-out runs keeps the fan-out job alive.
func TestPriceJobSurvivesLateChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 0)
		change := func(old, new loket.Money) {
			if err := db.Direct(ctx, func(tx *store.Tx) error { return tx.RecordPriceChange(f.product.ID, old, new) }); err != nil {
				t.Fatal(err)
			}
		}
		change(5400, 5500)
		var runAt int64
		if err := db.Direct(ctx, func(tx *store.Tx) error {
			var err error
			runAt, _, err = tx.JobRunAt(store.JobPrices)
			if err != nil {
				return err
			}
			got, err := tx.TakePriceChanges(10)
			if err != nil || len(got) != 1 {
				return fmt.Errorf("took %v, %v", got, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		change(5500, 5600) // lands after the fan-out looked
		var deleted bool
		if err := db.Direct(ctx, func(tx *store.Tx) error {
			var err error
			deleted, err = tx.DeleteJobIfRunAt(store.JobPrices, runAt)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if deleted {
			t.Fatal("the fan-out job was deleted with an untold change left")
		}
		if d, _ := db.QueueDepth(ctx); d[store.JobPrices] != 1 {
			t.Fatalf("jobs = %v", d)
		}
	})
}

// A foreign key refused on either engine is told apart by the driver's code, not its
// text: an unknown price level is the caller's mistake, named by its field.
func TestUpdateResellerUnknownLevel(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e, func(t *testing.T) {
			db := storetest.Open(t, e)
			f := setup(t, db, 0)
			level := "no-such-level"
			err := db.UpdateReseller(context.Background(), f.reseller, loket.ResellerUpdate{Level: &level})
			if loket.ErrorCode(err) != loket.EINVALID || loket.ErrorField(err) != "level" {
				t.Fatalf("got %v, want invalid level", err)
			}
			ok := "reseller"
			if err := db.UpdateReseller(context.Background(), f.reseller, loket.ResellerUpdate{Level: &ok}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The write pool's wal_autocheckpoint follows Options.Autocheckpoint: 0 is SQLite's
// default, negative is off (Litestream's checkpoints only).
func TestSQLiteAutocheckpoint(t *testing.T) {
	for opt, want := range map[int]int{0: 1000, -1: 0, 250: 250} {
		path := filepath.Join(t.TempDir(), "ckpt.db")
		db, err := store.Open("sqlite:"+path, store.Options{Autocheckpoint: opt})
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := db.W.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if got != want {
			t.Errorf("Autocheckpoint %d: wal_autocheckpoint = %d, want %d", opt, got, want)
		}
	}
}

// The write pool gathers its WAL writes (sqlitevfs) unless PlainWAL says otherwise; both
// write the same database.
func TestPlainWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	for _, plain := range []bool{false, true, false} {
		db, err := store.Open("sqlite:"+path, store.Options{PlainWAL: plain})
		if err != nil {
			t.Fatal(err)
		}
		asked, _ := sqlitevfs.Stats()
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		code := fmt.Sprintf("test-plain-%v-%d", plain, time.Now().UnixNano())
		if _, err := db.EnsureAccount(context.Background(), code, store.KindAdjustments); err != nil {
			t.Fatal(err)
		}
		after, _ := sqlitevfs.Stats()
		if gathered := after > asked; gathered == plain {
			t.Errorf("PlainWAL %v: WAL writes through sqlitevfs %d -> %d", plain, asked, after)
		}
		db.Close()
	}
	db, err := store.Open("sqlite:"+path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.R.QueryRow(`SELECT count(*) FROM accounts WHERE code LIKE 'test-plain-%'`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("accounts written = %d, %v; want 3", n, err)
	}
}
