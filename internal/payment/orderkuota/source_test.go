package orderkuota_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loket/loket/internal/payment/orderkuota"
)

// The source passes on incoming entries only, and from its cursor less the overlap:
// the 16:59 WIB entry is dropped once the cursor is past 17:09 WIB.
func TestSourceCursor(t *testing.T) {
	c, _ := serve(t, http.StatusOK, "mutasi_ok.json")
	src := orderkuota.NewSource("ok", "qris", c)
	ps, next, err := src.Incoming(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Ref != "015841279721" || ps[0].Method != "qris" || ps[1].Amount != 77777 {
		t.Fatalf("payments = %+v", ps)
	}
	newest := time.Date(2025, 7, 25, 10, 10, 26, 0, time.UTC)
	if next != newest.Format(time.RFC3339Nano) {
		t.Fatalf("cursor = %q", next)
	}
	ps, next2, err := src.Incoming(context.Background(), next)
	if err != nil || len(ps) != 1 || ps[0].Ref != "015841279721" || next2 != next {
		t.Fatalf("from the cursor: %+v %q %v", ps, next2, err)
	}
	later := newest.Add(time.Hour).Format(time.RFC3339Nano)
	if ps, next3, _ := src.Incoming(context.Background(), later); len(ps) != 0 || next3 != later {
		t.Fatalf("past everything: %+v %q", ps, next3)
	}
}

// The operator's login as seed 003 has it, replayed from testdata: /minta-otp with
// username and password, /valid-otp with the OTP, then the mutation list is read with
// the token /valid-otp gave. A refused login is the source's words.
func TestLoginFlow(t *testing.T) {
	files := map[string]string{"/minta-otp": "minta_otp.json", "/valid-otp": "valid_otp.json", "/kasir/orkut/mutasi": "mutasi_ok.json"}
	c, rec := serveFunc(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		body, err := os.ReadFile(filepath.Join("testdata", files[r.URL.Path]))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	ctx := context.Background()
	if err := c.RequestOTP(ctx); err != nil {
		t.Fatal(err)
	}
	tok, err := c.ValidateOTP(ctx, " 123456 ")
	if err != nil || tok != "2381492:Xk9QpLr2TtVwYz8mNb4c" {
		t.Fatalf("token %q %v", tok, err)
	}
	ps, _, err := orderkuota.NewSource("ok", "qris", c).Incoming(ctx, "")
	if err != nil || len(ps) != 2 {
		t.Fatalf("mutations: %+v %v", ps, err)
	}
	last := rec.last(t)
	if last.Path != "/kasir/orkut/mutasi" || last.Body["auth_token"] != tok || last.Header.Get("Authorization") != "Bearer "+apiKey {
		t.Fatalf("mutasi request after login: %+v", last)
	}

	bad, _ := serve(t, http.StatusOK, "minta_otp_wrong.json")
	err = bad.RequestOTP(ctx)
	var apiErr *orderkuota.APIError
	if !errors.As(err, &apiErr) || apiErr.Message != "Username atau password salah" {
		t.Fatalf("refused login: %v", err)
	}
}
