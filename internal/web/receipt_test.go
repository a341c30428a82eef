package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// A receipt shows the reseller's shop and, when it types one, its own selling price
// (never its buying price then), in the page and the text to share, with a WhatsApp
// link; a price that is not rupiah is refused in words.
func TestReceiptSellingPrice(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	ctx := context.Background()
	res := addReseller(t, s, 100_000, "rahasia-r")
	shop := "Budi Cell"
	if err := s.Core.Resellers.UpdateReseller(ctx, res.ID, loket.ResellerUpdate{Name: &shop}); err != nil {
		t.Fatal(err)
	}
	o, _, err := s.Core.Orders.CreateOrder(ctx, resellerAuth(t, s, res), loket.OrderRequest{Product: "HSA5", Target: "081234567800", RefID: "struk1"})
	if err != nil {
		t.Fatal(err)
	}
	waitOrder(t, s, itoa(o.ID))
	b := newBrowser(t, s)
	b.login("reseller", res.Username, "rahasia-r")
	st, body := b.get("/app/orders/" + itoa(o.ID) + "/struk?harga=Rp+7.000")
	must(t, st, body, 200, "Budi Cell", "Rp 7.000", `id="receipt-share"`, "https://wa.me/?text=")
	if strings.Contains(body, rupiahText(int64(o.Price))) {
		t.Errorf("the receipt with a selling price still shows the buying price %d", o.Price)
	}
	if !strings.Contains(body, "Harga%3A%20Rp%207.000") {
		t.Errorf("the shared text lacks the selling price: %s", regexp1(t, body, `href="(https://wa.me/[^"]*)"`))
	}
	st, body = b.get("/app/orders/" + itoa(o.ID) + "/struk?harga=tujuh+ribu")
	must(t, st, body, 200, "Harga jual harus angka rupiah")
}
