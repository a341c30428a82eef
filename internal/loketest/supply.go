package loketest

import (
	"context"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// AddSupplier registers an upstream supplier on s as `loket supplier add` does (the
// configuration checked by its kind, the payable account made), and reloads s's
// catalog so the next order sees it. It returns the supplier's id.
func AddSupplier(t testing.TB, s *server.Server, sup loket.Supplier) int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := supplier.New(supplier.Config{Name: sup.Name, Kind: sup.Kind, BaseURL: sup.BaseURL, APIKey: sup.APIKey,
		Secret: sup.Secret, MemberID: sup.MemberID}); err != nil {
		t.Fatalf("supplier %s: %v", sup.Name, err)
	}
	var id int64
	if err := s.DB.Direct(ctx, func(tx *store.Tx) error {
		var err error
		if id, err = tx.UpsertSupplier(sup); err != nil {
			return err
		}
		return tx.BumpCatalog()
	}); err != nil {
		t.Fatalf("supplier %s: %v", sup.Name, err)
	}
	if _, err := s.DB.EnsureAccount(ctx, store.SupplierAccount(id), store.KindSupplierPayable); err != nil {
		t.Fatal(err)
	}
	refreshCatalog(t, s)
	return id
}

// DisableSupplier switches a registered supplier off on s (its routes are skipped),
// as an operator does to take an upstream out of rotation.
func DisableSupplier(t testing.TB, s *server.Server, name string) {
	t.Helper()
	ctx := context.Background()
	sups, err := s.DB.Suppliers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sup := range sups {
		if sup.Name != name {
			continue
		}
		sup.Enabled = false
		if err := s.DB.Direct(ctx, func(tx *store.Tx) error {
			if _, err := tx.UpsertSupplier(sup); err != nil {
				return err
			}
			return tx.BumpCatalog()
		}); err != nil {
			t.Fatal(err)
		}
		refreshCatalog(t, s)
		return
	}
	t.Fatalf("no supplier %q", name)
}

// AddRoute lets product be bought from the supplier named under its code, as
// `loket route add` does, and reloads s's catalog.
func AddRoute(t testing.TB, s *server.Server, product, supplierName, code string, cost loket.Money, priority int) {
	t.Helper()
	if err := s.DB.Direct(context.Background(), func(tx *store.Tx) error {
		pid, err := tx.ProductID(product)
		if err != nil {
			return err
		}
		sid, err := tx.SupplierID(supplierName)
		if err != nil {
			return err
		}
		if _, err := tx.UpsertRoute(pid, sid, code, cost, priority); err != nil {
			return err
		}
		return tx.BumpCatalog()
	}); err != nil {
		t.Fatalf("route %s via %s: %v", product, supplierName, err)
	}
	refreshCatalog(t, s)
}

// SetWebhookURL sets a reseller's webhook URL on s, as `loket reseller update
// --webhook-url` does.
func SetWebhookURL(t testing.TB, s *server.Server, resellerID int64, url string) {
	t.Helper()
	if err := s.Core.Resellers.UpdateReseller(context.Background(), resellerID, loket.ResellerUpdate{WebhookURL: &url}); err != nil {
		t.Fatalf("webhook URL: %v", err)
	}
}

// CallbackURL is where s receives the callbacks of its supplier named name.
func CallbackURL(s *server.Server, name string) string {
	return s.Config.PublicURL + "/callbacks/" + name
}

func refreshCatalog(t testing.TB, s *server.Server) {
	t.Helper()
	if err := s.Core.Catalog.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}
