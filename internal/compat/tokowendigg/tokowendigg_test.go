package tokowendigg_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

type reseller struct {
	id          int64
	key, secret string
}

func newReseller(t *testing.T, s *server.Server, balance int64) reseller {
	t.Helper()
	r := loketest.CreateReseller(t, s, loket.NewResellerInput{Username: loketest.Username("tw"), Balance: loket.Money(balance)})
	return reseller{id: r.ID, key: r.Creds.APIKey, secret: r.Creds.SecretKey}
}

// resp is an answer, decoded with numbers kept as json.Number so types can be checked.
type resp struct {
	code int
	raw  []byte
	body map[string]any
}

// call sends what the seed's PHP examples send: Bearer key, Accept, and for signed
// calls Signature and a JSON body.
func call(t *testing.T, s *server.Server, method, path, key, secret string, body any, header ...string) resp {
	t.Helper()
	var b []byte
	switch x := body.(type) {
	case nil:
	case string:
		b = []byte(x)
	default:
		b, _ = json.Marshal(x)
	}
	var h []string
	if key != "" {
		h = append(h, "Authorization", "Bearer "+key)
	}
	if secret != "" {
		h = append(h, "Signature", secret)
	}
	if body != nil {
		h = append(h, "Content-Type", "application/json")
	}
	h = append(h, "Accept", "application/json")
	res := loketest.Do(t, method, s.URL+path, b, append(h, header...)...)
	out := resp{code: res.Status, raw: res.Body}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		dec := json.NewDecoder(bytes.NewReader(res.Body))
		dec.UseNumber()
		if err := dec.Decode(&out.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %q", method, path, res.Body)
		}
	}
	return out
}

const api = "/compat/tokowendigg/api/prepaid"

// wantError checks the seed's failure shape.
func wantError(t *testing.T, r resp, status int, message string) {
	t.Helper()
	if r.code != status {
		t.Errorf("HTTP %d, want %d: %s", r.code, status, r.raw)
	}
	if got := num(t, r.body, "status"); got != int64(status) {
		t.Errorf("status %d, want %d: %s", got, status, r.raw)
	}
	if got, _ := r.body["message"].(string); got != message {
		t.Errorf("message %q, want %q", got, message)
	}
	if len(r.body) != 2 {
		t.Errorf("error body has %d keys, want status and message: %s", len(r.body), r.raw)
	}
}

func num(t *testing.T, m map[string]any, k string) int64 {
	t.Helper()
	n, ok := m[k].(json.Number)
	if !ok {
		t.Fatalf("%s is %T (%v), want a number", k, m[k], m[k])
	}
	v, err := n.Int64()
	if err != nil {
		t.Fatalf("%s = %s is not an integer", k, n)
	}
	return v
}

func str(t *testing.T, m map[string]any, k string) string {
	t.Helper()
	v, ok := m[k].(string)
	if !ok {
		t.Fatalf("%s is %T (%v), want a string", k, m[k], m[k])
	}
	return v
}

func obj(t *testing.T, m map[string]any, k string) map[string]any {
	t.Helper()
	v, ok := m[k].(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", k, m[k])
	}
	return v
}

func list(t *testing.T, m map[string]any, k string) []any {
	t.Helper()
	v, ok := m[k].([]any)
	if !ok {
		t.Fatalf("%s is %T, want an array", k, m[k])
	}
	return v
}

// wantOK checks the seed's success shape and returns data.
func wantOK(t *testing.T, r resp) any {
	t.Helper()
	if r.code != 200 || r.body == nil {
		t.Fatalf("HTTP %d: %s", r.code, r.raw)
	}
	if num(t, r.body, "status") != 200 {
		t.Fatalf("status field: %s", r.raw)
	}
	return r.body["data"]
}

var (
	refRE  = regexp.MustCompile(`^API\d{17,}$`)
	timeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
	noteRE = regexp.MustCompile(`^Transaksi berhasil pada \d{4}/\d\d/\d\d \d\d:\d\d:\d\d WIB$`)
)

func TestSurface(t *testing.T) {
	loketest.Each(t, testSurface)
}

