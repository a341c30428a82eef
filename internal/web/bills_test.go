package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

var (
	payActionRE = regexp.MustCompile(`action="/app/bills/(\d+)/pay"`)
	refIDRE     = regexp.MustCompile(`name="ref_id" value="([^"]+)"`)
	orderIDRE   = regexp.MustCompile(`<h1>Pesanan #(\d+)</h1>`)
)

// find is the first submatch of re in body, or fails.
func find(t testing.TB, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("page lacks %s:\n%.3000s", re, body)
	}
	return m[1]
}

// count is the number of rows of a table.
func count(t testing.TB, s *server.Server, table string) int {
	t.Helper()
	var n int
	if err := s.DB.W.QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// unchanged fails when table no longer has n rows: what was refused wrote nothing.
func unchanged(t testing.TB, s *server.Server, table string, n int, what string) {
	t.Helper()
	if got := count(t, s, table); got != n {
		t.Fatalf("%s wrote %d rows of %s", what, got-n, table)
	}
}

// signedIn is a new reseller with a balance, signed in on a browser of its own.
func signedIn(t testing.TB, s *server.Server, balance int64) (*loketest.Reseller, *browser) {
	t.Helper()
	r := addReseller(t, s, balance, "rahasia-"+itoa(balance))
	b := newBrowser(t, s)
	b.login("reseller", r.Username, "rahasia-"+itoa(balance))
	return r, b
}

// pay submits the pay form of the bill page body, as the page gave it.
func pay(t testing.TB, b *browser, body string) (int, string) {
	t.Helper()
	return b.post("/app/bills/"+find(t, payActionRE, body)+"/pay", url.Values{"ref_id": {find(t, refIDRE, body)}})
}

// lastMonth is the period of a one-month bill of the simulator, as the pages write
// it: the month before this one in WIB.
func lastMonth() string {
	wib, _ := time.LoadLocation("Asia/Jakarta")
	now := time.Now().In(wib)
	m := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, wib).AddDate(0, -1, 0)
	names := []string{"Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"}
	return names[m.Month()-1] + " " + m.Format("2006")
}

// inquire checks a bill on the bills page and returns the bill's page.
func inquire(t testing.TB, b *browser, product, customer string) (int, string) {
	t.Helper()
	b.get("/app/bills")
	return b.post("/app/bills", url.Values{"product": {product}, "customer_no": {customer}})
}

