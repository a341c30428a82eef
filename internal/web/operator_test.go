package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// hangingSupplier routes HSA5 first to a supplier whose every answer is a 500, so
// orders stay pending (an unknown outcome is never a failure) for the operator to decide.
func hangingSupplier(t *testing.T, s *server.Server) {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }))
	t.Cleanup(ts.Close)
	ctx := context.Background()
	if _, err := s.Core.Catalog.AddSupplier(ctx, loket.Supplier{Name: "hang", Kind: "socx", BaseURL: ts.URL, APIKey: "k"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Core.Catalog.AddRoute(ctx, loket.NewRoute{Product: "HSA5", Supplier: "hang", SupplierCode: "S5", Cost: 5000, Priority: 1}); err != nil {
		t.Fatal(err)
	}
}

// The operator's money actions, through the pages: every one goes through the app
// (and so the ledger), needs a note, and the ledger's invariants hold after.
func TestOperatorActions(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		loketest.SetupPayments(t, s)
		hangingSupplier(t, s)
		addAdmin(t, s, "boss", "rahasia-boss")
		ctx := context.Background()

		op := newBrowser(t, s)
		op.login("admin", "boss", "rahasia-boss")
		op.get("/admin/resellers")
		st, body := op.post("/admin/resellers", url.Values{"username": {"sari"}, "password": {"rahasia-sari"}, "name": {"Sari Cell"}, "level": {"reseller"}})
		must(t, st, body, 200, `id="api-key"`, `id="secret-key"`)
		oldKey := regexp1(t, body, `id="api-key">([^<]+)<`)
		sari, err := s.DB.Reseller(ctx, 0, "sari")
		if err != nil {
			t.Fatal(err)
		}
		rp := "/admin/resellers/" + itoa(sari.ID)

		// Credit and debit, each with a note.
		op.get(rp)
		st, body = op.post(rp+"/credit", url.Values{"amount": {"100.000"}, "note": {"setoran"}, "direction": {"credit"}, "key": {"web:c1"}})
		must(t, st, body, 200, "Saldo sekarang Rp 100.000.")
		st, body = op.post(rp+"/credit", url.Values{"amount": {"10000"}, "note": {""}, "direction": {"debit"}, "key": {"web:d0"}})
		must(t, st, body, 200, "Catatan wajib diisi.")
		st, body = op.post(rp+"/credit", url.Values{"amount": {"10000"}, "note": {"koreksi"}, "direction": {"debit"}, "key": {"web:d1"}})
		must(t, st, body, 200, "Saldo sekarang Rp 90.000.")
		st, body = op.post(rp+"/credit", url.Values{"amount": {"999999"}, "note": {"terlalu banyak"}, "direction": {"debit"}, "key": {"web:d2"}})
		must(t, st, body, 200, `class="flash err"`)
		if b := loketest.Balance(t, s, sari.ID); b != 90_000 {
			t.Fatalf("balance %d, want 90000", b)
		}

		// The reseller buys twice; the supplier never answers, so both stay pending.
		rb := newBrowser(t, s)
		st, body = rb.login("reseller", "sari", "rahasia-sari")
		must(t, st, body, 200, "Rp 90.000")
		brand := brandOf(t, s, "HSA5")
		var ids []string
		for _, target := range []string{"081234567891", "081234567896"} {
			rb.get("/app/order?brand=" + brand)
			st, body = rb.post("/app/order", url.Values{"brand": {brand}, "product": {"HSA5"}, "target": {target}, "ref_id": {regexp1(t, rb.last, `name="ref_id" value="([^"]+)"`)}})
			must(t, st, body, 200, ">Proses<", `data-status="pending"`, `data-poll=`)
			ids = append(ids, regexp1(t, body, `Pesanan #(\d+)`))
		}
		price := 90_000 - loketest.Balance(t, s, sari.ID)
		for _, id := range ids {
			deadline := time.Now().Add(15 * time.Second)
			for {
				st, body = op.get("/admin/orders/" + id)
				if strings.Contains(body, "unknown") || time.Now().After(deadline) {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			must(t, st, body, 200, "hang", "LK"+id+"A1", "unknown", "Selesaikan manual")
		}
		// Found by target, written either way.
		st, body = op.get("/admin/orders?target=" + url.QueryEscape("+62 812-3456-7891"))
		must(t, st, body, 200, `href="/admin/orders/`+ids[0]+`"`)
		st, body = op.get("/admin/orders?reseller=sari&status=pending")
		must(t, st, body, 200, `href="/admin/orders/`+ids[0]+`"`, `href="/admin/orders/`+ids[1]+`"`)

		// Success needs an SN; failure refunds.
		op.get("/admin/orders/" + ids[0])
		st, body = op.post("/admin/orders/"+ids[0]+"/settle", url.Values{"outcome": {"success"}, "sn": {""}, "note": {"cek"}})
		must(t, st, body, 200, "SN wajib diisi")
		st, body = op.post("/admin/orders/"+ids[0]+"/settle", url.Values{"outcome": {"success"}, "sn": {"SN-HAND-1"}, "note": {"dicek di portal"}})
		must(t, st, body, 200, "Pesanan diselesaikan.", "SN-HAND-1", `badge ok">success`)
		op.get("/admin/orders/" + ids[1])
		st, body = op.post("/admin/orders/"+ids[1]+"/settle", url.Values{"outcome": {"failed"}, "note": {"gangguan operator"}})
		must(t, st, body, 200, "Pesanan diselesaikan.", `badge bad">failed`)
		if b := loketest.Balance(t, s, sari.ID); b != 90_000-price/2 {
			t.Fatalf("after one success and one refund: balance %d, want %d", b, 90_000-price/2)
		}
		st, body = rb.get("/app/orders/" + ids[0])
		must(t, st, body, 200, "SN-HAND-1")

		// The overview counts today's sale.
		st, body = op.get("/admin")
		must(t, st, body, 200, "Ringkasan hari ini", `<rect`)

		// A bank deposit confirmed by hand, and an unmatched payment credited by hand.
		rb.get("/app/deposit")
		st, body = rb.post("/app/deposit", url.Values{"amount": {"20000"}, "method": {"bank"}})
		must(t, st, body, 200, "BCA", "1234567890")
		depID := regexp1(t, body, `Deposit #(\d+)`)
		op.get("/admin/deposits")
		st, body = op.post("/admin/deposits/"+depID+"/confirm", url.Values{"note": {"mutasi BCA"}})
		must(t, st, body, 200, "Deposit dikonfirmasi")
		loketest.Pay(t, s, "qris", 777)
		st, body = op.get("/admin/deposits")
		must(t, st, body, 200, "Rp 777")
		payID := regexp1(t, body, `/admin/payments/(\d+)/credit`)
		st, body = op.post("/admin/payments/"+payID+"/credit", url.Values{"username": {"sari"}, "note": {"salah nominal"}})
		must(t, st, body, 200, "Pembayaran dikreditkan")
		if b := loketest.Balance(t, s, sari.ID); b != 90_000-price/2+20_000+777 {
			t.Fatalf("after deposits: balance %d", b)
		}

		// Markup rules reprice; suppliers switch off; settings refuse a bad QRIS.
		op.get("/admin/catalog")
		basePrice := func() loket.Money {
			t.Helper()
			p, err := s.Core.Catalog.Product("HSA5", "")
			if err != nil {
				t.Fatal(err)
			}
			return p.BasePrice
		}
		before := basePrice()
		// First a preview that changes nothing, then the confirmed change.
		st, body = op.post("/admin/catalog/markup", url.Values{"scope": {"product"}, "code": {"HSA5"}, "percent": {"10"}, "flat": {"0"}, "round": {"100"}})
		must(t, st, body, 200, "Pratinjau perubahan harga", "HSA5", `name="confirm" value="1"`)
		if rules, _ := s.Core.Catalog.MarkupRules(context.Background()); len(rules) != 0 {
			t.Fatalf("the preview set a rule: %+v", rules)
		}
		st, body = op.post("/admin/catalog/markup", url.Values{"scope": {"product"}, "code": {"HSA5"}, "percent": {"10"}, "flat": {"0"}, "round": {"100"}, "confirm": {"1"}})
		must(t, st, body, 200, "Aturan markup disimpan", "product HSA5")
		st, body = op.post("/admin/catalog/markup/delete", url.Values{"scope": {"product"}, "code": {"HSA5"}})
		must(t, st, body, 200, "Pratinjau perubahan harga")
		st, body = op.post("/admin/catalog/markup/delete", url.Values{"scope": {"product"}, "code": {"HSA5"}, "confirm": {"1"}})
		must(t, st, body, 200, "Aturan markup dihapus")
		// The price history lists the rule's change, and undoes it after a preview: the
		// price from before the rule comes back, as a change of its own.
		if basePrice() == before {
			t.Fatalf("the markup left HSA5 at %d", before)
		}
		st, body = op.get("/admin/prices")
		must(t, st, body, 200, `id="price-history"`, "Aturan markup product HSA5: 10.00%")
		set := regexp1(t, body, `<td>(\d+)</td><td>[^<]*</td><td class="wrap">Aturan markup product HSA5`)
		st, body = op.post("/admin/prices/"+set+"/undo", url.Values{})
		must(t, st, body, 200, "Pratinjau perubahan harga", `action="/admin/prices/`+set+`/undo"`, `name="confirm" value="1"`)
		st, body = op.post("/admin/prices/"+set+"/undo", url.Values{"confirm": {"1"}, "force": {""}})
		must(t, st, body, 200, "Perubahan #"+set+" dibatalkan; 1 harga kembali")
		if got := basePrice(); got != before {
			t.Fatalf("after the undo HSA5 costs %d, want %d", got, before)
		}
		st, body = op.get("/admin/prices")
		must(t, st, body, 200, "Pembatalan #"+set+" (Aturan markup product HSA5")
		op.get("/admin/suppliers")
		hang := regexp1(t, op.last, `/admin/suppliers/(\d+)/enabled`)
		for _, st := range s.Core.Orders.Suppliers() {
			if st.Name == "hang" && itoa(st.ID) != hang {
				hang = itoa(st.ID)
			}
		}
		st, body = op.post("/admin/suppliers/"+hang+"/enabled", url.Values{"enabled": {"0"}})
		must(t, st, body, 200, "Tersimpan.")
		for _, st := range s.Core.Orders.Suppliers() {
			if st.Name == "hang" && st.Enabled {
				t.Error("supplier hang still enabled")
			}
		}
		// Saved again without its key, a supplier keeps the key and stays off; a route
		// to it is changed in place; bad forms are refused in the page's language.
		op.get("/admin/suppliers")
		st, body = op.post("/admin/suppliers", url.Values{"name": {"hang"}, "kind": {"socx"}, "base_url": {"http://127.0.0.1:1"}})
		must(t, st, body, 200, "Supplier disimpan.")
		st, body = op.post("/admin/suppliers", url.Values{"name": {"no good"}, "kind": {"sim"}})
		must(t, st, body, 200, "Nama supplier wajib diisi")
		for _, st := range s.Core.Orders.Suppliers() {
			if st.Name == "hang" && (st.Enabled || st.APIKey != "k") {
				t.Errorf("supplier hang after a save: enabled %v, key %q", st.Enabled, st.APIKey)
			}
		}
		op.get("/admin/catalog")
		st, body = op.post("/admin/catalog/route", url.Values{"product": {"HSA5"}, "supplier": {"hang"}, "code": {"S5B"}, "cost": {"5.100"}, "priority": {"2"}})
		must(t, st, body, 200, "Rute disimpan.")
		st, body = op.post("/admin/catalog/route", url.Values{"product": {"HSA5"}, "supplier": {"hang"}, "code": {""}, "cost": {"5100"}, "priority": {"2"}})
		must(t, st, body, 200, "Isi produk, supplier, kode supplier")
		c, err := s.DB.LoadCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := s.Core.Catalog.Product("HSA5", loket.DefaultLevel)
		var hangRoutes []loket.Route
		for _, r := range c.Routes[p.ID] {
			if r.SupplierName == "hang" {
				hangRoutes = append(hangRoutes, r)
			}
		}
		if len(hangRoutes) != 1 || hangRoutes[0].SupplierCode != "S5B" || hangRoutes[0].Cost != 5100 || hangRoutes[0].Priority != 2 {
			t.Errorf("HSA5's route to hang: %+v", hangRoutes)
		}
		op.get("/admin/settings")
		st, body = op.post("/admin/settings/qris", url.Values{"qris": {"not a qris"}})
		must(t, st, body, 200, `class="flash err"`)
		st, body = op.post("/admin/settings/registration", url.Values{"on": {"0"}})
		must(t, st, body, 200, "Tersimpan.", "Hidupkan pendaftaran")
		if v, _ := s.DB.Setting(ctx, loket.SettingSelfRegistration); v != "off" {
			t.Errorf("registration setting %q", v)
		}

		// The reseller's webhook, with a signed test delivery.
		var mu sync.Mutex
		var got *http.Request
		var gotBody string
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got, gotBody = r, string(b)
			mu.Unlock()
		}))
		defer hook.Close()
		rb.get("/app/keys")
		st, body = rb.post("/app/webhook", url.Values{"webhook_url": {hook.URL + "/loket"}})
		must(t, st, body, 200, "Tersimpan.", "Kirim uji")
		st, body = rb.post("/app/webhook/test", url.Values{})
		must(t, st, body, 200, "Pengiriman uji berhasil: HTTP 200.")
		mu.Lock()
		if got == nil || !strings.HasPrefix(got.Header.Get("X-Loket-Signature"), "sha256=") || !strings.Contains(gotBody, `"event":"test"`) {
			t.Errorf("test delivery: %v %q", got, gotBody)
		}
		mu.Unlock()

		// The operator resets the keys: shown once, the old key stops working.
		op.get(rp)
		st, body = op.post(rp+"/keys", url.Values{})
		must(t, st, body, 200, `id="api-key"`)
		if newKey := regexp1(t, body, `id="api-key">([^<]+)<`); newKey == oldKey {
			t.Fatal("the key did not change")
		}
		time.Sleep(2100 * time.Millisecond) // the API key cache
		if _, err := s.Core.Resellers.Authenticate(ctx, oldKey, "127.0.0.1:1"); err == nil {
			t.Error("the old API key still works")
		}
		loketest.VerifyLedger(t, s)
	})
}

