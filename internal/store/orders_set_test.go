package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// TestOrderSets: orders arriving together are written in sets, with the rows
// CreateOrder writes, and settled in sets as SettleOrder does; a set that does not fit (a balance short, a ref_id or a guard
// used twice, an order whose caller refuses it) gives way to one by one, where each
// is accepted or refused as alone. The ledger verifies after each.
func TestOrderSets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 5400*60)
		fire := func(n int, mk func(i int) *store.NewOrder, then func(i int) func(*store.Tx, *loket.Order) error) (ok, existed int, codes map[string]int) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			codes = map[string]int{}
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var th func(*store.Tx, *loket.Order) error
					if then != nil {
						th = then(i)
					}
					o, ex, err := db.WriteOrder(ctx, mk(i), th)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err != nil:
						codes[loket.ErrorCode(err)]++
					case ex:
						existed++
					case o == nil || o.ID == 0 || o.Status != loket.StatusPending:
						t.Errorf("order %d: %+v", i, o)
					default:
						ok++
					}
				}()
			}
			wg.Wait()
			verify(t, db)
			return
		}
		// Distinct orders: all accepted, and (on SQLite) most of them in sets.
		var afterCommit sync.WaitGroup
		afterCommit.Add(30)
		var chat *loket.ChatAccount // each order is this chat's, taken in another turn than placed
		if err := db.Write(ctx, 0, func(t *store.Tx) error {
			if err := t.NewChatLink(f.reseller, "SET1", time.Now().Add(time.Hour)); err != nil {
				return err
			}
			var err error
			chat, err = t.LinkChat("SET1", "telegram", "5550001", "Budi")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		seq := func(i int) int64 { return int64(i*7%30 + 1) } // 1..30, the greatest a17's
		ok, _, codes := fire(30, func(i int) *store.NewOrder { return f.order(fmt.Sprint("a", i), fmt.Sprintf("0811%08d", i), time.Hour) },
			func(i int) func(*store.Tx, *loket.Order) error {
				return func(t *store.Tx, o *loket.Order) error {
					t.AfterCommit(afterCommit.Done)
					// Written with the set's other rows of the same statement.
					if err := t.SetOrderReply(o.ID, "telegram", fmt.Sprint("a", i)); err != nil {
						return err
					}
					if err := t.ChatOrderPlaced(chat.ID, o.ID, seq(i)); err != nil {
						return err
					}
					return t.EnqueueChat("telegram", fmt.Sprint("a", i), "Diproses", 0)
				}
			})
		if ok != 30 || len(codes) != 0 {
			t.Fatalf("accepted %d, refused %v", ok, codes)
		}
		// The chat's last order is that of the greatest seq, however the orders were
		// grouped in sets (one row an account in a set's statement: updateLater).
		last, err := db.ChatLastOrder(ctx, chat.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o, err := db.OrderByRef(ctx, f.reseller, "a17"); err != nil || o.ID != last {
			t.Fatalf("chat's last order %d, want a17's (%+v, %v)", last, o, err)
		}
		var replies, outbox int
		if err := db.W.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM order_replies r JOIN orders o ON o.id = r.order_id AND r.address = o.ref_id),
			(SELECT count(*) FROM chat_outbox WHERE address LIKE 'a%')`).Scan(&replies, &outbox); err != nil || replies != 30 || outbox != 30 {
			t.Fatalf("rows the callers inserted: %d order replies, %d chat replies (%v), want 30 each", replies, outbox, err)
		}
		afterCommit.Wait() // each order's AfterCommit ran once its batch committed
		// One ref_id sent ten times: one order, nine answers with it.
		ok, existed, codes := fire(10, func(i int) *store.NewOrder { return f.order("same", "081100000099", time.Hour) }, nil)
		if ok != 1 || existed != 9 || len(codes) != 0 {
			t.Fatalf("one ref ten times: %d new, %d existing, %v", ok, existed, codes)
		}
		// One target ten times under distinct refs: the guard lets one through.
		ok, _, codes = fire(10, func(i int) *store.NewOrder { return f.order(fmt.Sprint("g", i), "081100000098", time.Hour) }, nil)
		if ok != 1 || codes[loket.EDUPLICATE] != 9 {
			t.Fatalf("one target ten times: %d accepted, %v", ok, codes)
		}
		// A caller refusing every third order: those leave no trace, nor what the others'
		// callers inserted with theirs (insertLater: written with the set).
		refuse := errors.New("refused by the caller")
		ok, _, codes = fire(9, func(i int) *store.NewOrder { return f.order(fmt.Sprint("c", i), fmt.Sprintf("0812%08d", i), time.Hour) },
			func(i int) func(*store.Tx, *loket.Order) error {
				return func(t *store.Tx, o *loket.Order) error {
					if err := t.SetOrderReply(o.ID, "telegram", fmt.Sprint("c", i)); err != nil {
						return err
					}
					if err := t.EnqueueChat("telegram", fmt.Sprint("c", i), "Diproses", 0); err != nil {
						return err
					}
					if i%3 == 0 {
						return refuse
					}
					return nil
				}
			})
		if ok != 6 || codes[loket.EINTERNAL] != 3 {
			t.Fatalf("caller refusing three: %d accepted, %v", ok, codes)
		}
		if err := db.W.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM order_replies r JOIN orders o ON o.id = r.order_id AND r.address = o.ref_id
			AND o.ref_id LIKE 'c%'), (SELECT count(*) FROM chat_outbox WHERE address LIKE 'c%')`).Scan(&replies, &outbox); err != nil || replies != 6 || outbox != 6 {
			t.Fatalf("rows the callers inserted: %d order replies, %d chat replies (%v), want 6 each", replies, outbox, err)
		}
		for i := 0; i < 9; i += 3 {
			if _, err := db.OrderByRef(ctx, f.reseller, fmt.Sprint("c", i)); loket.ErrorCode(err) != loket.ENOTFOUND {
				t.Errorf("refused order c%d: %v", i, err)
			}
		}
		// More orders than the balance pays for: exactly what it pays for.
		left := f.balance(t)
		ok, _, codes = fire(40, func(i int) *store.NewOrder { return f.order(fmt.Sprint("p", i), fmt.Sprintf("0813%08d", i), time.Hour) }, nil)
		if want := int(left / 5400); ok != want || codes[loket.EINSUFFICIENT] != 40-want {
			t.Fatalf("balance for %d: %d accepted, %v", want, ok, codes)
		}
		if b := f.balance(t); b != left-loket.Money(ok)*5400 {
			t.Fatalf("balance %d, want %d", b, left-loket.Money(ok)*5400)
		}
		// Every pending order settled at once, some twice (a callback racing a poll):
		// each once, failures refunded, and the then of each run for the settling one.
		pending, err := db.ListOrders(ctx, loket.OrderFilter{ResellerID: f.reseller, Status: loket.StatusPending, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		before := f.balance(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		settled, thens, hooks := map[int64]int{}, 0, map[int64]int64{}
		var refunds loket.Money
		for i, o := range pending {
			for k := 0; k < 1+i%2; k++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					st := store.Settlement{OrderID: o.ID, Success: i%3 != 0, SupplierID: f.route.SupplierID, Cost: 5300,
						AttemptSeq: 1, AttemptOutcome: "success", SupplierTrx: fmt.Sprint("T", o.ID)}
					if !st.Success {
						st.AttemptOutcome = "failed"
					}
					so, err := db.WriteSettlement(ctx, uint64(f.reseller), st, true, func(t *store.Tx, so *loket.Order) error {
						hook, err := enqueueHook(t, f.reseller, so.ID)
						mu.Lock()
						thens++
						hooks[so.ID] = hook
						mu.Unlock()
						return err
					})
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						t.Errorf("settle %d: %v", o.ID, err)
					} else if so != nil {
						settled[so.ID]++
						if so.Status == loket.StatusFailed {
							refunds += so.Price
						}
					}
				}()
			}
		}
		wg.Wait()
		if len(settled) != len(pending) || thens != len(pending) {
			t.Fatalf("%d orders settled, %d thens, want %d: %v", len(settled), thens, len(pending), settled)
		}
		for id, n := range settled {
			if n != 1 {
				t.Errorf("order %d settled %d times", id, n)
			}
		}
		if b := f.balance(t); b != before+refunds || refunds == 0 {
			t.Errorf("balance %d after refunds of %d, want %d", b, refunds, before+refunds)
		}
		checkHooks(t, db, hooks, len(pending))
		verify(t, db)
		// Failures of one reseller settled together (in sets): each then's balance is the
		// one right after its own refund, before plus one price, two, three...
		n := min(int(f.balance(t)/5400), 12)
		ok, _, codes = fire(n, func(i int) *store.NewOrder { return f.order(fmt.Sprint("r", i), fmt.Sprintf("0814%08d", i), time.Hour) }, nil)
		if ok != n || len(codes) != 0 {
			t.Fatalf("%d of %d accepted, %v", ok, n, codes)
		}
		pending, err = db.ListOrders(ctx, loket.OrderFilter{ResellerID: f.reseller, Status: loket.StatusPending, Limit: 500})
		if err != nil || len(pending) != n {
			t.Fatalf("%d pending, %v", len(pending), err)
		}
		before, inSets := f.balance(t), db.OrdersInSets()
		saldo := map[int64]loket.Money{}
		clear(hooks)
		for _, o := range pending {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st := store.Settlement{OrderID: o.ID, SupplierID: f.route.SupplierID, AttemptSeq: 1, AttemptOutcome: "failed"}
				_, err := db.WriteSettlement(ctx, uint64(f.reseller), st, true, func(t *store.Tx, so *loket.Order) error {
					b, err := t.OrderBalance(f.account)
					if err != nil {
						return err
					}
					hook, err := enqueueHook(t, f.reseller, so.ID)
					mu.Lock()
					saldo[so.ID] = b // a then run again (its set gave way) says it again: the last stands
					hooks[so.ID] = hook
					mu.Unlock()
					return err
				})
				if err != nil {
					t.Errorf("settle %d: %v", o.ID, err)
				}
			}()
		}
		wg.Wait()
		seen := map[loket.Money]bool{}
		for _, b := range saldo {
			seen[b] = true
		}
		for k := 1; k <= n; k++ {
			if !seen[before+loket.Money(k)*5400] {
				t.Fatalf("no failure says the balance is %d: %v", before+loket.Money(k)*5400, saldo)
			}
		}
		t.Logf("%d failures, %d settled in sets", n, db.OrdersInSets()-inSets)
		checkHooks(t, db, hooks, n)
		verify(t, db)
		if db.OrdersInSets() == 0 {
			t.Errorf("no order was written in a set")
		}
		t.Logf("%d orders written in sets", db.OrdersInSets())
	})
}