// The bill flow on the reseller's pages: check, read, confirm, pay, the order and its
// receipt; every refusal as a sentence on the page, nothing written; another
// reseller's bill not found; a double submit pays once.
func TestBillPages(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		r, rb := signedIn(t, s, 2_000_000)

		st, body := rb.get("/app/bills")
		must(t, st, body, 200, "Bayar tagihan", "PLN Pascabayar", "PDAM", "BPJS Kesehatan", "Telkomsel Halo", `href="/app/pln"`)

		// Check: the bill with its period in Indonesian, the total and the commission.
		st, body = inquire(t, rb, "pln", "530000000001")
		must(t, st, body, 200, "PLN Pascabayar", lastMonth(), "R1/1300 VA", "Komisi Anda", "Berlaku sampai", "WIB", "Bayar Rp ")
		inq := find(t, payActionRE, body)
		ref := find(t, refIDRE, body)
		name := find(t, regexp.MustCompile(`id="bill-name">([^<]+)<`), body)

		// Pay, twice with the form's ref_id: one order.
		orders := count(t, s, "orders")
		st, body = rb.post("/app/bills/"+inq+"/pay", url.Values{"ref_id": {ref}})
		must(t, st, body, 200)
		oid := find(t, orderIDRE, body)
		rb.get("/app/bills/" + inq)
		st, body = rb.post("/app/bills/"+inq+"/pay", url.Values{"ref_id": {ref}})
		must(t, st, body, 200, "Pesanan #"+oid)
		unchanged(t, s, "orders", orders+1, "paying twice")
		if got := waitOrder(t, s, oid); got != "success" {
			t.Fatalf("bill payment %s", got)
		}
		st, body = rb.get("/app/orders/" + oid)
		must(t, st, body, 200, "success", "No. referensi", name, lastMonth(), "/app/orders/"+oid+"/struk")
		st, body = rb.get("/app/orders/" + oid + "/struk")
		must(t, st, body, 200, "STRUK PEMBAYARAN", name, "530000000001", "Total bayar", "No. referensi", "data-print", "Periode "+lastMonth())
		st, body = rb.get("/app/orders")
		must(t, st, body, 200, "/app/orders/"+oid+"/struk")

		// Nothing of the supplier's shows: its refs, its trx, its price.
		id, _ := strconv.ParseInt(inq, 10, 64)
		kept, err := s.DB.Inquiry(context.Background(), id, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/app/bills/" + inq, "/app/orders/" + oid, "/app/orders/" + oid + "/struk", "/app/orders", "/app/orders.csv"} {
			st, body := rb.get(p)
			must(t, st, body, 200)
			for _, leak := range []string{kept.Ref, kept.SupplierTrx, rupiahText(int64(kept.Cost))} {
				if leak != "" && strings.Contains(body, leak) {
					t.Errorf("%s shows %q", p, leak)
				}
			}
		}

		// A biller's details, named in Indonesian.
		st, body = inquire(t, rb, "bpjs", "0001234562")
		must(t, st, body, 200, "BPJS Kesehatan", "Jumlah peserta", "Denda")

		// Refusals: a sentence each, on the form, and no inquiry kept.
		inquiries := count(t, s, "inquiries")
		for _, c := range []struct{ product, customer, want string }{
			{"pln", "530000000003", "Tidak ada tagihan yang perlu dibayar untuk nomor pelanggan ini."},
			{"pln", "530000000004", "Tagihan ini sudah dibayar."},
			{"PDAM", "530000000007", "Nomor pelanggan tidak ditemukan. Periksa kembali nomornya."},
			{"pln", "530000000008", "Tagihan ini melebihi batas satu kali pembayaran"},
			{"pln", "", "Nomor pelanggan harus 6–20 angka."},
			{"pln", "53ab00000001", "Nomor pelanggan harus 6–20 angka."},
			{"pln", "123", "Nomor pelanggan harus 6–20 angka."},
			{"", "530000000001", "Pilih produk tagihan dari daftar."},
			{"PLN20", "530000000001", "Pilih produk tagihan dari daftar."},
		} {
			st, body := inquire(t, rb, c.product, c.customer)
			must(t, st, body, http.StatusUnprocessableEntity, c.want, `id="bill-form"`)
			if c.customer != "" && !strings.Contains(body, `value="`+c.customer+`"`) {
				t.Errorf("%s: the form lost the customer number", c.customer)
			}
		}
		unchanged(t, s, "inquiries", inquiries, "refused checks")

		// Another reseller's bill is not found, and cannot be paid.
		_, ob := signedIn(t, s, 1_000_000)
		_, body = inquire(t, rb, "PDAM", "123456781")
		mine := find(t, payActionRE, body)
		st, body = ob.get("/app/bills/" + mine)
		must(t, st, body, http.StatusNotFound)
		ob.get("/app")
		orders = count(t, s, "orders")
		st, body = ob.post("/app/bills/"+mine+"/pay", url.Values{"ref_id": {"WEBOTHER1"}})
		must(t, st, body, http.StatusNotFound)
		// A POST without Origin or Referer is refused, however right its token.
		rb.get("/app/bills/" + mine)
		form := url.Values{"csrf": {rb.csrf()}, "ref_id": {"WEBNOORIGIN1"}}
		req, _ := http.NewRequest("POST", s.URL+"/app/bills/"+mine+"/pay", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		st, body = rb.do(req)
		must(t, st, body, http.StatusForbidden)
		unchanged(t, s, "orders", orders, "refused payments")

		// Not enough balance.
		_, pb := signedIn(t, s, 1_000)
		_, body = inquire(t, pb, "pln", "530000000011")
		st, body = pay(t, pb, body)
		must(t, st, body, http.StatusUnprocessableEntity, "Saldo tidak cukup untuk membayar tagihan ini.")

		// A payment that fails is refunded; its inquiry cannot be paid again.
		_, body = inquire(t, rb, "pln", "530000000009")
		inq = find(t, payActionRE, body)
		_, body = pay(t, rb, body)
		if got := waitOrder(t, s, find(t, orderIDRE, body)); got != "failed" {
			t.Fatalf("payment of a failing bill: %s", got)
		}
		rb.get("/app/bills/" + inq)
		st, body = rb.post("/app/bills/"+inq+"/pay", url.Values{"ref_id": {"WEBAGAIN9"}})
		must(t, st, body, http.StatusUnprocessableEntity, "Pembayaran tagihan ini sudah gagal dan dananya dikembalikan.")

		// A bill checked yesterday whose amount moved: the new amount, to confirm again.
		expire := func(id string) {
			t.Helper()
			if _, err := s.DB.W.ExecContext(context.Background(), `UPDATE inquiries SET valid_until = $1 WHERE id = $2`,
				time.Now().Add(-time.Hour).UnixMicro(), id); err != nil {
				t.Fatal(err)
			}
		}
		_, body = inquire(t, rb, "pln", "530000000010")
		inq = find(t, payActionRE, body)
		expire(inq)
		st, body = rb.get("/app/bills/" + inq)
		must(t, st, body, 200, "Waktu cek tagihan ini sudah lewat")
		st, body = pay(t, rb, body)
		must(t, st, body, http.StatusConflict, "Jumlah tagihan berubah dari Rp ", "konfirmasi lagi")
		fresh := find(t, payActionRE, body)
		if fresh == inq {
			t.Fatal("the changed bill shows the old inquiry")
		}
		st, body = pay(t, rb, body)
		must(t, st, body, 200)
		if got := waitOrder(t, s, find(t, orderIDRE, body)); got != "success" {
			t.Fatalf("payment of the new amount: %s", got)
		}

		// A payment the biller settles later: the order page follows it until then.
		_, body = inquire(t, rb, "HALO", "0812345676")
		st, body = pay(t, rb, body)
		must(t, st, body, 200)
		if strings.Contains(body, `id="order-status">pending`) && !strings.Contains(body, "data-poll=") {
			t.Error("a pending payment's page does not follow it")
		}
		pending := find(t, orderIDRE, body)
		if got := waitOrder(t, s, pending); got != "success" {
			t.Fatalf("a payment settled later: %s", got)
		}

		// In English, by the switch.
		st, body = rb.get("/lang/en?back=/app/bills/" + fresh)
		must(t, st, body, 200, "Your commission", "Valid until", "Pay Rp ", "Period")
		st, body = rb.get("/app/orders/" + oid + "/struk")
		must(t, st, body, 200, "PAYMENT RECEIPT", "Reference number", "Print")
		rb.get("/lang/id?back=/app")

		// The operator sees the bill with the supplier's cost and the margin.
		addAdmin(t, s, "boss", "rahasia-boss")
		op := newBrowser(t, s)
		op.login("admin", "boss", "rahasia-boss")
		st, body = op.get("/admin/orders/" + oid)
		must(t, st, body, 200, `id="admin-bill"`, name, lastMonth(), "Modal supplier", "Margin", `id="bill-margin">Rp `)
		st, body = op.get("/admin/orders?reseller=" + r.Username)
		must(t, st, body, 200, "tagihan")

		// Expired, and nobody to ask again: said so, nothing charged.
		_, body = inquire(t, rb, "pln", "530000000021")
		inq = find(t, payActionRE, body)
		expire(inq)
		loketest.DisableSupplier(t, s, "sim")
		orders = count(t, s, "orders")
		st, body = pay(t, rb, body)
		must(t, st, body, http.StatusUnprocessableEntity, "Cek tagihan ini sudah kedaluwarsa")
		unchanged(t, s, "orders", orders, "an expired bill")
		loketest.VerifyLedger(t, s)
	})
}

