package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// dfBiller is a Digiflazz stand-in for postpaid bills and PLN checks, speaking the
// documented shapes (Cek Tagihan inq-pasca, Bayar Tagihan pay-pasca, Inquiry PLN,
// Webhooks). It checks every signature. The customer number's last digit decides
// what paying does: 1 Sukses at once, 6 Pending (the result comes by webhook), 9
// Gagal, 5 an HTTP 500 (no usable answer); 0 makes each inquiry of the customer a
// little dearer, as a bill whose amount moved.
type dfBiller struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	inqs map[string]int  // inquiries per customer
	paid map[string]bool // customer numbers paid (Sukses)
	pays map[string]int  // pay-pasca requests per ref_id
}

const (
	dfUser   = "lokettest"
	dfKey    = "prod-key-bills-0123456789"
	dfSecret = "webhook-secret-bills"
)

func newDFBiller(t *testing.T) *dfBiller {
	f := &dfBiller{t: t, inqs: map[string]int{}, paid: map[string]bool{}, pays: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (f *dfBiller) serve(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad json", 400)
		return
	}
	str := func(k string) string { s, _ := req[k].(string); return s }
	answer := func(status int, data map[string]any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"data": data})
	}
	switch r.URL.Path {
	case "/v1/inquiry-pln":
		if str("sign") != md5hex(dfUser+dfKey+str("customer_no")) {
			answer(400, map[string]any{"message": "Signature Anda salah", "status": "Gagal", "rc": "41"})
			return
		}
		c := str("customer_no")
		if strings.HasSuffix(c, "7") {
			answer(200, map[string]any{"message": "Nomor meter/Id pelanggan salah", "status": "Gagal", "rc": "54", "customer_no": c})
			return
		}
		answer(200, map[string]any{"message": "Transaksi Sukses", "status": "Sukses", "rc": "00", "customer_no": c, "meter_no": c,
			"subscriber_id": "523300817840", "name": "IBU SITI AMINAH", "segment_power": "R1 /000001300"})
		return
	case "/v1/transaction":
	default:
		http.NotFound(w, r)
		return
	}
	ref, cust, sku := str("ref_id"), str("customer_no"), str("buyer_sku_code")
	if str("username") != dfUser || str("sign") != md5hex(dfUser+dfKey+ref) {
		answer(400, map[string]any{"ref_id": ref, "message": "Signature Anda salah", "status": "Gagal", "rc": "41"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	base := map[string]any{"ref_id": ref, "customer_no": cust, "buyer_sku_code": sku, "customer_name": "BAPAK BUDI SANTOSO",
		"admin": 2500, "buyer_last_saldo": 5000000}
	bill := func(price int) map[string]any {
		d := map[string]any{}
		for k, v := range base {
			d[k] = v
		}
		d["price"], d["selling_price"] = price, price+100
		d["desc"] = map[string]any{"tarif": "R1", "daya": 1300, "lembar_tagihan": 1, "detail": []map[string]any{
			{"periode": "202611", "nilai_tagihan": fmt.Sprint(price - 1500), "admin": "2500", "denda": "0", "meter_awal": "00010000", "meter_akhir": "00010200"}}}
		return d
	}
	price := 101_000
	if strings.HasSuffix(cust, "0") {
		price += 1000 * f.inqs[cust]
	}
	switch str("commands") {
	case "inq-pasca":
		f.inqs[cust]++
		if f.paid[cust] {
			d := bill(0)
			delete(d, "desc")
			d["status"], d["rc"], d["message"] = "Gagal", "60", "Tagihan sudah lunas"
			answer(200, d)
			return
		}
		d := bill(price)
		d["status"], d["rc"], d["message"] = "Sukses", "00", "Transaksi Sukses"
		answer(200, d)
	case "pay-pasca":
		f.pays[ref]++
		d := bill(price)
		switch cust[len(cust)-1] {
		case '5':
			http.Error(w, "upstream busy", http.StatusInternalServerError)
		case '6':
			d["status"], d["rc"], d["message"] = "Pending", "03", "Transaksi Pending"
			answer(200, d)
		case '9':
			d["status"], d["rc"], d["message"] = "Gagal", "02", "Transaksi Gagal"
			answer(200, d)
		default:
			f.paid[cust] = true
			d["status"], d["rc"], d["message"], d["sn"] = "Sukses", "00", "Transaksi Sukses", "0A1B2C3D4E5F60718293A4B5C6D7E8F9"
			answer(200, d)
		}
	default:
		answer(400, map[string]any{"ref_id": ref, "message": "Command tidak dikenal", "status": "Gagal", "rc": "40"})
	}
}

// webhook posts a signed postpaid webhook for ref to s, as Digiflazz does.
func (f *dfBiller) webhook(t *testing.T, s *server.Server, ref, cust, status, rc, sn string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"data": map[string]any{"ref_id": ref, "customer_no": cust, "buyer_sku_code": "pln",
		"customer_name": "BAPAK BUDI SANTOSO", "status": status, "rc": rc, "sn": sn, "message": status, "price": 101_000, "selling_price": 101_100}})
	m := hmac.New(sha1.New, []byte(dfSecret))
	m.Write(body)
	req, _ := http.NewRequest(http.MethodPost, loketest.CallbackURL(s, "df"), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Digiflazz-Pasca-Hookshot")
	req.Header.Set("X-Digiflazz-Event", "update")
	req.Header.Set("X-Hub-Signature", "sha1="+hex.EncodeToString(m.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook: %d %s", resp.StatusCode, b)
	}
}

// TestBillsThroughDigiflazz: Loket checks and pays bills at a Digiflazz stand-in over
// real HTTP, through the Digiflazz adapter: the bill as the documented answer gives it,
// a payment at once, one pending until the webhook, a failure refunded, an answer
// lost (HTTP 500) settled by the webhook, a bill paid twice charged once, a bill whose
// amount moved refused after its inquiry expired, and a PLN meter check. The ledger
// verifies after each.
func TestBillsThroughDigiflazz(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		f := newDFBiller(t)
		s := loketest.Start(t, engine, "--supplier-timeout=2s")
		// The only routes of pln and PLN20 go to the stand-in.
		loketest.AddSupplier(t, s, loket.Supplier{Name: "df", Kind: "digiflazz", BaseURL: f.srv.URL, APIKey: dfKey, Secret: dfSecret,
			MemberID: dfUser, Enabled: true})
		loketest.DisableSupplier(t, s, "sim")
		loketest.AddRoute(t, s, "pln", "df", "pln", 0, 1)
		loketest.AddRoute(t, s, "PLN20", "df", "pln20", 20_100, 1)
		a := s.Core
		ra := loketest.Buyer(t, a, "loket-bills", 2_000_000)
		verify := func() {
			t.Helper()
			if v, err := a.DB.Verify(ctx); err != nil || len(v) > 0 {
				t.Fatalf("ledger verify: %v %+v", err, v)
			}
		}
		balance := func() loket.Money {
			r, err := a.Resellers.Reseller(ctx, ra.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			return r.Balance
		}
		final := func(o *loket.Order) *loket.Order {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				got, err := a.Orders.Order(ctx, ra.ID, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != loket.StatusPending || time.Now().After(deadline) {
					return got
				}
			}
		}
		pending := func(o *loket.Order) {
			t.Helper()
			time.Sleep(300 * time.Millisecond)
			if got, _ := a.Orders.Order(ctx, ra.ID, o.ID); got.Status != loket.StatusPending {
				t.Fatalf("order %d is %s, want pending until the webhook", o.ID, got.Status)
			}
		}
		pay := func(cust, ref string) (*loket.Inquiry, *loket.Order) {
			t.Helper()
			in, err := a.Orders.Inquire(ctx, ra, "pln", cust)
			if err != nil {
				t.Fatalf("inquire %s: %v", cust, err)
			}
			o, created, err := a.Orders.PayBill(ctx, ra, in.ID, ref, "")
			if err != nil || !created {
				t.Fatalf("pay %s: %v created=%v", cust, err, created)
			}
			return in, o
		}

		start := balance()
		in, o := pay("530000000001", "df-1")
		if in.Bill.Name != "BAPAK BUDI SANTOSO" || in.Bill.Tariff != "R1" || in.Bill.Power != "1300" || len(in.Bill.Periods) != 1 ||
			in.Bill.Periods[0].Period != "202611" || in.Cost != 101_000 {
			t.Fatalf("inquiry = %+v", in)
		}
		if o = final(o); o.Status != loket.StatusSuccess || o.SN != "0A1B2C3D4E5F60718293A4B5C6D7E8F9" {
			t.Fatalf("paid at once: %+v", o)
		}
		// The same bill again: the upstream says it is paid, and Loket charges nothing.
		if _, err := a.Orders.Inquire(ctx, ra, "pln", "530000000001"); loket.ErrorCode(err) != loket.EBILLPAID {
			t.Fatalf("inquiry of a paid bill: %v", err)
		}
		if again, created, err := a.Orders.PayBill(ctx, ra, in.ID, "df-1b", ""); err != nil || created || again.ID != o.ID {
			t.Fatalf("the inquiry paid again: %+v created=%v %v", again, created, err)
		}
		if got := balance(); got != start-in.Total {
			t.Fatalf("balance %d, want %d", got, start-in.Total)
		}
		verify()

		// Pending, then the webhook settles it.
		in6, o6 := pay("530000000006", "df-6")
		pending(o6)
		f.webhook(t, s, in6.Ref, "530000000006", "Sukses", "00", "FFEEDDCCBBAA99887766554433221100")
		if o6 = final(o6); o6.Status != loket.StatusSuccess || o6.SN != "FFEEDDCCBBAA99887766554433221100" {
			t.Fatalf("pending then webhook: %+v", o6)
		}
		verify()

		// Failed: refunded at once, never sent to another supplier.
		before := balance()
		_, o9 := pay("530000000009", "df-9")
		if o9 = final(o9); o9.Status != loket.StatusFailed || balance() != before {
			t.Fatalf("failed payment: %+v, balance %d want %d", o9, balance(), before)
		}
		verify()

		// No usable answer: pending (never refunded on a guess) until the webhook says.
		in5, o5 := pay("530000000005", "df-5")
		pending(o5)
		f.webhook(t, s, in5.Ref, "530000000005", "Sukses", "00", "00112233445566778899AABBCCDDEEFF")
		if o5 = final(o5); o5.Status != loket.StatusSuccess {
			t.Fatalf("lost answer then webhook: %+v", o5)
		}
		verify()

		// The amount moved after the inquiry expired: refused, nothing charged.
		in0, err := a.Orders.Inquire(ctx, ra, "pln", "530000000010")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.DB.W.ExecContext(ctx, `UPDATE inquiries SET valid_until = $1 WHERE id = $2`, time.Now().Add(-time.Minute).UnixMicro(), in0.ID); err != nil {
			t.Fatal(err)
		}
		before = balance()
		if _, _, err := a.Orders.PayBill(ctx, ra, in0.ID, "df-0", ""); loket.ErrorCode(err) != loket.EAMOUNT {
			t.Fatalf("a moved amount: %v, want %s", err, loket.EAMOUNT)
		}
		if balance() != before {
			t.Fatalf("charged for a refused payment")
		}
		f.mu.Lock()
		sent := f.pays["df-0"] + f.pays[in0.Ref]
		f.mu.Unlock()
		if sent != 0 {
			t.Fatalf("a refused payment reached the upstream")
		}
		verify()

		// The PLN meter check before a token.
		m, err := a.Orders.CheckMeter(ctx, ra, "PLN20", "56601234561")
		if err != nil || m.Name != "IBU SITI AMINAH" || m.Tariff != "R1" || m.Power != "1300" {
			t.Fatalf("meter check: %+v %v", m, err)
		}
		if _, err := a.Orders.CheckMeter(ctx, ra, "PLN20", "56601234567"); loket.ErrorCode(err) != loket.ECUSTOMER {
			t.Fatalf("an unknown meter: %v", err)
		}
	})
}
