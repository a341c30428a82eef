package digiflazz_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/compat/digiflazz"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

const base = "/compat/digiflazz/v1"

type account struct {
	*loketest.Reseller
}

func newAccount(t testing.TB, s *server.Server, balance int64) account {
	t.Helper()
	return account{loketest.CreateReseller(t, s, loket.NewResellerInput{Username: loketest.Username("df"), Balance: loket.Money(balance)})}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// sign is Digiflazz's signature with the account's Digiflazz key, its secret key.
func (a account) sign(suffix string) string { return md5hex(a.Username + a.Creds.SecretKey + suffix) }

// answer is a decoded answer: data as a generic JSON value.
type answer struct {
	status int
	raw    string
	data   map[string]any
	list   []any
}

func post(t *testing.T, s *server.Server, path string, body any) answer {
	t.Helper()
	var b []byte
	switch x := body.(type) {
	case string:
		b = []byte(x)
	default:
		b, _ = json.Marshal(x)
	}
	r := loketest.Do(t, http.MethodPost, s.URL+base+path, b, "Content-Type", "application/json")
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil || len(env.Data) == 0 {
		t.Fatalf("POST %s: %d, not Digiflazz's {\"data\": ...}: %q", path, r.Status, r.Body)
	}
	out := answer{status: r.Status, raw: string(r.Body)}
	if env.Data[0] == '[' {
		if err := json.Unmarshal(env.Data, &out.list); err != nil {
			t.Fatal(err)
		}
	} else if err := json.Unmarshal(env.Data, &out.data); err != nil {
		t.Fatalf("POST %s: data is not an object: %s", path, r.Body)
	}
	return out
}

// wantRC checks an answer's HTTP status and rc.
func wantRC(t *testing.T, a answer, status int, rc string) {
	t.Helper()
	if a.status != status || a.data["rc"] != rc {
		t.Fatalf("got %d %s, want HTTP %d rc %s", a.status, a.raw, status, rc)
	}
	if m, _ := a.data["message"].(string); m == "" {
		t.Errorf("rc %s without a message: %s", rc, a.raw)
	}
}

func (a account) trx(sku, customer, ref string, extra ...any) map[string]any {
	m := map[string]any{"username": a.Username, "buyer_sku_code": sku, "customer_no": customer, "ref_id": ref, "sign": a.sign(ref)}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

func orderCount(t *testing.T, s *server.Server, id int64) int {
	t.Helper()
	os, err := s.Core.Orders.Orders(context.Background(), loket.OrderFilter{ResellerID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(os)
}

var seq atomic.Int64

func msisdn(last int) string { return fmt.Sprintf("0813%06d%d", seq.Add(1)%1e6, last) }

// TestBalancePriceList: cek-saldo and price-list signed as Digiflazz signs them, with
// the Loket username and secret key; the API key, a wrong username or signature are
// rc 41; the price list has Digiflazz's fields and JSON types and names no supplier.
func TestBalancePriceList(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		a := newAccount(t, s, 123_456)
		got := post(t, s, "/cek-saldo", map[string]any{"cmd": "deposit", "username": a.Username, "sign": a.sign("depo")})
		if got.status != 200 || got.data["deposit"] != float64(123_456) {
			t.Fatalf("cek-saldo: %d %s", got.status, got.raw)
		}
		for name, body := range map[string]map[string]any{
			"API key":       {"cmd": "deposit", "username": a.Username, "sign": md5hex(a.Username + a.Creds.APIKey + "depo")},
			"wrong suffix":  {"cmd": "deposit", "username": a.Username, "sign": a.sign("pricelist")},
			"unknown user":  {"cmd": "deposit", "username": "nobody-here", "sign": md5hex("nobody-here" + a.Creds.SecretKey + "depo")},
			"no sign":       {"cmd": "deposit", "username": a.Username},
			"sign not text": {"cmd": "deposit", "username": a.Username, "sign": []int{1}},
		} {
			r := post(t, s, "/cek-saldo", body)
			want := "41"
			if name == "no sign" || name == "sign not text" {
				want = "40"
			}
			if r.status != 400 || r.data["rc"] != want {
				t.Errorf("%s: %d %s, want 400 rc %s", name, r.status, r.raw, want)
			}
		}

		pl := post(t, s, "/price-list", map[string]any{"cmd": "prepaid", "username": a.Username, "sign": a.sign("pricelist")})
		if pl.status != 200 || len(pl.list) == 0 {
			t.Fatalf("price-list: %d %.300s", pl.status, pl.raw)
		}
		var hsa5 map[string]any
		for _, it := range pl.list {
			m := it.(map[string]any)
			if m["buyer_sku_code"] == "HSA5" {
				hsa5 = m
			}
		}
		if hsa5 == nil {
			t.Fatal("HSA5 is not in the price list")
		}
		types := map[string]string{"product_name": "string", "category": "string", "brand": "string", "type": "string",
			"seller_name": "string", "price": "number", "buyer_sku_code": "string", "buyer_product_status": "bool",
			"seller_product_status": "bool", "unlimited_stock": "bool", "stock": "number", "multi": "bool",
			"start_cut_off": "string", "end_cut_off": "string", "desc": "string"}
		for k, typ := range types {
			v, present := hsa5[k]
			ok := present
			switch typ {
			case "string":
				_, ok = v.(string)
			case "number":
				_, ok = v.(float64)
			case "bool":
				_, ok = v.(bool)
			}
			if !ok {
				t.Errorf("price list item: %s is %T %v, want a %s", k, v, v, typ)
			}
		}
		if hsa5["price"] != float64(productPrice(t, s, "HSA5")) || hsa5["seller_name"] != digiflazz.SellerName || hsa5["start_cut_off"] != "0:0" {
			t.Errorf("HSA5: %v", hsa5)
		}
		if strings.Contains(strings.ToLower(pl.raw), `"sim`) {
			t.Errorf("the price list names the simulator: %.300s", pl.raw)
		}
		one := post(t, s, "/price-list", map[string]any{"cmd": "prepaid", "code": "hsa5", "username": a.Username, "sign": a.sign("pricelist")})
		if len(one.list) != 1 {
			t.Errorf("price-list with code: %d items", len(one.list))
		}
		for _, it := range pl.list {
			if code := it.(map[string]any)["buyer_sku_code"]; code == "pln" {
				t.Errorf("the prepaid price list has the postpaid product %v", code)
			}
		}
		wantRC(t, post(t, s, "/price-list", map[string]any{"cmd": "prepaid", "username": a.Username, "sign": a.sign("depo")}), 400, "41")

		// Another method, another path: Digiflazz's shape, never the mux's.
		r := loketest.Do(t, http.MethodGet, s.URL+base+"/cek-saldo", nil)
		if r.Status != 405 || !strings.Contains(string(r.Body), `"rc":"40"`) {
			t.Errorf("GET cek-saldo: %d %s", r.Status, r.Body)
		}
		wantRC(t, post(t, s, "/inquiry-pln", map[string]any{"username": a.Username}), 400, "40") // no customer_no
		wantRC(t, post(t, s, "/nope", map[string]any{"username": a.Username}), 404, "40")
	})
}

func productPrice(t *testing.T, s *server.Server, code string) loket.Money {
	t.Helper()
	p, err := s.Core.Catalog.Product(code, "")
	if err != nil {
		t.Fatal(err)
	}
	return p.Price
}

// hookSink records what reaches a webhook URL.
type hookSink struct {
	*httptest.Server
	mu   sync.Mutex
	got  []*http.Request
	body []string
}

func newSink(t *testing.T) *hookSink {
	h := &hookSink{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, r)
		h.body = append(h.body, string(b))
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

// wait returns the n-th request received (from 0), waiting for it.
func (h *hookSink) wait(t *testing.T, n int, within time.Duration) (*http.Request, string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		h.mu.Lock()
		if len(h.got) > n {
			r, b := h.got[n], h.body[n]
			h.mu.Unlock()
			return r, b
		}
		h.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("webhook %d did not arrive within %v", n+1, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *hookSink) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

// waitStatus re-sends a top-up (Digiflazz's status check) until it is final.
func waitStatus(t *testing.T, s *server.Server, body map[string]any, within time.Duration) answer {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		a := post(t, s, "/transaction", body)
		if a.data["status"] != "Pending" || time.Now().After(deadline) {
			return a
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTransaction: a top-up is one order charged once however often it is sent; its
// status is the same request again; failures are refunded; every refusal is
// Digiflazz's answer and writes nothing; webhooks come in Digiflazz's shape and
// headers, to cb_url when the order names one.
func TestTransaction(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		a := newAccount(t, s, 100_000)
		hooks, cb := newSink(t), newSink(t)
		loketest.SetWebhookURL(t, s, a.ID, hooks.URL)
		price := productPrice(t, s, "HSA5")

		// Success at once; the same request again is its status, charged once.
		okBody := a.trx("HSA5", msisdn(0), "df-ok")
		first := post(t, s, "/transaction", okBody)
		if first.status != 200 || (first.data["status"] != "Pending" && first.data["status"] != "Sukses") {
			t.Fatalf("top-up: %d %s", first.status, first.raw)
		}
		for _, k := range []string{"ref_id", "customer_no", "buyer_sku_code", "message", "status", "rc", "sn", "buyer_last_saldo", "price", "tele", "wa"} {
			if _, ok := first.data[k]; !ok {
				t.Errorf("answer has no %s: %s", k, first.raw)
			}
		}
		if first.data["customer_no"] != okBody["customer_no"] || first.data["ref_id"] != "df-ok" || first.data["price"] != float64(price) {
			t.Errorf("answer: %s", first.raw)
		}
		done := waitStatus(t, s, okBody, 10*time.Second)
		if done.data["status"] != "Sukses" || done.data["rc"] != "00" || done.data["sn"] == "" {
			t.Fatalf("status of a success: %s", done.raw)
		}
		if done.data["buyer_last_saldo"] != float64(100_000-price) {
			t.Errorf("buyer_last_saldo %v, want %d", done.data["buyer_last_saldo"], 100_000-price)
		}

		// Its webhook: Digiflazz's body and headers, signed with the secret key.
		req, body := hooks.wait(t, 0, 10*time.Second)
		if req.Header.Get("X-Hub-Signature") != digiflazz.Signature(a.Creds.SecretKey, []byte(body)) ||
			req.Header.Get("X-Digiflazz-Event") != "update" || req.Header.Get("User-Agent") != "Digiflazz-Hookshot" ||
			req.Header.Get("X-Digiflazz-Delivery") == "" {
			t.Errorf("webhook headers: %v", req.Header)
		}
		var hook struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(body), &hook); err != nil || hook.Data["ref_id"] != "df-ok" || hook.Data["status"] != "Sukses" ||
			hook.Data["rc"] != "00" || hook.Data["trx_id"] == "" {
			t.Errorf("webhook body: %s", body)
		}

		// Failure, refunded; pending then success, asked for by the same request.
		fail := a.trx("HSA5", msisdn(2), "df-fail")
		if got := waitStatus(t, s, fail, 10*time.Second); got.data["status"] != "Gagal" || got.data["rc"] != "02" || got.data["sn"] != "" {
			t.Errorf("failure: %s", got.raw)
		}
		later := a.trx("HSA5", msisdn(3), "df-later", "cb_url", cb.URL+"/cb", "max_price", float64(price), "msg", "catatan")
		if got := post(t, s, "/transaction", later); got.data["status"] != "Pending" || got.data["rc"] != "03" {
			t.Errorf("pending: %s", got.raw)
		}
		if got := waitStatus(t, s, later, 10*time.Second); got.data["status"] != "Sukses" {
			t.Errorf("pending, then: %s", got.raw)
		}
		// Its report went to cb_url, not to the webhook URL.
		creq, cbody := cb.wait(t, 0, 10*time.Second)
		if creq.URL.Path != "/cb" || !strings.Contains(cbody, `"ref_id":"df-later"`) || creq.Header.Get("X-Hub-Signature") != digiflazz.Signature(a.Creds.SecretKey, []byte(cbody)) {
			t.Errorf("cb_url report: %s %s", creq.URL.Path, cbody)
		}
		if kept, err := s.Core.DB.Setting(context.Background(), fmt.Sprintf("webhook.order_url:%d:df-later", a.ID)); err != nil || kept != "" {
			t.Errorf("the cb_url outlived its report: %q %v", kept, err)
		}
		hooks.wait(t, 1, 10*time.Second) // the failure's
		time.Sleep(300 * time.Millisecond)
		if n := hooks.count(); n != 2 {
			t.Errorf("the webhook URL got %d reports, want 2 (ok, fail)", n)
		}

		n := orderCount(t, s, a.ID)
		balance := loketest.Balance(t, s, a.ID)
		if want := loket.Money(100_000 - 2*price); balance != want {
			t.Errorf("balance %d, want %d (two successes, one refund)", balance, want)
		}
		// Refusals: Digiflazz's answer, nothing written.
		wantRC(t, post(t, s, "/transaction", a.trx("HSA5", okBody["customer_no"].(string)+"1", "df-ok")), 400, "49")
		wantRC(t, post(t, s, "/transaction", a.trx("S5", okBody["customer_no"].(string), "df-ok")), 400, "49")
		wantRC(t, post(t, s, "/transaction", a.trx("NOPE", msisdn(0), "df-sku")), 400, "43")
		wantRC(t, post(t, s, "/transaction", a.trx("pln", "530000000001", "df-bill")), 400, "43") // a bill: inq-pasca, pay-pasca
		bad := a.trx("HSA5", msisdn(0), "df-sign")
		bad["sign"] = md5hex(a.Username + a.Creds.APIKey + "df-sign")
		wantRC(t, post(t, s, "/transaction", bad), 400, "41")
		wantRC(t, post(t, s, "/transaction", `{"username": "x", "ref_id": `), 400, "40")
		wantRC(t, post(t, s, "/transaction", a.trx("HSA5", "08\x0012345670", "df-nul")), 400, "40")
		wantRC(t, post(t, s, "/transaction", a.trx("HSA5", msisdn(0), strings.Repeat("r", 2000))), 400, "40")
		wantRC(t, post(t, s, "/transaction", a.trx("HSA5", msisdn(0), " df-space")), 400, "40")
		wantRC(t, post(t, s, "/transaction", a.trx("HSA5", msisdn(0), "df-max", "max_price", 1)), 400, "69")
		wantRC(t, post(t, s, "/transaction", a.trx("HSA5", "12", "df-target")), 400, "54")
		wantRC(t, post(t, s, "/transaction", a.trx("HSA5", msisdn(0), "df-cb", "cb_url", "ftp://example.com/x")), 400, "40")
		wantRC(t, post(t, s, "/transaction", a.trx("HSA5", msisdn(0), "df-pasca", "commands", "inq-pasca")), 400, "43") // prepaid
		wantRC(t, post(t, s, "/transaction", a.trx("HSA5", msisdn(0), "df-cmd", "commands", "topup")), 400, "40")
		big := a.trx("HSA5", msisdn(0), "df-big")
		big["pad"] = strings.Repeat("x", 2<<20)
		if r := post(t, s, "/transaction", big); r.status != 413 || r.data["rc"] != "40" {
			t.Errorf("oversized: %d %s", r.status, r.raw)
		}
		poor := newAccount(t, s, 10)
		wantRC(t, post(t, s, "/transaction", poor.trx("HSA5", msisdn(0), "df-poor")), 400, "44")
		if orderCount(t, s, poor.ID) != 0 || loketest.Balance(t, s, poor.ID) != 10 {
			t.Error("a refused top-up wrote something")
		}
		if got := orderCount(t, s, a.ID); got != n {
			t.Errorf("refusals wrote orders: %d, was %d", got, n)
		}
		if got := loketest.Balance(t, s, a.ID); got != balance {
			t.Errorf("refusals moved money: %d, was %d", got, balance)
		}

		// The IP allowlist holds here as for the API key.
		allow := []string{"203.0.113.0/24"}
		if err := s.Core.Resellers.UpdateReseller(context.Background(), a.ID, loket.ResellerUpdate{IPAllow: &allow}); err != nil {
			t.Fatal(err)
		}
		wantRC(t, post(t, s, "/cek-saldo", map[string]any{"cmd": "deposit", "username": a.Username, "sign": a.sign("depo")}), 400, "45")
		loketest.VerifyLedger(t, s)
	})
}

// TestTestingMode: "testing": true answers as Digiflazz's test cases, checks what a
// real top-up checks, and writes nothing.
func TestTestingMode(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		a := newAccount(t, s, 50_000)
		hooks := newSink(t)
		loketest.SetWebhookURL(t, s, a.ID, hooks.URL)
		for _, c := range []struct{ customer, status, rc string }{
			{"087800001230", "Sukses", "00"}, {"087800001232", "Gagal", "54"},
			{"087800001233", "Pending", "03"}, {"087800001234", "Pending", "03"},
			{"081299990000", "Sukses", "00"}, {"081299990002", "Gagal", "54"}, {"081299990007", "Pending", "03"},
		} {
			for i := 0; i < 2; i++ { // the same ref_id twice: still nothing kept
				got := post(t, s, "/transaction", a.trx("HSA5", c.customer, "df-test-"+c.customer, "testing", true))
				if got.status != 200 || got.data["status"] != c.status || got.data["rc"] != c.rc || got.data["buyer_last_saldo"] != float64(50_000) {
					t.Errorf("testing %s: %d %s, want %s rc %s", c.customer, got.status, got.raw, c.status, c.rc)
				}
			}
		}
		wantRC(t, post(t, s, "/transaction", a.trx("NOPE", "087800001230", "df-test-sku", "testing", true)), 400, "43")
		wantRC(t, post(t, s, "/transaction", a.trx("pln", "530000000001", "df-test-bill", "testing", true)), 400, "43")
		bad := a.trx("HSA5", "087800001230", "df-test-sign", "testing", true)
		bad["sign"] = "0123456789abcdef0123456789abcdef"
		wantRC(t, post(t, s, "/transaction", bad), 400, "41")
		time.Sleep(2 * loketest.SimDelay)
		if orderCount(t, s, a.ID) != 0 || loketest.Balance(t, s, a.ID) != 50_000 || hooks.count() != 0 {
			t.Errorf("testing mode wrote: %d orders, balance %d, %d webhooks", orderCount(t, s, a.ID), loketest.Balance(t, s, a.ID), hooks.count())
		}
		// testing: false is a real top-up.
		if got := post(t, s, "/transaction", a.trx("HSA5", msisdn(0), "df-real", "testing", false)); got.status != 200 || orderCount(t, s, a.ID) != 1 {
			t.Errorf("testing false: %s", got.raw)
		}
	})
}

// TestDeposit: a bank ticket with the unique amount, through the deposit service.
func TestDeposit(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		a := newAccount(t, s, 0)
		body := map[string]any{"username": a.Username, "amount": 200000, "Bank": "BCA", "owner_name": "John Doe", "sign": a.sign("deposit")}
		wantRC(t, post(t, s, "/deposit", body), 400, "64") // no bank account yet
		if _, err := s.Core.Deposits.AddBankAccount(context.Background(), loket.BankAccount{Bank: "BCA", AccountNo: "0123456789", Beneficiary: "PT Toko"}); err != nil {
			t.Fatal(err)
		}
		got := post(t, s, "/deposit", body)
		total, _ := got.data["amount"].(float64)
		if got.status != 200 || got.data["rc"] != "00" || total <= 200000 || total > 201000 || got.data["account_no"] != "0123456789" || got.data["notes"] == "" {
			t.Fatalf("deposit: %d %s", got.status, got.raw)
		}
		ds, err := s.Core.Deposits.Deposits(context.Background(), a.ID, 10)
		if err != nil || len(ds) != 1 || ds[0].Total != loket.Money(total) || ds[0].Surface != digiflazz.Surface {
			t.Fatalf("deposits: %v %v", ds, err)
		}
		body["Bank"] = "BRI"
		wantRC(t, post(t, s, "/deposit", body), 400, "64")
		body["Bank"], body["sign"] = "BCA", a.sign("depo")
		wantRC(t, post(t, s, "/deposit", body), 400, "41")
		body["sign"], body["amount"] = a.sign("deposit"), "banyak"
		wantRC(t, post(t, s, "/deposit", body), 400, "40")
	})
}

