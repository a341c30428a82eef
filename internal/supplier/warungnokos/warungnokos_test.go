package warungnokos

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// testdata/: profile.json, services.json, countries_14.json, operators.json,
// order.json, status_completed.json and set_status.json are the seed's documented
// answers as printed (status_completed.json without the seed's comment); the others
// are failures and variants in the seed's shape.

const testKey = "wn-SECRET-key-0123456789abcdef"

type recorded struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

type reply struct {
	code   int
	file   string            // under testdata/
	body   string            // used when file is ""
	header map[string]string // extra answer headers
	hold   bool              // answer only when the request's context ends
	delay  time.Duration     // answer after this long
}

// fake is an upstream replaying testdata answers by "METHOD /path" (the path after
// /api), recording what it was sent.
type fake struct {
	t      *testing.T
	srv    *httptest.Server
	prefix string // where the upstream's /api lives

	mu      sync.Mutex
	reqs    []recorded
	replies map[string]reply
	active  int // requests being served now
	peak    int // the most served at once
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, prefix: "/compat/warungnokos/api", replies: map[string]reply{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) set(key string, r reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[key] = r
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.EscapedPath(), f.prefix)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{Method: r.Method, Path: path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)})
	rep, ok := f.replies[r.Method+" "+path]
	f.active++
	f.peak = max(f.peak, f.active)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.active--
		f.mu.Unlock()
	}()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `<html>no route in the fake: `+r.Method+" "+path+`</html>`)
		return
	}
	if rep.hold {
		<-r.Context().Done()
		return
	}
	if rep.delay > 0 {
		select {
		case <-time.After(rep.delay):
		case <-r.Context().Done():
			return
		}
	}
	body := []byte(rep.body)
	if rep.file != "" {
		var err error
		if body, err = os.ReadFile(filepath.Join("testdata", rep.file)); err != nil {
			f.t.Errorf("testdata: %v", err)
		}
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.code == 0 {
		rep.code = http.StatusOK
	}
	w.WriteHeader(rep.code)
	w.Write(body)
}

