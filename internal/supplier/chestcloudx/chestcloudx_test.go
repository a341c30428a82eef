package chestcloudx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/ratelimit"
	"github.com/loket/loket/internal/supplier"
)

const testKey = "ccx-SECRET-key-0123456789abcdef"

// prefix stands in for another Loket's /compat/chestcloudx: the adapter must keep the
// base URL's path.
const prefix = "/compat/chestcloudx"

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
}

// fake is an upstream replaying testdata answers, one per path, and recording what
// it was sent.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	reqs    []recorded
	replies map[string]reply
	gate    chan struct{} // if set, answers wait for it
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, replies: map[string]reply{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) set(path string, r reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[prefix+path] = r
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)})
	rep, ok := f.replies[r.URL.Path]
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"status":false,"message":"endpoint tidak ditemukan"}`)
		return
	}
	if rep.hold {
		<-r.Context().Done()
		return
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

// client is an adapter on f with no pacing (the limiter has its own tests).
func (f *fake) client(t *testing.T) *Client {
	t.Helper()
	c, err := New(supplier.Config{Name: "ccx", Kind: Kind, BaseURL: f.srv.URL + prefix + "/", APIKey: testKey, HTTP: f.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	c.lim = nil
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

func TestRegistered(t *testing.T) {
	s, err := supplier.New(supplier.Config{Kind: "chestcloudx", BaseURL: "https://chestcloudx.my.id", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*Client); !ok {
		t.Fatalf("got %T", s)
	}
	if _, ok := s.(supplier.CallbackReceiver); ok {
		t.Error("the seed has no callbacks; the adapter must not receive them")
	}
	for _, cfg := range []supplier.Config{
		{Kind: Kind, BaseURL: "", APIKey: "k"},
		{Kind: Kind, BaseURL: "chestcloudx.my.id", APIKey: "k"},
		{Kind: Kind, BaseURL: "ftp://chestcloudx.my.id", APIKey: "k"},
		{Kind: Kind, BaseURL: "https://chestcloudx.my.id", APIKey: " "},
		{Kind: Kind, BaseURL: "https://user:" + testKey + "@chestcloudx.my.id", APIKey: "k"},
	} {
		_, err := supplier.New(cfg)
		if err == nil {
			t.Errorf("%+v: no error", cfg)
			continue
		}
		noSecret(t, "config error", err.Error())
	}
}

func TestOrderRequest(t *testing.T) {
	for _, c := range []struct {
		name   string
		fields map[string]string
		body   string
	}{
		{"one field", nil, `{"layanan":"1","target":"123456789"}`},
		{"second form field is nometer", map[string]string{"server": "2001"}, `{"layanan":"1","target":"123456789","nometer":"2001"}`},
		{"any key", map[string]string{"zone_id": " 77 "}, `{"layanan":"1","target":"123456789","nometer":"77"}`},
		{"loket's own keys are not sent", map[string]string{"_trx": "9", "_note": "x"}, `{"layanan":"1","target":"123456789"}`},
		{"empty field", map[string]string{"server": ""}, `{"layanan":"1","target":"123456789"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.set("/api/order/create", reply{file: "order_ok.json"})
			res, err := f.client(t).Order(ctx(t), supplier.Request{Ref: "LK1A1", Code: "1", Target: "123456789", Fields: c.fields, PlacedAt: time.Now()})
			if err != nil || res.Outcome != supplier.Pending || res.TrxID != "55" {
				t.Fatalf("got %+v, %v", res, err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.Path != prefix+"/api/order/create" || r.Query != "" {
				t.Errorf("got %s %s?%s", r.Method, r.Path, r.Query)
			}
			if got := r.Header.Get("X-API-Key"); got != testKey {
				t.Errorf("X-API-Key = %q", got)
			}
			if got := r.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if r.Body != c.body {
				t.Errorf("body = %s, want %s", r.Body, c.body)
			}
		})
	}
}

