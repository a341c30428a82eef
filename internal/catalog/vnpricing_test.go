package catalog_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store/storetest"
)

// The demo's price list of virtual numbers: WhatsApp and Telegram in Indonesia, from
// provider 3837, which the simulator rents at 1000 and 1363.
var (
	vnWhatsApp = loket.VNEntryLabel(14, 340437, "3837")
	vnTelegram = loket.VNEntryLabel(86, 340437, "3837")
)

// TestVNMarkupRules (issue 18): without a markup rule of numbers the price list is the
// suppliers' cost + LOKET_VN_MARKUP_BP; a rule of numbers, previewed then applied,
// reprices it as one change set; the catalog sync keeps the rule's prices; a number
// rented is charged the new price; a service's rule beats the list's; undo restores
// the old prices; deleting the rule falls back to LOKET_VN_MARKUP_BP; the ledger holds.
func TestVNMarkupRules(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { vnMarkupRules(t, loketest.Core(t, engine)) })
	}
}

// TestVNMarkupFallback: LOKET_VN_MARKUP_BP prices the list at the sync when no rule of
// numbers is set, and the sync's moves are a change set of their own.
func TestVNMarkupFallback(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := loketest.Core(t, engine, "--vn-markup-bp=2000")
			ctx := context.Background()
			if err := a.Numbers.SyncVNCatalog(ctx); err != nil {
				t.Fatal(err)
			}
			if got := vnPrices(t, a); got[vnWhatsApp] != 1200 || got[vnTelegram] != 1636 {
				t.Fatalf("prices at 20%%: %v", got)
			}
			h, err := a.Catalog.PriceHistory(ctx, 10)
			if err != nil || len(h) != 1 || h[0].Cause != "number catalog sync of sim" || h[0].Products != 2 || h[0].Up != 2 {
				t.Fatalf("history: %+v %v", h, err)
			}
		})
	}
}