// TestNoPriceNews: Digiflazz pushes no price news, so a reseller whose last order came
// through this surface is sent none (its program would not read the native
// price.updated), while one of the native API is.
func TestNoPriceNews(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		df, native := newAccount(t, s, 100_000), newAccount(t, s, 100_000)
		dfHooks, nativeHooks := newSink(t), newSink(t)
		loketest.SetWebhookURL(t, s, df.ID, dfHooks.URL)
		loketest.SetWebhookURL(t, s, native.ID, nativeHooks.URL)
		post(t, s, "/transaction", df.trx("HSA5", msisdn(0), "df-news"))
		ra, err := s.Core.Resellers.Auth(ctx, native.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Core.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: msisdn(0), RefID: "native-news"}); err != nil {
			t.Fatal(err)
		}
		dfHooks.wait(t, 0, 10*time.Second) // the order's report
		nativeHooks.wait(t, 0, 10*time.Second)
		if _, err := s.Core.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: loket.ScopeProduct, ScopeCode: "HSA5", MarkupFlat: 500, RoundTo: 1}, true); err != nil {
			t.Fatal(err)
		}
		_, news := nativeHooks.wait(t, 1, 15*time.Second)
		if !strings.Contains(news, "price.updated") {
			t.Fatalf("the native reseller's second webhook: %s", news)
		}
		time.Sleep(200 * time.Millisecond)
		if n := dfHooks.count(); n != 1 {
			t.Errorf("the Digiflazz reseller got %d webhooks, want only its order's", n)
		}
		ws, err := s.Core.Webhooks.Webhooks(ctx, df.ID, 10)
		if err != nil || len(ws) != 1 || ws[0].Event != digiflazz.WebhookEvent {
			t.Errorf("the Digiflazz reseller's webhooks: %v %v", ws, err)
		}
	})
}

