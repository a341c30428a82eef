package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/loket/loket/internal/loketest"
)

// The pages word refusals in Indonesian (English by the switch, with the domain's
// detail): a deposit out of range names its limits, an unknown product and a balance
// too small are said in a sentence, never as the domain's English.
func TestRefusalsInIndonesian(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	loketest.SetupPayments(t, s)
	res := addReseller(t, s, 1_000, "rahasia-r")
	b := newBrowser(t, s)
	b.login("reseller", res.Username, "rahasia-r")
	b.get("/app/deposit")
	st, body := b.post("/app/deposit", url.Values{"amount": {"500"}, "method": {"qris"}})
	must(t, st, body, http.StatusUnprocessableEntity, "Jumlah deposit QRIS harus antara Rp 2.000 dan Rp 100.000.000.")
	brand := brandOf(t, s, "HSA5")
	b.get("/app/order?brand=" + brand)
	st, body = b.post("/app/order", url.Values{"brand": {brand}, "product": {"HSA5"}, "target": {"081234567890"},
		"ref_id": {regexp1(t, b.last, `name="ref_id" value="([^"]+)"`)}})
	must(t, st, body, http.StatusUnprocessableEntity, "Saldo tidak cukup. Isi saldo dulu.")
	b.get("/lang/en?back=/app/order?brand=" + brand)
	st, body = b.post("/app/order", url.Values{"brand": {brand}, "product": {"HSA5"}, "target": {"081234567890"},
		"ref_id": {regexp1(t, b.last, `name="ref_id" value="([^"]+)"`)}})
	must(t, st, body, http.StatusUnprocessableEntity, "insufficient")
}
