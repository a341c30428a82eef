package tokowendigg

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

const (
	testKey    = "tw-api-key-0123456789"
	testSecret = "tw-secret-key-9876543210"
)

// reply is what the fake upstream answers on one route.
type reply struct {
	code  int
	file  string // under testdata/
	body  string // used when file is empty
	delay time.Duration
}

// seen is one request the fake upstream received.
type seen struct {
	Method, Path, Query, Auth, Sig, CT, Accept, Body string
}

// fake is TokoWendigg replaying testdata/, keyed by "METHOD /path" or "METHOD /path?query".
type fake struct {
	t      *testing.T
	mu     sync.Mutex
	routes map[string]reply
	reqs   []seen
}

func (f *fake) set(key string, r reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[key] = r
}

func (f *fake) seen() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fake) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = nil
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s := seen{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"),
		Sig: r.Header.Get("Signature"), CT: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"), Body: string(body)}
	f.mu.Lock()
	f.reqs = append(f.reqs, s)
	key := s.Method + " " + s.Path
	if s.Query != "" {
		key += "?" + s.Query
	}
	rp, ok := f.routes[key]
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"status":404,"message":"no route in the fake: `+key+`"}`)
		return
	}
	if rp.delay > 0 {
		select {
		case <-time.After(rp.delay):
		case <-r.Context().Done():
			return
		}
	}
	b := []byte(rp.body)
	if rp.file != "" {
		var err error
		if b, err = os.ReadFile("testdata/" + rp.file); err != nil {
			f.t.Errorf("fake: %v", err)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rp.code)
	w.Write(b)
}

func newFake(t *testing.T) (*fake, *Client) {
	t.Helper()
	f := &fake{t: t, routes: map[string]reply{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(supplier.Config{Name: "tw", Kind: Kind, BaseURL: srv.URL + "/", APIKey: testKey, Secret: testSecret, HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func ok200(file string) reply  { return reply{code: 200, file: file} }
func bad400(file string) reply { return reply{code: 400, file: file} }

const (
	pathCreate   = "/api/prepaid/transaction/create"
	pathProvider = "/api/prepaid/provider"
	pathBalance  = "/api/prepaid/transaction/balance"
	ffCode       = "FFMAX-BJ-V3FFMAX_ID_140"
	akvCode      = "AKV-BJ-60"
	ref1         = "API24070144287694389"
)

// catalog routes the lookups Order makes before it sends.
func catalog(f *fake) {
	f.set("GET /api/prepaid/product/"+ffCode, ok200("product_ffmax_140.json"))
	f.set("GET /api/prepaid/product/"+akvCode, ok200("product_akv_60.json"))
	f.set("GET /api/prepaid/product/NOFORM-1", ok200("product_noform.json"))
	f.set("GET /api/prepaid/product/NEW-1", ok200("product_newprov.json"))
	f.set("GET /api/prepaid/product/GONE", bad400("product_notfound.json"))
	f.set("GET "+pathProvider, ok200("providers.json"))
}

func wantAuth(t *testing.T, s seen, signed bool) {
	t.Helper()
	if s.Auth != "Bearer "+testKey {
		t.Errorf("%s %s: Authorization %q", s.Method, s.Path, s.Auth)
	}
	if s.Accept != "application/json" {
		t.Errorf("%s %s: Accept %q", s.Method, s.Path, s.Accept)
	}
	switch {
	case signed && s.Sig != testSecret:
		t.Errorf("%s %s: Signature %q, want the secret key", s.Method, s.Path, s.Sig)
	case !signed && s.Sig != "":
		t.Errorf("%s %s: Signature sent on an unsigned call", s.Method, s.Path)
	}
}

func jsonEqual(t *testing.T, got string, want map[string]string) {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatalf("body %q: %v", got, err)
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("body %v, want %v", m, want)
	}
}

func TestOrderSendsTheProvidersFormKeys(t *testing.T) {
	f, c := newFake(t)
	catalog(f)
	f.set("POST "+pathCreate, ok200("create_processing.json"))
	f.set("GET /api/prepaid/transaction/"+ref1, ok200("trx_processing.json"))
	ctx := context.Background()

	res, err := c.Order(ctx, supplier.Request{Ref: "LK1A1", Code: ffCode, Target: "12345678"})
	if err != nil {
		t.Fatal(err)
	}
	want := supplier.Result{Outcome: supplier.Pending, TrxID: ref1, Price: 18610, Message: "processing", RetryAfter: 30 * time.Second}
	if res != want {
		t.Errorf("got %+v, want %+v", res, want)
	}
	reqs := f.seen()
	if len(reqs) != 3 {
		t.Fatalf("requests %+v, want product, provider, create", reqs)
	}
	if reqs[0].Method != "GET" || reqs[0].Path != "/api/prepaid/product/"+ffCode || reqs[0].Body != "" {
		t.Errorf("first request %+v", reqs[0])
	}
	if reqs[1].Method != "GET" || reqs[1].Path != pathProvider || reqs[1].Query != "" {
		t.Errorf("second request %+v", reqs[1])
	}
	if reqs[2].Method != "POST" || reqs[2].Path != pathCreate || reqs[2].CT != "application/json" {
		t.Errorf("third request %+v", reqs[2])
	}
	wantAuth(t, reqs[0], false)
	wantAuth(t, reqs[1], false)
	wantAuth(t, reqs[2], true)
	jsonEqual(t, reqs[2].Body, map[string]string{"target_product_code": ffCode, "id": "12345678"})

	// Another order of the product uses the cached catalog.
	f.reset()
	if _, err := c.Order(ctx, supplier.Request{Ref: "LK2A1", Code: ffCode, Target: "999"}); err != nil {
		t.Fatal(err)
	}
	if reqs := f.seen(); len(reqs) != 1 || reqs[0].Path != pathCreate {
		t.Errorf("second order sent %+v, want only create", reqs)
	}

	// The same attempt sent again (a job run twice) is not bought twice: it is asked about.
	f.reset()
	res, err = c.Order(ctx, supplier.Request{Ref: "LK1A1", Code: ffCode, Target: "12345678"})
	if err != nil || res.Outcome != supplier.Pending || res.TrxID != ref1 {
		t.Errorf("re-sent order: %+v, %v", res, err)
	}
	if reqs := f.seen(); len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/api/prepaid/transaction/"+ref1 {
		t.Errorf("re-sent order made %+v, want one status check", reqs)
	}

	// Status for a Ref this process placed finds it without _trx.
	res, err = c.Status(ctx, supplier.Request{Ref: "LK1A1", Code: ffCode, Target: "12345678"})
	if err != nil || res.Outcome != supplier.Pending || res.TrxID != ref1 {
		t.Errorf("status: %+v, %v", res, err)
	}
}

func TestOrderWithSeveralFields(t *testing.T) {
	f, c := newFake(t)
	catalog(f)
	f.set("POST "+pathCreate, ok200("create_processing.json"))
	ctx := context.Background()

	_, err := c.Order(ctx, supplier.Request{Ref: "LK3A1", Code: akvCode, Target: "1122334455",
		Fields: map[string]string{"server": "10040200", "zone": "ignored"}})
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.seen()
	jsonEqual(t, reqs[len(reqs)-1].Body, map[string]string{"target_product_code": akvCode, "id": "1122334455", "server": "10040200"})

	// A form field without a value: nothing is sent, the attempt failed here.
	f.reset()
	res, err := c.Order(ctx, supplier.Request{Ref: "LK4A1", Code: akvCode, Target: "1122334455"})
	if err != nil || res.Outcome != supplier.Failed || !strings.Contains(res.Message, `"server"`) {
		t.Errorf("missing field: %+v, %v", res, err)
	}
	for _, s := range f.seen() {
		if s.Path == pathCreate {
			t.Error("an order without its form field was sent")
		}
	}
}

func TestOrderNotSent(t *testing.T) {
	cases := []struct {
		name, code string
		setup      func(*fake)
		want       string
	}{
		{"unknown product", "GONE", nil, "Produk tidak ditemukan"},
		{"provider without a form", "NOFORM-1", nil, "no form"},
		{"provider not listed", "NEW-1", nil, "not in the provider list"},
		{"product lookup 5xx", "FFMAX-BJ-V3FFMAX_ID_140", func(f *fake) {
			f.set("GET /api/prepaid/product/"+ffCode, reply{code: 503, file: "server_error.json"})
		}, "HTTP 503"},
		{"provider list garbage", "FFMAX-BJ-V3FFMAX_ID_140", func(f *fake) {
			f.set("GET "+pathProvider, reply{code: 200, file: "garbage.html"})
		}, "unreadable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t)
			catalog(f)
			if tc.setup != nil {
				tc.setup(f)
			}
			f.set("POST "+pathCreate, ok200("create_processing.json"))
			res, err := c.Order(context.Background(), supplier.Request{Ref: "LK5A1", Code: tc.code, Target: "1"})
			if err != nil || res.Outcome != supplier.Failed || !strings.Contains(res.Message, tc.want) || !strings.HasPrefix(res.Message, "not sent: ") {
				t.Errorf("got %+v, %v; want Failed mentioning %q", res, err, tc.want)
			}
			providerCalls := 0
			for _, s := range f.seen() {
				if s.Path == pathCreate {
					t.Error("order sent")
				}
				if s.Path == pathProvider {
					providerCalls++
				}
			}
			if tc.code == "NEW-1" && providerCalls != 2 {
				t.Errorf("provider list fetched %d times, want 2 (cached, then fresh)", providerCalls)
			}
		})
	}
}

func TestOrderAnswers(t *testing.T) {
	cases := []struct {
		name    string
		reply   reply
		out     supplier.Outcome // "" means an error (Unknown)
		sn, trx string
		price   loket.Money
	}{
		{"processing", ok200("create_processing.json"), supplier.Pending, "", ref1, 18610},
		{"success with sn, price as text", ok200("create_success.json"), supplier.Success, "R24070110116094757", "API24070144287694390", 18610},
		{"failed at once", ok200("create_failed.json"), supplier.Failed, "", "API24070144287694391", 18610},
		{"unknown status word", ok200("create_oddword.json"), supplier.Unknown, "", "API24070144287694392", 18610},
		{"no reference", ok200("create_noref.json"), "", "", "", 0},
		{"product inactive", bad400("refused_inactive.json"), supplier.Failed, "", "", 0},
		{"balance too low", bad400("refused_balance.json"), supplier.Failed, "", "", 0},
		{"bad api key", bad400("refused_key.json"), supplier.Failed, "", "", 0},
		{"bad signature", bad400("refused_signature.json"), supplier.Failed, "", "", 0},
		{"refusal under HTTP 200", ok200("refused_balance.json"), supplier.Failed, "", "", 0},
		{"duplicate guard", bad400("refused_duplicate.json"), "", "", "", 0},
		{"refusal without message", bad400("refused_nomessage.json"), "", "", "", 0},
		{"500", reply{code: 500, file: "server_error.json"}, "", "", "", 0},
		{"502 html", reply{code: 502, file: "garbage.html"}, "", "", "", 0},
		{"200 html", reply{code: 200, file: "garbage.html"}, "", "", "", 0},
		{"404", reply{code: 404, body: `{"status":404,"message":"Not Found"}`}, "", "", "", 0},
		{"429", reply{code: 429, body: `{"status":429,"message":"Too Many Attempts."}`}, "", "", "", 0},
		{"empty", reply{code: 200}, "", "", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t)
			catalog(f)
			f.set("POST "+pathCreate, tc.reply)
			res, err := c.Order(context.Background(), supplier.Request{Ref: "LK6A1", Code: ffCode, Target: "12345678"})
			if tc.out == "" {
				if err == nil {
					t.Fatalf("got %+v, want an error (unknown)", res)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tc.out || res.SN != tc.sn || res.TrxID != tc.trx || res.Price != tc.price {
				t.Errorf("got %+v, want %s sn %q trx %q price %d", res, tc.out, tc.sn, tc.trx, tc.price)
			}
			if tc.out == supplier.Failed && res.Message == "" {
				t.Error("a failure without the upstream's message")
			}
		})
	}
}

func TestOrderPastTheDeadline(t *testing.T) {
	f, c := newFake(t)
	catalog(f)
	f.set("POST "+pathCreate, reply{code: 200, file: "create_processing.json", delay: 3 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := c.Order(ctx, supplier.Request{Ref: "LK7A1", Code: ffCode, Target: "1"})
	if err == nil {
		t.Fatalf("got %+v, want an error", res)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Order took %v past a 200ms deadline", d)
	}
	// The answer was lost: nothing to ask with (until the core passes Result.TrxID).
	if _, err := c.Status(context.Background(), supplier.Request{Ref: "LK7A1"}); err == nil {
		t.Error("status of a lost order: want an error (unknown)")
	}
}

func TestOrderDoesNotTrustTrxField(t *testing.T) {
	f, c := newFake(t)
	catalog(f)
	f.set("POST "+pathCreate, ok200("create_processing.json"))
	// A reference in the fields (which a reseller may have written) does not stand in
	// for buying, and is not sent upstream.
	res, err := c.Order(context.Background(), supplier.Request{Ref: "LK8A1", Code: ffCode, Target: "1", Fields: map[string]string{"_trx": "API24070144287694390"}})
	if err != nil || res.Outcome != supplier.Pending || res.TrxID != ref1 {
		t.Errorf("got %+v, %v", res, err)
	}
	reqs := f.seen()
	jsonEqual(t, reqs[len(reqs)-1].Body, map[string]string{"target_product_code": ffCode, "id": "1"})
}

func TestStatus(t *testing.T) {
	cases := []struct {
		name  string
		reply reply
		out   supplier.Outcome
		sn    string
	}{
		{"unpaid", ok200("trx_unpaid.json"), supplier.Pending, ""},
		{"processing", ok200("trx_processing.json"), supplier.Pending, ""},
		{"success", ok200("trx_success.json"), supplier.Success, "R24070110116094757"},
		{"success without sn", ok200("trx_success_nosn.json"), supplier.Success, ""},
		{"failed", ok200("trx_failed.json"), supplier.Failed, ""},
		{"refund", ok200("trx_refund.json"), supplier.Failed, ""},
		{"expired", ok200("trx_expired.json"), supplier.Failed, ""},
		{"expired with an sn", ok200("trx_expired_sn.json"), supplier.Unknown, "R999"},
		{"unknown word", ok200("trx_oddword.json"), supplier.Unknown, ""},
		{"another reference", ok200("trx_other_reference.json"), supplier.Unknown, ""},
		{"a deposit", ok200("trx_deposit.json"), supplier.Unknown, ""},
		{"not found", bad400("trx_notfound.json"), supplier.Unknown, ""},
		{"500", reply{code: 500, file: "server_error.json"}, supplier.Unknown, ""},
		{"garbage", reply{code: 200, file: "garbage.html"}, supplier.Unknown, ""},
		{"slow", reply{code: 200, file: "trx_success.json", delay: 3 * time.Second}, supplier.Unknown, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t)
			catalog(f)
			f.set("GET /api/prepaid/transaction/"+ref1, tc.reply)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			res, err := c.Status(ctx, supplier.Request{Ref: "LK9A1", Code: ffCode, Target: "1", TrxID: ref1})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tc.out || res.SN != tc.sn || res.TrxID != ref1 {
				t.Errorf("got %+v, want %s sn %q trx %s", res, tc.out, tc.sn, ref1)
			}
			reqs := f.seen()
			if len(reqs) < 1 || reqs[0].Method != "GET" || reqs[0].Path != "/api/prepaid/transaction/"+ref1 || reqs[0].Body != "" {
				t.Fatalf("requests %+v", reqs)
			}
			// A final answer about a reference from the fields is checked against the product.
			final := tc.out == supplier.Success || tc.out == supplier.Failed
			if final && (len(reqs) != 2 || reqs[1].Path != "/api/prepaid/product/"+ffCode) || !final && len(reqs) != 1 {
				t.Errorf("requests %+v", reqs)
			}
			for _, s := range reqs {
				wantAuth(t, s, false)
			}
		})
	}
}

func TestStatusOfAnotherProductsReference(t *testing.T) {
	f, c := newFake(t)
	catalog(f)
	f.set("GET /api/prepaid/transaction/"+ref1, ok200("trx_success.json")) // "140 Diamonds"
	res, err := c.Status(context.Background(), supplier.Request{Ref: "LK9A2", Code: akvCode, Target: "1", TrxID: ref1})
	if err != nil || res.Outcome != supplier.Unknown || res.TrxID != ref1 {
		t.Errorf("got %+v, %v; want unknown", res, err)
	}
	// The product lookup failing leaves it unknown too.
	f.set("GET /api/prepaid/product/"+ffCode, reply{code: 500, file: "server_error.json"})
	res, err = c.Status(context.Background(), supplier.Request{Ref: "LK9A3", Code: ffCode, Target: "1", TrxID: ref1})
	if err != nil || res.Outcome != supplier.Unknown {
		t.Errorf("got %+v, %v; want unknown", res, err)
	}
	// The reference this process got when it placed the Ref wins over the one passed in.
	f.set("GET /api/prepaid/product/"+ffCode, ok200("product_ffmax_140.json"))
	f.set("POST "+pathCreate, ok200("create_processing.json"))
	f.set("GET /api/prepaid/transaction/API0", ok200("trx_failed.json"))
	if _, err := c.Order(context.Background(), supplier.Request{Ref: "LK9A4", Code: ffCode, Target: "1"}); err != nil {
		t.Fatal(err)
	}
	res, err = c.Status(context.Background(), supplier.Request{Ref: "LK9A4", Code: ffCode, Target: "1", TrxID: "API0"})
	if err != nil || res.Outcome != supplier.Success || res.TrxID != ref1 {
		t.Errorf("got %+v, %v; want the placed reference's success", res, err)
	}
}

func TestStatusWithoutReference(t *testing.T) {
	f, c := newFake(t)
	if res, err := c.Status(context.Background(), supplier.Request{Ref: "LK10A1", Code: ffCode, Target: "1"}); err == nil {
		t.Errorf("got %+v, want an error", res)
	}
	if len(f.seen()) != 0 {
		t.Error("asked the upstream without a reference")
	}
}

func TestStatusEscapesTheReference(t *testing.T) {
	f, c := newFake(t)
	c.Status(context.Background(), supplier.Request{Ref: "x", TrxID: "../balance?x=1"})
	if reqs := f.seen(); len(reqs) != 1 || reqs[0].Path != "/api/prepaid/transaction/..%2Fbalance%3Fx=1" || reqs[0].Query != "" {
		t.Errorf("requests %+v", reqs)
	}
}

func TestBalance(t *testing.T) {
	cases := []struct {
		name  string
		reply reply
		want  loket.Money
		err   bool
	}{
		{"number", ok200("balance.json"), 500000, false},
		{"text", ok200("balance_text.json"), 1250000, false},
		{"refused", bad400("balance_refused.json"), 0, true},
		{"500", reply{code: 500, file: "server_error.json"}, 0, true},
		{"garbage", reply{code: 200, file: "garbage.html"}, 0, true},
		{"no balance", reply{code: 200, body: `{"status":200,"data":{"username":"zorro"}}`}, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t)
			f.set("POST "+pathBalance, tc.reply)
			got, err := c.Balance(context.Background())
			if (err != nil) != tc.err || got != tc.want {
				t.Errorf("got %d, %v; want %d (error %v)", got, err, tc.want, tc.err)
			}
			reqs := f.seen()
			if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != pathBalance || reqs[0].Body != "{}" || reqs[0].CT != "application/json" {
				t.Fatalf("requests %+v", reqs)
			}
			wantAuth(t, reqs[0], true)
		})
	}
}

func TestPrices(t *testing.T) {
	f, c := newFake(t)
	f.set("GET "+pathProvider+"?active=1", ok200("providers_active.json"))
	f.set("GET /api/prepaid/product?provider=AKV-BJ", ok200("products_akv.json"))
	f.set("GET /api/prepaid/product?provider=FFMAX-BJ-V3", ok200("products_ffmax.json"))
	got, err := c.Prices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []supplier.Price{
		{Code: "AKV-BJ-60", Name: "60 Crystals", Price: 1000, Active: true},
		{Code: "FFMAX-BJ-V3FFMAX_ID_10", Name: "10 Diamonds", Price: 1864, Active: true},
		{Code: "FFMAX-BJ-V3FFMAX_ID_100", Name: "100 Diamonds", Price: 14882, Active: true},
		{Code: "FFMAX-BJ-V3FFMAX_ID_1000", Name: "1000 Diamonds", Price: 130180, Active: false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, s := range f.seen() {
		wantAuth(t, s, false)
		if s.Method != "GET" || strings.Contains(s.Query, "OLD-GAME") {
			t.Errorf("request %+v", s)
		}
	}

	// One page that fails fails the list: a partial one would read as products gone.
	f.set("GET /api/prepaid/product?provider=FFMAX-BJ-V3", reply{code: 500, file: "server_error.json"})
	if got, err := c.Prices(context.Background()); err == nil {
		t.Errorf("got %+v, want an error", got)
	}
	f.set("GET /api/prepaid/product?provider=FFMAX-BJ-V3", ok200("products_ffmax.json"))
	f.set("GET /api/prepaid/product?provider=AKV-BJ", ok200("products_garbage_price.json"))
	if got, err := c.Prices(context.Background()); err == nil {
		t.Errorf("got %+v, want an error for a price that is not a number", got)
	}
	f.set("GET "+pathProvider+"?active=1", bad400("refused_key.json"))
	if got, err := c.Prices(context.Background()); err == nil {
		t.Errorf("got %+v, want an error", got)
	}
}

func TestPricesPastTheDeadline(t *testing.T) {
	f, c := newFake(t)
	f.set("GET "+pathProvider+"?active=1", ok200("providers_active.json"))
	f.set("GET /api/prepaid/product?provider=AKV-BJ", reply{code: 200, file: "products_akv.json", delay: 3 * time.Second})
	f.set("GET /api/prepaid/product?provider=FFMAX-BJ-V3", reply{code: 200, file: "products_ffmax.json", delay: 3 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Prices(ctx); err == nil {
		t.Error("want an error")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestSecretsStayOut(t *testing.T) {
	f, c := newFake(t)
	catalog(f)
	echo := `{"status":400,"message":"Invalid API Key ` + testKey + ` / ` + testSecret + `"}`
	f.set("POST "+pathCreate, reply{code: 500, body: "upstream crashed with " + testKey + " and " + testSecret})
	f.set("POST "+pathBalance, reply{code: 400, body: echo})
	f.set("GET /api/prepaid/transaction/"+ref1, reply{code: 400, body: echo})
	var texts []string
	_, err := c.Order(context.Background(), supplier.Request{Ref: "LK11A1", Code: ffCode, Target: "1"})
	texts = append(texts, err.Error())
	_, err = c.Balance(context.Background())
	texts = append(texts, err.Error())
	res, _ := c.Status(context.Background(), supplier.Request{Ref: "LK11A1", TrxID: ref1})
	texts = append(texts, res.Message)
	f.set("POST "+pathCreate, reply{code: 400, body: echo})
	res, _ = c.Order(context.Background(), supplier.Request{Ref: "LK12A1", Code: ffCode, Target: "1"})
	texts = append(texts, res.Message)

	// A transport error names the URL, which carries no credentials.
	dead, _ := New(supplier.Config{Kind: Kind, BaseURL: "http://127.0.0.1:1", APIKey: testKey, Secret: testSecret})
	_, err = dead.Balance(context.Background())
	texts = append(texts, err.Error())
	for _, s := range texts {
		if strings.Contains(s, testKey) || strings.Contains(s, testSecret) {
			t.Errorf("a credential leaked: %q", s)
		}
	}
}

func webhookRequest(remote, file string) (*http.Request, []byte) {
	body, err := os.ReadFile("testdata/" + file)
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/callbacks/tw", bytes.NewReader(body))
	r.RemoteAddr = remote
	r.Header.Set("Content-Type", "application/json")
	return r, body
}

func TestCallbacks(t *testing.T) {
	_, c := newFake(t)
	const from = "95.111.198.189:40112"
	const hook = "API24070244415211481"
	cases := []struct {
		name, remote, file string
		out                supplier.Outcome // "" means no result
		sn                 string
		status             int
		answer             []byte
		err                bool
	}{
		{"success, sn N/A", from, "webhook_success.json", supplier.Success, "", 200, answerStatusOK, false},
		{"success with sn", from, "webhook_success_sn.json", supplier.Success, "R24070110116094757", 200, answerStatusOK, false},
		{"duplicate", from, "webhook_success_sn.json", supplier.Success, "R24070110116094757", 200, answerStatusOK, false},
		{"failed after success (out of order)", from, "webhook_failed.json", supplier.Failed, "", 200, answerStatusOK, false},
		{"expired", from, "webhook_expired.json", supplier.Failed, "", 200, answerStatusOK, false},
		{"unknown status word", from, "webhook_oddword.json", "", "", 400, answerBadBody, true},
		{"no reference", from, "webhook_noref.json", "", "", 400, answerBadBody, true},
		{"unknown type", from, "webhook_unknown_type.json", "", "", 400, answerBadBody, true},
		{"garbage", from, "garbage.html", "", "", 400, answerBadBody, true},
		{"other sender", "203.0.113.9:5555", "webhook_success.json", "", "", 400, answerRefused, true},
		{"no port", "95.111.198.189", "webhook_success.json", supplier.Success, "", 200, answerStatusOK, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, body := webhookRequest(tc.remote, tc.file)
			got, status, answer, err := c.ReceiveCallback(r, body)
			if (err != nil) != tc.err || status != tc.status || !bytes.Equal(answer, tc.answer) {
				t.Errorf("got %d %s %v; want %d %s (error %v)", status, answer, err, tc.status, tc.answer, tc.err)
			}
			if tc.out == "" {
				if len(got) != 0 {
					t.Errorf("results %+v, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("results %+v, want one", got)
			}
			cb := got[0]
			if cb.Ref != "" || cb.TrxID == "" || cb.Result.TrxID != cb.TrxID || cb.Result.Outcome != tc.out || cb.Result.SN != tc.sn {
				t.Errorf("got %+v, want %s sn %q", cb, tc.out, tc.sn)
			}
			if tc.file == "webhook_success.json" && cb.TrxID != hook {
				t.Errorf("trx %q, want %q", cb.TrxID, hook)
			}
		})
	}
	// A forwarded header does not make a stranger the upstream.
	r, body := webhookRequest("203.0.113.9:5555", "webhook_success.json")
	r.Header.Set("X-Forwarded-For", "95.111.198.189")
	r.Header.Set("X-Real-IP", "95.111.198.189")
	if got, status, _, err := c.ReceiveCallback(r, body); err == nil || status != 400 || len(got) != 0 {
		t.Errorf("spoofed sender accepted: %+v %d %v", got, status, err)
	}
	var a struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(answerRefused, &a); err != nil || a.Status != 400 || a.Message != "Invalid signature" {
		t.Errorf("refusal answer %s", answerRefused)
	}
}

func TestCallbackPriceUpdate(t *testing.T) {
	_, c := newFake(t)
	r, body := webhookRequest("95.111.198.189:40112", "webhook_price_update.json")
	got, status, answer, err := c.ReceiveCallback(r, body)
	if err != nil || status != 200 || !bytes.Equal(answer, answerPriceOK) {
		t.Fatalf("got %d %s %v", status, answer, err)
	}
	if len(got) != 1 || got[0].Ref != "" || got[0].TrxID != "" {
		t.Fatalf("callbacks %+v, want one carrying prices", got)
	}
	want := []supplier.Price{
		{Code: "MLBB-BJ-V3-ALLMLBB_ID_5", Price: 1480, Active: true},
		{Code: "MLBB-BJ-V3-ALLMLBB_ID_10", Price: 1920, Active: true},
		{Code: "MLBB-BJ-V3-ALLMLBB_ID_15", Price: 4290, Active: true},
	}
	if fmt.Sprint(got[0].Prices) != fmt.Sprint(want) {
		t.Errorf("prices %+v, want %+v", got[0].Prices, want)
	}
	// Prices written as text, and a price that cannot be read (the whole webhook is
	// refused, so the upstream sends it again).
	for _, tc := range []struct {
		body string
		ok   bool
		want loket.Money
	}{
		{`{"webhook_type":"price_update","data":[{"product_code":"A","price_old":"1.000","price_new":"1.250"}]}`, true, 1250},
		{`{"webhook_type":"price_update","data":[{"product_code":"A","price_new":"1250.00"}]}`, true, 1250},
		{`{"webhook_type":"price_update","data":[]}`, true, 0},
		{`{"webhook_type":"price_update","data":[{"product_code":"A","price_new":"gratis"}]}`, false, 0},
		{`{"webhook_type":"price_update","data":[{"product_code":"A","price_new":0}]}`, false, 0},
		{`{"webhook_type":"price_update","data":[{"price_new":100}]}`, false, 0},
		{`{"webhook_type":"price_update","data":{"x":1}}`, false, 0},
	} {
		r := httptest.NewRequest(http.MethodPost, "/callbacks/tw", strings.NewReader(tc.body))
		r.RemoteAddr = "95.111.198.189:1"
		got, status, _, err := c.ReceiveCallback(r, []byte(tc.body))
		if (err == nil) != tc.ok || (tc.ok && status != 200) || (!tc.ok && status != 400) {
			t.Errorf("%s: %d %v, want ok %v", tc.body, status, err, tc.ok)
			continue
		}
		if tc.want != 0 && (len(got) != 1 || len(got[0].Prices) != 1 || got[0].Prices[0].Price != tc.want) {
			t.Errorf("%s: got %+v, want price %d", tc.body, got, tc.want)
		}
	}
}

func TestCallbackAllowlistFromMemberID(t *testing.T) {
	c, err := New(supplier.Config{Kind: Kind, BaseURL: "https://tokowendigg.com", APIKey: testKey, Secret: testSecret,
		MemberID: " 10.0.0.0/8, 2001:db8::1 ,192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	for remote, want := range map[string]bool{
		"10.1.2.3:80": true, "[2001:db8::1]:443": true, "192.0.2.7:1": true, "[::ffff:10.9.9.9]:1": true,
		"95.111.198.189:1": false, "192.0.2.8:1": false, "[2001:db8::2]:1": false, "garbage": false,
	} {
		r, body := webhookRequest(remote, "webhook_success.json")
		got, status, _, err := c.ReceiveCallback(r, body)
		if (err == nil) != want || (len(got) == 1) != want || (status == 200) != want {
			t.Errorf("%s: got %d results, status %d, %v; want allowed %v", remote, len(got), status, err, want)
		}
	}
}

func TestNew(t *testing.T) {
	good := supplier.Config{Kind: Kind, BaseURL: "https://tokowendigg.com", APIKey: testKey, Secret: testSecret}
	for name, mod := range map[string]func(*supplier.Config){
		"no scheme":     func(c *supplier.Config) { c.BaseURL = "tokowendigg.com" },
		"ftp":           func(c *supplier.Config) { c.BaseURL = "ftp://tokowendigg.com" },
		"no key":        func(c *supplier.Config) { c.APIKey = "" },
		"no secret":     func(c *supplier.Config) { c.Secret = "" },
		"bad allowlist": func(c *supplier.Config) { c.MemberID = "95.111.198.189, my-server" },
		"bad cidr":      func(c *supplier.Config) { c.MemberID = "10.0.0.0/99" },
	} {
		cfg := good
		mod(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: want an error", name)
		} else if strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: credential in %q", name, err)
		}
	}
	s, err := supplier.New(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(supplier.CallbackReceiver); !ok {
		t.Error("the registered kind does not receive callbacks")
	}
}

func TestMoney(t *testing.T) {
	for in, want := range map[string]loket.Money{
		`1000`: 1000, `1000.00`: 1000, `1000.6`: 1001, `"1000"`: 1000, `"1.000"`: 1000, `"1.000.000"`: 1000000,
		`"1000.00"`: 1000, `"1.000,50"`: 1001, `"Rp 10.575"`: 10575, `"Rp10.575"`: 10575, `"10,5"`: 11, `"0"`: 0, `-5`: -5,
	} {
		got, err := money(json.RawMessage(in))
		if err != nil || got != want {
			t.Errorf("money(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{``, `null`, `"abc"`, `true`, `{}`, `"1e400"`, `1e300`, `""`} {
		if got, err := money(json.RawMessage(in)); err == nil {
			t.Errorf("money(%s) = %d, want an error", in, got)
		}
	}
}

func rawWebhook(remote string, body []byte, header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/callbacks/tw", bytes.NewReader(body))
	r.RemoteAddr = remote
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

// A webhook may come before Loket has recorded the reference that transaction/create
// answered (an upstream that settles at once, such as another Loket): it names the Ref
// this process placed under that reference, so Loket matches it by Ref.
func TestCallbackNamesThePlacedRef(t *testing.T) {
	f, c := newFake(t)
	catalog(f)
	f.set("POST "+pathCreate, ok200("create_processing.json"))
	if _, err := c.Order(context.Background(), supplier.Request{Ref: "LK1A1", Code: ffCode, Target: "12345678"}); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{ref1: "LK1A1", "API24070244415211481": ""} {
		body := []byte(`{"webhook_type":"transaction_status","reference":"` + ref + `","status":"success","sn":"SN1","note":"","sent_at":"2024-07-01 00:00:00"}`)
		got, status, _, err := c.ReceiveCallback(rawWebhook("95.111.198.189:1", body), body)
		if err != nil || status != 200 || len(got) != 1 {
			t.Fatalf("%s: %+v %d %v", ref, got, status, err)
		}
		if got[0].Ref != want || got[0].TrxID != ref || got[0].Result.Outcome != supplier.Success {
			t.Errorf("%s: got %+v, want Ref %q", ref, got[0], want)
		}
	}
}

// A webhook that carries a signature must carry the right one: another Loket's
// X-Loket-Signature (HMAC-SHA256 of the body under the secret key), or a Signature
// header equal to the secret key. Without either, the source address decides.
func TestCallbackSignature(t *testing.T) {
	_, c := newFake(t)
	const from = "95.111.198.189:40112"
	body, err := os.ReadFile("testdata/webhook_success.json")
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write(body)
	good := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	for name, tc := range map[string]struct {
		header []string
		ok     bool
	}{
		"none":                 {nil, true},
		"loket signature":      {[]string{"X-Loket-Signature", good}, true},
		"wrong loket sig":      {[]string{"X-Loket-Signature", "sha256=" + strings.Repeat("00", 32)}, false},
		"loket sig not hex":    {[]string{"X-Loket-Signature", "sha256=zz"}, false},
		"loket sig no scheme":  {[]string{"X-Loket-Signature", good[len("sha256="):]}, false},
		"signature secret":     {[]string{"Signature", testSecret}, true},
		"wrong signature":      {[]string{"Signature", "guess"}, false},
		"empty signature":      {[]string{"Signature", ""}, false},
		"good sig, other body": {[]string{"X-Loket-Signature", good}, false},
	} {
		t.Run(name, func(t *testing.T) {
			b := body
			if name == "good sig, other body" {
				b = bytes.Replace(body, []byte(`"success"`), []byte(`"failed"`), 1)
			}
			got, status, answer, err := c.ReceiveCallback(rawWebhook(from, b, tc.header...), b)
			if tc.ok && (err != nil || status != 200 || len(got) != 1) {
				t.Errorf("refused: %d %s %v", status, answer, err)
			}
			if !tc.ok && (err == nil || status != 400 || !bytes.Equal(answer, answerRefused) || len(got) != 0) {
				t.Errorf("accepted: %+v %d %s %v", got, status, answer, err)
			}
		})
	}
	// The right signature from an address not allowed is still refused.
	if got, status, _, err := c.ReceiveCallback(rawWebhook("203.0.113.9:1", body, "X-Loket-Signature", good), body); err == nil || status != 400 || len(got) != 0 {
		t.Errorf("signed webhook from a stranger accepted: %+v %d", got, status)
	}
}

// The webhook of an order the upstream settled at once can arrive while this process
// is still reading the create answer that names its reference: it waits for the send
// and names its Ref.
func TestCallbackOvertakingTheCreateAnswer(t *testing.T) {
	f, c := newFake(t)
	catalog(f)
	f.set("POST "+pathCreate, reply{code: 200, file: "create_processing.json", delay: 300 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		_, err := c.Order(context.Background(), supplier.Request{Ref: "LK1A1", Code: ffCode, Target: "12345678"})
		done <- err
	}()
	for deadline := time.Now().Add(2 * time.Second); len(f.seen()) < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the create was not sent: %+v", f.seen())
		}
	}
	body := []byte(`{"webhook_type":"transaction_status","reference":"` + ref1 + `","status":"success","sn":"SN1","note":"","sent_at":"2024-07-01 00:00:00"}`)
	got, status, _, err := c.ReceiveCallback(rawWebhook("95.111.198.189:1", body), body)
	if err != nil || status != 200 || len(got) != 1 || got[0].Ref != "LK1A1" || got[0].TrxID != ref1 {
		t.Errorf("webhook during the send: %+v %d %v, want Ref LK1A1", got, status, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