// A game top-up through the order form: the brand's form fields (User ID, Zone ID)
// become the order's target and fields.
func TestOrderFormWithFields(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	r := addReseller(t, s, 50_000, "rahasia-r")
	b := newBrowser(t, s)
	b.login("reseller", r.Username, "rahasia-r")
	st, body := b.get("/app/order?brand=MLBB-BJ-V3")
	must(t, st, body, 200, `name="f_id"`, `name="f_server"`, "5 Diamonds")
	ref := regexp1(t, body, `name="ref_id" value="([^"]+)"`)
	// A missing field is refused with the form kept as filled.
	st, body = b.post("/app/order", url.Values{"brand": {"MLBB-BJ-V3"}, "product": {"MLBB-BJ-V3-ALLMLBB_ID_5"}, "f_id": {"1122334450"}, "ref_id": {ref}})
	must(t, st, body, http.StatusUnprocessableEntity, `class="flash err"`, `value="1122334450"`)
	st, body = b.post("/app/order", url.Values{"brand": {"MLBB-BJ-V3"}, "product": {"MLBB-BJ-V3-ALLMLBB_ID_5"}, "f_id": {"1122334450"}, "f_server": {"2024"}, "ref_id": {ref}})
	must(t, st, body, 200, "1122334450", "server=2024")
	id := regexp1(t, body, `Pesanan #(\d+)`)
	if got := waitOrder(t, s, id); got != "success" {
		t.Fatalf("order %s: %s", id, got)
	}
	// The same form sent again (same ref ID) is the same order, charged once.
	st, body = b.post("/app/order", url.Values{"brand": {"MLBB-BJ-V3"}, "product": {"MLBB-BJ-V3-ALLMLBB_ID_5"}, "f_id": {"1122334450"}, "f_server": {"2024"}, "ref_id": {ref}})
	must(t, st, body, 200, "Pesanan #"+id+"<")
	p, _ := s.Core.Catalog.Product("MLBB-BJ-V3-ALLMLBB_ID_5", "reseller")
	if bal := loketest.Balance(t, s, r.ID); bal != 50_000-p.Price {
		t.Fatalf("balance %d, want %d", bal, 50_000-p.Price)
	}
}