func testSurface(t *testing.T, engine string) {
	s := loketest.Start(t, engine)
	r := newReseller(t, s, 1_000_000)
	ctx := context.Background()

	// The webhook receiver: answers as the seed's example does.
	hooks := make(chan *http.Request, 32)
	bodies := make(chan []byte, 32)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":200,"message":"Webhook berhasil diiproses"}`)
		hooks <- req
		bodies <- b
	}))
	t.Cleanup(rcv.Close)
	u := rcv.URL + "/webhook"
	if err := s.Core.Resellers.UpdateReseller(ctx, r.id, loket.ResellerUpdate{WebhookURL: &u}); err != nil {
		t.Fatal(err)
	}

	t.Run("provider list (seed example)", func(t *testing.T) {
		data := wantOK(t, call(t, s, "GET", api+"/provider?active=1", r.key, "", nil)).([]any)
		seen := map[string]map[string]any{}
		for _, x := range data {
			p := x.(map[string]any)
			seen[str(t, p, "code")] = p
			num(t, p, "id")
			str(t, p, "name")
			if num(t, p, "active") != 1 {
				t.Errorf("active=1 listed an inactive provider: %v", p)
			}
			str(t, p, "icon")
			str(t, p, "icon_url")
			if len(list(t, p, "forms")) == 0 {
				t.Errorf("provider %v has no form", p["code"])
			}
		}
		akv := seen["AKV-BJ"]
		// The demo carries no icons (the seed's are the upstream's URLs); the fields
		// are there, as strings.
		if akv == nil || num(t, akv, "id") != 9 || str(t, akv, "name") != "Astra Knights of Veda V3" ||
			str(t, akv, "icon") != "" || str(t, akv, "icon_url") != "" {
			t.Fatalf("AKV-BJ: %v", akv)
		}
		forms := list(t, akv, "forms")
		f0, f1 := forms[0].(map[string]any), forms[1].(map[string]any)
		if str(t, f0, "key") != "id" || str(t, f0, "type") != "text" || f0["options"] != nil {
			t.Errorf("AKV-BJ form 0: %v", f0)
		}
		if str(t, f1, "key") != "server" || str(t, f1, "type") != "dropdown" || len(list(t, f1, "options")) != 3 {
			t.Errorf("AKV-BJ form 1: %v", f1)
		}
		opt := list(t, f1, "options")[0].(map[string]any)
		if str(t, opt, "name") != "AMERICAS" || str(t, opt, "code") != "10040400" {
			t.Errorf("option: %v", opt)
		}
		if abm := seen["ABM22-RCF"]; abm == nil || num(t, abm, "id") != 6 || str(t, list(t, abm, "forms")[0].(map[string]any), "key") != "player_id" {
			t.Errorf("ABM22-RCF: %v", abm)
		}
		if three := seen["THREE"]; three == nil || str(t, list(t, three, "forms")[0].(map[string]any), "key") != "target" {
			t.Errorf("pulsa brand THREE has no target form: %v", three)
		}
		// Without the filter, and with a trailing slash, the same list.
		all := wantOK(t, call(t, s, "GET", api+"/provider/", r.key, "", nil)).([]any)
		if len(all) < len(data) {
			t.Errorf("unfiltered list %d < filtered %d", len(all), len(data))
		}
	})

	t.Run("product list (seed example)", func(t *testing.T) {
		data := wantOK(t, call(t, s, "GET", api+"/product?provider=FFMAX-BJ-V3&active=1", r.key, "", nil)).([]any)
		want := map[string][2]int64{"FFMAX-BJ-V3FFMAX_ID_10": {466, 1864}, "FFMAX-BJ-V3FFMAX_ID_100": {467, 14882}, "FFMAX-BJ-V3FFMAX_ID_1000": {468, 130180}}
		for _, x := range data {
			p := x.(map[string]any)
			if w, ok := want[str(t, p, "code")]; ok {
				if num(t, p, "id") != w[0] || num(t, p, "price") != w[1] || num(t, p, "active") != 1 {
					t.Errorf("product %v, want id %d price %d", p, w[0], w[1])
				}
				delete(want, str(t, p, "code"))
			}
			str(t, p, "name")
			pv := obj(t, p, "provider")
			if num(t, pv, "id") != 159 || str(t, pv, "code") != "FFMAX-BJ-V3" || str(t, pv, "name") != "Free Fire MAX [PROMO TERMURAH] V3" || num(t, pv, "active") != 1 {
				t.Errorf("provider: %v", pv)
			}
		}
		if len(want) > 0 {
			t.Errorf("missing products %v", want)
		}
		wantError(t, call(t, s, "GET", api+"/product?active=1", r.key, "", nil), 400, "Provider wajib diisi")
		wantError(t, call(t, s, "GET", api+"/product?provider=NOPE", r.key, "", nil), 400, "Provider tidak ditemukan")
	})

	t.Run("prices are the caller's", func(t *testing.T) {
		m, creds, err := s.Core.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: loketest.Username("twm"), Level: "member", Balance: 5000})
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.Core.Catalog.Product("FFMAX-BJ-V3FFMAX_ID_10", "member")
		if err != nil || want.Price == 1864 {
			t.Fatalf("member price %v %v", want, err)
		}
		d := wantOK(t, call(t, s, "GET", api+"/product/FFMAX-BJ-V3FFMAX_ID_10", creds.APIKey, "", nil)).(map[string]any)
		if loket.Money(num(t, d, "price")) != want.Price {
			t.Errorf("member sees %v, want %d", d["price"], want.Price)
		}
		o := wantOK(t, call(t, s, "POST", api+"/transaction/create", creds.APIKey, creds.SecretKey,
			map[string]any{"target_product_code": "FFMAX-BJ-V3FFMAX_ID_10", "id": "31000"})).(map[string]any)
		if loket.Money(num(t, o, "price")) != want.Price || loketest.Balance(t, s, m.ID) != 5000-want.Price {
			t.Errorf("member order %v, balance %d", o, loketest.Balance(t, s, m.ID))
		}
	})

	t.Run("product detail (seed example)", func(t *testing.T) {
		d := wantOK(t, call(t, s, "GET", api+"/product/FFMAX-BJ-V3FFMAX_ID_140", r.key, "", nil)).(map[string]any)
		if num(t, d, "id") != 472 || str(t, d, "code") != "FFMAX-BJ-V3FFMAX_ID_140" || str(t, d, "name") != "140 Diamonds" ||
			num(t, d, "active") != 1 || num(t, d, "price") != 18610 {
			t.Errorf("detail: %v", d)
		}
		pv := obj(t, d, "provider")
		if num(t, pv, "id") != 159 || str(t, pv, "code") != "FFMAX-BJ-V3" || str(t, pv, "icon") != "" || str(t, pv, "icon_url") != "" {
			t.Errorf("provider: %v", pv)
		}
		wantError(t, call(t, s, "GET", api+"/product/NOPE-123", r.key, "", nil), 400, "Produk tidak ditemukan")
	})

	var seedRef string
	t.Run("create (seed example) and status", func(t *testing.T) {
		before := loketest.Balance(t, s, r.id)
		payload := map[string]any{"target_product_code": "MLBB-BJ-V3-ALLMLBB_ID_5", "id": "1122334455", "server": "112233"}
		d := wantOK(t, call(t, s, "POST", api+"/transaction/create", r.key, r.secret, payload)).(map[string]any)
		seedRef = str(t, d, "reference")
		if str(t, d, "type") != "order" || !refRE.MatchString(seedRef) || str(t, d, "provider") != "Mobile Legends [PROMO TERMURAH] V3" ||
			str(t, d, "product") != "5 Diamonds" || num(t, d, "price") != 1480 || str(t, d, "status") != "processing" ||
			str(t, d, "invoice_url") != s.URL+"/compat/tokowendigg/trx/"+seedRef || !timeRE.MatchString(str(t, d, "expired_at")) {
			t.Errorf("create: %v", d)
		}
		if got := loketest.Balance(t, s, r.id); got != before-1480 {
			t.Errorf("balance %d, want %d", got, before-1480)
		}
		// The seed's status example, with the reference just made.
		st := wantOK(t, call(t, s, "GET", api+"/transaction/"+seedRef, r.key, "", nil)).(map[string]any)
		checkTransaction(t, st, seedRef)
		if w, ok := st["webhook_sent"].(bool); !ok || w {
			t.Errorf("webhook_sent %v", st["webhook_sent"])
		}
	})

	t.Run("success, webhook, status", func(t *testing.T) {
		payload := map[string]any{"target_product_code": "FFMAX-BJ-V3FFMAX_ID_10", "id": 1234567890}
		d := wantOK(t, call(t, s, "POST", api+"/transaction/create", r.key, r.secret, payload)).(map[string]any)
		ref := str(t, d, "reference")
		var req *http.Request
		var body []byte
		for {
			select {
			case req = <-hooks:
				body = <-bodies
			case <-time.After(10 * time.Second):
				t.Fatal("no webhook")
			}
			var wh map[string]any
			json.Unmarshal(body, &wh)
			if wh["reference"] == ref {
				break
			}
		}
		var wh map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&wh); err != nil {
			t.Fatal(err)
		}
		if str(t, wh, "webhook_type") != "transaction_status" || str(t, wh, "status") != "success" || str(t, wh, "sn") == "N/A" ||
			!noteRE.MatchString(str(t, wh, "note")) || !timeRE.MatchString(str(t, wh, "sent_at")) || len(wh) != 6 {
			t.Errorf("webhook: %s", body)
		}
		m := hmac.New(sha256.New, []byte(r.secret))
		m.Write(body)
		if got, want := req.Header.Get("X-Loket-Signature"), "sha256="+hex.EncodeToString(m.Sum(nil)); got != want {
			t.Errorf("X-Loket-Signature %q, want %q", got, want)
		}
		// The delivery is recorded a moment after the receiver answers.
		deadline := time.Now().Add(5 * time.Second)
		for {
			st := wantOK(t, call(t, s, "GET", api+"/transaction/"+ref, r.key, "", nil)).(map[string]any)
			checkTransaction(t, st, ref)
			if str(t, st, "status") != "success" || !noteRE.MatchString(str(t, st, "note")) || str(t, st, "sn") == "N/A" {
				t.Fatalf("status: %v", st)
			}
			if st["webhook_sent"] == true {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("webhook_sent still %v", st["webhook_sent"])
			}
			time.Sleep(50 * time.Millisecond)
		}
		// The invoice page, public by reference.
		res, err := http.Get(s.URL + "/compat/tokowendigg/trx/" + ref)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
			!bytes.Contains(page, []byte(ref)) || !bytes.Contains(page, []byte("1234***890")) || !bytes.Contains(page, []byte("Rp 1.864")) ||
			!bytes.Contains(page, []byte("WIB")) || bytes.Contains(page, []byte("1234567890")) {
			t.Errorf("invoice %d: %s", res.StatusCode, page)
		}
	})

	t.Run("failure refunds", func(t *testing.T) {
		before := loketest.Balance(t, s, r.id)
		payload := map[string]any{"target_product_code": "AKV-BJ-AKV_60", "id": "777000112", "server": "10040200"}
		d := wantOK(t, call(t, s, "POST", api+"/transaction/create", r.key, r.secret, payload)).(map[string]any)
		ref := str(t, d, "reference")
		deadline := time.Now().Add(10 * time.Second)
		for {
			st := wantOK(t, call(t, s, "GET", api+"/transaction/"+ref, r.key, "", nil)).(map[string]any)
			if str(t, st, "status") == "failed" {
				if !strings.HasPrefix(str(t, st, "note"), "Transaksi gagal pada ") || str(t, st, "sn") != "N/A" {
					t.Errorf("failed: %v", st)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("still %v", st)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got := loketest.Balance(t, s, r.id); got != before {
			t.Errorf("balance %d after a failure, want %d", got, before)
		}
	})

	t.Run("pulsa through the target form", func(t *testing.T) {
		d := wantOK(t, call(t, s, "POST", api+"/transaction/create", r.key, r.secret,
			map[string]any{"target_product_code": "HSA5", "target": "0812-3456-7890"})).(map[string]any)
		if str(t, d, "provider") != "Three" || num(t, d, "price") != 5400 {
			t.Errorf("pulsa: %v", d)
		}
	})

	t.Run("liberal input", func(t *testing.T) {
		// A URL-encoded form, a trailing slash, header names in any case.
		form := "target_product_code=FFMAX-BJ-V3FFMAX_ID_100&id=555000111&note=ignored"
		d := wantOK(t, call(t, s, "POST", api+"/transaction/create/", r.key, r.secret, form,
			"Content-Type", "application/x-www-form-urlencoded", "signature", r.secret)).(map[string]any)
		if num(t, d, "price") != 14882 {
			t.Errorf("form create: %v", d)
		}
		// JSON without a Content-Type.
		req, _ := http.NewRequest("POST", s.URL+api+"/transaction/balance", nil)
		req.Header.Set("authorization", "bearer "+r.key)
		req.Header.Set("SIGNATURE", r.secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("balance without body: %d", res.StatusCode)
		}
		wantError(t, call(t, s, "GET", api+"/transaction/create", r.key, r.secret, nil), 405, "Method tidak diizinkan")
		wantError(t, call(t, s, "GET", "/compat/tokowendigg/api/nope", r.key, "", nil), 404, "Endpoint tidak ditemukan")
	})

	t.Run("inactive and out of stock", func(t *testing.T) {
		const extra = `products:
  - {code: TW-OFF, name: Off, brand: FFMAX-BJ-V3, price: 1000, active: false, routes: [{supplier: sim, cost: 900, priority: 100}]}
  - {code: TW-NOSTOCK, name: No Stock, brand: FFMAX-BJ-V3, price: 1000, stock: 0, routes: [{supplier: sim, cost: 900, priority: 100}]}
`
		if _, err := catalog.Import(ctx, s.DB, strings.NewReader(extra), "extra.yaml"); err != nil {
			t.Fatal(err)
		}
		if err := s.Core.Catalog.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		active := wantOK(t, call(t, s, "GET", api+"/product?provider=ffmax-bj-v3&active=1", r.key, "", nil)).([]any)
		inactive := wantOK(t, call(t, s, "GET", api+"/product?provider=FFMAX-BJ-V3&active=0", r.key, "", nil)).([]any)
		if len(inactive) != 1 || str(t, inactive[0].(map[string]any), "code") != "TW-OFF" || num(t, inactive[0].(map[string]any), "active") != 0 {
			t.Errorf("active=0: %v", inactive)
		}
		for _, p := range active {
			if str(t, p.(map[string]any), "code") == "TW-OFF" {
				t.Error("active=1 lists TW-OFF")
			}
		}
		d := wantOK(t, call(t, s, "GET", api+"/product/TW-OFF", r.key, "", nil)).(map[string]any)
		if num(t, d, "active") != 0 {
			t.Errorf("TW-OFF: %v", d)
		}
		wantError(t, call(t, s, "POST", api+"/transaction/create", r.key, r.secret, map[string]any{"target_product_code": "TW-OFF", "id": "1"}), 400, "Produk sedang tidak aktif")
		wantError(t, call(t, s, "POST", api+"/transaction/create", r.key, r.secret, map[string]any{"target_product_code": "TW-NOSTOCK", "id": "1"}), 400, "Stok produk sedang habis")
	})

	t.Run("balance (seed example)", func(t *testing.T) {
		d := wantOK(t, call(t, s, "POST", api+"/transaction/balance", r.key, r.secret, "[]")).(map[string]any)
		if !strings.HasPrefix(str(t, d, "username"), "tw") || str(t, d, "level") != "reseller" || loket.Money(num(t, d, "balance")) != loketest.Balance(t, s, r.id) {
			t.Errorf("balance: %v", d)
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, p := range []string{"/provider?active=1", "/product?provider=FFMAX-BJ-V3", "/product/FFMAX-BJ-V3FFMAX_ID_140", "/transaction/" + seedRef} {
			wantError(t, call(t, s, "GET", api+p, "wrong-key", "", nil), 400, "Invalid API Key")
			wantError(t, call(t, s, "GET", api+p, "", "", nil), 400, "Invalid API Key")
		}
		good := map[string]any{"target_product_code": "MLBB-BJ-V3-ALLMLBB_ID_10", "id": "99887766", "server": "1234"}
		for _, p := range []string{"/transaction/create", "/transaction/balance", "/transaction/deposit"} {
			wantError(t, call(t, s, "POST", api+p, "wrong-key", r.secret, good), 400, "Invalid API Key")
			wantError(t, call(t, s, "POST", api+p, r.key, "wrong-secret", good), 400, "Invalid signature")
			wantError(t, call(t, s, "POST", api+p, r.key, "", good), 400, "Invalid signature")
		}
		create := func(key string, body any) resp {
			return call(t, s, "POST", api+"/transaction/create", key, r.secret, body)
		}
		wantError(t, create(r.key, map[string]any{"target_product_code": "NOPE", "id": "1"}), 400, "Produk tidak ditemukan")
		wantError(t, create(r.key, map[string]any{"id": "1"}), 400, "Kolom target_product_code wajib diisi")
		wantError(t, create(r.key, map[string]any{"target_product_code": "MLBB-BJ-V3-ALLMLBB_ID_5", "id": "1122334455"}), 400, "Kolom server wajib diisi")
		wantError(t, create(r.key, map[string]any{"target_product_code": "AKV-BJ-AKV_60", "id": "1", "server": "999"}), 400, "Pilihan server tidak valid")
		wantError(t, create(r.key, map[string]any{"target_product_code": "HSA5", "target": "12"}), 400, "Tujuan tidak valid")
		wantError(t, create(r.key, "{not json"), 400, "Payload JSON tidak valid")
		wantError(t, create(r.key, map[string]any{"target_product_code": "FFMAX-BJ-V3FFMAX_ID_10", "id": map[string]any{"x": 1}}), 400, "Kolom id harus berupa teks")
		wantError(t, create(r.key, strings.Repeat("x", 70<<10)), 413, "Payload terlalu besar")
		// The same product to the same target while the first is still processing.
		dup := map[string]any{"target_product_code": "FFMAX-BJ-V3FFMAX_ID_10", "id": "4400113"}
		wantOK(t, create(r.key, dup))
		wantError(t, create(r.key, dup), 400, "Transaksi dengan produk dan tujuan yang sama sedang diproses")
		// Insufficient balance, and nothing charged.
		poor := newReseller(t, s, 1000)
		wantError(t, call(t, s, "POST", api+"/transaction/create", poor.key, poor.secret, good), 400, "Saldo anda tidak mencukupi")
		if got := loketest.Balance(t, s, poor.id); got != 1000 {
			t.Errorf("poor balance %d", got)
		}
		// Unknown, tampered and someone else's references.
		wantError(t, call(t, s, "GET", api+"/transaction/API24070144287694389", r.key, "", nil), 400, "Transaksi tidak ditemukan")
		wantError(t, call(t, s, "GET", api+"/transaction/nope", r.key, "", nil), 400, "Transaksi tidak ditemukan")
		tampered := seedRef[:10] + string('0'+(seedRef[10]-'0'+1)%10) + seedRef[11:]
		wantError(t, call(t, s, "GET", api+"/transaction/"+tampered, r.key, "", nil), 400, "Transaksi tidak ditemukan")
		wantError(t, call(t, s, "GET", api+"/transaction/"+seedRef, poor.key, "", nil), 400, "Transaksi tidak ditemukan")
		res, err := http.Get(s.URL + "/compat/tokowendigg/trx/" + tampered)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("tampered invoice: %d", res.StatusCode)
		}
		wantError(t, create(r.key, map[string]any{"target_product_code": "HSA5"}), 400, "Kolom target wajib diisi")
		// Odd input never gets a 5xx.
		for _, b := range []string{`{"target_product_code":null}`, `{"target_product_code":["a"]}`, `"x"`, `123`, `[1,2]`,
			`{"target_product_code":"HSA5","target":1e400}`, "\x00\xff\xfe", `{"a":`, "a=%zz", `{"target_product_code":"FFMAX-BJ-V3FFMAX_ID_10","id":"\u0000"}`} {
			if got := create(r.key, b); got.code >= 500 || got.body == nil {
				t.Errorf("body %q: %d %s", b, got.code, got.raw)
			}
		}
		for _, p := range []string{api + "/transaction/%00", api + "/product/%20", api + "/transaction/API", api + "/transaction/API000000000000000099999999999999999999",
			"/compat/tokowendigg/trx/%00", "/compat/tokowendigg/trx/API99999999999999999999"} {
			if got := call(t, s, "GET", p, r.key, "", nil); got.code >= 500 {
				t.Errorf("%s: %d %s", p, got.code, got.raw)
			}
		}
		// A suspended reseller.
		susp := newReseller(t, s, 10000)
		st := loket.ResellerSuspended
		if err := s.Core.Resellers.UpdateReseller(ctx, susp.id, loket.ResellerUpdate{Status: &st}); err != nil {
			t.Fatal(err)
		}
		wantError(t, call(t, s, "POST", api+"/transaction/balance", susp.key, susp.secret, "[]"), 400, "Anda tidak memiliki akses ke api kami")
	})

	loketest.VerifyLedger(t, s)
}

func checkTransaction(t *testing.T, st map[string]any, ref string) {
	t.Helper()
	if str(t, st, "reference") != ref || str(t, st, "provider") == "" || str(t, st, "product") == "" {
		t.Errorf("transaction: %v", st)
	}
	switch str(t, st, "status") {
	case "processing", "success", "failed", "unpaid", "expired":
	default:
		t.Errorf("status %v", st["status"])
	}
	for _, k := range []string{"status_at", "created_at", "expired_at"} {
		if !timeRE.MatchString(str(t, st, k)) {
			t.Errorf("%s = %v", k, st[k])
		}
	}
	str(t, st, "sn")
	str(t, st, "note")
	if _, ok := st["webhook_sent"].(bool); !ok {
		t.Errorf("webhook_sent %T", st["webhook_sent"])
	}
	if !strings.HasSuffix(str(t, st, "invoice_url"), "/compat/tokowendigg/trx/"+ref) {
		t.Errorf("invoice_url %v", st["invoice_url"])
	}
	if len(st) != 11 {
		t.Errorf("transaction has %d keys: %v", len(st), st)
	}
}
