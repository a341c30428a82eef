package digiflazz_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/compat/digiflazz"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// pasca is a postpaid command's body, signed over its ref_id as Digiflazz signs it.
func (a account) pasca(cmd, sku, customer, ref string, extra ...any) map[string]any {
	return a.trx(sku, customer, ref, append([]any{"commands", cmd}, extra...)...)
}

func inquiryCount(t *testing.T, s *server.Server, id int64) int {
	t.Helper()
	var n int
	if err := s.Core.DB.W.QueryRow(fmt.Sprintf("SELECT count(*) FROM inquiries WHERE reseller_id = %d", id)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func num(v any) loket.Money { f, _ := v.(float64); return loket.Money(f) }

// TestPasca: inq-pasca keeps one inquiry per ref_id, pay-pasca pays that inquiry once
// however often (and however concurrently) it is sent, status-pasca never pays; the
// answers and the webhook are Digiflazz's postpaid shape, naming no supplier.
func TestPasca(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		const start = 5_000_000
		a := newAccount(t, s, start)
		hooks := newSink(t)
		loketest.SetWebhookURL(t, s, a.ID, hooks.URL)

		// Check the bill: a one-month PLN bill at the simulator (last digit 1).
		inq := a.pasca("inq-pasca", "pln", "5300-0000-0011", "df-bill-1")
		got := post(t, s, "/transaction", inq)
		if got.status != 200 || got.data["status"] != "Sukses" || got.data["rc"] != "00" {
			t.Fatalf("inq-pasca: %d %s", got.status, got.raw)
		}
		for _, k := range []string{"ref_id", "customer_no", "customer_name", "buyer_sku_code", "admin", "message", "status", "rc", "sn",
			"buyer_last_saldo", "price", "selling_price", "desc"} {
			if _, ok := got.data[k]; !ok {
				t.Errorf("inq-pasca has no %s: %s", k, got.raw)
			}
		}
		desc, _ := got.data["desc"].(map[string]any)
		detail, _ := desc["detail"].([]any)
		if desc["tarif"] != "R1" || desc["daya"] != float64(1300) || desc["lembar_tagihan"] != float64(1) || len(detail) != 1 {
			t.Fatalf("desc: %s", got.raw)
		}
		period := detail[0].(map[string]any)
		for _, k := range []string{"periode", "nilai_tagihan", "admin", "denda", "meter_awal", "meter_akhir"} {
			if _, ok := period[k]; !ok {
				t.Errorf("detail has no %s: %s", k, got.raw)
			}
		}
		price, selling, admin := num(got.data["price"]), num(got.data["selling_price"]), num(got.data["admin"])
		if got.data["customer_no"] != "5300-0000-0011" || got.data["customer_name"] == "" || admin <= 0 || price <= 0 || selling < price ||
			got.data["buyer_last_saldo"] != float64(start) {
			t.Errorf("inq-pasca: %s", got.raw)
		}
		if strings.Contains(strings.ToLower(got.raw), "sim") || strings.Contains(got.raw, "LKI") {
			t.Errorf("inq-pasca names the supplier or its ref: %s", got.raw)
		}
		// The same inq-pasca again: the same inquiry, no second supplier call.
		again := post(t, s, "/transaction", inq)
		if again.status != 200 || num(again.data["price"]) != price || inquiryCount(t, s, a.ID) != 1 {
			t.Errorf("inq-pasca again: %s (%d inquiries)", again.raw, inquiryCount(t, s, a.ID))
		}
		wantRC(t, post(t, s, "/transaction", a.pasca("inq-pasca", "pln", "530000000021", "df-bill-1")), 400, "49")

		// status-pasca before the payment: not found, and it pays nothing.
		status := a.pasca("status-pasca", "pln", "5300-0000-0011", "df-bill-1")
		wantRC(t, post(t, s, "/transaction", status), 400, "50")
		if orderCount(t, s, a.ID) != 0 || loketest.Balance(t, s, a.ID) != start {
			t.Fatal("status-pasca paid")
		}

		// Pay it; again is the same payment.
		pay := a.pasca("pay-pasca", "pln", "5300-0000-0011", "df-bill-1")
		paid := post(t, s, "/transaction", pay)
		if paid.status != 200 || (paid.data["status"] != "Sukses" && paid.data["status"] != "Pending") || num(paid.data["price"]) != price {
			t.Fatalf("pay-pasca: %d %s", paid.status, paid.raw)
		}
		post(t, s, "/transaction", pay)
		done := waitStatus(t, s, status, 10*time.Second)
		if done.data["status"] != "Sukses" || done.data["rc"] != "00" || done.data["sn"] == "" || done.data["customer_name"] == "" {
			t.Fatalf("status-pasca: %s", done.raw)
		}
		if n := orderCount(t, s, a.ID); n != 1 {
			t.Errorf("%d orders, want 1", n)
		}
		if b := loketest.Balance(t, s, a.ID); b != start-price {
			t.Errorf("balance %d, want %d (charged once)", b, start-price)
		}
		// Its webhook: Digiflazz's postpaid body and headers.
		req, body := hooks.wait(t, 0, 10*time.Second)
		if req.Header.Get("User-Agent") != digiflazz.PascaUserAgent || req.Header.Get("X-Hub-Signature") != digiflazz.Signature(a.Creds.SecretKey, []byte(body)) ||
			req.Header.Get("X-Digiflazz-Event") != "update" {
			t.Errorf("webhook headers: %v", req.Header)
		}
		for _, k := range []string{`"trx_id"`, `"ref_id":"df-bill-1"`, `"customer_name"`, `"selling_price"`, `"desc"`, `"status":"Sukses"`} {
			if !strings.Contains(body, k) {
				t.Errorf("webhook body has no %s: %s", k, body)
			}
		}
		ws, err := s.Core.Webhooks.Webhooks(context.Background(), a.ID, 10)
		if err != nil || len(ws) != 1 || ws[0].Event != digiflazz.PascaWebhookEvent {
			t.Errorf("webhooks: %v %v", ws, err)
		}
		// The bill again under another ref_id: a new inquiry finds it paid at the simulator?
		// The simulator keeps no state, so Loket's own guard answers: the bill is paid.
		post(t, s, "/transaction", a.pasca("inq-pasca", "pln", "530000000011", "df-bill-1b"))
		wantRC(t, post(t, s, "/transaction", a.pasca("pay-pasca", "pln", "530000000011", "df-bill-1b")), 400, "02")

		// Concurrent inq-pasca under one ref_id: one inquiry kept, every answer it.
		kept := inquiryCount(t, s, a.ID)
		var wg sync.WaitGroup
		var mu sync.Mutex
		prices := map[loket.Money]int{}
		for range 6 {
			wg.Go(func() {
				r := post(t, s, "/transaction", a.pasca("inq-pasca", "pln", "530000000031", "df-conc"))
				mu.Lock()
				prices[num(r.data["price"])]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(prices) != 1 || prices[0] != 0 || inquiryCount(t, s, a.ID) != kept+1 {
			t.Errorf("concurrent inq-pasca: prices %v, %d inquiries, want %d", prices, inquiryCount(t, s, a.ID), kept+1)
		}
		// Concurrent pay-pasca of one inquiry: one order, one charge.
		before := loketest.Balance(t, s, a.ID)
		conc := a.pasca("pay-pasca", "pln", "530000000031", "df-conc")
		clear(prices)
		for range 6 {
			wg.Go(func() {
				r := post(t, s, "/transaction", conc)
				mu.Lock()
				prices[num(r.data["price"])]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(prices) != 1 || orderCount(t, s, a.ID) != 2 {
			t.Errorf("concurrent pay-pasca: prices %v, %d orders", prices, orderCount(t, s, a.ID))
		}
		var charged loket.Money
		for p := range prices {
			charged = p
		}
		waitStatus(t, s, a.pasca("status-pasca", "pln", "530000000031", "df-conc"), 10*time.Second)
		if b := loketest.Balance(t, s, a.ID); b != before-charged {
			t.Errorf("balance %d after concurrent payments, want %d", b, before-charged)
		}

		// The bill's answers: documented rc, nothing kept.
		inquiries, orders, balance := inquiryCount(t, s, a.ID), orderCount(t, s, a.ID), loketest.Balance(t, s, a.ID)
		for customer, rc := range map[string]string{"530000000013": "60", "530000000014": "02", "530000000017": "54", "530000000018": "73"} {
			wantRC(t, post(t, s, "/transaction", a.pasca("inq-pasca", "pln", customer, "df-no-"+customer)), 400, rc)
		}
		// Bad input: Digiflazz's refusals.
		wantRC(t, post(t, s, "/transaction", a.pasca("inq-pasca", "NOPE", "530000000011", "df-bad-sku")), 400, "43")
		wantRC(t, post(t, s, "/transaction", a.pasca("inq-pasca", "HSA5", "530000000011", "df-bad-prepaid")), 400, "43")
		wantRC(t, post(t, s, "/transaction", a.pasca("inq-pasca", "pln", "53x0", "df-bad-no")), 400, "40")
		wantRC(t, post(t, s, "/transaction", a.pasca("pay-pasca", "pln", "530000000011", "df-never-checked")), 400, "40")
		noRef := a.pasca("inq-pasca", "pln", "530000000011", "")
		delete(noRef, "ref_id")
		if r := post(t, s, "/transaction", noRef); r.data["rc"] != "40" || r.data["selling_price"] == nil {
			t.Errorf("inq-pasca without ref_id: %s, want rc 40 in the postpaid shape", r.raw)
		}
		wantRC(t, post(t, s, "/transaction", a.pasca("pay-pasca", "pln", "530000000099", "df-bill-1")), 400, "49")
		bad := a.pasca("inq-pasca", "pln", "530000000011", "df-bad-sign")
		bad["sign"] = a.sign("other")
		wantRC(t, post(t, s, "/transaction", bad), 400, "41")
		if inquiryCount(t, s, a.ID) != inquiries || orderCount(t, s, a.ID) != orders || loketest.Balance(t, s, a.ID) != balance {
			t.Errorf("refusals wrote: %d inquiries (was %d), %d orders (was %d)", inquiryCount(t, s, a.ID), inquiries, orderCount(t, s, a.ID), orders)
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestPLNCheck: the PLN check on /inquiry-pln and as commands pln-subscribe, signed
// over customer_no.
func TestPLNCheck(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		a := newAccount(t, s, 0)
		check := func(customer string) map[string]any {
			return map[string]any{"username": a.Username, "customer_no": customer, "sign": a.sign(customer)}
		}
		shape := regexp.MustCompile(`^\S+ /\d{9}$`)
		for _, path := range []string{"/inquiry-pln", "/transaction"} {
			body := check("56601234561")
			if path == "/transaction" {
				body["commands"] = "pln-subscribe"
			}
			got := post(t, s, path, body)
			if got.status != 200 || got.data["rc"] != "00" || got.data["status"] != "Sukses" || got.data["name"] == "" ||
				got.data["customer_no"] != "56601234561" || !shape.MatchString(fmt.Sprint(got.data["segment_power"])) ||
				got.data["meter_no"] == "" || got.data["subscriber_id"] == "" {
				t.Errorf("%s: %d %s", path, got.status, got.raw)
			}
		}
		wantRC(t, post(t, s, "/inquiry-pln", check("56601234567")), 400, "54")
		bad := check("56601234561")
		bad["sign"] = a.sign("depo")
		wantRC(t, post(t, s, "/inquiry-pln", bad), 400, "41")
		wantRC(t, post(t, s, "/inquiry-pln", check("566x")), 400, "40")
		// Testing mode: the simulator's meters, asked in process.
		for customer, rc := range map[string]string{"56601234561": "00", "56601234567": "54"} {
			body := check(customer)
			body["commands"], body["testing"] = "pln-subscribe", true
			if got := post(t, s, "/transaction", body); got.data["rc"] != rc || (rc == "00") != (got.data["name"] != "") {
				t.Errorf("testing pln-subscribe %s: %s", customer, got.raw)
			}
		}
	})
}

// TestPascaPriceList: the postpaid price list has Digiflazz's pasca fields; both lists
// carry cut-off fields.
func TestPascaPriceList(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		a := newAccount(t, s, 0)
		pl := post(t, s, "/price-list", map[string]any{"cmd": "pasca", "username": a.Username, "sign": a.sign("pricelist")})
		if pl.status != 200 || len(pl.list) == 0 {
			t.Fatalf("pasca: %d %s", pl.status, pl.raw)
		}
		var pln map[string]any
		for _, it := range pl.list {
			m := it.(map[string]any)
			for _, k := range []string{"product_name", "category", "brand", "seller_name", "admin", "commission", "buyer_sku_code",
				"buyer_product_status", "seller_product_status", "start_cut_off", "end_cut_off", "desc"} {
				if _, ok := m[k]; !ok {
					t.Errorf("pasca item has no %s: %v", k, m)
				}
			}
			if m["buyer_sku_code"] == "HSA5" || m["seller_name"] != digiflazz.SellerName {
				t.Errorf("pasca item: %v", m)
			}
			if m["buyer_sku_code"] == "pln" {
				pln = m
			}
		}
		p, err := s.Core.Catalog.Product("pln", loket.DefaultLevel)
		if err != nil || pln == nil || num(pln["admin"]) != p.AdminFee || num(pln["commission"]) != p.Commission || pln["start_cut_off"] != "0:0" {
			t.Errorf("pln: %v (product %+v, %v)", pln, p, err)
		}
		one := post(t, s, "/price-list", map[string]any{"cmd": "pasca", "code": "PLN", "username": a.Username, "sign": a.sign("pricelist")})
		if len(one.list) != 1 {
			t.Errorf("pasca with code: %s", one.raw)
		}
		// Cut-off hours in both lists, as Digiflazz writes them.
		if _, err := s.Core.Catalog.Import(context.Background(), strings.NewReader(`products:
  - {code: cutpre, name: Cut Pre, brand: THREE, price: 5400, cut_off: "23:45-00:30",
     routes: [{supplier: sim, code: HSA5, cost: 5290, priority: 100}]}
  - {code: cutpasca, name: Cut Pasca, brand: PLN-PASCABAYAR, kind: postpaid, admin_fee: 2750, commission: 1000, cut_off: "01:00-02:00",
     routes: [{supplier: sim, code: pln, priority: 100}]}
`), "cut.yaml"); err != nil {
			t.Fatal(err)
		}
		for cmd, want := range map[string][3]string{"prepaid": {"cutpre", "23:45", "0:30"}, "pasca": {"cutpasca", "1:00", "2:00"}} {
			got := post(t, s, "/price-list", map[string]any{"cmd": cmd, "code": want[0], "username": a.Username, "sign": a.sign("pricelist")})
			if len(got.list) != 1 || got.list[0].(map[string]any)["start_cut_off"] != want[1] || got.list[0].(map[string]any)["end_cut_off"] != want[2] {
				t.Errorf("%s cut-off: %s, want %v", cmd, got.raw, want)
			}
		}
	})
}

// TestPascaTesting: testing mode answers Digiflazz's postpaid test cases, and others by
// the simulator's bill rules, writing nothing.
func TestPascaTesting(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		a := newAccount(t, s, 50_000)
		hooks := newSink(t)
		loketest.SetWebhookURL(t, s, a.ID, hooks.URL)
		for _, c := range []struct{ customer, inqRC, payStatus, payRC string }{
			{"530000000001", "00", "Sukses", "00"}, {"530000000002", "00", "Gagal", "02"},
			{"530000000003", "00", "Pending", "03"}, {"530000000004", "00", "Pending", "03"},
			{"530000000011", "00", "Sukses", "00"}, {"530000000019", "00", "Gagal", "02"}, {"530000000016", "00", "Pending", "03"},
			{"530000000013", "60", "", "60"}, {"530000000017", "54", "", "54"},
		} {
			ref := "df-test-" + c.customer
			for _, cmd := range []string{"inq-pasca", "pay-pasca", "status-pasca", "pay-pasca"} {
				got := post(t, s, "/transaction", a.pasca(cmd, "pln", c.customer, ref, "testing", true))
				want, rc := "Sukses", c.inqRC
				if cmd != "inq-pasca" {
					want, rc = c.payStatus, c.payRC
				}
				if c.inqRC != "00" {
					want = "Gagal"
				}
				if got.data["status"] != want || got.data["rc"] != rc || got.data["buyer_last_saldo"] != float64(50_000) {
					t.Errorf("testing %s %s: %d %s, want %s rc %s", cmd, c.customer, got.status, got.raw, want, rc)
				}
				if want != "Gagal" && num(got.data["price"]) <= 0 {
					t.Errorf("testing %s %s: no price: %s", cmd, c.customer, got.raw)
				}
			}
		}
		wantRC(t, post(t, s, "/transaction", a.pasca("inq-pasca", "HSA5", "530000000001", "df-test-prepaid", "testing", true)), 400, "43")
		wantRC(t, post(t, s, "/transaction", a.pasca("inq-pasca", "pln", "12", "df-test-short", "testing", true)), 400, "40")
		time.Sleep(2 * loketest.SimDelay)
		if inquiryCount(t, s, a.ID) != 0 || orderCount(t, s, a.ID) != 0 || loketest.Balance(t, s, a.ID) != 50_000 || hooks.count() != 0 {
			t.Errorf("testing mode wrote: %d inquiries, %d orders, balance %d, %d webhooks", inquiryCount(t, s, a.ID),
				orderCount(t, s, a.ID), loketest.Balance(t, s, a.ID), hooks.count())
		}
	})
}