// priceHistory is the latest 100 change sets of base prices.
func priceHistory(t *testing.T, a *server.Core) []loket.PriceChangeSet {
	t.Helper()
	h, err := a.Catalog.PriceHistory(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// vnPrices is the base price of each entry of the price list, by VNEntryLabel.
func vnPrices(t *testing.T, a *server.Core) map[string]loket.Money {
	t.Helper()
	ctx := context.Background()
	out := map[string]loket.Money{}
	for _, svc := range []int64{14, 86} {
		cs, err := a.DB.VNCountries(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			for _, p := range c.Prices {
				out[loket.VNEntryLabel(svc, c.NumberID, p.ProviderID)] = p.Price
			}
		}
	}
	return out
}

func vnMarkupRules(t *testing.T, a *server.Core) {
	ctx := context.Background()
	history := func() []loket.PriceChangeSet { t.Helper(); return priceHistory(t, a) }
	want := func(what string, whatsApp, telegram loket.Money) {
		t.Helper()
		if got := vnPrices(t, a); got[vnWhatsApp] != whatsApp || got[vnTelegram] != telegram {
			t.Fatalf("%s: prices %v, want %d and %d", what, got, whatsApp, telegram)
		}
	}
	// No rule: cost + LOKET_VN_MARKUP_BP (10%), as the sync leaves them.
	if err := a.Numbers.SyncVNCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	want("no rule", 1100, 1500)
	if len(history()) != 0 {
		t.Fatalf("a sync that moved nothing recorded a change set: %+v", history())
	}

	// A rule of numbers, previewed: before and after per entry, nothing written.
	rule := loket.MarkupRule{Scope: loket.ScopeNumbers, MarkupBP: 2500, RoundTo: loket.DefaultRoundTo}
	preview, err := a.Catalog.SetMarkupRule(ctx, rule, false)
	wantMoves := []loket.PriceMove{{Product: vnWhatsApp, Old: 1100, New: 1300}, {Product: vnTelegram, Old: 1500, New: 1800}}
	if err != nil || preview.Applied || preview.ID != 0 || preview.Covered != 2 || preview.Up != 2 || preview.Down != 0 ||
		!reflect.DeepEqual(preview.Changes, wantMoves) {
		t.Fatalf("preview: %+v %v", preview, err)
	}
	want("after the preview", 1100, 1500)
	if rules, _ := a.Catalog.MarkupRules(ctx); len(rules) != 0 || len(history()) != 0 {
		t.Fatalf("the preview kept a rule or a change set: %+v", rules)
	}

	// Applied: the same moves, one change set; products are not touched.
	set, err := a.Catalog.SetMarkupRule(ctx, rule, true)
	if err != nil || !set.Applied || set.ID == 0 || !reflect.DeepEqual(set.Changes, wantMoves) {
		t.Fatalf("apply: %+v %v", set, err)
	}
	want("after the rule", 1300, 1800)
	if h := history(); len(h) != 1 || h[0].ID != set.ID || h[0].Products != 2 || h[0].Up != 2 || !strings.HasPrefix(h[0].Cause, "markup set numbers:") {
		t.Fatalf("history: %+v", h)
	}
	if rules, _ := a.Catalog.MarkupRules(ctx); len(rules) != 1 || rules[0].Scope != loket.ScopeNumbers || rules[0].ScopeCode != "" {
		t.Fatalf("rules: %+v", rules)
	}
	// The sync prices by the rule: nothing moves.
	if err := a.Numbers.SyncVNCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	want("after a sync under the rule", 1300, 1800)
	if len(history()) != 1 {
		t.Fatalf("the sync moved prices: %+v", history())
	}

	// A number rented is charged the new price.
	buyer := loketest.Buyer(t, a, "vnbuyer", 10_000)
	act, _, err := a.Numbers.OrderNumber(ctx, buyer, loket.NumberRequest{ServiceCode: 14, NumberID: 340437, ProviderID: "3837", Surface: "api"})
	if err != nil || act.Price != 1300 || act.State != "waiting" {
		t.Fatalf("rent: %+v %v", act, err)
	}

	// A service's rule beats the list's, never below cost; deleted, the list's rule
	// prices the service again, and the set that set it is named.
	svcRule := loket.MarkupRule{Scope: loket.ScopeNumbers, ScopeCode: "86", RoundTo: 1}
	down, err := a.Catalog.SetMarkupRule(ctx, svcRule, true)
	if err != nil || down.Covered != 1 || down.Down != 1 || !reflect.DeepEqual(down.Changes, []loket.PriceMove{{Product: vnTelegram, Old: 1800, New: 1363}}) {
		t.Fatalf("service rule: %+v %v", down, err)
	}
	want("after the service's rule", 1300, 1363)
	if rules, _ := a.Catalog.MarkupRules(ctx); len(rules) != 2 || rules[1].ScopeCode != "86" {
		t.Fatalf("rules: %+v", rules)
	}
	del, err := a.Catalog.DeleteMarkupRule(ctx, loket.ScopeNumbers, "86", true)
	if err != nil || del.Before != down.ID || !reflect.DeepEqual(del.Changes, []loket.PriceMove{{Product: vnTelegram, Old: 1363, New: 1800}}) {
		t.Fatalf("delete the service's rule: %+v %v", del, err)
	}
	for _, bad := range []string{"whatsapp", "999"} {
		if _, err := a.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: loket.ScopeNumbers, ScopeCode: bad, RoundTo: 1}, false); err == nil {
			t.Errorf("a rule of numbers for service %q accepted", bad)
		}
	}

	// Undo of the list's rule: Telegram moved since, so it is refused unless forced;
	// then every entry is back at its price from before.
	if _, err := a.Catalog.UndoPrices(ctx, set.ID, false, true); loket.ErrorCode(err) != loket.ECONFLICT || !strings.Contains(err.Error(), vnTelegram) {
		t.Fatalf("undo after a later change: %v", err)
	}
	undo, err := a.Catalog.UndoPrices(ctx, set.ID, true, true)
	if err != nil || undo.Undoes != set.ID || undo.Products != 2 || undo.Down != 2 {
		t.Fatalf("undo: %+v %v", undo, err)
	}
	want("after the undo", 1100, 1500)

	// Deleting the list's rule falls back to LOKET_VN_MARKUP_BP: 10% again, nothing moves.
	if d, err := a.Catalog.DeleteMarkupRule(ctx, loket.ScopeNumbers, "", true); err != nil || d.Products != 0 || d.Before != set.ID {
		t.Fatalf("delete the list's rule: %+v %v", d, err)
	}
	if err := a.Numbers.SyncVNCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	want("without a rule", 1100, 1500)

	if v, err := a.DB.Verify(ctx); err != nil || len(v) != 0 {
		t.Fatalf("ledger verify: %+v %v", v, err)
	}
}
