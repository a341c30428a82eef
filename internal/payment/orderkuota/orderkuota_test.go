package orderkuota_test

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/orderkuota"
)

const (
	apiKey   = "sekret-api-key-123"
	password = "pass-44421"
	token    = "tok-abcdef-0001"
)

func testConfig(base string) orderkuota.Config {
	return orderkuota.Config{
		BaseURL:  base,
		APIKey:   apiKey,
		Username: "username",
		Password: password,
		Token:    token,
		Merchant: "OK1234567",
	}
}

// request is what the fake server saw.
type request struct {
	Method string
	Path   string
	Header http.Header
	Body   map[string]any
}

type recorder struct {
	mu   sync.Mutex
	reqs []request
}

func (r *recorder) last(t *testing.T) request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("the server saw no request")
	}
	return r.reqs[len(r.reqs)-1]
}

// serve starts a fake source that answers every request with status and the file
// from testdata, and records what it was sent.
func serve(t *testing.T, status int, file string) (*orderkuota.Client, *recorder) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	ct := "application/json"
	if strings.HasSuffix(file, ".html") {
		ct = "text/html"
	}
	return serveFunc(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		w.Write(body)
	})
}

func serveFunc(t *testing.T, h func(w http.ResponseWriter, r *http.Request, body []byte)) (*orderkuota.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(raw, &m)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: m})
		rec.mu.Unlock()
		h(w, r, raw)
	}))
	t.Cleanup(srv.Close)
	return orderkuota.New(testConfig(srv.URL + "/")), rec
}

func TestRequestsSent(t *testing.T) {
	kasir := func(extra map[string]any) map[string]any {
		m := map[string]any{"auth_username": "username", "auth_token": token, "merchant": "OK1234567"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name     string
		file     string
		call     func(context.Context, *orderkuota.Client) error
		wantPath string
		wantBody map[string]any
	}{
		{"minta-otp", "minta_otp.json",
			func(ctx context.Context, c *orderkuota.Client) error { return c.RequestOTP(ctx) },
			"/minta-otp", map[string]any{"username": "username", "password": password}},
		{"valid-otp", "valid_otp.json",
			func(ctx context.Context, c *orderkuota.Client) error {
				_, err := c.ValidateOTP(ctx, "123456")
				return err
			},
			"/valid-otp", map[string]any{"username": "username", "otp": "123456"}},
		{"generate", "generate_ok.json",
			func(ctx context.Context, c *orderkuota.Client) error { _, _, err := c.Generate(ctx, 1000); return err },
			"/kasir/orkut/generate", kasir(map[string]any{"nominal": "1000"})},
		{"status-pembayaran", "status_found.json",
			func(ctx context.Context, c *orderkuota.Client) error { _, err := c.PaymentStatus(ctx, 500); return err },
			"/kasir/orkut/status-pembayaran", kasir(map[string]any{"nominal": "500"})},
		{"kasir mutasi", "mutasi_ok.json",
			func(ctx context.Context, c *orderkuota.Client) error { _, err := c.Mutations(ctx); return err },
			"/kasir/orkut/mutasi", kasir(nil)},
		{"mutasi history", "history_ok.json",
			func(ctx context.Context, c *orderkuota.Client) error { _, err := c.History(ctx); return err },
			"/mutasi", map[string]any{"merchant_id": "1234567", "auth_username": "username", "auth_token": token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := serve(t, http.StatusOK, tt.file)
			if err := tt.call(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			got := rec.last(t)
			if got.Method != http.MethodPost {
				t.Errorf("method = %s, want POST", got.Method)
			}
			if got.Path != tt.wantPath {
				t.Errorf("path = %s, want %s", got.Path, tt.wantPath)
			}
			if h := got.Header.Get("Authorization"); h != "Bearer "+apiKey {
				t.Errorf("Authorization = %q, want Bearer and the API key", h)
			}
			if h := got.Header.Get("Content-Type"); h != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", h)
			}
			if !reflect.DeepEqual(got.Body, tt.wantBody) {
				t.Errorf("payload = %v, want %v", got.Body, tt.wantBody)
			}
		})
	}
}

func TestMerchantIDExplicit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		json.NewDecoder(r.Body).Decode(&m)
		if m["merchant_id"] != "1192690" {
			t.Errorf("merchant_id = %q, want 1192690", m["merchant_id"])
		}
		b, _ := os.ReadFile("testdata/history_ok.json")
		w.Write(b)
	}))
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.MerchantID = "1192690"
	if _, err := orderkuota.New(cfg).History(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestValidateOTP(t *testing.T) {
	c, rec := serve(t, http.StatusOK, "valid_otp.json")
	got, err := c.ValidateOTP(context.Background(), " 123456 ")
	if err != nil {
		t.Fatal(err)
	}
	if want := "2381492:Xk9QpLr2TtVwYz8mNb4c"; got != want || c.Token() != want {
		t.Fatalf("token = %q, Token() = %q, want %q", got, c.Token(), want)
	}
	// The new token is used from then on.
	c.Mutations(context.Background())
	if tok := rec.last(t).Body["auth_token"]; tok != got {
		t.Errorf("auth_token after login = %v, want %q", tok, got)
	}
}

func TestValidateOTPTokenShapes(t *testing.T) {
	tests := []struct {
		body string
		want string
	}{
		{`{"success":true,"token":"T1"}`, "T1"},
		{`{"success":true,"data":{"token":"T2"}}`, "T2"},
		{`{"auth_token":"T3"}`, "T3"},
		{`{"status":"success","data":{"access_token":"T4","user":{}}}`, "T4"},
		{`{"success":true,"results":{"token":"T5","id":1}}`, "T5"},
		{`{"success":true,"token":"","data":{"auth_token":"T6"}}`, "T6"},
	}
	for _, tt := range tests {
		c, _ := serveFunc(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { io.WriteString(w, tt.body) })
		got, err := c.ValidateOTP(context.Background(), "123456")
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.body, got, err, tt.want)
		}
	}

	for _, body := range []string{`{"success":true,"message":"ok"}`, `{"success":true,"data":{"token":123}}`} {
		c, _ := serveFunc(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { io.WriteString(w, body) })
		if _, err := c.ValidateOTP(context.Background(), "123456"); err == nil {
			t.Errorf("%s: no error for an answer without a token", body)
		}
	}

	c, _ := serve(t, http.StatusOK, "valid_otp_wrong.json")
	_, err := c.ValidateOTP(context.Background(), "000000")
	var ae *orderkuota.APIError
	if !errors.As(err, &ae) || ae.Message != "OTP tidak valid" || orderkuota.Retryable(err) {
		t.Fatalf("wrong OTP: err = %v, want an APIError with the source's message", err)
	}
	if c.Token() != token {
		t.Errorf("a failed login replaced the token")
	}
}

