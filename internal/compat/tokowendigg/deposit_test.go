package tokowendigg_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/loket/loket/internal/compat/tokowendigg"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

var (
	depRefRE  = regexp.MustCompile(`^API\d{16}0[1-9]\d*$`)
	depNoteRE = regexp.MustCompile(`^Deposit berhasil pada \d{4}/\d\d/\d\d \d\d:\d\d:\d\d WIB, saldo Rp 500\.000 telah ditambahkan$`)
)

func TestDeposits(t *testing.T) {
	loketest.Each(t, testDeposits)
}

// page fetches a public invoice page.
func page(t *testing.T, s *server.Server, ref string) (int, string) {
	t.Helper()
	res, err := http.Get(s.URL + "/compat/tokowendigg/trx/" + ref)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// newestDeposit is the reseller's latest deposit.
func newestDeposit(t *testing.T, s *server.Server, id int64) *loket.Deposit {
	t.Helper()
	ds, err := s.DB.Deposits(context.Background(), id, 1)
	if err != nil || len(ds) == 0 {
		t.Fatalf("deposits: %v %v", ds, err)
	}
	return ds[0]
}

func checkDepositTransaction(t *testing.T, st map[string]any, ref, status string) {
	t.Helper()
	checkTransaction(t, st, ref)
	if str(t, st, "provider") != "DEPOSIT" || str(t, st, "product") != "Isi Saldo Rp. 500.000" || str(t, st, "status") != status ||
		str(t, st, "sn") != "N/A" || st["webhook_sent"] != false {
		t.Errorf("deposit status: %v", st)
	}
}

func testDeposits(t *testing.T, engine string) {
	s := loketest.Start(t, engine)
	ctx := context.Background()
	r := newReseller(t, s, 0)
	seed := map[string]any{"amount": 500000, "via": "bca"}
	deposit := func(r reseller, body any) resp {
		return call(t, s, "POST", api+"/transaction/deposit", r.key, r.secret, body)
	}

	t.Run("no bank accounts yet", func(t *testing.T) {
		wantError(t, deposit(r, seed), 400, "Metode pembayaran ini belum tersedia, silahkan hubungi admin")
	})
	loketest.SetupPayments(t, s)

	var ref string
	var total int64
	t.Run("seed example, paid", func(t *testing.T) {
		d := wantOK(t, deposit(r, seed)).(map[string]any)
		ref, total = str(t, d, "reference"), num(t, d, "price")
		if str(t, d, "type") != "deposit" || !depRefRE.MatchString(ref) || str(t, d, "provider") != "DEPOSIT" ||
			str(t, d, "product") != "Isi Saldo Rp. 500.000" || total <= 500000 || total >= 501000 || str(t, d, "via") != "Bank BCA" ||
			str(t, d, "status") != "unpaid" || str(t, d, "invoice_url") != s.URL+"/compat/tokowendigg/trx/"+ref ||
			!timeRE.MatchString(str(t, d, "expired_at")) || len(d) != 9 {
			t.Errorf("deposit: %v", d)
		}
		// The seed's status example answers deposits too.
		st := wantOK(t, call(t, s, "GET", api+"/transaction/"+ref, r.key, "", nil)).(map[string]any)
		checkDepositTransaction(t, st, ref, "unpaid")
		if str(t, st, "expired_at") != str(t, d, "expired_at") || !strings.Contains(str(t, st, "note"), "Rp 500.") {
			t.Errorf("unpaid: %v", st)
		}
		// The invoice page: the transfer to make.
		code, html := page(t, s, ref)
		totalText := "Rp 500." + strconv.FormatInt(total-500000+1000, 10)[1:]
		for _, want := range []string{ref, "Bank BCA", "1234567890", "Bank Mandiri", "0987654321", "Loket Test", totalText, "WIB", "unpaid"} {
			if !strings.Contains(html, want) {
				t.Errorf("invoice lacks %q: %s", want, html)
			}
		}
		if code != 200 {
			t.Errorf("invoice %d", code)
		}

		paid := loketest.Pay(t, s, "bank", loket.Money(total))
		if paid == nil || paid.Amount != 500000 || paid.Total != loket.Money(total) || paid.Fee() != loket.Money(total-500000) || paid.Brand != "DANA" || paid.Status != loket.DepositSuccess {
			t.Fatalf("paid: %+v", paid)
		}
		if got := loketest.Balance(t, s, r.id); got != 500000 {
			t.Errorf("balance %d, want 500000", got)
		}
		// The same total again pays nothing more.
		if again := loketest.Pay(t, s, "bank", loket.Money(total)); again != nil {
			t.Errorf("paid twice: %+v", again)
		}
		if got := loketest.Balance(t, s, r.id); got != 500000 {
			t.Errorf("balance %d after a second payment, want 500000", got)
		}
		st = wantOK(t, call(t, s, "GET", api+"/transaction/"+ref, r.key, "", nil)).(map[string]any)
		checkDepositTransaction(t, st, ref, "success")
		if !depNoteRE.MatchString(str(t, st, "note")) {
			t.Errorf("success: %v", st)
		}
		bal := wantOK(t, call(t, s, "POST", api+"/transaction/balance", r.key, r.secret, "[]")).(map[string]any)
		if num(t, bal, "balance") != 500000 {
			t.Errorf("balance: %v", bal)
		}
		code, html = page(t, s, ref)
		if code != 200 || !strings.Contains(html, "success") || strings.Contains(html, "1234567890") {
			t.Errorf("paid invoice %d: %s", code, html)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		c := newReseller(t, s, 0)
		d := wantOK(t, deposit(c, map[string]any{"amount": "500000", "via": "MANDIRI"})).(map[string]any)
		cref := str(t, d, "reference")
		if str(t, d, "via") != "Bank Mandiri" || str(t, d, "product") != "Isi Saldo Rp. 500.000" {
			t.Errorf("mandiri: %v", d)
		}
		ra, err := s.Core.Resellers.Authenticate(ctx, c.key, "127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		dep := newestDeposit(t, s, c.id)
		if _, err := s.Core.Deposits.CancelDeposit(ctx, ra, dep.ID); err != nil {
			t.Fatal(err)
		}
		st := wantOK(t, call(t, s, "GET", api+"/transaction/"+cref, c.key, "", nil)).(map[string]any)
		checkDepositTransaction(t, st, cref, "expired")
		if !strings.HasPrefix(str(t, st, "note"), "Deposit dibatalkan pada ") || !strings.HasSuffix(str(t, st, "note"), " WIB") {
			t.Errorf("cancelled: %v", st)
		}
		// Paying a cancelled deposit's total credits nothing.
		if paid := loketest.Pay(t, s, "bank", loket.Money(num(t, d, "price"))); paid != nil {
			t.Errorf("a cancelled deposit was paid: %+v", paid)
		}
		if got := loketest.Balance(t, s, c.id); got != 0 {
			t.Errorf("balance %d", got)
		}
		code, html := page(t, s, cref)
		if code != 200 || !strings.Contains(html, "expired") || strings.Contains(html, "0987654321") {
			t.Errorf("cancelled invoice %d: %s", code, html)
		}
	})

	t.Run("limits and input", func(t *testing.T) {
		l := newReseller(t, s, 0)
		wantError(t, deposit(l, map[string]any{"amount": 9999, "via": "bca"}), 400, "Minimum nominal untuk menggunakan metode pembayaran ini Rp 10.000")
		wantError(t, deposit(l, map[string]any{"amount": -5, "via": "bca"}), 400, "Minimum nominal untuk menggunakan metode pembayaran ini Rp 10.000")
		wantError(t, deposit(l, map[string]any{"amount": 10000.5, "via": "bca"}), 400, "Kolom amount tidak valid")
		wantError(t, deposit(l, map[string]any{"amount": "sepuluh", "via": "bca"}), 400, "Kolom amount tidak valid")
		wantError(t, deposit(l, map[string]any{"via": "bca"}), 400, "Kolom amount wajib diisi")
		wantError(t, deposit(l, map[string]any{"amount": 50000}), 400, "Kolom via wajib diisi")
		wantError(t, deposit(l, map[string]any{"amount": 50000, "via": "bri"}), 400, "Metode pembayaran tidak tersedia, gunakan salah satu dari: bca, mandiri")
		wantError(t, deposit(l, map[string]any{"amount": 1e12, "via": "bca"}), 400, "Nominal deposit melebihi batas maksimum")
		wantError(t, deposit(l, "{not json"), 400, "Payload JSON tidak valid")
		wantError(t, deposit(l, map[string]any{"amount": []int{1}, "via": "bca"}), 400, "Kolom amount harus berupa teks")
		for _, b := range []string{`{"amount":null}`, `"x"`, `123`, `[1,2]`, `{"amount":1e400,"via":"bca"}`, "\x00\xff", `{"a":`, "a=%zz",
			`{"amount":"99999999999999999999999","via":"bca"}`, `{"amount":"10000","via":"\u0000"}`} {
			if got := deposit(l, b); got.code >= 500 || got.body == nil || got.code == 200 {
				t.Errorf("body %q: %d %s", b, got.code, got.raw)
			}
		}
		// A form body, "Bank BCA" as via, a whole number with a fraction.
		wantOK(t, call(t, s, "POST", api+"/transaction/deposit/", l.key, l.secret, "amount=10000&via=Bank+BCA",
			"Content-Type", "application/x-www-form-urlencoded"))
		wantOK(t, deposit(l, map[string]any{"amount": 20000.0, "via": "bca"}))
		wantOK(t, deposit(l, map[string]any{"amount": 30000, "via": "bca"}))
		// The fourth open deposit is refused.
		wantError(t, deposit(l, map[string]any{"amount": 40000, "via": "bca"}), 400,
			"Anda masih memiliki deposit yang belum dibayar, selesaikan atau tunggu hingga kedaluwarsa")
		if got := loketest.Balance(t, s, l.id); got != 0 {
			t.Errorf("balance %d", got)
		}
		// Keys, signature, method.
		wantError(t, call(t, s, "POST", api+"/transaction/deposit", "wrong-key", l.secret, seed), 400, "Invalid API Key")
		wantError(t, call(t, s, "POST", api+"/transaction/deposit", l.key, "wrong", seed), 400, "Invalid signature")
		wantError(t, call(t, s, "POST", api+"/transaction/deposit", l.key, "", seed), 400, "Invalid signature")
		wantError(t, call(t, s, "GET", api+"/transaction/deposit", l.key, l.secret, nil), 405, "Method tidak diizinkan")
	})

	t.Run("references", func(t *testing.T) {
		other := newReseller(t, s, 0)
		wantError(t, call(t, s, "GET", api+"/transaction/"+ref, other.key, "", nil), 400, "Transaksi tidak ditemukan")
		wantError(t, call(t, s, "GET", api+"/transaction/"+ref, "wrong", "", nil), 400, "Invalid API Key")
		tampered := ref[:10] + string('0'+(ref[10]-'0'+1)%10) + ref[11:]
		wantError(t, call(t, s, "GET", api+"/transaction/"+tampered, r.key, "", nil), 400, "Transaksi tidak ditemukan")
		if code, _ := page(t, s, tampered); code != 404 {
			t.Errorf("tampered invoice %d", code)
		}
		// An order and a deposit are told apart by the marker: the deposit's reference
		// without it reads as an order's, and is nobody's.
		if ref[19] != '0' {
			t.Fatalf("marker: %s", ref)
		}
		wantError(t, call(t, s, "GET", api+"/transaction/"+ref[:19]+ref[20:], r.key, "", nil), 400, "Transaksi tidak ditemukan")
		// A deposit made elsewhere answers its reseller's key, but has no public page.
		ra, err := s.Core.Resellers.Authenticate(ctx, other.key, "127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.Core.Deposits.CreateDeposit(ctx, ra, "bank", 15000, "api")
		if err != nil {
			t.Fatal(err)
		}
		oref := tokowendigg.DepositReference(d.ID, d.CreatedAt, s.Core.Deposits.QRToken(d.ID))
		st := wantOK(t, call(t, s, "GET", api+"/transaction/"+oref, other.key, "", nil)).(map[string]any)
		if str(t, st, "status") != "unpaid" || str(t, st, "product") != "Isi Saldo Rp. 15.000" {
			t.Errorf("api deposit: %v", st)
		}
		if code, _ := page(t, s, oref); code != 404 {
			t.Errorf("api deposit invoice %d", code)
		}
	})

	loketest.VerifyLedger(t, s)
}
