package chestcloudx_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/compat/chestcloudx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestSeedExamples runs every example request of seed 004 as printed (scheme, host and
// credentials changed) and checks the documented shapes, then the error paths.
func TestSeedExamples(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/chestcloudx/api"

		// auth/register, body as printed.
		d := postJSON(t, base+"/auth/register", `{"username":"toko_a","name":"Toko A","email":"a@x.com","password":"rahasia"}`).data(t)
		if got := loketest.Str(t, d, "user_id"); got != "toko_a" {
			t.Errorf("user_id = %q, want toko_a", got)
		}
		firstKey := loketest.Str(t, d, "api_key")
		if firstKey == "" {
			t.Fatal("empty api_key")
		}
		r, err := s.DB.Reseller(context.Background(), 0, "toko_a")
		if err != nil {
			t.Fatal(err)
		}
		if r.Level != catalog.DemoLevel || r.Balance != 0 || r.Name != "Toko A" || r.Email != "a@x.com" {
			t.Errorf("registered reseller = %+v", r)
		}
		// The key works at once, here and on the native API.
		if got := do(t, http.MethodGet, s.URL+"/v1/me", "", "Authorization", "Bearer "+firstKey); got.Status != 200 {
			t.Fatalf("native /v1/me with the registered key: %d %s", got.Status, got.Raw)
		}

		// auth/register, as a query.
		d = do(t, http.MethodPost, base+"/auth/register?username=toko_b&name=Toko+B&email=b@x.com&password=rahasia", "").data(t)
		if loketest.Str(t, d, "user_id") != "toko_b" || loketest.Str(t, d, "api_key") == "" {
			t.Errorf("register by query: %v", d)
		}
		// A referral code makes a downline of its owner; an unknown one is refused.
		d = postJSON(t, base+"/auth/register", `{"username":"toko_c","password":"rahasia","referral_code":"`+strings.ToLower(r.ReferralCode)+`"}`).data(t)
		c, err := s.Core.Resellers.Authenticate(context.Background(), loketest.Str(t, d, "api_key"), "127.0.0.1:1")
		if err != nil || c.UplineID != r.ID {
			t.Fatalf("registered with toko_a's referral code: %+v %v", c, err)
		}
		if msg := postJSON(t, base+"/auth/register", `{"username":"toko_d","password":"rahasia","referral_code":"NOPE1234"}`).failure(t, 400); !strings.Contains(msg, "Kode referral") {
			t.Errorf("an unknown referral code: %q", msg)
		}
		// Taken username.
		if msg := postJSON(t, base+"/auth/register", `{"username":"toko_a","name":"X","email":"x@x.com","password":"rahasia"}`).failure(t, 409); !strings.Contains(msg, "Username") {
			t.Errorf("taken username message %q", msg)
		}

		// auth/login gets the API key in use: the registered one, which keeps working.
		d = postJSON(t, base+"/auth/login", `{"user_id":"toko_a","password":"rahasia"}`).data(t)
		key := loketest.Str(t, d, "api_key")
		if key != firstKey {
			t.Fatalf("login api_key %q, want the registered %q", key, firstKey)
		}
		if b := loketest.Num(t, d, "balance"); b != 0 {
			t.Errorf("login balance = %v, want 0", b)
		}
		do(t, http.MethodGet, base+"/user/me", "", "X-API-Key", firstKey).data(t)
		postJSON(t, base+"/auth/login", `{"user_id":"toko_a","password":"salah!!"}`).failure(t, 401)

		if _, err := s.Core.Resellers.Credit(context.Background(), r.ID, 50000, "test", "test:toko_a"); err != nil {
			t.Fatal(err)
		}

		// user/me
		d = do(t, http.MethodGet, base+"/user/me", "", "X-API-Key", key).data(t)
		if loketest.Str(t, d, "user_id") != "toko_a" || loketest.Num(t, d, "balance") != 50000 || loketest.Str(t, d, "role") != "reseller" {
			t.Errorf("user/me = %v", d)
		}
		// The same through ?apikey= and Authorization: Bearer, with a trailing slash.
		do(t, http.MethodGet, base+"/user/me?apikey="+key, "").data(t)
		do(t, http.MethodPost, base+"/user/me/", "", "Authorization", "Bearer "+key).data(t)

		// user/regenerate-key
		d = do(t, http.MethodPost, base+"/user/regenerate-key", "", "X-API-Key", key).data(t)
		newKey := loketest.Str(t, d, "api_key")
		if newKey == "" || newKey == key {
			t.Fatalf("regenerated key %q", newKey)
		}
		do(t, http.MethodGet, base+"/user/me", "", "X-API-Key", key).failure(t, 401)
		key = newKey
		do(t, http.MethodGet, base+"/user/me", "", "X-API-Key", key).data(t)
		// and login gets the new one from then on.
		if got := loketest.Str(t, postJSON(t, base+"/auth/login", `{"user_id":"toko_a","password":"rahasia"}`).data(t), "api_key"); got != key {
			t.Errorf("login after regenerate-key: %q, want %q", got, key)
		}

		// services, and ?tipe=Games
		for _, u := range []string{base + "/services", base + "/services?tipe=Games"} {
			d = do(t, http.MethodGet, u, "", "X-API-Key", key).data(t)
			games, ok := d["Games"].([]any)
			if !ok || len(games) == 0 {
				t.Fatalf("%s: no Games list: %v", u, d)
			}
			var found bool
			for _, g := range games {
				m := g.(map[string]any)
				for _, k := range []string{"sid", "kategori", "layanan", "harga", "status"} {
					loketest.Str(t, m, k)
				}
				if m["sid"] == "1" {
					found = true
					want := map[string]any{"sid": "1", "kategori": "Free Fire", "layanan": "70 Diamond", "harga": "10000", "status": "Normal"}
					for k, v := range want {
						if m[k] != v {
							t.Errorf("sid 1 %s = %v, want %v", k, m[k], v)
						}
					}
				}
			}
			if !found {
				t.Errorf("%s: no sid 1", u)
			}
			if strings.Contains(u, "tipe") && len(d) != 1 {
				t.Errorf("?tipe=Games has other types: %d", len(d))
			}
		}
		d = do(t, http.MethodGet, base+"/services?tipe=Nothing", "", "X-API-Key", key).data(t)
		if len(d) != 0 {
			t.Errorf("unknown tipe: %v", d)
		}

		// order/create, Mode A as printed.
		res := postJSON(t, base+"/order/create", `{"layanan":"1","target":"123456789","nometer":"opsional"}`, "X-API-Key", key)
		d = res.data(t)
		id := loketest.Str(t, d, "id")
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			t.Errorf("id %q is not a number in a string", id)
		}
		invoice := loketest.Str(t, d, "invoice")
		if !strings.HasPrefix(invoice, "INV-") {
			t.Errorf("invoice %q", invoice)
		}
		if p := loketest.Str(t, d, "pesan"); p != "Pesanan berhasil dibuat dan sedang diproses." {
			t.Errorf("pesan %q", p)
		}
		if b := loketest.Balance(t, s, r.ID); b != 40000 {
			t.Errorf("balance after order = %d, want 40000", b)
		}
		// Anti double-order: the same layanan and target while pending is refused.
		dupMsg := postJSON(t, base+"/order/create?apikey="+key, `{"layanan":"1","target":"123456789"}`).failure(t, 409)
		if !strings.Contains(dupMsg, "sama") {
			t.Errorf("duplicate message %q", dupMsg)
		}

		// order/status, the PHP example, until final.
		st := waitStatus(t, base, key, id)
		if loketest.Str(t, st, "id") != id || loketest.Str(t, st, "status") != "Success" || !strings.HasPrefix(loketest.Str(t, st, "catatan"), "SN: ") || len(loketest.Str(t, st, "catatan")) <= 4 {
			t.Errorf("order/status = %v", st)
		}
		// by invoice too
		if st := do(t, http.MethodGet, base+"/order/status?id="+invoice, "", "X-API-Key", key).data(t); loketest.Str(t, st, "id") != id {
			t.Errorf("status by invoice = %v", st)
		}
		// The PHP example's own id 55 is not this reseller's order.
		if id != "55" {
			do(t, http.MethodGet, base+"/order/status?apikey="+key+"&id=55", "").failure(t, 404)
		}

		// Mode Saldo curl, as printed, now that the first order is final.
		d = postJSON(t, base+"/order/create?apikey="+key, `{"layanan":"1","target":"123456789"}`).data(t)
		id2 := loketest.Str(t, d, "id")
		if id2 == id {
			t.Error("second order has the first order's id: not idempotent per request")
		}

		// Mode B (dropship) curl, as printed: refused in the seed's shape.
		msg := postJSON(t, base+"/order/create", `{
"layanan":"1",
"target":"123456789",
"selling_price":12000,
"customer_name":"Budi",
"customer_phone":"081234567890"
}`, "X-API-Key", key).failure(t, 400)
		if !strings.Contains(msg, "dropship") {
			t.Errorf("dropship message %q", msg)
		}

		// payment/deposit, payment/status/{orderId}, payment/history
		// (QRIS is not set up on this server; TestDeposits covers the working endpoints.)
		if msg := postJSON(t, base+"/payment/deposit", `{"amount":50000,"fee":0}`, "X-API-Key", key).failure(t, 400); !strings.Contains(msg, "QRIS") {
			t.Errorf("deposit without QRIS: message %q", msg)
		}
		do(t, http.MethodGet, base+"/payment/status/DEP-123", "", "X-API-Key", key).failure(t, 404)
		h := do(t, http.MethodGet, base+"/payment/history", "", "X-API-Key", key)
		if h.Status != 200 || h.Body["status"] != "success" {
			t.Errorf("payment/history = %d %s", h.Status, h.Raw)
		}
		if l, ok := h.Body["data"].([]any); !ok || len(l) != 0 {
			t.Errorf("payment/history data = %s", h.Raw)
		}
		do(t, http.MethodGet, base+"/payment/history", "").failure(t, 401)

		waitStatus(t, base, key, id2)
		loketest.VerifyLedger(t, s)
	})
}