func TestOrderNotSent(t *testing.T) {
	f := newFake(t)
	f.set("/api/order/create", reply{file: "order_ok.json"})
	c := f.client(t)
	for _, r := range []supplier.Request{
		{Ref: "LK1A1", Code: "1", Target: "123", Fields: map[string]string{"server": "1", "zone": "2"}},
		{Ref: "LK1A2", Code: "", Target: "123"},
		{Ref: "LK1A3", Code: "1", Target: " "},
	} {
		res, err := c.Order(ctx(t), r)
		if err != nil || res.Outcome != supplier.Failed {
			t.Errorf("%+v: got %+v, %v; want failed", r, res, err)
		}
	}
	if _, err := c.Order(ctx(t), supplier.Request{Code: "1", Target: "1"}); err == nil {
		t.Error("an order without a ref was sent")
	}
	// A context that ended before anything was sent: nothing reached the upstream.
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := c.Order(cctx, supplier.Request{Ref: "LK1A4", Code: "1", Target: "123"})
	if err != nil || res.Outcome != supplier.Failed {
		t.Errorf("cancelled before sending: got %+v, %v", res, err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestOrderOutcomes(t *testing.T) {
	for _, c := range []struct {
		name  string
		reply reply
		want  supplier.Outcome // "" means an error
		trx   string
		retry time.Duration
	}{
		{"accepted", reply{file: "order_ok.json"}, supplier.Pending, "55", 0},
		{"accepted, numeric id", reply{file: "order_ok_numeric_id.json"}, supplier.Pending, "56", 0},
		{"accepted without id", reply{file: "order_ok_no_id.json"}, "", "", 0},
		{"accepted with HTTP 500", reply{code: 500, file: "order_ok.json"}, "", "", 0},
		{"anti double-order", reply{file: "order_dup.json"}, supplier.Unknown, "", 0},
		{"anti double-order 409", reply{code: 409, file: "order_dup.json"}, supplier.Unknown, "", 0},
		{"anti double-order, loket words", reply{code: 409, file: "order_dup_loket.json"}, supplier.Unknown, "", 0},
		{"insufficient balance", reply{code: 400, file: "order_saldo.json"}, supplier.Failed, "", 0},
		{"insufficient balance, english, 200", reply{file: "order_saldo_en.json"}, supplier.Failed, "", 0},
		{"product not found", reply{code: 400, file: "order_layanan_notfound.json"}, supplier.Failed, "", 0},
		{"product inactive", reply{file: "order_layanan_nonaktif.json"}, supplier.Failed, "", 0},
		{"product disrupted", reply{code: 400, file: "order_layanan_gangguan.json"}, supplier.Failed, "", 0},
		{"out of stock", reply{code: 400, file: "order_stok.json"}, supplier.Failed, "", 0},
		{"required field", reply{code: 400, file: "order_wajib.json"}, supplier.Failed, "", 0},
		{"bad target", reply{code: 400, file: "order_target_invalid.json"}, supplier.Failed, "", 0},
		{"bad api key", reply{code: 401, file: "order_apikey.json"}, supplier.Failed, "", 0},
		{"server trouble in a 400", reply{code: 400, file: "order_server_error.json"}, supplier.Unknown, "", 0},
		{"server error", reply{code: 500, file: "order_server_error.json"}, "", "", 0},
		{"refusal with 503", reply{code: 503, file: "order_saldo.json"}, "", "", 0},
		{"unrecognised refusal", reply{file: "order_unrecognised.json"}, supplier.Unknown, "", 0},
		{"refusal without message", reply{file: "order_no_message.json"}, supplier.Unknown, "", 0},
		{"odd status", reply{file: "order_status_string.json"}, "", "", 0},
		{"garbage", reply{file: "garbage.txt"}, "", "", 0},
		{"garbage 502", reply{code: 502, file: "garbage.txt"}, "", "", 0},
		{"empty body", reply{body: ""}, "", "", 0},
		{"rate limited", reply{code: 429, file: "rate_limited.json", header: map[string]string{"Retry-After": "7"}}, supplier.Unknown, "", 7 * time.Second},
		{"rate limited, no body", reply{code: 429}, supplier.Unknown, "", 0},
		{"redirect", reply{code: 302, header: map[string]string{"Location": "https://elsewhere/?apikey=" + testKey}}, "", "", 0},
		{"unknown endpoint", reply{code: 404, body: `{"status":false,"message":"endpoint tidak ditemukan"}`}, supplier.Unknown, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.set("/api/order/create", c.reply)
			res, err := f.client(t).Order(ctx(t), supplier.Request{Ref: "LK7A1", Code: "1", Target: "123456789"})
			if c.want == "" {
				if err == nil {
					t.Fatalf("got %+v, want an error (unknown)", res)
				}
				noSecret(t, "error", err.Error())
				return
			}
			if err != nil {
				t.Fatalf("error %v, want %s", err, c.want)
			}
			if res.Outcome != c.want || res.TrxID != c.trx || res.RetryAfter != c.retry {
				t.Errorf("got %+v, want %s trx %q retry %v", res, c.want, c.trx, c.retry)
			}
			if len(f.requests()) != 1 {
				t.Errorf("%d requests", len(f.requests()))
			}
		})
	}
}

func TestOrderSlowAnswer(t *testing.T) {
	f := newFake(t)
	f.set("/api/order/create", reply{hold: true})
	cctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := f.client(t).Order(cctx, supplier.Request{Ref: "LK8A1", Code: "1", Target: "123"})
	if err == nil {
		t.Fatalf("got %+v, want an error (unknown)", res)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not say the deadline passed", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v: the deadline was not respected", d)
	}
}

func TestOrderIdempotentInProcess(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	r := supplier.Request{Ref: "LK9A1", Code: "1", Target: "123"}

	f.set("/api/order/create", reply{file: "order_ok.json"})
	for i := 0; i < 2; i++ {
		res, err := c.Order(ctx(t), r)
		if err != nil || res.Outcome != supplier.Pending || res.TrxID != "55" {
			t.Fatalf("send %d: got %+v, %v", i, res, err)
		}
	}
	if n := len(f.requests()); n != 1 {
		t.Fatalf("an accepted ref was sent %d times", n)
	}

	// A send that ended without a usable answer may have been placed: never again.
	r.Ref = "LK9A2"
	f.set("/api/order/create", reply{code: 500, file: "order_server_error.json"})
	if _, err := c.Order(ctx(t), r); err == nil {
		t.Fatal("a 500 was not unknown")
	}
	f.set("/api/order/create", reply{file: "order_ok.json"})
	res, err := c.Order(ctx(t), r)
	if err != nil || res.Outcome != supplier.Unknown {
		t.Fatalf("resend after an unknown: got %+v, %v", res, err)
	}
	if n := len(f.requests()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	res, _ = c.Status(ctx(t), r)
	if res.Outcome != supplier.Unknown || len(f.requests()) != 2 {
		t.Errorf("status of a ref with no upstream id: %+v", res)
	}

	// A definite refusal leaves nothing upstream: a later send may try again.
	r.Ref = "LK9A3"
	f.set("/api/order/create", reply{code: 400, file: "order_saldo.json"})
	if res, _ := c.Order(ctx(t), r); res.Outcome != supplier.Failed {
		t.Fatalf("got %+v", res)
	}
	f.set("/api/order/create", reply{file: "order_ok.json"})
	if res, _ := c.Order(ctx(t), r); res.Outcome != supplier.Pending {
		t.Fatalf("got %+v", res)
	}
	if n := len(f.requests()); n != 4 {
		t.Fatalf("%d requests, want 4", n)
	}
}

func TestOrderConcurrentSameRef(t *testing.T) {
	f := newFake(t)
	f.set("/api/order/create", reply{file: "order_ok.json"})
	gate := make(chan struct{})
	f.mu.Lock()
	f.gate = gate
	f.mu.Unlock()
	c := f.client(t)
	r := supplier.Request{Ref: "LK10A1", Code: "1", Target: "123"}
	first := make(chan supplier.Result)
	go func() {
		res, _ := c.Order(ctx(t), r)
		first <- res
	}()
	for len(f.requests()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	res, err := c.Order(ctx(t), r)
	if err != nil || res.Outcome != supplier.Unknown {
		t.Errorf("second send while the first is in flight: %+v, %v", res, err)
	}
	close(gate)
	if res := <-first; res.Outcome != supplier.Pending {
		t.Errorf("first send: %+v", res)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests", n)
	}
}

func TestStatusRequest(t *testing.T) {
	f := newFake(t)
	f.set("/api/order/create", reply{file: "order_ok.json"})
	f.set("/api/order/status", reply{file: "status_success.json"})
	c := f.client(t)
	r := supplier.Request{Ref: "LK11A1", Code: "1", Target: "123"}
	if _, err := c.Order(ctx(t), r); err != nil {
		t.Fatal(err)
	}
	res, err := c.Status(ctx(t), r)
	if err != nil || res.Outcome != supplier.Success || res.SN != "ABC123" || res.TrxID != "55" {
		t.Fatalf("got %+v, %v", res, err)
	}
	q := f.requests()[1]
	if q.Method != http.MethodGet || q.Path != prefix+"/api/order/status" || q.Query != "id=55" || q.Body != "" {
		t.Errorf("got %s %s?%s %q", q.Method, q.Path, q.Query, q.Body)
	}
	if q.Header.Get("X-API-Key") != testKey {
		t.Errorf("X-API-Key = %q", q.Header.Get("X-API-Key"))
	}

	// The id this process got wins over one in the fields.
	r.TrxID = "99"
	if _, err := c.Status(ctx(t), r); err != nil {
		t.Fatal(err)
	}
	if q := f.requests()[2]; q.Query != "id=55" {
		t.Errorf("asked about %q", q.Query)
	}

	// After a restart, the id comes from the fields.
	c2 := f.client(t)
	r.TrxID = "55"
	if res, err := c2.Status(ctx(t), r); err != nil || res.Outcome != supplier.Success {
		t.Fatalf("got %+v, %v", res, err)
	}
	if q := f.requests()[3]; q.Query != "id=55" {
		t.Errorf("asked about %q", q.Query)
	}

	// With neither, there is nothing to ask about.
	res, err = c2.Status(ctx(t), supplier.Request{Ref: "LK11A2", Code: "1", Target: "123"})
	if err != nil || res.Outcome != supplier.Unknown {
		t.Errorf("got %+v, %v", res, err)
	}
	if n := len(f.requests()); n != 4 {
		t.Errorf("%d requests", n)
	}
}

func TestStatusOutcomes(t *testing.T) {
	for _, c := range []struct {
		name  string
		reply reply
		want  supplier.Outcome // "" means an error
		sn    string
		retry time.Duration
	}{
		{"success", reply{file: "status_success.json"}, supplier.Success, "ABC123", 0},
		{"success, pln token", reply{file: "status_success_pln.json"}, supplier.Success, "1234-5678-9012-3456-7890/BUDI/R1/900VA/12.5kWh", 0},
		{"success without sn", reply{file: "status_success_no_sn.json"}, supplier.Success, "", 0},
		{"pending", reply{file: "status_pending.json"}, supplier.Pending, "", 0},
		{"error", reply{file: "status_error.json"}, supplier.Failed, "", 0},
		{"gagal", reply{file: "status_gagal.json"}, supplier.Failed, "", 0},
		{"refund word", reply{file: "status_refund.json"}, supplier.Unknown, "", 0},
		{"processing word", reply{file: "status_processing.json"}, supplier.Unknown, "", 0},
		{"no status word", reply{file: "status_no_status.json"}, supplier.Unknown, "", 0},
		{"another order's answer", reply{file: "status_other_id.json"}, "", "", 0},
		{"not found", reply{code: 404, file: "status_notfound.json"}, supplier.Unknown, "", 0},
		{"not found with 200", reply{file: "status_notfound.json"}, supplier.Unknown, "", 0},
		{"success with 500", reply{code: 500, file: "status_success.json"}, "", "", 0},
		{"error with 502", reply{code: 502, file: "status_error.json"}, "", "", 0},
		{"garbage", reply{file: "garbage.txt"}, "", "", 0},
		{"rate limited", reply{code: 429, file: "rate_limited.json", header: map[string]string{"Retry-After": "30"}}, supplier.Unknown, "", 30 * time.Second},
		{"redirect", reply{code: 301, header: map[string]string{"Location": "/x"}}, "", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.set("/api/order/status", c.reply)
			res, err := f.client(t).Status(ctx(t), supplier.Request{Ref: "LK12A1", Code: "1", Target: "123", TrxID: "55"})
			if c.want == "" {
				if err == nil {
					t.Fatalf("got %+v, want an error (unknown)", res)
				}
				noSecret(t, "error", err.Error())
				return
			}
			if err != nil {
				t.Fatalf("error %v, want %s", err, c.want)
			}
			if res.Outcome != c.want || res.SN != c.sn || res.RetryAfter != c.retry || res.TrxID != "55" {
				t.Errorf("got %+v, want %s sn %q retry %v", res, c.want, c.sn, c.retry)
			}
		})
	}
}

func TestStatusSlowAnswer(t *testing.T) {
	f := newFake(t)
	f.set("/api/order/status", reply{hold: true})
	cctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := f.client(t).Status(cctx, supplier.Request{Ref: "LK13A1", TrxID: "55"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
}

func TestParseSN(t *testing.T) {
	for note, want := range map[string]string{
		"SN: ABC123":                        "ABC123",
		"SN:ABC123":                         "ABC123",
		"sn : abc123.":                      "abc123",
		"Sukses SN = 0012 3456":             "0012 3456",
		"Berhasil. SN: 77/NAMA\nKet: lunas": "77/NAMA",
		"SN: 99 | saldo 1000":               "99",
		"SN/Ref: R-1":                       "R-1",
		"Pesanan sukses.":                   "",
		"ISN: 1":                            "",
		"SN":                                "",
		"":                                  "",
		"SNAP: 1; SN: 2":                    "2",
	} {
		if got := parseSN(note); got != want {
			t.Errorf("parseSN(%q) = %q, want %q", note, got, want)
		}
	}
}

func TestBalance(t *testing.T) {
	for _, c := range []struct {
		reply reply
		want  loket.Money
		err   bool
	}{
		{reply{file: "me.json"}, 50000, false},
		{reply{file: "me_string.json"}, 1250000, false},
		{reply{file: "me_fraction.json"}, 50000, false},
		{reply{file: "me_bad.json"}, 0, true},
		{reply{code: 401, file: "me_refused.json"}, 0, true},
		{reply{file: "me_refused.json"}, 0, true},
		{reply{code: 429, file: "rate_limited.json"}, 0, true},
		{reply{code: 500, file: "me.json"}, 0, true},
		{reply{file: "garbage.txt"}, 0, true},
		{reply{file: "order_ok.json"}, 0, true},
	} {
		f := newFake(t)
		f.set("/api/user/me", c.reply)
		got, err := f.client(t).Balance(ctx(t))
		if (err != nil) != c.err || got != c.want {
			t.Errorf("%+v: got %d, %v", c.reply, got, err)
		}
		if err != nil {
			noSecret(t, "error", err.Error())
		}
		reqs := f.requests()
		if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Path != prefix+"/api/user/me" || reqs[0].Query != "" || reqs[0].Header.Get("X-API-Key") != testKey {
			t.Errorf("requests: %+v", reqs)
		}
	}
}

func TestPrices(t *testing.T) {
	f := newFake(t)
	f.set("/api/services", reply{file: "services.json"})
	got, err := f.client(t).Prices(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []supplier.Price{
		{Code: "1", Name: "Free Fire 70 Diamond", Price: 10000, Active: true},
		{Code: "2", Name: "Free Fire 140 Diamond", Price: 19500, Active: false},
		{Code: "3", Name: "Mobile Legends 86 Diamond", Price: 21000, Active: true},
		{Code: "4", Name: "Mobile Legends 172 Diamond", Price: 41001, Active: true},
		{Code: "10", Name: "Telkomsel Pulsa 5.000", Price: 5850, Active: true},
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("got  %s\nwant %s", gj, wj)
	}
	r := f.requests()[0]
	if r.Method != http.MethodGet || r.Path != prefix+"/api/services" || r.Query != "" || r.Header.Get("X-API-Key") != testKey {
		t.Errorf("request %+v", r)
	}

	for _, rep := range []reply{
		{code: 429, file: "rate_limited.json"},
		{code: 500, file: "services.json"},
		{file: "garbage.txt"},
		{file: "me_refused.json"},
		{body: `{"status":true,"data":"none"}`},
		{body: `{"status":true,"data":{"Games":[{"sid":"1","harga":"murah"}]}}`},
	} {
		f.set("/api/services", rep)
		if got, err := f.client(t).Prices(ctx(t)); err == nil {
			t.Errorf("%+v: got %v, want an error", rep, got)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]struct {
		n    loket.Money
		frac bool
	}{
		`10000`:        {10000, false},
		`"10000"`:      {10000, false},
		`"10.000"`:     {10000, false},
		`"10,000"`:     {10000, false},
		`"1.250.000"`:  {1250000, false},
		`"10000.00"`:   {10000, false},
		`"10000,00"`:   {10000, false},
		`"10.000,00"`:  {10000, false},
		`"10,000.50"`:  {10000, true},
		`"Rp 5.850"`:   {5850, false},
		`"Rp10.000,-"`: {10000, false},
		`"10000.000"`:  {10000, false},
		`10000.5`:      {10000, true},
		`1.000`:        {1, false}, // a JSON number, not Indonesian grouping
		`1e4`:          {10000, false},
		`" 7 "`:        {7, false},
		`"0"`:          {0, false},
	} {
		n, frac, err := parseAmount(json.RawMessage(in))
		if err != nil || n != want.n || frac != want.frac {
			t.Errorf("parseAmount(%s) = %d, %v, %v; want %d, %v", in, n, frac, err, want.n, want.frac)
		}
	}
	for _, in := range []string{``, `null`, `""`, `"murah"`, `"-5"`, `-5`, `"1.00.000"`, `"1,2,3"`, `"10.000.00"`, `"99999999999999999999"`, `"1e4"`, `true`, `{}`, `"10.000,000.5"`} {
		if n, _, err := parseAmount(json.RawMessage(in)); err == nil {
			t.Errorf("parseAmount(%s) = %d, want an error", in, n)
		}
	}
}

func TestClassifyRefusal(t *testing.T) {
	for msg, want := range map[string]supplier.Outcome{
		"Pesanan dengan layanan + target sama dalam status pending akan ditolak.": supplier.Unknown,
		"Order pending untuk target ini, ditolak":                                 supplier.Unknown,
		"Double order":                             supplier.Unknown,
		"Saldo tidak cukup":                        supplier.Failed,
		"Saldo kurang, silakan deposit":            supplier.Failed,
		"Layanan tidak aktif":                      supplier.Failed,
		"Service not found":                        supplier.Failed,
		"Target wajib diisi":                       supplier.Failed,
		"Terlalu banyak request, coba lagi nanti.": supplier.Unknown,
		"Gagal menghubungi provider":               supplier.Unknown,
		"Akses ditolak":                            supplier.Unknown,
		"":                                         supplier.Unknown,
	} {
		if got := classifyRefusal(msg); got != want {
			t.Errorf("classifyRefusal(%q) = %s, want %s", msg, got, want)
		}
	}
}

// TestSecretsNeverShown: the API key appears in no error and no result message, even
// when the upstream echoes it or the connection fails.
func TestSecretsNeverShown(t *testing.T) {
	f := newFake(t)
	echo := `{"status":false,"message":"API key ` + testKey + ` tidak valid"}`
	c := f.client(t)
	r := supplier.Request{Ref: "LK14A1", Code: "1", Target: "123", TrxID: "55"}
	f.set("/api/order/create", reply{code: 401, body: echo})
	f.set("/api/order/status", reply{code: 401, body: echo})
	f.set("/api/user/me", reply{code: 500, body: echo})
	f.set("/api/services", reply{code: 403, body: echo})
	res, err := c.Order(ctx(t), r)
	noSecret(t, "order message", res.Message)
	if err != nil {
		noSecret(t, "order error", err.Error())
	}
	res, err = c.Status(ctx(t), r)
	noSecret(t, "status message", res.Message)
	if err != nil {
		noSecret(t, "status error", err.Error())
	}
	if _, err := c.Balance(ctx(t)); err == nil {
		t.Error("no balance error")
	} else {
		noSecret(t, "balance error", err.Error())
	}
	if _, err := c.Prices(ctx(t)); err == nil {
		t.Error("no prices error")
	} else {
		noSecret(t, "prices error", err.Error())
	}
	for _, q := range f.requests() {
		if strings.Contains(q.Query, testKey) || strings.Contains(q.Body, testKey) {
			t.Errorf("the key travels outside its header: %+v", q)
		}
	}

	// A dead upstream: transport errors name the URL, never the key.
	f.srv.Close()
	r.Ref = "LK14A2"
	if _, err := c.Order(ctx(t), r); err == nil {
		t.Error("no error from a closed server")
	} else {
		noSecret(t, "transport error", err.Error())
	}
	if _, err := c.Status(ctx(t), r); err == nil {
		t.Error("no error from a closed server")
	} else {
		noSecret(t, "transport error", err.Error())
	}
}

func TestLimiter(t *testing.T) {
	f := newFake(t)
	f.set("/api/user/me", reply{file: "me.json"})
	f.set("/api/order/create", reply{file: "order_ok.json"})
	c := f.client(t)
	c.lim = ratelimit.New(2, 400*time.Millisecond)
	start := time.Now()
	for i := 0; i < 3; i++ {
		if _, err := c.Balance(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Errorf("3 calls with 2 per 400ms took %v", d)
	}

	// No slot in time: the order is not sent, so it can go elsewhere.
	c.lim = ratelimit.New(1, time.Hour)
	if _, err := c.Balance(ctx(t)); err != nil {
		t.Fatal(err)
	}
	n := len(f.requests())
	cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res, err := c.Order(cctx, supplier.Request{Ref: "LK15A1", Code: "1", Target: "123"})
	if err != nil || res.Outcome != supplier.Failed {
		t.Errorf("got %+v, %v", res, err)
	}
	if _, err := c.Balance(cctx); err == nil {
		t.Error("balance without a slot: no error")
	}
	if len(f.requests()) != n {
		t.Error("a call was sent without a slot")
	}

	// The limiter is shared by clients of the same account.
	a, _ := New(supplier.Config{Kind: Kind, BaseURL: "https://x.example", APIKey: "k1"})
	b, _ := New(supplier.Config{Kind: Kind, BaseURL: "https://x.example/", APIKey: "k1"})
	d, _ := New(supplier.Config{Kind: Kind, BaseURL: "https://x.example", APIKey: "k2"})
	if a.limKey != b.limKey || a.limKey == d.limKey {
		t.Error("limiters are not per account")
	}
}
