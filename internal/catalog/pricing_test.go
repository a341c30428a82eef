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

// TestSafePricing (issue 18): a markup change previewed writes nothing and applying it
// does what the preview said; it is one change set that undo restores exactly; the
// undo is undoable in turn; an undo of products that moved again since is refused
// unless forced; the default rounding gives whole hundreds.
func TestSafePricing(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { safePricing(t, loketest.Core(t, engine)) })
	}
}

func safePricing(t *testing.T, a *server.Core) {
	ctx := context.Background()
	prices := func() map[string]loket.Money {
		t.Helper()
		c, err := a.DB.LoadCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]loket.Money{}
		for _, p := range c.Products {
			out[p.Code] = p.BasePrice
		}
		return out
	}
	history := func() []loket.PriceChangeSet { t.Helper(); return priceHistory(t, a) }
	before := prices()
	rule := loket.MarkupRule{Scope: loket.ScopeAll, MarkupBP: 200, RoundTo: loket.DefaultRoundTo}

	preview, err := a.Catalog.SetMarkupRule(ctx, rule, false)
	if err != nil || preview.Applied || preview.ID != 0 || preview.Products == 0 || preview.Covered < preview.Products {
		t.Fatalf("preview: %+v %v", preview, err)
	}
	if !reflect.DeepEqual(prices(), before) || len(history()) != 0 {
		t.Fatal("the preview changed prices or recorded a change set")
	}
	if rules, _ := a.Catalog.MarkupRules(ctx); len(rules) != 0 {
		t.Fatalf("the preview kept a rule: %+v", rules)
	}
	for _, c := range preview.Changes {
		if c.New%100 != 0 {
			t.Errorf("%s previewed at %d: not whole hundreds", c.Product, c.New)
		}
		if c.Old != before[c.Product] {
			t.Errorf("%s previewed from %d, is %d", c.Product, c.Old, before[c.Product])
		}
	}

	applied, err := a.Catalog.SetMarkupRule(ctx, rule, true)
	if err != nil || !applied.Applied || applied.ID == 0 {
		t.Fatalf("apply: %+v %v", applied, err)
	}
	if !reflect.DeepEqual(applied.Changes, preview.Changes) || applied.Up != preview.Up || applied.Down != preview.Down || applied.Unchanged != preview.Unchanged {
		t.Fatalf("applied %+v, previewed %+v", applied.Changes, preview.Changes)
	}
	after := prices()
	for _, c := range applied.Changes {
		if after[c.Product] != c.New {
			t.Errorf("%s is %d, the change said %d", c.Product, after[c.Product], c.New)
		}
	}
	if h := history(); len(h) != 1 || h[0].ID != applied.ID || h[0].Products != applied.Products || h[0].Down != applied.Down {
		t.Fatalf("history %+v", h)
	}

	// Undo, previewed then applied, restores every price exactly, as a set of its own.
	if p, err := a.Catalog.UndoPrices(ctx, applied.ID, false, false); err != nil || p.ID != 0 || p.Products != applied.Products || !reflect.DeepEqual(prices(), after) {
		t.Fatalf("undo preview: %+v %v", p, err)
	}
	undo, err := a.Catalog.UndoPrices(ctx, applied.ID, false, true)
	if err != nil || undo.ID == 0 || undo.Undoes != applied.ID || undo.Products != applied.Products {
		t.Fatalf("undo: %+v %v", undo, err)
	}
	if !reflect.DeepEqual(prices(), before) {
		t.Fatal("undo did not restore the prices from before the rule")
	}
	if p, _ := a.Catalog.Product("HSA5", loket.DefaultLevel); p.BasePrice != before["HSA5"] {
		t.Errorf("this node's catalog still has HSA5 at %d", p.BasePrice)
	}
	// The undo is undone in turn; the first set cannot be undone twice.
	if _, err := a.Catalog.UndoPrices(ctx, applied.ID, false, true); loket.ErrorCode(err) != loket.ECONFLICT {
		t.Fatalf("undoing a set twice: %v", err)
	}
	redo, err := a.Catalog.UndoPrices(ctx, undo.ID, false, true)
	if err != nil || !reflect.DeepEqual(prices(), after) {
		t.Fatalf("undo of the undo: %+v %v", redo, err)
	}

	// A later change of a product: undoing the earlier set is refused, naming it,
	// unless forced.
	moved := applied.Changes[0].Product
	later, err := a.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: loket.ScopeProduct, ScopeCode: moved, MarkupFlat: 1000, RoundTo: 1}, true)
	if err != nil || later.Products != 1 {
		t.Fatalf("later: %+v %v", later, err)
	}
	if _, err := a.Catalog.UndoPrices(ctx, redo.ID, false, true); loket.ErrorCode(err) != loket.ECONFLICT || !strings.Contains(err.Error(), moved) {
		t.Fatalf("undo after a later change: %v", err)
	}
	if _, err := a.Catalog.UndoPrices(ctx, redo.ID, true, true); err != nil || !reflect.DeepEqual(prices(), before) {
		// forced, the product that moved since goes back to its price from before the set too
		t.Fatalf("forced undo: %v", err)
	}
	if _, err := a.Catalog.UndoPrices(ctx, 999, false, true); loket.ErrorCode(err) != loket.ENOTFOUND {
		t.Fatalf("undo of no set: %v", err)
	}

	// Deleting a rule, previewed, writes nothing; applied, it names the set that set it.
	if d, err := a.Catalog.DeleteMarkupRule(ctx, loket.ScopeProduct, moved, false); err != nil || d.Applied || d.Before != later.ID {
		t.Fatalf("delete preview: %+v %v", d, err)
	}
	if rules, _ := a.Catalog.MarkupRules(ctx); len(rules) != 2 {
		t.Fatalf("the delete preview deleted: %+v", rules)
	}
}
