package loketest

import (
	"context"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/server"
)

// AddSupplier registers an upstream supplier on s as `loket supplier add` does (the
// configuration checked by its kind, the payable account made), and reloads s's
// catalog so the next order sees it. It returns the supplier's id.
func AddSupplier(t testing.TB, s *server.Server, sup loket.Supplier) int64 {
	t.Helper()
	got, err := s.Core.Catalog.AddSupplier(context.Background(), sup)
	if err != nil {
		t.Fatalf("supplier %s: %v", sup.Name, err)
	}
	return got.ID
}

// DisableSupplier switches a registered supplier off on s (its routes are skipped),
// as an operator does to take an upstream out of rotation.
func DisableSupplier(t testing.TB, s *server.Server, name string) {
	t.Helper()
	sup, ok := s.Core.Catalog.SupplierByName(name)
	if !ok {
		t.Fatalf("no supplier %q", name)
	}
	if err := s.Core.Catalog.SetSupplierEnabled(context.Background(), sup.ID, false); err != nil {
		t.Fatal(err)
	}
}

// AddRoute lets product be bought from the supplier named under its code, as
// `loket route add` does, and reloads s's catalog.
func AddRoute(t testing.TB, s *server.Server, product, supplierName, code string, cost loket.Money, priority int) {
	t.Helper()
	if _, err := s.Core.Catalog.AddRoute(context.Background(), loket.NewRoute{Product: product, Supplier: supplierName,
		SupplierCode: code, Cost: cost, Priority: priority}); err != nil {
		t.Fatalf("route %s via %s: %v", product, supplierName, err)
	}
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