// TestConcurrentRefs: the same top-up sent many times at once is one order charged
// once; one ref_id sent at once with different numbers is one order, the others rc 49.
func TestConcurrentRefs(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		a := newAccount(t, s, 100_000)
		price := productPrice(t, s, "HSA5")
		same := a.trx("HSA5", msisdn(1), "df-same")
		var wg sync.WaitGroup
		var mu sync.Mutex
		rcs := map[string]int{}
		for i := 0; i < 8; i++ {
			body := same
			if i%2 == 1 {
				body = a.trx("HSA5", msisdn(1), "df-race") // each a different number
			}
			wg.Go(func() {
				got := post(t, s, "/transaction", body)
				mu.Lock()
				rcs[fmt.Sprint(body["ref_id"], " ", got.data["rc"])]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if n := orderCount(t, s, a.ID); n != 2 {
			t.Errorf("%d orders, want 2 (one per ref_id): %v", n, rcs)
		}
		if rcs["df-race 49"] != 3 {
			t.Errorf("answers %v: want 3 of the 4 different bodies under df-race refused with rc 49", rcs)
		}
		waitStatus(t, s, same, 10*time.Second)
		if got := loketest.Balance(t, s, a.ID); got != loket.Money(100_000-2*price) && got != loket.Money(100_000-price) {
			t.Errorf("balance %d after two orders of %d", got, price)
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestAuthFailureLimit: an address that sends 20 requests failing to authenticate in a
// minute is refused (rc 85, HTTP 429) before any look-up, good signature or not;
// another address is not.
func TestAuthFailureLimit(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		a := newAccount(t, s, 0)
		from := func(ip string, body map[string]any) loketest.Response {
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest(http.MethodPost, s.URL+base+"/cek-saldo", strings.NewReader(string(b)))
			res, err := (&http.Client{Transport: loketest.From(ip)}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			out, _ := io.ReadAll(res.Body)
			return loketest.Response{Status: res.StatusCode, Header: res.Header, Body: out}
		}
		good := map[string]any{"cmd": "deposit", "username": a.Username, "sign": a.sign("depo")}
		bad := map[string]any{"cmd": "deposit", "username": a.Username, "sign": a.sign("nope")}
		for i := 0; i < 20; i++ {
			if r := from("127.0.0.41", bad); r.Status != 400 || !strings.Contains(string(r.Body), `"rc":"41"`) {
				t.Fatalf("bad signature %d: %d %s", i, r.Status, r.Body)
			}
		}
		r := from("127.0.0.41", good)
		if r.Status != 429 || !strings.Contains(string(r.Body), `"rc":"85"`) || r.Header.Get("Retry-After") == "" {
			t.Errorf("past the limit: %d %v %s", r.Status, r.Header, r.Body)
		}
		if r := from("127.0.0.42", good); r.Status != 200 {
			t.Errorf("another address: %d %s", r.Status, r.Body)
		}
	})
}

// TestCbURLChecked: a cb_url must pass the checks of a webhook URL; one pointing at a
// private address is refused (rc 40) and nothing is written.
func TestCbURLChecked(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine, "--allow-private-webhooks=0")
		a := newAccount(t, s, 100_000)
		for _, u := range []string{"http://127.0.0.1:9/cb", "http://10.1.2.3/cb", "http://localhost/cb", "http://2130706433/cb", "javascript:alert(1)"} {
			r := post(t, s, "/transaction", a.trx("HSA5", msisdn(0), "df-cb-private", "cb_url", u))
			if r.status != 400 || r.data["rc"] != "40" || !strings.Contains(r.data["message"].(string), "cb_url") {
				t.Errorf("cb_url %s: %d %s", u, r.status, r.raw)
			}
		}
		if n := orderCount(t, s, a.ID); n != 0 || loketest.Balance(t, s, a.ID) != 100_000 {
			t.Errorf("refused cb_urls wrote %d orders", n)
		}
		// A good cb_url of a top-up refused for another reason is not kept either.
		wantRC(t, post(t, s, "/transaction", a.trx("NOPE", msisdn(0), "df-cb-sku", "cb_url", "https://example.com/cb")), 400, "43")
		for _, ref := range []string{"df-cb-private", "df-cb-sku"} {
			got, err := s.Core.DB.Setting(context.Background(), fmt.Sprintf("webhook.order_url:%d:%s", a.ID, ref))
			if err != nil || got != "" {
				t.Errorf("%s: a refused top-up's cb_url was kept: %q %v", ref, got, err)
			}
		}
	})
}