// enqueueHook writes, in a settlement's then, a webhook of the order held by a node.
func enqueueHook(t *store.Tx, reseller, order int64) (int64, error) {
	return t.EnqueueWebhook(loket.Webhook{ResellerID: reseller, OrderID: &order, Event: "order.settled",
		URL: "http://127.0.0.1:9/hook", Body: fmt.Sprint(`{"order":`, order, `}`)}, "node-a", time.Minute)
}

// checkHooks checks each settled order's webhook (in a set on PostgreSQL, written with
// the set's rows under an id drawn for it): its own id, its order, and the job that
// delivers it, held by the node.
func checkHooks(t *testing.T, db *store.DB, hooks map[int64]int64, n int) {
	t.Helper()
	ids := map[int64]bool{}
	for order, hook := range hooks {
		ids[hook] = true
		var got int64
		var locked string
		if err := db.W.QueryRowContext(t.Context(), `SELECT w.order_id, j.locked_by FROM webhooks w JOIN jobs j ON j.key = $2 AND j.ref_id = w.id
			WHERE w.id = $1 AND w.state = 'pending'`, hook, store.WebhookJobKey(hook)).Scan(&got, &locked); err != nil || got != order || locked != "node-a" {
			t.Errorf("webhook %d of order %d: order %d, job held by %q (%v)", hook, order, got, locked, err)
		}
	}
	if len(hooks) != n || len(ids) != n {
		t.Errorf("%d webhooks (%d ids) for %d orders", len(hooks), len(ids), n)
	}
}
