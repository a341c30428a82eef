package store_test

import (
	"context"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

func TestMarkupRuleApply(t *testing.T) {
	for _, tc := range []struct {
		rule loket.MarkupRule
		cost loket.Money
		want loket.Money
	}{
		{loket.MarkupRule{}, 5300, 5300},
		{loket.MarkupRule{MarkupBP: 500}, 5300, 5565},
		{loket.MarkupRule{MarkupBP: 250}, 1001, 1001 + 26}, // 25.025 rounds up: never below the rule
		{loket.MarkupRule{MarkupFlat: 200}, 5300, 5500},
		{loket.MarkupRule{MarkupBP: 500, MarkupFlat: 100, RoundTo: 50}, 5300, 5700}, // 5665 -> 5700
		{loket.MarkupRule{MarkupBP: 0, MarkupFlat: 0, RoundTo: 100}, 5300, 5300},    // a multiple stays
		{loket.MarkupRule{MarkupBP: 0, MarkupFlat: 0, RoundTo: 1000}, 5301, 6000},
	} {
		if got := tc.rule.Apply(tc.cost); got != tc.want {
			t.Errorf("%+v on %d = %d, want %d", tc.rule, tc.cost, got, tc.want)
		}
	}
}

// TestPriceSync: a price list sets route costs and availability; a markup rule turns
// the reference route's cost into the base price, recorded as a price change once.
func TestPriceSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 0)
		apply := func(full bool, prices ...store.SupplierPrice) *loket.PriceSync {
			t.Helper()
			var res *loket.PriceSync
			if err := db.Direct(ctx, func(tx *store.Tx) error {
				var err error
				res, err = tx.ApplySupplierPrices(f.route.SupplierID, prices, full)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return res
		}
		base := func() loket.Money {
			t.Helper()
			c, err := db.LoadCatalog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Products {
				if p.ID == f.product.ID {
					return p.BasePrice
				}
			}
			t.Fatal("product gone")
			return 0
		}
		route := func() loket.Route {
			t.Helper()
			c, err := db.LoadCatalog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return c.Routes[f.product.ID][0]
		}
		untold := func() int {
			t.Helper()
			var n int
			if err := db.Direct(ctx, func(tx *store.Tx) error {
				ch, err := tx.TakePriceChanges(100)
				n = len(ch)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// No rule: the cost moves, the base price the operator set stays.
		res := apply(true, store.SupplierPrice{Code: "HSA5", Cost: 5350, Available: true}, store.SupplierPrice{Code: "OTHER", Cost: 10, Available: true})
		if res.Listed != 2 || res.Matched != 1 || res.Costs != 1 || res.Repriced != 0 || len(res.Unlisted) != 0 {
			t.Fatalf("first sync %+v", res)
		}
		if r := route(); r.Cost != 5350 || !r.Available {
			t.Fatalf("route %+v", r)
		}
		if base() != 5400 || untold() != 0 {
			t.Fatal("a product without a rule was repriced")
		}

		// A category rule: 5% + 100, rounded up to 50. 5350 -> 5617.5 -> 5718 -> 5750.
		var moved int
		if err := db.Direct(ctx, func(tx *store.Tx) error {
			var err error
			moved, err = tx.SetMarkupRule(loket.MarkupRule{Scope: loket.ScopeCategory, ScopeCode: "pulsa", MarkupBP: 500, MarkupFlat: 100, RoundTo: 50})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if moved != 1 || base() != 5750 || untold() != 1 {
			t.Fatalf("rule set: moved %d, base %d", moved, base())
		}
		// The same list again changes nothing and tells nobody.
		if res := apply(true, store.SupplierPrice{Code: "HSA5", Cost: 5350, Available: true}); res.Costs != 0 || res.Repriced != 0 {
			t.Fatalf("repeat %+v", res)
		}
		if untold() != 0 {
			t.Fatal("a repeated list recorded a price change")
		}
		// A product rule beats the category's.
		if err := db.Direct(ctx, func(tx *store.Tx) error {
			_, err := tx.SetMarkupRule(loket.MarkupRule{Scope: loket.ScopeProduct, ScopeCode: "HSA5", MarkupFlat: 50, RoundTo: 1})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if base() != 5400 {
			t.Fatalf("product rule: base %d, want 5400", base())
		}
		// The cost rises: the price follows.
		if res := apply(false, store.SupplierPrice{Code: "HSA5", Cost: 5500, Available: true}); res.Costs != 1 || res.Repriced != 1 {
			t.Fatalf("rise %+v", res)
		}
		if base() != 5550 {
			t.Fatalf("after rise: base %d, want 5550", base())
		}
		// Listed as unavailable: the route is switched off for dispatch; no other route,
		// so the price stays where it was.
		if res := apply(false, store.SupplierPrice{Code: "HSA5", Cost: 5500, Available: false}); res.Unavailable != 1 || res.Repriced != 0 {
			t.Fatalf("unavailable %+v", res)
		}
		if r := route(); r.Available {
			t.Fatal("route still available")
		}
		// A zero price is not believed; a full list that lacks our code says so.
		res = apply(true, store.SupplierPrice{Code: "HSA5", Cost: 0, Available: true})
		if len(res.Refused) != 1 || len(res.Unlisted) != 0 || route().Cost != 5500 {
			t.Fatalf("zero price %+v", res)
		}
		res = apply(true, store.SupplierPrice{Code: "ELSE", Cost: 100, Available: true})
		if len(res.Unlisted) != 1 || res.Unlisted[0] != "HSA5" {
			t.Fatalf("unlisted %+v", res)
		}
		// Deleting the product rule falls back to the category rule: 5500 -> 5775 -> 5875 -> 5900.
		// (The route is unavailable, so no reference cost: the price stays.)
		apply(false, store.SupplierPrice{Code: "HSA5", Cost: 5500, Available: true})
		if err := db.Direct(ctx, func(tx *store.Tx) error {
			_, err := tx.DeleteMarkupRule(loket.ScopeProduct, "HSA5")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if base() != 5900 {
			t.Fatalf("after delete: base %d, want 5900", base())
		}
		rules, err := db.MarkupRules(ctx)
		if err != nil || len(rules) != 1 || rules[0].Scope != loket.ScopeCategory || rules[0].ScopeCode != "pulsa" {
			t.Fatalf("rules %+v %v", rules, err)
		}
		// Bad rules are refused.
		if err := db.Direct(ctx, func(tx *store.Tx) error {
			_, err := tx.SetMarkupRule(loket.MarkupRule{Scope: loket.ScopeAll, MarkupBP: -1})
			return err
		}); loket.ErrorCode(err) != loket.EINVALID {
			t.Fatalf("negative markup: %v", err)
		}
		if err := db.Direct(ctx, func(tx *store.Tx) error {
			_, err := tx.SetMarkupRule(loket.MarkupRule{Scope: loket.ScopeCategory, ScopeCode: "nope"})
			return err
		}); loket.ErrorCode(err) != loket.ENOTFOUND {
			t.Fatalf("unknown category: %v", err)
		}
		verify(t, db)
	})
}
