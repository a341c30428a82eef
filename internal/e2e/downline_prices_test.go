package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// priceNews waits for the next price.updated delivery to rc and returns its moves by
// product code.
func priceNews(t *testing.T, rc *receiver, who string) map[string]loket.PriceUpdate {
	t.Helper()
	for {
		d := rc.next(t, 15*time.Second)
		var news struct {
			Event    string              `json:"event"`
			Products []loket.PriceUpdate `json:"products"`
		}
		if err := json.Unmarshal(d.body, &news); err != nil {
			t.Fatalf("%s's webhook %s: %v", who, d.body, err)
		}
		if news.Event != "price.updated" {
			continue
		}
		out := map[string]loket.PriceUpdate{}
		for _, p := range news.Products {
			out[p.Code] = p
		}
		return out
	}
}

// hasMove checks that the news moves code from old to nw.
func hasMove(t *testing.T, news map[string]loket.PriceUpdate, who, code string, old, nw loket.Money) {
	t.Helper()
	if p, ok := news[code]; !ok || p.PriceOld != old || p.PriceNew != nw {
		t.Fatalf("%s is told %s %+v (of %d products), want %d -> %d", who, code, p, len(news), old, nw)
	}
}

// Price webhooks tell each reseller of a network its own price: a base price move
// reaches the master at its level's price and each downline at its own (the level's
// price and the markups down its chain); an upline's markup change is told to the
// downline and those below it, and not to the upline.
func TestDownlinePriceWebhooks(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		c := s.Core
		ctx := context.Background()
		auth := func(id int64) *loket.ResellerAuth {
			a, err := c.Resellers.AuthByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		m := auth(loketest.NewReseller(t, s, 100_000).ID)
		d1 := auth(loketest.CreateReseller(t, s, loket.NewResellerInput{Upline: m.ID, Level: m.Level}).ID)
		d2 := auth(loketest.CreateReseller(t, s, loket.NewResellerInput{Upline: d1.ID, Level: d1.Level}).ID)
		hooks := map[int64]*receiver{}
		for _, r := range []*loket.ResellerAuth{m, d1, d2} {
			hooks[r.ID] = newReceiver(t, func(int) int { return 200 })
			loketest.SetWebhookURL(t, s, r.ID, hooks[r.ID].URL)
		}
		const code = "HSA5"
		price := func(r *loket.ResellerAuth) loket.Money {
			t.Helper()
			p, err := c.Network.Product(ctx, auth(r.ID), code)
			if err != nil {
				t.Fatal(err)
			}
			return p.Price
		}
		p0 := price(m)

		// The master's markup for d1 (10%) moves d1's prices and d2's; the master hears nothing.
		if err := c.Network.SetMarkup(ctx, m, d1.ID, loket.ScopeAll, "", 1000, 0); err != nil {
			t.Fatal(err)
		}
		p1 := p0.PlusBP(1000)
		hasMove(t, priceNews(t, hooks[d1.ID], "d1"), "d1", code, p0, p1)
		hasMove(t, priceNews(t, hooks[d2.ID], "d2"), "d2", code, p0, p1)
		// d1's markup for d2 (Rp 100) moves d2's prices only.
		if err := c.Network.SetMarkup(ctx, d1, d2.ID, loket.ScopeAll, "", 0, 100); err != nil {
			t.Fatal(err)
		}
		hasMove(t, priceNews(t, hooks[d2.ID], "d2"), "d2", code, p1, p1+100)
		if got := price(d2); got != p1+100 {
			t.Fatalf("d2's price %d, want %d", got, p1+100)
		}
		// The same markup again moves nothing: no news.
		if err := c.Network.SetMarkup(ctx, d1, d2.ID, loket.ScopeAll, "", 0, 100); err != nil {
			t.Fatal(err)
		}

		// A markup for one product wins over the one for all; its removal puts it back.
		if err := c.Network.SetMarkup(ctx, d1, d2.ID, loket.ScopeProduct, code, 0, 50); err != nil {
			t.Fatal(err)
		}
		news := priceNews(t, hooks[d2.ID], "d2")
		hasMove(t, news, "d2", code, p1+100, p1+50)
		if len(news) != 1 {
			t.Fatalf("a product's markup tells %d products", len(news))
		}
		prod, err := c.Catalog.Product(code, m.Level)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Network.DeleteMarkupTold(ctx, d2.ID, loket.ScopeProduct, prod.ID); err != nil {
			t.Fatal(err)
		}
		hasMove(t, priceNews(t, hooks[d2.ID], "d2"), "d2", code, p1+50, p1+100)

		// The operator's markup rule moves the base: each is told its own price.
		if _, err := c.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: loket.ScopeProduct, ScopeCode: code, MarkupFlat: 700, RoundTo: 1}, true); err != nil {
			t.Fatal(err)
		}
		n0 := price(m)
		if n0 == p0 {
			t.Fatal("the markup rule did not move the price")
		}
		n1 := n0.PlusBP(1000)
		hasMove(t, priceNews(t, hooks[m.ID], "master"), "master", code, p0, n0)
		hasMove(t, priceNews(t, hooks[d1.ID], "d1"), "d1", code, p1, n1)
		hasMove(t, priceNews(t, hooks[d2.ID], "d2"), "d2", code, p1+100, n1+100)
		if got := price(d2); got != n1+100 {
			t.Fatalf("d2's price %d, want %d", got, n1+100)
		}
		// Nobody heard anything else: the master nothing of its downlines' markups,
		// d1 nothing of d2's, d2 nothing of the repeated markup.
		time.Sleep(300 * time.Millisecond)
		for id, n := range map[int64]int{m.ID: 1, d1.ID: 2, d2.ID: 5} {
			if got := received(hooks[id]); got != n {
				t.Errorf("reseller %d got %d webhooks, want %d", id, got, n)
			}
		}
		loketest.VerifyLedger(t, s)
	})
}

func received(rc *receiver) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}
