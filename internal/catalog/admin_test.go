package catalog_test

import (
	"context"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
	_ "github.com/loket/loket/internal/supplier/socx" // needs an API key: the check of kept credentials
)

// TestCatalogAdmin: the operator's suppliers, routes and markup rules are checked, saved
// in one transaction each, and seen by this node's catalog at once.
func TestCatalogAdmin(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { catalogAdmin(t, loketest.Core(t, engine)) })
	}
}

func catalogAdmin(t *testing.T, a *server.Core) {
	ctx := context.Background()
	refused := func(what string, err error, code, field string) {
		t.Helper()
		if loket.ErrorCode(err) != code || loket.ErrorField(err) != field {
			t.Errorf("%s: got %v, want %s (%s)", what, err, code, field)
		}
	}
	state := func(name string) *loket.SupplierState {
		for _, s := range a.Orders.Suppliers() {
			if s.Name == name {
				return &s
			}
		}
		return nil
	}

	_, err := a.Catalog.AddSupplier(ctx, loket.Supplier{Name: "two words", Kind: "sim"})
	refused("a name with a space", err, loket.EINVALID, "name")
	_, err = a.Catalog.AddSupplier(ctx, loket.Supplier{Name: "up", Kind: "nope"})
	refused("an unknown kind", err, loket.EINVALID, "")
	s, err := a.Catalog.AddSupplier(ctx, loket.Supplier{Name: " up ", Kind: "sim"})
	if err != nil || s.ID == 0 || s.Name != "up" || !s.Enabled {
		t.Fatalf("add: %+v %v", s, err)
	}
	if st := state("up"); st == nil || !st.Enabled {
		t.Fatalf("the catalog does not show the new supplier: %+v", st)
	}
	// Switched off (as the dashboard does), a change of settings keeps it off unless
	// it asks for it on, as `loket supplier add` does.
	if err := a.DB.Direct(ctx, func(tx *store.Tx) error {
		s.Enabled = false
		if _, err := tx.UpsertSupplier(*s); err != nil {
			return err
		}
		return tx.BumpCatalog()
	}); err != nil {
		t.Fatal(err)
	}
	if s, err := a.Catalog.AddSupplier(ctx, loket.Supplier{Name: "up", Kind: "sim"}); err != nil || s.Enabled || state("up").Enabled {
		t.Fatalf("a change switched the supplier on: %+v %v", s, err)
	}
	if s, err := a.Catalog.AddSupplier(ctx, loket.Supplier{Name: "up", Kind: "sim", Enabled: true}); err != nil || !s.Enabled || !state("up").Enabled {
		t.Fatalf("not switched on: %+v %v", s, err)
	}
	// Empty credentials keep the stored ones, and the check sees them.
	if _, err := a.Catalog.AddSupplier(ctx, loket.Supplier{Name: "sx", Kind: "socx", BaseURL: "https://socx.example", APIKey: "k-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Catalog.AddSupplier(ctx, loket.Supplier{Name: "sx", Kind: "socx", BaseURL: "https://socx.example"}); err != nil {
		t.Fatalf("a change without the key: %v", err)
	}
	if st := state("sx"); st == nil || st.APIKey != "k-1" {
		t.Fatalf("the key was not kept: %+v", st)
	}

	_, err = a.Catalog.AddRoute(ctx, loket.NewRoute{Product: "", Supplier: "up", SupplierCode: "X5", Cost: 5000, Priority: 1})
	refused("no product", err, loket.EINVALID, "product")
	_, err = a.Catalog.AddRoute(ctx, loket.NewRoute{Product: "HSA5", Supplier: "up", SupplierCode: " ", Cost: 5000, Priority: 1})
	refused("no code", err, loket.EINVALID, "code")
	_, err = a.Catalog.AddRoute(ctx, loket.NewRoute{Product: "HSA5", Supplier: "up", SupplierCode: "X5", Cost: -1, Priority: 1})
	refused("a negative cost", err, loket.EINVALID, "cost")
	_, err = a.Catalog.AddRoute(ctx, loket.NewRoute{Product: "NOPE", Supplier: "up", SupplierCode: "X5", Cost: 5000, Priority: 1})
	refused("an unknown product", err, loket.EPRODUCT, "product")
	_, err = a.Catalog.AddRoute(ctx, loket.NewRoute{Product: "HSA5", Supplier: "nobody", SupplierCode: "X5", Cost: 5000, Priority: 1})
	refused("an unknown supplier", err, loket.ENOTFOUND, "supplier")

	_, err = a.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: loket.ScopeProduct, RoundTo: 1}, true)
	refused("a product rule without a code", err, loket.EINVALID, "code")
	_, err = a.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: loket.ScopeAll, ScopeCode: "X", RoundTo: 1}, true)
	refused("an all rule with a code", err, loket.EINVALID, "code")
	_, err = a.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: "brand", ScopeCode: "X", RoundTo: 1}, true)
	refused("an unknown scope", err, loket.EINVALID, "scope")
	_, err = a.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: loket.ScopeAll, RoundTo: 0}, true)
	refused("no rounding", err, loket.EINVALID, "round")
	_, err = a.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: loket.ScopeAll, MarkupFlat: -1, RoundTo: 1}, true)
	refused("a negative markup", err, loket.EINVALID, "markup")

	// HSA5 routes to sim at 5300 (priority 100). A rule on it, then a route of
	// priority 1 at 5000: the route becomes the reference and the price follows it.
	moved, err := a.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: loket.ScopeProduct, ScopeCode: "HSA5", MarkupBP: 250, MarkupFlat: 100, RoundTo: 50}, true)
	if err != nil || moved.Products != 1 || !moved.Applied {
		t.Fatalf("set markup: %+v %v", moved, err)
	}
	if p, _ := a.Catalog.Product("HSA5", loket.DefaultLevel); p.BasePrice != 5550 { // 5300 + 132.5 + 100 -> 5550
		t.Errorf("after the rule, HSA5 costs %d, want 5550", p.BasePrice)
	}
	r, err := a.Catalog.AddRoute(ctx, loket.NewRoute{Product: "HSA5", Supplier: " up ", SupplierCode: "X5", Cost: 5000, Priority: 1})
	if err != nil || r.ID == 0 || r.SupplierName != "up" || r.SupplierCode != "X5" || r.Cost != 5000 || r.Priority != 1 || !r.Active || !r.Enabled {
		t.Fatalf("add route: %+v %v", r, err)
	}
	if p, _ := a.Catalog.Product("HSA5", loket.DefaultLevel); p.BasePrice != 5250 { // 5000 + 125 + 100 -> 5250
		t.Errorf("after the route, HSA5 costs %d, want 5250", p.BasePrice)
	}
	if again, err := a.Catalog.AddRoute(ctx, loket.NewRoute{Product: "HSA5", Supplier: "up", SupplierCode: "X6", Cost: 5000, Priority: 2}); err != nil || again.ID != r.ID || again.SupplierCode != "X6" {
		t.Errorf("changing the route made another: %+v (was %d) %v", again, r.ID, err)
	}
	if moved, err := a.Catalog.DeleteMarkupRule(ctx, loket.ScopeProduct, "HSA5", true); err != nil || moved.Products != 0 || moved.Before == 0 {
		t.Errorf("delete markup: %+v %v", moved, err)
	}
	_, err = a.Catalog.DeleteMarkupRule(ctx, loket.ScopeProduct, "HSA5", true)
	refused("deleting it again", err, loket.ENOTFOUND, "")
}