// TestErrors covers the error paths and the liberal input forms.
func TestErrors(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/chestcloudx/api"
		ctx := context.Background()
		rich, creds, err := s.Core.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: "rich", Balance: 100000})
		if err != nil {
			t.Fatal(err)
		}
		key := creds.APIKey
		_, poorCreds, err := s.Core.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: "poor"})
		if err != nil {
			t.Fatal(err)
		}

		// Bad or missing key, on every authenticated endpoint.
		for _, p := range []string{"/user/me", "/user/regenerate-key", "/services", "/order/create", "/order/status?id=1", "/payment/deposit", "/payment/status/DEP-1", "/payment/history"} {
			do(t, http.MethodGet, base+p, "").failure(t, 401)
			do(t, http.MethodPost, base+p, "", "X-API-Key", "nope").failure(t, 401)
		}
		do(t, http.MethodGet, base+"/user/me?apikey=nope", "").failure(t, 401)

		// Unknown endpoint.
		do(t, http.MethodGet, base+"/nothing", "", "X-API-Key", key).failure(t, 404)
		do(t, http.MethodGet, s.URL+"/compat/chestcloudx/other", "").failure(t, 404)

		// Malformed body.
		postJSON(t, base+"/order/create", `{"layanan":"1",`, "X-API-Key", key).failure(t, 400)
		postJSON(t, base+"/order/create", `{"layanan":{"x":1},"target":"1"}`, "X-API-Key", key).failure(t, 400)
		postJSON(t, base+"/order/create", `{"target":"123456780"}`, "X-API-Key", key).failure(t, 400)
		postJSON(t, base+"/order/create", `{"layanan":"1"}`, "X-API-Key", key).failure(t, 400)
		postJSON(t, base+"/auth/login", `[1,2]`).failure(t, 400)
		big := `{"layanan":"1","target":"` + strings.Repeat("9", 70<<10) + `"}`
		postJSON(t, base+"/order/create", big, "X-API-Key", key).failure(t, 413)

		// Unknown product.
		if msg := postJSON(t, base+"/order/create", `{"layanan":"999999","target":"123456780"}`, "X-API-Key", key).failure(t, 400); !strings.Contains(msg, "Layanan") {
			t.Errorf("unknown layanan message %q", msg)
		}
		postJSON(t, base+"/order/create", `{"layanan":"NOPE","target":"123456780"}`, "X-API-Key", key).failure(t, 400)
		// Bad target for a pulsa product.
		postJSON(t, base+"/order/create", `{"layanan":"HSA5","target":"abc"}`, "X-API-Key", key).failure(t, 400)

		// Insufficient balance.
		if msg := postJSON(t, base+"/order/create", `{"layanan":"1","target":"123456780"}`, "X-API-Key", poorCreds.APIKey).failure(t, 400); !strings.Contains(msg, "Saldo") {
			t.Errorf("insufficient message %q", msg)
		}

		// Liberal input: layanan as a number, a form body, a product code, no content type.
		d := postJSON(t, base+"/order/create", `{"layanan":1,"target":1122334450}`, "X-API-Key", key).data(t)
		if st := waitStatus(t, base, key, loketest.Str(t, d, "id")); st["status"] != "Success" {
			t.Errorf("numeric layanan order: %v", st)
		}
		d = do(t, http.MethodPost, base+"/order/create", "layanan=1&target=1122334460", "Content-Type", "application/x-www-form-urlencoded", "X-API-KEY", key).data(t)
		waitStatus(t, base, key, loketest.Str(t, d, "id"))
		d = do(t, http.MethodPost, base+"/order/create?apikey="+key, `{"layanan":"HSA5","target":"081234567890"}`).data(t)
		waitStatus(t, base, key, loketest.Str(t, d, "id"))
		// A two-field game: nometer is the zone.
		mlbb, err := s.Core.Catalog.Product("MLBB-BJ-V3-ALLMLBB_ID_5", catalog.DemoLevel)
		if err != nil {
			t.Fatal(err)
		}
		d = postJSON(t, base+"/order/create", `{"layanan":"`+strconv.FormatInt(mlbb.ID, 10)+`","target":"1122334450","nometer":"2001"}`, "X-API-Key", key).data(t)
		oid, _ := strconv.ParseInt(loketest.Str(t, d, "id"), 10, 64)
		o, err := s.Core.Orders.Order(ctx, rich.ID, oid)
		if err != nil {
			t.Fatal(err)
		}
		if o.Target != "1122334450" || o.Fields["server"] != "2001" {
			t.Errorf("mlbb order target %q fields %v", o.Target, o.Fields)
		}
		postJSON(t, base+"/order/create", `{"layanan":"`+strconv.FormatInt(mlbb.ID, 10)+`","target":"1122334460"}`, "X-API-Key", key).failure(t, 400)

		// A failing order ends Error, refunded.
		before := loketest.Balance(t, s, rich.ID)
		d = postJSON(t, base+"/order/create", `{"layanan":"1","target":"1122334452"}`, "X-API-Key", key).data(t)
		st := waitStatus(t, base, key, loketest.Str(t, d, "id"))
		if st["status"] != "Error" {
			t.Errorf("failed order status %v", st)
		}
		if b := loketest.Balance(t, s, rich.ID); b != before {
			t.Errorf("balance after a failed order %d, want %d", b, before)
		}

		// Order status: missing id, another reseller's order.
		do(t, http.MethodGet, base+"/order/status", "", "X-API-Key", key).failure(t, 400)
		do(t, http.MethodGet, base+"/order/status?id="+loketest.Str(t, d, "id"), "", "X-API-Key", poorCreds.APIKey).failure(t, 404)

		// Suspended reseller.
		suspended := loket.ResellerSuspended
		if err := s.Core.Resellers.UpdateReseller(ctx, rich.ID, loket.ResellerUpdate{Status: &suspended}); err != nil {
			t.Fatal(err)
		}
		do(t, http.MethodGet, base+"/user/me", "", "X-API-Key", key).failure(t, 403)

		// Registration: bad input, then closed by the operator.
		postJSON(t, base+"/auth/register", `{"username":"x","password":"rahasia"}`).failure(t, 400)
		postJSON(t, base+"/auth/register", `{"username":"toko_c","password":"123"}`).failure(t, 400)
		postJSON(t, base+"/auth/login", `{"user_id":"toko_c"}`).failure(t, 400)
		if err := s.DB.SetSetting(ctx, chestcloudx.RegistrationSetting, "off"); err != nil {
			t.Fatal(err)
		}
		postJSON(t, base+"/auth/register", `{"username":"toko_c","name":"C","email":"c@x.com","password":"rahasia"}`).failure(t, 403)
		if _, err := s.DB.Reseller(ctx, 0, "toko_c"); loket.ErrorCode(err) != loket.ENOTFOUND {
			t.Errorf("closed registration made a reseller: %v", err)
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestWebhook checks the report of an order placed through this surface.
func TestWebhook(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/chestcloudx/api"
		ctx := context.Background()
		got := make(chan []byte, 4)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			got <- b
		}))
		defer hook.Close()
		res, creds, err := s.Core.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: "hooked", Balance: 20000})
		if err != nil {
			t.Fatal(err)
		}
		u := hook.URL
		if err := s.Core.Resellers.UpdateReseller(ctx, res.ID, loket.ResellerUpdate{WebhookURL: &u}); err != nil {
			t.Fatal(err)
		}
		d := postJSON(t, base+"/order/create", `{"layanan":"1","target":"1122334450"}`, "X-API-Key", creds.APIKey).data(t)
		select {
		case b := <-got:
			var m struct {
				Status bool           `json:"status"`
				Data   map[string]any `json:"data"`
			}
			if err := json.Unmarshal(b, &m); err != nil || !m.Status {
				t.Fatalf("webhook body %s", b)
			}
			if m.Data["id"] != d["id"] || m.Data["invoice"] != d["invoice"] || m.Data["status"] != "Success" {
				t.Errorf("webhook data %v", m.Data)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no webhook")
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestRateLimits drives the surface's handler on a fake clock.
func TestRateLimits(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		clock := newClock()
		ts := httptest.NewServer(chestcloudx.NewHandler(s.Core.Services(), s.Log, clock.now))
		defer ts.Close()
		base := ts.URL + "/compat/chestcloudx/api"
		_, creds, err := s.Core.Resellers.CreateReseller(context.Background(), loket.NewResellerInput{Username: "busy"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < chestcloudx.KeyLimit; i++ {
			do(t, http.MethodGet, base+"/user/me", "", "X-API-Key", creds.APIKey).data(t)
		}
		limited(t, do(t, http.MethodGet, base+"/user/me", "", "X-API-Key", creds.APIKey), 60)
		// Bad keys are answered 401 and do not count against anyone.
		do(t, http.MethodGet, base+"/user/me", "", "X-API-Key", "nope").failure(t, 401)
		clock.add(30 * time.Second)
		limited(t, do(t, http.MethodGet, base+"/services", "", "X-API-Key", creds.APIKey), 30)
		clock.add(30*time.Second + time.Millisecond)
		do(t, http.MethodGet, base+"/user/me", "", "X-API-Key", creds.APIKey).data(t)

		// Auth requests per address (usernames apart, so that no username is locked).
		for i := 0; i < chestcloudx.AuthLimit; i++ {
			postJSON(t, base+"/auth/login", `{"user_id":"nobody`+strconv.Itoa(i)+`","password":"wrong!"}`).failure(t, 401)
		}
		limited(t, postJSON(t, base+"/auth/register", `{"username":"toko_z","password":"rahasia"}`), 60)
		clock.add(time.Minute)
		postJSON(t, base+"/auth/login", `{"user_id":"busy","password":"wrong!"}`).failure(t, 401)
	})
}

// TestLoginLimits: auth/login answers from the reseller's IP allowlist only, and shares
// the sign-in lockout of every other way of signing in (the dashboard's here).
func TestLoginLimits(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/chestcloudx/api"
		ctx := context.Background()
		r := loketest.NewReseller(t, s, 0)
		if err := s.Core.Resellers.SetPassword(ctx, r.ID, "rahasia"); err != nil {
			t.Fatal(err)
		}
		login := func(password string) resp {
			return postJSON(t, base+"/auth/login", `{"user_id":"`+r.Username+`","password":"`+password+`"}`)
		}
		allow := []string{"203.0.113.0/24"}
		if err := s.Core.Resellers.UpdateReseller(ctx, r.ID, loket.ResellerUpdate{IPAllow: &allow}); err != nil {
			t.Fatal(err)
		}
		if msg := login("rahasia").failure(t, http.StatusForbidden); !strings.Contains(msg, "IP kamu tidak ada di daftar IP") {
			t.Errorf("login from outside the allowlist: %q", msg)
		}
		allow = []string{"127.0.0.0/8"}
		if err := s.Core.Resellers.UpdateReseller(ctx, r.ID, loket.ResellerUpdate{IPAllow: &allow}); err != nil {
			t.Fatal(err)
		}
		if key := loketest.Str(t, login("rahasia").data(t), "api_key"); key != r.Creds.APIKey {
			t.Errorf("login api_key %q, want the key in use %q", key, r.Creds.APIKey)
		}

		// Five failures on the dashboard (its call to the resellers service) lock the
		// username here too.
		for range 5 {
			if _, err := s.Core.Resellers.Login(ctx, r.Username, "salah", "198.51.100.1"); loket.ErrorCode(err) != loket.EUNAUTHORIZED {
				t.Fatalf("dashboard sign-in: %v", err)
			}
		}
		res := login("rahasia")
		if msg := res.failure(t, http.StatusTooManyRequests); msg != "Terlalu banyak percobaan login yang gagal. Coba lagi nanti." {
			t.Errorf("login of a locked username: %q", msg)
		}
		if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 14*60 || ra > 15*60 {
			t.Errorf("Retry-After %q, want about 15 minutes", res.Header.Get("Retry-After"))
		}
	})
}

