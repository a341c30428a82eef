package simsource

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/orderkuota"
)

// mount serves the simulator under /sim/orderkuota as Loket does.
func mount(t *testing.T, s *Sim) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/sim/orderkuota/", http.StripPrefix("/sim/orderkuota", s.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/sim/orderkuota"
}

// clock steps a minute and a few seconds on each reading.
func clock(start time.Time) func() time.Time {
	var mu sync.Mutex
	t := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := t
		t = t.Add(time.Minute + 7*time.Second + 250*time.Millisecond)
		return now
	}
}

type payAnswer struct {
	Success bool           `json:"success"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data"`
}

func pay(t *testing.T, base, body string) (int, payAnswer) {
	t.Helper()
	resp, err := http.Post(base+"/pay", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a payAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, a
}

// TestClientSeesPayments: the orderkuota client, pointed at the simulator, reads the
// payments made through /pay as it would read real ones.
func TestClientSeesPayments(t *testing.T) {
	s := New()
	t0 := time.Date(2025, 7, 25, 11, 2, 6, 0, time.UTC) // 18:02:06 WIB
	s.now = clock(t0)
	base := mount(t, s)

	bodies := []string{
		`{"amount": 10123, "brand_name": "DANA"}`,
		`{"amount": "25007", "brand_name": "OVO"}`,
		`{"amount": 77777}`,
	}
	type want struct {
		amount loket.Money
		brand  string
		ref    string
		at     time.Time
	}
	var wants []want
	for i, b := range bodies {
		code, a := pay(t, base, b)
		if code != http.StatusOK || !a.Success {
			t.Fatalf("pay %s: HTTP %d %+v", b, code, a)
		}
		ref, _ := a.Data["issuer_reff"].(string)
		if len(ref) != 12 {
			t.Fatalf("issuer_reff = %q, want 12 digits", ref)
		}
		if a.Data["type"] != "CR" {
			t.Errorf("type = %v, want CR", a.Data["type"])
		}
		w := want{ref: ref, at: s.ring[i].At.Truncate(time.Second)}
		fmt.Sscan(fmt.Sprint(a.Data["amount"]), &w.amount)
		w.brand, _ = a.Data["brand_name"].(string)
		wants = append(wants, w)
	}
	if wants[0].amount != 10123 || wants[1].amount != 25007 || wants[2].amount != 77777 || wants[2].brand != "QRIS" {
		t.Fatalf("/pay answered %+v", wants)
	}
	if got := wants[0].at; !got.Equal(t0) {
		t.Fatalf("first payment at %v, want %v", got, t0)
	}

	c := orderkuota.New(orderkuota.Config{
		BaseURL: base, APIKey: "demo-key", Username: "demo", Password: "demo", Merchant: "OK1192690",
	})
	ctx := context.Background()
	if err := c.RequestOTP(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ValidateOTP(ctx, "654321"); err == nil {
		t.Fatal("a wrong OTP logged in")
	}
	tok, err := c.ValidateOTP(ctx, OTP)
	if err != nil || tok == "" {
		t.Fatalf("ValidateOTP: %q, %v", tok, err)
	}

	qr, img, err := c.Generate(ctx, 10123)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(qr, "540510123") || !strings.HasPrefix(img, base+"/static/qris/") {
		t.Errorf("Generate = %q, %q", qr, img)
	}
	resp, err := http.Get(img)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("image_url: HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	muts, err := c.Mutations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(muts) != 3 {
		t.Fatalf("Mutations: %d payments, want 3", len(muts))
	}
	for i, p := range muts {
		w := wants[2-i] // newest first
		if p.Ref != w.ref || p.Amount != w.amount || p.Brand != w.brand || !p.At.Equal(w.at) || !p.Incoming {
			t.Errorf("Mutations[%d] = %+v, want %+v", i, p, w)
		}
	}

	hist, err := c.History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 {
		t.Fatalf("History: %d payments, want 3", len(hist))
	}
	for i, p := range hist {
		w := wants[2-i]
		sp := s.ring[2-i]
		if p.Ref != fmt.Sprint(sp.ID) || p.Amount != w.amount || p.Brand != w.brand ||
			!p.At.Equal(w.at.Truncate(time.Minute)) || !p.Incoming {
			t.Errorf("History[%d] = %+v, want %+v (id %d, minute precision)", i, p, w, sp.ID)
		}
	}

	st, err := c.PaymentStatus(ctx, 25007)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0].Ref != wants[1].ref || st[0].Amount != 25007 || st[0].Brand != "OVO" {
		t.Fatalf("PaymentStatus(25007) = %+v", st)
	}
	st, err = c.PaymentStatus(ctx, 99999)
	if err != nil || len(st) != 0 {
		t.Fatalf("PaymentStatus(99999) = %+v, %v; want none", st, err)
	}
}

func TestEmpty(t *testing.T) {
	base := mount(t, New())
	c := orderkuota.New(orderkuota.Config{BaseURL: base, APIKey: "k", Username: "u", Token: "t", Merchant: "OK1"})
	ctx := context.Background()
	for name, call := range map[string]func() ([]orderkuota.Payment, error){
		"mutasi":  func() ([]orderkuota.Payment, error) { return c.Mutations(ctx) },
		"history": func() ([]orderkuota.Payment, error) { return c.History(ctx) },
		"status":  func() ([]orderkuota.Payment, error) { return c.PaymentStatus(ctx, 1000) },
	} {
		if got, err := call(); err != nil || len(got) != 0 {
			t.Errorf("%s: %+v, %v; want none", name, got, err)
		}
	}

	// The seed's "no data" shape, exactly.
	req, _ := http.NewRequest("POST", base+"/kasir/orkut/mutasi",
		strings.NewReader(`{"auth_username":"u","auth_token":"t","merchant":"OK12345"}`))
	req.Header.Set("Authorization", "Bearer k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	json.NewDecoder(resp.Body).Decode(&got)
	if got["status"] != "success" || got["message"] != "no data" || got["merchant"] != "12345" {
		t.Errorf("no data answer = %v", got)
	}
	if d, ok := got["data"]; !ok || d != nil {
		t.Errorf("data = %v, want null", d)
	}
}

func TestPayRejects(t *testing.T) {
	s := New()
	base := mount(t, s)
	for _, body := range []string{
		`{"amount": 0}`, `{"amount": -5}`, `{"amount": 100000001}`, `{"amount": "abc"}`,
		`{"amount": 10.5}`, `{"brand_name": "DANA"}`, `{"amount": true}`, `not json`, `[1]`,
	} {
		code, a := pay(t, base, body)
		if code != http.StatusBadRequest || a.Success || a.Message == "" {
			t.Errorf("%s: HTTP %d %+v, want 400 with a message", body, code, a)
		}
	}
	if code, _ := pay(t, base, `{"amount": 100000000}`); code != 200 {
		t.Errorf("the maximum was refused")
	}
	if code, _ := pay(t, base, `{"amount": "1"}`); code != 200 {
		t.Errorf("the minimum was refused")
	}
	resp, _ := http.Get(base + "/pay")
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /pay: HTTP %d", resp.StatusCode)
	}
}

func TestSeedEndpointsCheckRequests(t *testing.T) {
	base := mount(t, New())
	post := func(path, auth, body string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if code, _ := post("/kasir/orkut/mutasi", "", `{"auth_username":"u","auth_token":"t","merchant":"m"}`); code != 401 {
		t.Errorf("no Authorization: HTTP %d, want 401", code)
	}
	if code, m := post("/mutasi", "Bearer k", `{"auth_username":"u","auth_token":"t"}`); code != 400 || m["message"] != "Fields tidak benar!" {
		t.Errorf("no merchant_id: HTTP %d %v", code, m)
	}
	if _, m := post("/kasir/orkut/generate", "Bearer k", `{"auth_username":"u","auth_token":"t","merchant":"m","nominal":"0"}`); m["error"] != "Gagal generate QRIS" {
		t.Errorf("generate 0: %v", m)
	}

	c := orderkuota.New(orderkuota.Config{BaseURL: base, APIKey: "k", Username: "u", Merchant: "OK1"})
	_, err := c.Mutations(context.Background()) // no token
	var ae *orderkuota.APIError
	if !errors.As(err, &ae) || ae.Message != "Fields tidak benar!" {
		t.Errorf("Mutations without a token: %v", err)
	}
}

func TestBoundedAndConcurrent(t *testing.T) {
	s := newSim(50)
	h := s.Handler()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				body := fmt.Sprintf(`{"amount": %d, "brand_name": "OVO"}`, 1000+g*100+i)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("POST", "/pay", strings.NewReader(body)))
				if rec.Code != 200 {
					t.Errorf("pay: HTTP %d %s", rec.Code, rec.Body)
				}
				rec = httptest.NewRecorder()
				req := httptest.NewRequest("POST", "/kasir/orkut/mutasi",
					strings.NewReader(`{"auth_username":"u","auth_token":"t","merchant":"m"}`))
				req.Header.Set("Authorization", "Bearer k")
				h.ServeHTTP(rec, req)
			}
		}(g)
	}
	wg.Wait()

	all := s.newest(nil)
	if len(all) != 50 || len(s.refs) != 100 {
		t.Fatalf("remembers %d payments and %d refs, want 50 and 100", len(all), len(s.refs))
	}
	if all[0].Balance != s.balance {
		t.Errorf("newest balance %d, account %d", all[0].Balance, s.balance)
	}
	seen := map[string]bool{}
	for i, p := range all {
		if seen[p.Ref] {
			t.Fatalf("duplicate issuer_reff %s", p.Ref)
		}
		seen[p.Ref] = true
		if i > 0 && p.Balance >= all[i-1].Balance {
			t.Fatalf("not newest first at %d", i)
		}
	}
}

func TestQRIS(t *testing.T) {
	q := qrisString("OK1192690", 10123)
	body, crc := q[:len(q)-4], q[len(q)-4:]
	if want := fmt.Sprintf("%04X", crc16(body)); crc != want || !strings.HasSuffix(body, "6304") {
		t.Errorf("CRC %s, want %s", crc, want)
	}
	// The standard check value of CRC-16/CCITT-FALSE.
	if got := crc16("123456789"); got != 0x29B1 {
		t.Errorf("crc16 check = %04X, want 29B1", got)
	}
	if !bytes.Contains([]byte(q), []byte("5303360")) || !strings.Contains(q, "540510123") {
		t.Errorf("qris %s", q)
	}
	if dotted(77777) != "77.777" || dotted(500) != "500" || dotted(1000000) != "1.000.000" || dotted(0) != "0" {
		t.Error("dotted")
	}
}