// TestAdapterOutlivesPriceNotes: the adapter of a supplier, with its caches and its
// memory of the orders it placed, is kept across catalog reloads that do not change
// how Loket talks to that supplier (a price sync stamping its note), and made anew
// when they do.
func TestAdapterOutlivesPriceNotes(t *testing.T) {
	ctx := context.Background()
	a := loketest.Core(t, "sqlite")
	s, err := a.Catalog.AddSupplier(ctx, loket.Supplier{Name: "up", Kind: "sim", BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := a.Catalog.Supplier(s.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // twice: each load makes a new time pointer
		if err := a.DB.Direct(ctx, func(tx *store.Tx) error {
			if err := tx.NoteSupplierPrices(s.ID, "synced"); err != nil {
				return err
			}
			return tx.BumpCatalog()
		}); err != nil {
			t.Fatal(err)
		}
		if err := a.Catalog.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if again, _ := a.Catalog.Supplier(s.ID); again != first {
			t.Fatalf("reload %d: a price note made the adapter anew", i)
		}
	}
	if _, err := a.Catalog.AddSupplier(ctx, loket.Supplier{Name: "up", Kind: "sim", BaseURL: "http://127.0.0.1:2"}); err != nil {
		t.Fatal(err)
	}
	if again, _ := a.Catalog.Supplier(s.ID); again == first {
		t.Fatal("a new address kept the old adapter")
	}
}