func TestRequestOTP(t *testing.T) {
	c, _ := serve(t, http.StatusOK, "minta_otp.json")
	if err := c.RequestOTP(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, _ = serve(t, http.StatusOK, "history_fail.json")
	err := c.RequestOTP(context.Background())
	var ae *orderkuota.APIError
	if !errors.As(err, &ae) || ae.Message != "Fields tidak benar!" {
		t.Fatalf("err = %v, want the source's message", err)
	}
}

func TestGenerate(t *testing.T) {
	c, _ := serve(t, http.StatusOK, "generate_ok.json")
	qr, img, err := c.Generate(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(qr, "000201") || img != "https://orkut.hidepulsa.com/static/qris_1000.png" {
		t.Errorf("got %q, %q", qr, img)
	}

	// The answer is for 1000: a QR for another amount must not be used.
	if _, _, err := c.Generate(context.Background(), 1001); err == nil {
		t.Error("no error when the source made a QRIS for another nominal")
	}

	for _, n := range []int64{0, -5} {
		if _, _, err := c.Generate(context.Background(), n); err == nil {
			t.Errorf("Generate(%d): no error", n)
		}
	}

	for _, status := range []int{http.StatusOK, http.StatusBadRequest} {
		c, _ = serve(t, status, "generate_fail.json")
		_, _, err = c.Generate(context.Background(), 1000)
		var ae *orderkuota.APIError
		if !errors.As(err, &ae) || ae.Message != "Gagal generate QRIS" || orderkuota.Retryable(err) {
			t.Errorf("HTTP %d: err = %v, want an APIError \"Gagal generate QRIS\"", status, err)
		}
		if !strings.Contains(err.Error(), "Gagal generate QRIS") {
			t.Errorf("error %q does not carry the message", err)
		}
	}
}

var wantFound = orderkuota.Payment{
	Ref:      "015916474193",
	Amount:   500,
	Brand:    "DANA",
	Buyer:    "NOBU / SO**********",
	At:       time.Date(2025, 7, 25, 11, 2, 6, 0, time.UTC),
	Incoming: true,
}

func TestPaymentStatus(t *testing.T) {
	c, _ := serve(t, http.StatusOK, "status_found.json")
	got, err := c.PaymentStatus(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != wantFound {
		t.Fatalf("got %+v, want %+v", got, wantFound)
	}
	if got[0].At.Location() != time.UTC {
		t.Errorf("At is in %v, want UTC", got[0].At.Location())
	}

	c, _ = serve(t, http.StatusOK, "status_nodata.json")
	got, err = c.PaymentStatus(context.Background(), 500)
	if err != nil || len(got) != 0 {
		t.Fatalf("no data: got %+v, %v; want an empty list and no error", got, err)
	}
}

func TestMutations(t *testing.T) {
	c, _ := serve(t, http.StatusOK, "mutasi_ok.json")
	got, err := c.Mutations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []orderkuota.Payment{
		{Ref: "015841279721", Amount: 1000, Brand: "DANA", Buyer: "NOBU / SO*******************",
			At: time.Date(2025, 7, 25, 10, 10, 26, 0, time.UTC), Incoming: true},
		{Ref: "015841270001", Amount: 77777, Brand: "OVO", Buyer: "NOBU / BU*******",
			At: time.Date(2025, 7, 25, 9, 59, 1, 0, time.UTC), Incoming: true},
		{Ref: "", Amount: 2500, Brand: "", Buyer: "PENARIKAN SALDO",
			At: time.Date(2025, 7, 25, 9, 0, 0, 0, time.UTC), Incoming: false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}

	c, _ = serve(t, http.StatusOK, "mutasi_nodata.json")
	got, err = c.Mutations(context.Background())
	if err != nil || len(got) != 0 {
		t.Fatalf("no data: got %+v, %v; want an empty list and no error", got, err)
	}
}

func TestMutationsPartial(t *testing.T) {
	c, _ := serve(t, http.StatusOK, "mutasi_partial.json")
	got, err := c.Mutations(context.Background())
	if err == nil || !strings.Contains(err.Error(), `"-1000"`) || !strings.Contains(err.Error(), "015841279722") {
		t.Fatalf("err = %v, want one naming the bad entry and its amount", err)
	}
	if orderkuota.Retryable(err) {
		t.Error("a bad entry is not a temporary failure")
	}
	if len(got) != 1 || got[0].Ref != "015841279721" || got[0].Amount != 1000 {
		t.Fatalf("got %+v, want the one good entry", got)
	}
}

func TestHistory(t *testing.T) {
	c, _ := serve(t, http.StatusOK, "history_ok.json")
	got, err := c.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []orderkuota.Payment{
		{Ref: "160644687", Amount: 500, Brand: "DANA", Buyer: "NOBU / SO**********",
			At: time.Date(2025, 7, 25, 11, 2, 0, 0, time.UTC), Incoming: true},
		{Ref: "160644001", Amount: 10000, Brand: "", Buyer: "Tarik saldo QRIS",
			At: time.Date(2025, 7, 24, 16, 59, 0, 0, time.UTC), Incoming: false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}

	c, _ = serve(t, http.StatusOK, "history_fail.json")
	_, err = c.History(context.Background())
	var ae *orderkuota.APIError
	if !errors.As(err, &ae) || ae.Message != "Fields tidak benar!" || orderkuota.Retryable(err) {
		t.Fatalf("err = %v, want an APIError \"Fields tidak benar!\"", err)
	}

	c, _ = serve(t, http.StatusOK, "status_nodata.json")
	if _, err = c.History(context.Background()); err == nil {
		t.Fatal("no error for an answer without qris_history")
	}
}

func TestTemporaryFailures(t *testing.T) {
	tests := []struct {
		name   string
		status int
		file   string
	}{
		{"500 json", http.StatusInternalServerError, "server_error.json"},
		{"502 html", http.StatusBadGateway, "garbage.html"},
		{"200 html", http.StatusOK, "garbage.html"},
		{"429", http.StatusTooManyRequests, "status_nodata.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := serve(t, tt.status, tt.file)
			_, err := c.Mutations(context.Background())
			if !orderkuota.Retryable(err) {
				t.Fatalf("err = %v, want a retryable one", err)
			}
			if !strings.Contains(err.Error(), "mutasi") {
				t.Errorf("error %q does not say what was being done", err)
			}
		})
	}

	t.Run("slow", func(t *testing.T) {
		c, _ := serveFunc(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.PaymentStatus(ctx, 1000)
		if !orderkuota.Retryable(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a retryable deadline error", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v despite the deadline", d)
		}
	})

	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		_, err := orderkuota.New(testConfig(srv.URL)).Mutations(context.Background())
		if !orderkuota.Retryable(err) {
			t.Fatalf("err = %v, want a retryable one", err)
		}
	})

	t.Run("404 is not retryable", func(t *testing.T) {
		c, _ := serveFunc(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { http.NotFound(w, r) })
		_, err := c.Mutations(context.Background())
		var ae *orderkuota.APIError
		if err == nil || orderkuota.Retryable(err) || !errors.As(err, &ae) || ae.StatusCode != 404 {
			t.Fatalf("err = %v, want an APIError with HTTP 404", err)
		}
	})
}

// TestNoSecretsInErrors: a source that echoes what it was sent must not get the API
// key, password or token into our error strings (they end up in logs).
func TestNoSecretsInErrors(t *testing.T) {
	echo := func(status int, asJSON bool) func(w http.ResponseWriter, r *http.Request, body []byte) {
		return func(w http.ResponseWriter, r *http.Request, body []byte) {
			said := r.Header.Get("Authorization") + " " + string(body)
			w.WriteHeader(status)
			if asJSON {
				b, _ := json.Marshal(map[string]any{"success": false, "message": "bad request: " + said})
				w.Write(b)
				return
			}
			io.WriteString(w, said)
		}
	}
	for _, tt := range []struct {
		status int
		asJSON bool
	}{{200, true}, {200, false}, {400, true}, {401, false}, {500, true}, {503, false}} {
		c, _ := serveFunc(t, echo(tt.status, tt.asJSON))
		ctx := context.Background()
		_, errM := c.Mutations(ctx)
		errO := c.RequestOTP(ctx)
		_, _, errG := c.Generate(ctx, 1000)
		for _, err := range []error{errM, errO, errG} {
			if err == nil {
				t.Fatalf("HTTP %d json=%v: no error", tt.status, tt.asJSON)
			}
			for _, secret := range []string{apiKey, password, token} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("HTTP %d json=%v: error %q contains a secret", tt.status, tt.asJSON, err)
				}
			}
		}
	}
}

