package api_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store"
)

// TestCutOffHTTP: in a product's cut-off the native API answers 422 inactive with the
// reason, when it opens (retry_at), and Retry-After; the product list shows the window.
func TestCutOffHTTP(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	ctx := context.Background()
	now := time.Now().In(loket.WIB)
	window := now.Add(-time.Hour).Format("15:04") + "-" + now.Add(2*time.Hour).Format("15:04")
	if _, err := s.Core.DB.W.ExecContext(ctx, `UPDATE products SET cut_off = $1 WHERE code = 'HSA5'`, window); err != nil {
		t.Fatal(err)
	}
	if err := s.Core.DB.Direct(ctx, func(tx *store.Tx) error { return tx.BumpCatalog() }); err != nil {
		t.Fatal(err)
	}
	if err := s.Core.Catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	r := loketest.NewReseller(t, s, 100_000)
	c := client.New(s.URL, r.Creds.APIKey)
	_, _, err := c.CreateOrder(ctx, client.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "cut-http"})
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != 422 || e.Code != loket.EINACTIVE || e.Reason != loket.ReasonCutOff ||
		e.RetryAt == nil || e.RetryAt.Before(time.Now().Add(time.Hour)) {
		t.Fatalf("an order in the cut-off: %#v", err)
	}
	ps, err := c.Products(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Code == "HSA5" && p.CutOff != window {
			t.Errorf("HSA5's cut_off = %q, want %q", p.CutOff, window)
		}
	}
}