func limited(t *testing.T, r resp, retry int) {
	t.Helper()
	if msg := r.failure(t, http.StatusTooManyRequests); msg != "Terlalu banyak request, coba lagi nanti." {
		t.Errorf("429 message %q", msg)
	}
	if got := r.Header.Get("Retry-After"); got != strconv.Itoa(retry) {
		t.Errorf("Retry-After %q, want %d", got, retry)
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts at the real time, to the second: limits kept in the database are
// swept by the real clock of other limiters sharing it, which must not find a fake
// clock's counts expired.
func newClock() *fakeClock { return &fakeClock{t: time.Now().Truncate(time.Second)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestRegistrationOffByDefault: a server the operator has not opened to
// self-registration refuses auth/register; the old switch's choice still counts
// until the new one is set.
func TestRegistrationOffByDefault(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	base := s.URL + "/compat/chestcloudx/api"
	body := `{"username":"toko_z","name":"Z","email":"z@x.com","password":"rahasia"}`
	postJSON(t, base+"/auth/register", body).failure(t, 403)
	if err := s.DB.SetSetting(context.Background(), "chestcloudx.registration", "on"); err != nil {
		t.Fatal(err)
	}
	if got := loketest.Str(t, postJSON(t, base+"/auth/register", body).data(t), "user_id"); got != "toko_z" {
		t.Errorf("registration under the old switch: user_id %q", got)
	}
}