func TestShortSecretsKeepMessages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"success":false,"message":"Fields tidak benar!"}`)
	}))
	defer srv.Close()
	_, err := orderkuota.New(orderkuota.Config{BaseURL: srv.URL, APIKey: "k"}).Mutations(context.Background())
	var ae *orderkuota.APIError
	if !errors.As(err, &ae) || ae.Message != "Fields tidak benar!" {
		t.Fatalf("err = %v, want the message intact", err)
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want loket.Money
	}{
		{"500", 500},
		{"1000", 1000},
		{"1.000", 1000},
		{"77.777", 77777},
		{"1.000.000", 1000000},
		{"1,000", 1000},
		{"1,000,000", 1000000},
		{"Rp 1.000", 1000},
		{"Rp1.000", 1000},
		{"Rp. 10.000", 10000},
		{"rp 999.999", 999999},
		{"IDR 5000", 5000},
		{"1000.00", 1000},
		{"1000.0", 1000},
		{"1.000,00", 1000},
		{"1,000.00", 1000},
		{"Rp 999,999", 999999},
		{" 250 ", 250},
		{"0", 0},
		{"0.00", 0},
		{"007", 7},
		{"1000000000000", 1000000000000},
	}
	for _, tt := range tests {
		got, err := orderkuota.ParseAmount(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}

	bad := []string{
		"", "   ", "Rp", "-500", "-1.000", "Rp -1.000", "+500", "abc", "12a", "1e3", "0x10",
		"1000.50", "1000.5", "1.000,50", "1.000.00", "1.000,000", "1,000.000.000",
		"12.34.567", "1000.000", "1.", ".50", ",00", "1..000", "1 000", "1000000000001",
		"99999999999999999999999",
	}
	for _, in := range bad {
		got, err := orderkuota.ParseAmount(in)
		if err == nil {
			t.Errorf("ParseAmount(%q) = %d, want an error", in, got)
			continue
		}
		if !strings.Contains(err.Error(), strings.TrimSpace(in)) && in != "   " {
			t.Errorf("ParseAmount(%q): error %q does not name the value", in, err)
		}
	}
}

func TestAmountsAsJSONNumbers(t *testing.T) {
	body := `{"status":"success","data":[
		{"date":"2025-07-25 18:02:06","amount":1500,"type":"CR","brand_name":"OVO","issuer_reff":15916474194,"buyer_reff":"x"},
		{"date":"2025-07-25 18:03:06","amount":2500.00,"type":"CR","brand_name":"OVO","issuer_reff":"r2","buyer_reff":"x"},
		{"date":"2025-07-25 18:04:06","amount":true,"type":"CR","brand_name":"OVO","issuer_reff":"r3","buyer_reff":"x"}]}`
	c, _ := serveFunc(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { io.WriteString(w, body) })
	got, err := c.PaymentStatus(context.Background(), 1500)
	if err == nil || !strings.Contains(err.Error(), "entry 2") {
		t.Errorf("err = %v, want one naming entry 2", err)
	}
	if len(got) != 2 || got[0].Amount != 1500 || got[0].Ref != "15916474194" || got[1].Amount != 2500 {
		t.Fatalf("got %+v", got)
	}
}