// PLN tokens: the meter is checked before buying (in the order form and on its own
// page), and the token's SN shows as customers know it.
func TestPLNMeterPages(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		_, rb := signedIn(t, s, 500_000)

		st, body := rb.get("/app/pln?customer_no=530000000001")
		must(t, st, body, 200, `id="meter-name"`, "Tarif/Daya", "/app/order?brand=PLN")
		name := find(t, regexp.MustCompile(`id="meter-name">([^<]+)<`), body)
		st, body = rb.get("/app/pln?customer_no=530000000007")
		must(t, st, body, http.StatusUnprocessableEntity, "Nomor meter/ID pelanggan tidak ditemukan.")
		st, body = rb.get("/app/pln?customer_no=12x")
		must(t, st, body, http.StatusUnprocessableEntity, "Nomor meter/ID pelanggan harus 6–20 angka.")

		// The order form: first the meter, then the tokens, confirmed with its name.
		st, body = rb.get("/app/order?brand=PLN")
		must(t, st, body, 200, `id="meter-form"`, "Cek Meter")
		if strings.Contains(body, `id="order-form"`) {
			t.Fatal("the tokens show before the meter is checked")
		}
		st, body = rb.get("/app/order?brand=PLN&target=530000000007")
		must(t, st, body, http.StatusUnprocessableEntity, "Nomor meter/ID pelanggan tidak ditemukan.", `id="meter-form"`)
		st, body = rb.get("/app/order?brand=PLN&target=530000000001")
		must(t, st, body, 200, `id="order-form"`, name, "Token PLN 20.000", "Beli token listrik untuk "+name)
		st, body = rb.post("/app/order", url.Values{"brand": {"PLN"}, "target": {"530000000001"}, "product": {"PLN20"},
			"ref_id": {find(t, refIDRE, body)}})
		must(t, st, body, 200)
		oid := find(t, orderIDRE, body)
		if got := waitOrder(t, s, oid); got != "success" {
			t.Fatalf("token order: %s", got)
		}
		st, body = rb.get("/app/orders/" + oid)
		must(t, st, body, 200, `id="order-token"`, name, "kWh")
		token := find(t, regexp.MustCompile(`id="order-token">([^<]+)<`), body)
		if !regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4} \d{4}$`).MatchString(token) {
			t.Fatalf("token shown as %q", token)
		}
		st, body = rb.get("/app/orders/" + oid + "/struk")
		must(t, st, body, 200, "TOKEN", token, name, "R1/", "kWh", "Harga")
	})
}
