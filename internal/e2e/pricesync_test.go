package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

// TestPriceSyncFromUpstreamLoket: Loket A buys a game product from Loket B over seed
// 001's protocol. A's price sync pulls B's price list into the route's cost, and A's
// markup rule sets A's selling price from it. When B's price moves, B tells A by seed
// 001's price_update webhook; A takes the new cost, reprices, and tells its own
// reseller by webhook. Nothing A's reseller sees names B.
func TestPriceSyncFromUpstreamLoket(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		b := loketest.Start(t, engine)
		a := loketest.Start(t, engine)
		const code = "FFMAX-BJ-V3FFMAX_ID_10"

		// A's account at B, and B registered on A as a tokowendigg supplier whose
		// webhooks come from this machine.
		acct := loketest.NewReseller(t, b, 1_000_000)
		var sid, pid int64
		if err := a.DB.Direct(ctx, func(tx *store.Tx) error {
			var err error
			sid, err = tx.UpsertSupplier(loket.Supplier{Name: "upstream", Kind: "tokowendigg", BaseURL: b.URL + "/compat/tokowendigg",
				APIKey: acct.Creds.APIKey, Secret: acct.Creds.SecretKey, MemberID: "127.0.0.1", Enabled: true})
			if err != nil {
				return err
			}
			if pid, err = tx.ProductID(code); err != nil {
				return err
			}
			if _, err := tx.UpsertRoute(pid, sid, code, 1, 1); err != nil {
				return err
			}
			return tx.BumpCatalog()
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.DB.EnsureAccount(ctx, store.SupplierAccount(sid), store.KindSupplierPayable); err != nil {
			t.Fatal(err)
		}

		// The pull: B's price for A's account becomes the route's cost.
		bPrice := func() loket.Money {
			t.Helper()
			_ = b.Core.Catalog.Refresh(ctx)
			p, err := b.Core.Catalog.Product(code, "reseller")
			if err != nil {
				t.Fatal(err)
			}
			return p.Price
		}
		cost0 := bPrice()
		// The scheduled pull (a job per supplier, due at once for a new supplier).
		deadline := time.Now().Add(10 * time.Second)
		for routeCost(t, a, pid, sid) != cost0 {
			if time.Now().After(deadline) {
				t.Fatalf("route cost %d, want B's price %d: no scheduled price sync", routeCost(t, a, pid, sid), cost0)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Pulling again by hand finds nothing new.
		res, err := a.Core.Catalog.SyncPrices(ctx, sid)
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		if res.Matched != 1 || res.Costs != 0 || res.Repriced != 0 {
			t.Fatalf("sync %s", res.Summary())
		}
		// The operator's rule for the product: 10% on the cost, rounded up to 100.
		if err := a.DB.Direct(ctx, func(tx *store.Tx) error {
			_, err := tx.SetMarkupRule(loket.MarkupRule{Scope: loket.ScopeProduct, ScopeCode: code, MarkupBP: 1000, RoundTo: 100})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := a.Core.Catalog.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if got := routeCost(t, a, pid, sid); got != cost0 {
			t.Fatalf("route cost %d, want B's price %d", got, cost0)
		}
		want0 := loket.MarkupRule{MarkupBP: 1000, RoundTo: 100}.Apply(cost0)
		if got := basePrice(t, a, code); got != want0 {
			t.Fatalf("A's base price %d, want %d", got, want0)
		}
		sup := findSupplier(t, a, "upstream")
		if sup.PricesSyncedAt == nil || !strings.Contains(sup.PricesNote, "1 matched") {
			t.Fatalf("supplier state %+v", sup)
		}

		// B reports to A's callback URL (transaction_status and price_update).
		u := a.URL + "/callbacks/upstream"
		if err := b.Core.Resellers.UpdateReseller(ctx, acct.ID, loket.ResellerUpdate{WebhookURL: &u}); err != nil {
			t.Fatal(err)
		}

		// A's reseller buys: the order goes to B (the route of priority 1) and succeeds.
		buyer := newReseller(t, a, 100_000)
		hooks := newReceiver(t, func(int) int { return 200 })
		if err := buyer.C.SetWebhook(ctx, hooks.URL); err != nil {
			t.Fatal(err)
		}
		o, _, err := buyer.C.CreateOrder(ctx, client.OrderRequest{Product: code, Target: "1234567890", RefID: "p1"})
		if err != nil {
			t.Fatal(err)
		}
		if loket.Money(o.Price) != want0 {
			t.Fatalf("charged %d, want %d", o.Price, want0)
		}
		// B's webhook settles it at once; on a loaded machine where that report is late
		// or lost, A's own status poll (30 s for seed 001) does.
		if f := waitOrderOK(t, buyer.C, o.ID, 45*time.Second); f == nil || f.Status != "success" {
			ats, _ := a.DB.Attempts(ctx, o.ID)
			t.Fatalf("order %+v attempts %+v", f, ats)
		}
		if f := waitOrder(t, buyer.C, o.ID, time.Second); f.Status != "success" {
			t.Fatalf("order %+v", f)
		}
		hooks.next(t, 5*time.Second) // order.updated
		if n := orderCount(t, b, acct.ID); n != 1 {
			t.Fatalf("B has %d orders of A's account, want 1", n)
		}

		// B's price moves (B's own markup rule); B tells A by price_update.
		if err := b.DB.Direct(ctx, func(tx *store.Tx) error {
			_, err := tx.SetMarkupRule(loket.MarkupRule{Scope: loket.ScopeProduct, ScopeCode: code, MarkupFlat: 500})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		cost1 := bPrice()
		if cost1 == cost0 {
			t.Fatal("B's price did not move")
		}
		deadline = time.Now().Add(15 * time.Second)
		for routeCost(t, a, pid, sid) != cost1 {
			if time.Now().After(deadline) {
				t.Fatalf("A's route cost %d, want B's new price %d: the price_update never arrived", routeCost(t, a, pid, sid), cost1)
			}
			time.Sleep(50 * time.Millisecond)
		}
		want1 := loket.MarkupRule{MarkupBP: 1000, RoundTo: 100}.Apply(cost1)
		if got := basePrice(t, a, code); got != want1 {
			t.Fatalf("A's base price %d after the news, want %d", got, want1)
		}
		// A's reseller hears of it, from A, in A's words. (The rule's own move, 1864 ->
		// want0, may come in the same news or before it.)
		for heard := false; !heard; {
			d := hooks.next(t, 15*time.Second)
			var news struct {
				Event    string `json:"event"`
				Products []struct {
					Product  string `json:"product"`
					PriceOld int64  `json:"price_old"`
					PriceNew int64  `json:"price_new"`
				} `json:"products"`
			}
			if err := json.Unmarshal(d.body, &news); err != nil || news.Event != "price.updated" || len(news.Products) != 1 {
				t.Fatalf("price news %s (%v)", d.body, err)
			}
			if p := news.Products[0]; p.Product != code || loket.Money(p.PriceNew) != want0 && loket.Money(p.PriceNew) != want1 {
				t.Fatalf("price news %+v, want %s -> %d", p, code, want1)
			}
			heard = loket.Money(news.Products[0].PriceNew) == want1
			if strings.Contains(strings.ToLower(string(d.body)), "upstream") || strings.Contains(string(d.body), b.URL) {
				t.Fatalf("price news names the supplier: %s", d.body)
			}
		}
		// The next order is charged the new price.
		o2, _, err := buyer.C.CreateOrder(ctx, client.OrderRequest{Product: code, Target: "1234567880", RefID: "p2"})
		if err != nil || loket.Money(o2.Price) != want1 {
			t.Fatalf("second order %+v %v, want price %d", o2, err, want1)
		}
		waitOrder(t, buyer.C, o2.ID, 45*time.Second)

		// A price_update that cannot be read is refused (so the upstream sends it again)
		// and changes nothing.
		req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(fmt.Sprintf(`{"webhook_type":"price_update","data":[{"product_code":%q,"price_old":1,"price_new":"gratis"}]}`, code)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("unreadable price_update answered %d", resp.StatusCode)
		}
		if got := routeCost(t, a, pid, sid); got != cost1 {
			t.Fatalf("an unreadable price_update moved the cost to %d", got)
		}
		loketest.VerifyLedger(t, a)
		loketest.VerifyLedger(t, b)
	})
}

func routeCost(t *testing.T, s *server.Server, productID, supplierID int64) loket.Money {
	t.Helper()
	c, err := s.DB.LoadCatalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Routes[productID] {
		if r.SupplierID == supplierID {
			return r.Cost
		}
	}
	t.Fatalf("no route of product %d to supplier %d", productID, supplierID)
	return 0
}

func basePrice(t *testing.T, s *server.Server, code string) loket.Money {
	t.Helper()
	c, err := s.DB.LoadCatalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Products {
		if p.Code == code {
			return p.BasePrice
		}
	}
	t.Fatalf("no product %s", code)
	return 0
}

func findSupplier(t *testing.T, s *server.Server, name string) loket.Supplier {
	t.Helper()
	sups, err := s.DB.Suppliers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range sups {
		if x.Name == name {
			return x
		}
	}
	t.Fatalf("no supplier %s", name)
	return loket.Supplier{}
}

// waitOrderOK polls an order until it is final, or returns the pending order at the deadline.
func waitOrderOK(t *testing.T, c *client.Client, id int64, within time.Duration) *client.Order {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		o, err := c.Order(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != "pending" || time.Now().After(deadline) {
			return o
		}
		time.Sleep(50 * time.Millisecond)
	}
}