// client is an adapter on f, configured as for another Loket's surface.
func (f *fake) client(t *testing.T) *Client {
	t.Helper()
	c, err := New(supplier.Config{Name: "wn", Kind: Kind, BaseURL: f.srv.URL + "/compat/warungnokos/", APIKey: testKey, HTTP: f.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// impatient is an adapter on f whose HTTP client gives up after 100ms.
func (f *fake) impatient(t *testing.T) *Client {
	t.Helper()
	c, err := New(supplier.Config{Kind: Kind, BaseURL: f.srv.URL + "/compat/warungnokos", APIKey: testKey,
		HTTP: &http.Client{Timeout: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func noSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, testKey) || strings.Contains(s, "SECRET") {
		t.Errorf("%s shows the API key: %q", what, s)
	}
}

// wantKey checks every request carried the key in x-api-key, and JSON headers.
func wantKey(t *testing.T, reqs []recorded) {
	t.Helper()
	for _, r := range reqs {
		if got := r.Header.Get("x-api-key"); got != testKey {
			t.Errorf("%s %s: x-api-key = %q", r.Method, r.Path, got)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("%s %s: Accept = %q", r.Method, r.Path, got)
		}
		if r.Method == http.MethodPost && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: Content-Type = %q", r.Method, r.Path, r.Header.Get("Content-Type"))
		}
		if strings.Contains(r.Path, testKey) || strings.Contains(r.Body, testKey) {
			t.Errorf("%s %s: the key is in the path or body", r.Method, r.Path)
		}
	}
}

func TestRegistered(t *testing.T) {
	s, err := supplier.New(supplier.Config{Kind: "warungnokos", BaseURL: "https://warungnokos.web.id", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(supplier.VNSupplier); !ok {
		t.Fatalf("%T is not a VNSupplier", s)
	}
	if rl, ok := s.(supplier.RefLess); !ok || !rl.RefLess() {
		t.Error("otp/order takes no client reference: the adapter must be RefLess")
	}
	if _, ok := s.(supplier.CallbackReceiver); ok {
		t.Error("the seed has no callbacks; the adapter must not receive them")
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []supplier.Config{
		{Kind: Kind, BaseURL: "", APIKey: "k"},
		{Kind: Kind, BaseURL: "warungnokos.web.id", APIKey: "k"},
		{Kind: Kind, BaseURL: "ftp://warungnokos.web.id", APIKey: "k"},
		{Kind: Kind, BaseURL: "https://warungnokos.web.id", APIKey: " "},
		{Kind: Kind, BaseURL: "https://user:" + testKey + "@warungnokos.web.id", APIKey: testKey},
	} {
		_, err := supplier.New(cfg)
		if err == nil {
			t.Errorf("%+v: no error", cfg)
			continue
		}
		noSecret(t, "config error", err.Error())
	}
}

func TestBaseURLWithOrWithoutAPI(t *testing.T) {
	for _, base := range []string{
		"/compat/warungnokos", "/compat/warungnokos/", "/compat/warungnokos/api", "/compat/warungnokos/api/",
		"/compat/warungnokos/api?x=1#frag",
	} {
		t.Run(base, func(t *testing.T) {
			f := newFake(t)
			f.set("GET /user/profile", reply{file: "profile.json"})
			c, err := New(supplier.Config{Kind: Kind, BaseURL: f.srv.URL + base, APIKey: testKey, HTTP: f.srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			if got, err := c.Balance(ctx(t)); err != nil || got != 150000 {
				t.Fatalf("got %d, %v", got, err)
			}
			if r := f.requests(); len(r) != 1 || r[0].Path != "/user/profile" {
				t.Errorf("requests %+v", r)
			}
		})
	}
	// The seed's host, with and without /api.
	for base, want := range map[string]string{
		"https://warungnokos.web.id":      "https://warungnokos.web.id/api",
		"https://warungnokos.web.id/api/": "https://warungnokos.web.id/api",
		" https://warungnokos.web.id/API": "https://warungnokos.web.id/API",
	} {
		c, err := New(supplier.Config{Kind: Kind, BaseURL: base, APIKey: "k"})
		if err != nil || c.base != want {
			t.Errorf("%q: base %q, %v; want %q", base, c.base, err, want)
		}
	}
}

func TestOrdinaryProductsAreNotSold(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	r := supplier.Request{Ref: "LK1A1", Code: "TSEL10", Target: "08123456789", PlacedAt: time.Now()}
	res, err := c.Order(ctx(t), r)
	if err != nil || res.Outcome != supplier.Failed || !strings.Contains(res.Message, "not sold by this upstream") {
		t.Errorf("Order: %+v, %v", res, err)
	}
	res, err = c.Status(ctx(t), r)
	if err != nil || res.Outcome != supplier.Failed {
		t.Errorf("Status: %+v, %v", res, err)
	}
	// An attempt with an upstream id did not come from this adapter: never refunded
	// on a guess.
	r.TrxID = "WN0000000125"
	res, err = c.Status(ctx(t), r)
	if err != nil || res.Outcome != supplier.Unknown || res.TrxID != "WN0000000125" {
		t.Errorf("Status with a TrxID: %+v, %v", res, err)
	}
	if p, err := c.Prices(ctx(t)); p != nil || err != nil {
		t.Errorf("Prices: %v, %v", p, err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests upstream", n)
	}
}

func TestBalance(t *testing.T) {
	for _, c := range []struct {
		file string
		want loket.Money
	}{
		{"profile.json", 150000},
		{"profile_string.json", 150000},
		{"profile_dotted.json", 150000},
		{"profile_decimal.json", 1000},
		{"profile_fraction.json", 1000},
		{"profile_rp.json", 1250000},
	} {
		t.Run(c.file, func(t *testing.T) {
			f := newFake(t)
			f.set("GET /user/profile", reply{file: c.file})
			got, err := f.client(t).Balance(ctx(t))
			if err != nil || got != c.want {
				t.Errorf("got %d, %v; want %d", got, err, c.want)
			}
			reqs := f.requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodGet {
				t.Fatalf("requests %+v", reqs)
			}
			wantKey(t, reqs)
		})
	}
}

func TestBalanceErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		rep  reply
	}{
		{"bad key", reply{code: 401, file: "bad_key.json"}},
		{"refused under 200", reply{file: "bad_key.json"}},
		{"server error", reply{code: 500, file: "server_error.json"}},
		{"garbage", reply{code: 200, file: "garbage.html"}},
		{"no balance", reply{file: "profile_nobalance.json"}},
		{"unreadable balance", reply{file: "profile_bad.json"}},
		{"negative balance", reply{body: `{"success":true,"data":{"balance":-5}}`}},
		{"no success", reply{body: `{"data":{"balance":150000}}`}},
		{"redirect", reply{code: 302, header: map[string]string{"Location": "https://elsewhere/login"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.set("GET /user/profile", c.rep)
			got, err := f.client(t).Balance(ctx(t))
			if err == nil {
				t.Fatalf("got %d, no error", got)
			}
			noSecret(t, "error", err.Error())
		})
	}
}

// vnReq is seed 000's example order.
func vnReq(ref string) supplier.VNRequest {
	return supplier.VNRequest{Ref: ref, ServiceCode: 14, ServiceName: "WhatsApp", NumberID: 340437, Country: "Indonesia",
		ProviderID: "3837", OperatorID: "any", MaxPrice: 3500}
}

func TestRentNumber(t *testing.T) {
	f := newFake(t)
	f.set("POST /otp/order", reply{file: "order.json"})
	n, err := f.client(t).RentNumber(ctx(t), vnReq("LK1V1"))
	if err != nil {
		t.Fatal(err)
	}
	want := supplier.VNNumber{ID: "WN0000000125", Phone: "+62 812 3456 7890", Price: 3500}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("got %+v, want %+v", n, want)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/otp/order" {
		t.Fatalf("requests %+v", reqs)
	}
	wantKey(t, reqs)
	// The seed's example body: ids as strings, price_jual a number; and Loket's ref,
	// beyond the seed, for FindNumber.
	const body = `{"number_id":"340437","provider_id":"3837","operator_id":"any","price_jual":3500,"service_name":"WhatsApp","ref_id":"LK1V1"}`
	if reqs[0].Body != body {
		t.Errorf("body %s\nwant %s", reqs[0].Body, body)
	}
}

func TestRentNumberBody(t *testing.T) {
	f := newFake(t)
	f.set("POST /otp/order", reply{file: "order.json"})
	r := vnReq("LK2V1")
	r.OperatorID, r.ServiceName, r.MaxPrice = "", "", 1200
	if _, err := f.client(t).RentNumber(ctx(t), r); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(f.requests()[0].Body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"number_id": "340437", "provider_id": "3837", "operator_id": "any", "price_jual": 1200.0, "ref_id": "LK2V1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestRentNumberAnswers(t *testing.T) {
	for _, c := range []struct {
		name    string
		rep     reply
		refusal bool // a *supplier.Refusal; otherwise (if want is zero) an unknown error
		want    supplier.VNNumber
	}{
		{"seed", reply{file: "order.json"}, false, supplier.VNNumber{ID: "WN0000000125", Phone: "+62 812 3456 7890", Price: 3500}},
		{"amount as a string", reply{file: "order_amount_string.json"}, false, supplier.VNNumber{ID: "WN0000000128", Phone: "+6281200001111", Price: 3500}},
		{"unreadable amount", reply{file: "order_amount_bad.json"}, false, supplier.VNNumber{ID: "WN0000000129", Phone: "+6281200002222"}},
		{"numeric trxId, fraction rounds up", reply{file: "order_numeric_trx.json"}, false, supplier.VNNumber{ID: "130", Phone: "+6281200003333", Price: 1101}},
		{"out of stock under 200", reply{file: "order_out_of_stock.json"}, true, supplier.VNNumber{}},
		{"out of stock under 400", reply{code: 400, file: "order_out_of_stock.json"}, true, supplier.VNNumber{}},
		{"balance", reply{code: 400, file: "order_saldo.json"}, true, supplier.VNNumber{}},
		{"invalid", reply{code: 422, file: "order_invalid.json"}, true, supplier.VNNumber{}},
		{"no message", reply{code: 400, file: "order_no_message.json"}, true, supplier.VNNumber{}},
		{"bad key", reply{code: 401, file: "bad_key.json"}, true, supplier.VNNumber{}},
		{"not found", reply{code: 404, body: `{"success":false,"message":"Endpoint tidak ditemukan."}`}, true, supplier.VNNumber{}},
		{"rate limited", reply{code: 429, body: `{"success":false,"message":"Terlalu banyak request"}`, header: map[string]string{"Retry-After": "7"}}, true, supplier.VNNumber{}},
		{"under way", reply{code: 400, file: "order_processing.json"}, false, supplier.VNNumber{}},
		{"conflict", reply{code: 409, file: "order_out_of_stock.json"}, false, supplier.VNNumber{}},
		{"request timeout", reply{code: 408, file: "order_out_of_stock.json"}, false, supplier.VNNumber{}},
		{"server error", reply{code: 500, file: "server_error.json"}, false, supplier.VNNumber{}},
		{"bad gateway with a refusal body", reply{code: 502, file: "order_out_of_stock.json"}, false, supplier.VNNumber{}},
		{"garbage", reply{file: "garbage.html"}, false, supplier.VNNumber{}},
		{"garbage under 400", reply{code: 400, file: "garbage.html"}, false, supplier.VNNumber{}},
		{"empty body", reply{code: 200}, false, supplier.VNNumber{}},
		{"JSON list", reply{body: `[]`}, false, supplier.VNNumber{}},
		{"no success field", reply{file: "order_no_success.json"}, false, supplier.VNNumber{}},
		{"success without trxId", reply{file: "order_no_trx.json"}, false, supplier.VNNumber{}},
		{"success without phone", reply{file: "order_no_phone.json"}, false, supplier.VNNumber{}},
		{"success under 400", reply{code: 400, file: "order.json"}, false, supplier.VNNumber{}},
		{"success with bad data", reply{body: `{"success":true,"data":"ok"}`}, false, supplier.VNNumber{}},
		{"success without data", reply{body: `{"success":true}`}, false, supplier.VNNumber{}},
		{"redirect", reply{code: 301, header: map[string]string{"Location": "https://warungnokos.web.id/login"}}, false, supplier.VNNumber{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.set("POST /otp/order", c.rep)
			n, err := f.client(t).RentNumber(ctx(t), vnReq("LK3V1"))
			if len(f.requests()) != 1 {
				t.Fatalf("%d requests", len(f.requests()))
			}
			switch {
			case c.want != (supplier.VNNumber{}):
				if err != nil || n != c.want {
					t.Errorf("got %+v, %v; want %+v", n, err, c.want)
				}
				return
			case err == nil:
				t.Fatalf("got %+v, no error", n)
			case supplier.IsRefusal(err) != c.refusal:
				t.Errorf("refusal %v, want %v: %v", supplier.IsRefusal(err), c.refusal, err)
			}
			noSecret(t, "error", err.Error())
			if c.name == "rate limited" {
				var r *supplier.Refusal
				if errors.As(err, &r); r.RetryAfter != 7*time.Second {
					t.Errorf("RetryAfter %v", r.RetryAfter)
				}
			}
		})
	}
}

func TestRentNumberNamesTheOrderItCannotUse(t *testing.T) {
	f := newFake(t)
	f.set("POST /otp/order", reply{file: "order_no_phone.json"})
	_, err := f.client(t).RentNumber(ctx(t), vnReq("LK4V1"))
	if err == nil || supplier.IsRefusal(err) || !strings.Contains(err.Error(), "WN0000000126") {
		t.Errorf("got %v", err)
	}
}

func TestRentNumberNotSent(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		mod  func(*supplier.VNRequest)
	}{
		{"no ref", nil, func(r *supplier.VNRequest) { r.Ref = " " }},
		{"no number_id", nil, func(r *supplier.VNRequest) { r.NumberID = 0 }},
		{"no provider", nil, func(r *supplier.VNRequest) { r.ProviderID = "" }},
		{"no max price", nil, func(r *supplier.VNRequest) { r.MaxPrice = 0 }},
		{"negative max price", nil, func(r *supplier.VNRequest) { r.MaxPrice = -1 }},
		{"context ended", cancelled, func(*supplier.VNRequest) {}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.set("POST /otp/order", reply{file: "order.json"})
			r := vnReq("LK5V1")
			c.mod(&r)
			cx := c.ctx
			if cx == nil {
				cx = ctx(t)
			}
			cl := f.client(t)
			if _, err := cl.RentNumber(cx, r); !supplier.IsRefusal(err) {
				t.Errorf("got %v, want a refusal", err)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests", n)
			}
			if len(cl.sent) != 0 {
				t.Errorf("remembered %v", cl.sent)
			}
		})
	}
}

func TestRentNumberTimeout(t *testing.T) {
	f := newFake(t)
	f.set("POST /otp/order", reply{hold: true})
	c := f.impatient(t)
	_, err := c.RentNumber(ctx(t), vnReq("LK6V1"))
	if err == nil || supplier.IsRefusal(err) {
		t.Fatalf("got %v, want an unknown error", err)
	}
	noSecret(t, "timeout error", err.Error())
	// The first send may have rented a number: never sent again from this process.
	f.set("POST /otp/order", reply{file: "order.json"})
	if _, err := c.RentNumber(ctx(t), vnReq("LK6V1")); err == nil || supplier.IsRefusal(err) {
		t.Errorf("second RentNumber: %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestRentNumberDeadline(t *testing.T) {
	f := newFake(t)
	f.set("POST /otp/order", reply{hold: true})
	cx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := f.client(t).RentNumber(cx, vnReq("LK7V1"))
	if err == nil || supplier.IsRefusal(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
}

func TestRentNumberOncePerRef(t *testing.T) {
	f := newFake(t)
	f.set("POST /otp/order", reply{code: 400, file: "order_out_of_stock.json"})
	c := f.client(t)
	// A refusal rents nothing: the Ref may be sent again.
	if _, err := c.RentNumber(ctx(t), vnReq("LK8V1")); !supplier.IsRefusal(err) {
		t.Fatalf("got %v", err)
	}
	f.set("POST /otp/order", reply{file: "order.json"})
	n1, err := c.RentNumber(ctx(t), vnReq("LK8V1"))
	if err != nil {
		t.Fatal(err)
	}
	// A Ref that got a number gets the same number, without a second rental.
	n2, err := c.RentNumber(ctx(t), vnReq("LK8V1"))
	if err != nil || n2 != n1 {
		t.Errorf("second: %+v, %v; want %+v", n2, err, n1)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	// Unknown outcomes (5xx) are not sent again.
	f.set("POST /otp/order", reply{code: 503, file: "server_error.json"})
	if _, err := c.RentNumber(ctx(t), vnReq("LK8V2")); err == nil || supplier.IsRefusal(err) {
		t.Fatalf("got %v", err)
	}
	f.set("POST /otp/order", reply{file: "order.json"})
	if _, err := c.RentNumber(ctx(t), vnReq("LK8V2")); err == nil || supplier.IsRefusal(err) {
		t.Errorf("after a 503: %v", err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestRentNumberConcurrentSameRef(t *testing.T) {
	f := newFake(t)
	f.set("POST /otp/order", reply{file: "order.json"})
	c := f.client(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { c.RentNumber(ctx(t), vnReq("LK9V1")) })
	}
	wg.Wait()
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d rentals for one Ref", n)
	}
}

// TestFindNumber: a rent whose answer was lost is looked up by its ref with
// otp/orders (Loket's surface, beyond the seed). Only a positive answer with the ref
// echoed decides; an upstream without the endpoint is ErrNoLookup.
func TestFindNumber(t *testing.T) {
	const item = `{"trxId":"WN0000000007","serviceName":"WhatsApp","phoneNumber":"+62 812 0000 1111","amount":1210,"status":"waiting","ref_id":"LK1V1"}`
	recent, old := 10*time.Second, 5*time.Minute
	for _, c := range []struct {
		name    string
		rep     reply
		age     time.Duration // since the rent was sent
		want    supplier.VNNumber
		refusal bool // a *supplier.Refusal: nothing rented
		noLook  bool // supplier.ErrNoLookup; otherwise (if want is zero) unknown
	}{
		{name: "rented", rep: reply{body: `{"success":true,"ref_id":"LK1V1","data":[` + item + `]}`}, age: recent,
			want: supplier.VNNumber{ID: "WN0000000007", Phone: "+62 812 0000 1111", Price: 1210}},
		{name: "rented and canceled since", age: old,
			rep:  reply{body: `{"success":true,"ref_id":"LK1V1","data":[` + strings.Replace(item, `"waiting"`, `"canceled"`, 1) + `]}`},
			want: supplier.VNNumber{ID: "WN0000000007", Phone: "+62 812 0000 1111", Price: 1210}},
		{name: "failed upstream", age: recent, refusal: true,
			rep: reply{body: `{"success":true,"ref_id":"LK1V1","data":[{"trxId":"WN0000000008","phoneNumber":"","status":"canceled","ref_id":"LK1V1"}]}`}},
		{name: "still renting upstream", age: old,
			rep: reply{body: `{"success":true,"ref_id":"LK1V1","data":[{"trxId":"WN0000000009","phoneNumber":"","status":"waiting","ref_id":"LK1V1"}]}`}},
		{name: "none yet", rep: reply{body: `{"success":true,"ref_id":"LK1V1","data":[]}`}, age: recent},
		{name: "none", rep: reply{body: `{"success":true,"ref_id":"LK1V1","data":[]}`}, age: old, refusal: true},
		{name: "another ref's", age: old, refusal: true,
			rep: reply{body: `{"success":true,"ref_id":"LK1V1","data":[` + strings.Replace(item, `"ref_id":"LK1V1"`, `"ref_id":"LK2V1"`, 1) + `]}`}},
		{name: "two", rep: reply{body: `{"success":true,"ref_id":"LK1V1","data":[` + item + `,` + item + `]}`}, age: old},
		{name: "another rent's, made long before", age: recent,
			rep: reply{body: `{"success":true,"ref_id":"LK1V1","data":[` + strings.Replace(item, `"status"`, `"createdAt":"2020-01-02T03:04:05.000Z","status"`, 1) + `]}`}},
		{name: "no echo", rep: reply{body: `{"success":true,"data":[]}`}, age: old, noLook: true},
		{name: "no such endpoint", rep: reply{code: 404, body: `{"success":false,"message":"Endpoint tidak ditemukan."}`}, age: old, noLook: true},
		{name: "no such endpoint, html", rep: reply{code: 404, body: `<html>Cannot GET</html>`}, age: old, noLook: true},
		{name: "server error", rep: reply{code: 502, body: `{"success":true,"ref_id":"LK1V1","data":[]}`}, age: old},
		{name: "bad key", rep: reply{code: 401, body: `{"success":false,"message":"API Key tidak valid"}`}, age: old},
		{name: "garbage", rep: reply{body: `{"success":true,"ref_id":"LK1V1","data":{}}`}, age: old},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.set("GET /otp/orders", c.rep)
			r := vnReq("LK1V1")
			r.SentAt = time.Now().Add(-c.age)
			n, err := f.client(t).FindNumber(ctx(t), r)
			switch {
			case c.want != (supplier.VNNumber{}):
				if err != nil || n != c.want {
					t.Errorf("got %+v, %v; want %+v", n, err, c.want)
				}
			case c.refusal:
				if !supplier.IsRefusal(err) {
					t.Errorf("got %+v, %v; want a refusal", n, err)
				}
			case c.noLook:
				if !errors.Is(err, supplier.ErrNoLookup) || supplier.IsRefusal(err) {
					t.Errorf("got %v; want ErrNoLookup", err)
				}
			default:
				if err == nil || supplier.IsRefusal(err) || errors.Is(err, supplier.ErrNoLookup) {
					t.Errorf("got %+v, %v; want unknown", n, err)
				}
			}
			if err != nil {
				noSecret(t, "FindNumber error", err.Error())
			}
			reqs := f.requests()
			if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Path != "/otp/orders" || reqs[0].Query != "ref_id=LK1V1" {
				t.Fatalf("requests %+v", reqs)
			}
			wantKey(t, reqs)
		})
	}
}

// TestRentNumberAnsweredWithAnOldOrder: an idempotent upstream answers a ref_id used
// before (by a Loket whose database was reset) with the activation made then: not this
// rent's number, so unknown rather than a number to poll and charge.
func TestRentNumberAnsweredWithAnOldOrder(t *testing.T) {
	f := newFake(t)
	f.set("POST /otp/order", reply{file: "order.json"}) // createdAt 2026-04-02T12:00:00.000Z
	r := vnReq("LK4V1")
	r.SentAt = time.Date(2026, 4, 2, 12, 30, 0, 0, time.UTC)
	if n, err := f.client(t).RentNumber(ctx(t), r); err == nil || supplier.IsRefusal(err) || !strings.Contains(err.Error(), "before") {
		t.Errorf("got %+v, %v; want unknown", n, err)
	}
	r = vnReq("LK4V2")
	r.SentAt = time.Date(2026, 4, 2, 12, 0, 1, 0, time.UTC)
	if _, err := f.client(t).RentNumber(ctx(t), r); err != nil {
		t.Errorf("a fresh order: %v", err)
	}
}

// TestFindNumberAfterTimeout: the rent timed out here; the lookup asks by the ref the
// rent carried, and a number found is what this process answers from then on.
func TestFindNumberAfterTimeout(t *testing.T) {
	f := newFake(t)
	f.set("POST /otp/order", reply{hold: true})
	c := f.impatient(t)
	r := vnReq("LK3V1")
	r.SentAt = time.Now()
	if _, err := c.RentNumber(ctx(t), r); err == nil || supplier.IsRefusal(err) {
		t.Fatalf("rent: %v, want unknown", err)
	}
	f.set("GET /otp/orders", reply{body: `{"success":true,"ref_id":"LK3V1","data":[{"trxId":"WN0000000003","phoneNumber":"+62 811","amount":"1.100","status":"waiting","ref_id":"LK3V1"}]}`})
	n, err := c.FindNumber(ctx(t), r)
	want := supplier.VNNumber{ID: "WN0000000003", Phone: "+62 811", Price: 1100}
	if err != nil || n != want {
		t.Fatalf("find: %+v, %v", n, err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[1].Path != "/otp/orders" || reqs[1].Header.Get("x-api-key") != testKey {
		t.Fatalf("requests %+v", reqs)
	}
	if !strings.Contains(reqs[0].Body, `"ref_id":"LK3V1"`) {
		t.Errorf("the rent did not carry the ref: %s", reqs[0].Body)
	}
	// Found: the same number again, with no call.
	if n2, err := c.FindNumber(ctx(t), r); err != nil || n2 != want || len(f.requests()) != 2 {
		t.Errorf("again: %+v %v (%d requests)", n2, err, len(f.requests()))
	}
}

func TestEvictKeepsUnsureRefs(t *testing.T) {
	c, err := New(supplier.Config{Kind: Kind, BaseURL: "https://warungnokos.web.id", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	c.claim("unsure")
	c.settle("unsure", unsure, supplier.VNNumber{})
	c.claim("flight")
	for i := range maxRemembered + 10 {
		ref := "R" + strconv.Itoa(i)
		c.claim(ref)
		c.settle(ref, accepted, supplier.VNNumber{ID: ref})
	}
	if len(c.sent) > maxRemembered {
		t.Errorf("%d remembered", len(c.sent))
	}
	if s, ok := c.sent["unsure"]; !ok || s.state != unsure {
		t.Error("an unsure Ref was forgotten: it could be sent again")
	}
	if s, ok := c.sent["flight"]; !ok || s.state != inFlight {
		t.Error("an in-flight Ref was forgotten")
	}
}

func TestNumberStatus(t *testing.T) {
	code := func(s string) []supplier.SMS { return []supplier.SMS{{Code: s}} }
	for _, c := range []struct {
		file string
		want supplier.VNStatus
	}{
		{"status_completed.json", supplier.VNStatus{State: supplier.VNReceived, SMS: code("949708")}},
		{"status_completed_upper.json", supplier.VNStatus{State: supplier.VNReceived, SMS: code("949708")}},
		{"status_nested.json", supplier.VNStatus{State: supplier.VNReceived, SMS: code("949708")}},
		{"status_completed_no_otp.json", supplier.VNStatus{State: supplier.VNDone}},
		{"status_waiting.json", supplier.VNStatus{State: supplier.VNWaiting}},
		{"status_waiting_otp.json", supplier.VNStatus{State: supplier.VNWaiting, SMS: code("123456")}},
		{"status_canceled.json", supplier.VNStatus{State: supplier.VNCanceled}},
		{"status_cancelled.json", supplier.VNStatus{State: supplier.VNCanceled}},
	} {
		t.Run(c.file, func(t *testing.T) {
			f := newFake(t)
			f.set("GET /otp/status/WN0000000125", reply{file: c.file})
			got, err := f.client(t).NumberStatus(ctx(t), "WN0000000125")
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, %v; want %+v", got, err, c.want)
			}
			wantKey(t, f.requests())
		})
	}
}

func TestNumberStatusUnknown(t *testing.T) {
	for _, c := range []struct {
		name string
		rep  reply
	}{
		{"canceled with a code", reply{file: "status_canceled_otp.json"}},
		{"unknown word", reply{file: "status_odd.json"}},
		{"no status", reply{file: "status_no_status.json"}},
		{"about another order", reply{file: "status_other_trx.json"}},
		{"not found", reply{code: 404, file: "status_notfound.json"}},
		{"not found under 200", reply{file: "status_notfound.json"}},
		{"bad key", reply{code: 401, file: "bad_key.json"}},
		{"server error", reply{code: 500, file: "server_error.json"}},
		{"garbage", reply{file: "garbage.html"}},
		{"success under 400", reply{code: 400, file: "status_completed.json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.set("GET /otp/status/WN0000000125", c.rep)
			got, err := f.client(t).NumberStatus(ctx(t), "WN0000000125")
			if err == nil {
				t.Fatalf("got %+v, no error", got)
			}
			if supplier.IsRefusal(err) {
				t.Errorf("a status check is never a refusal: %v", err)
			}
			noSecret(t, "error", err.Error())
		})
	}
}

func TestNumberStatusEscapesTheID(t *testing.T) {
	f := newFake(t)
	f.set("GET /otp/status/WN%2F1%3Fx", reply{file: "status_waiting.json"})
	if _, err := f.client(t).NumberStatus(ctx(t), "WN/1?x"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client(t).NumberStatus(ctx(t), " "); err == nil {
		t.Error("empty id: no error")
	}
}

func TestNumberStatusTimeout(t *testing.T) {
	f := newFake(t)
	f.set("GET /otp/status/WN1", reply{hold: true})
	c, _ := New(supplier.Config{Kind: Kind, BaseURL: f.srv.URL + "/compat/warungnokos/api", APIKey: testKey,
		HTTP: &http.Client{Timeout: 100 * time.Millisecond}})
	_, err := c.NumberStatus(ctx(t), "WN1")
	if err == nil || supplier.IsRefusal(err) {
		t.Fatalf("got %v", err)
	}
	noSecret(t, "error", err.Error())
}

func TestSetNumberStatus(t *testing.T) {
	for _, act := range []supplier.VNAction{supplier.VNCancel, supplier.VNFinish, supplier.VNResend} {
		f := newFake(t)
		f.set("POST /otp/set_status", reply{file: "set_status.json"})
		if err := f.client(t).SetNumberStatus(ctx(t), "WN0000000125", act); err != nil {
			t.Fatalf("%s: %v", act, err)
		}
		reqs := f.requests()
		wantKey(t, reqs)
		want := `{"trxId":"WN0000000125","action_status":"` + string(act) + `"}`
		if len(reqs) != 1 || reqs[0].Body != want {
			t.Errorf("%s: requests %+v", act, reqs)
		}
	}
}

func TestSetNumberStatusAnswers(t *testing.T) {
	for _, c := range []struct {
		name       string
		rep        reply
		refusal    bool
		retryAfter time.Duration
	}{
		{"too early", reply{code: 400, file: "set_status_refused.json", header: map[string]string{"Retry-After": "120"}}, true, 2 * time.Minute},
		{"too early under 200", reply{file: "set_status_refused.json"}, true, 0},
		{"bad key", reply{code: 401, file: "bad_key.json"}, true, 0},
		{"under way", reply{code: 400, file: "set_status_processing.json"}, false, 0},
		{"server error", reply{code: 500, file: "server_error.json"}, false, 0},
		{"garbage", reply{file: "garbage.html"}, false, 0},
		{"no success", reply{body: `{"message":"ok"}`}, false, 0},
		{"success under 400", reply{code: 400, file: "set_status.json"}, false, 0},
		{"conflict", reply{code: 409, file: "set_status_refused.json"}, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.set("POST /otp/set_status", c.rep)
			err := f.client(t).SetNumberStatus(ctx(t), "WN0000000125", supplier.VNCancel)
			if err == nil {
				t.Fatal("no error")
			}
			if supplier.IsRefusal(err) != c.refusal {
				t.Errorf("refusal %v, want %v: %v", supplier.IsRefusal(err), c.refusal, err)
			}
			var r *supplier.Refusal
			if errors.As(err, &r) && r.RetryAfter != c.retryAfter {
				t.Errorf("RetryAfter %v, want %v", r.RetryAfter, c.retryAfter)
			}
			noSecret(t, "error", err.Error())
		})
	}
}

func TestSetNumberStatusNotSent(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	if err := c.SetNumberStatus(ctx(t), "WN1", "refund"); !supplier.IsRefusal(err) {
		t.Errorf("unknown action: %v", err)
	}
	if err := c.SetNumberStatus(ctx(t), "", supplier.VNCancel); !supplier.IsRefusal(err) {
		t.Errorf("no id: %v", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// TestSecretsStayOut makes the upstream echo the key everywhere it can.
func TestSecretsStayOut(t *testing.T) {
	echo := `{"success":false,"message":"key ` + testKey + ` ditolak"}`
	f := newFake(t)
	for _, k := range []string{"GET /user/profile", "POST /otp/order", "GET /otp/status/WN1", "POST /otp/set_status", "GET /otp/services"} {
		f.set(k, reply{code: 400, body: echo})
	}
	c := f.client(t)
	_, err1 := c.Balance(ctx(t))
	_, err2 := c.RentNumber(ctx(t), vnReq("LK10V1"))
	_, err3 := c.NumberStatus(ctx(t), "WN1")
	err4 := c.SetNumberStatus(ctx(t), "WN1", supplier.VNCancel)
	_, err5 := c.VNCatalog(ctx(t))
	for i, err := range []error{err1, err2, err3, err4, err5} {
		if err == nil {
			t.Errorf("call %d: no error", i+1)
			continue
		}
		noSecret(t, "error", err.Error())
	}
	// A key that only shows in a transport error (an id built from it, for the sake
	// of the test) is scrubbed too.
	f.set("GET /otp/status/"+testKey, reply{hold: true})
	cx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.NumberStatus(cx, testKey)
	if err == nil {
		t.Fatal("no error")
	}
	noSecret(t, "transport error", err.Error())
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]loket.Money{
		`150000`: 150000, `"150000"`: 150000, `"150.000"`: 150000, `"1000.00"`: 1000, `"150,000"`: 150000,
		`1000.5`: 1000, `"1.000,50"`: 1000, `"Rp 5.850"`: 5850, `"Rp10.000,-"`: 10000, `1.5e3`: 1500, `"0"`: 0,
	} {
		got, _, err := parseAmount(json.RawMessage(in))
		if err != nil || got != want {
			t.Errorf("%s: got %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{``, `null`, `"abc"`, `-5`, `"-5"`, `"1.00.0"`, `true`, `"1,000.000,5"`, `1e20`} {
		if got, _, err := parseAmount(json.RawMessage(in)); err == nil {
			t.Errorf("%s: got %d, no error", in, got)
		}
	}
	if got, _ := cost(json.RawMessage(`1100.2`)); got != 1101 {
		t.Errorf("cost rounds up: got %d", got)
	}
	for in, want := range map[string]int64{`81.6`: 8160, `"75.25"`: 7525, `"81,6%"`: 8160, `100.5`: 10000, `-3`: 0, `92`: 9200} {
		if got, ok := rateBP(json.RawMessage(in)); !ok || got != want {
			t.Errorf("rate %s: got %d, %v; want %d", in, got, ok, want)
		}
	}
}
