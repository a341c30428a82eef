package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// The demo's QRIS deposit, as a reseller and a payer would do it: open a deposit, pay
// its total at the simulated source, and the balance grows by the amount, once.
func TestDemoQRISDeposit(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			cfg, _, err := config.Load("loket", []string{"--addr=127.0.0.1:0", "--database-url=" + storetest.URL(t, engine)})
			if err != nil {
				t.Fatal(err)
			}
			cfg.Demo = true
			ctx := context.Background()
			prepare := func(ctx context.Context, db *store.DB) error {
				_, err := catalog.LoadDemo(ctx, db)
				return err
			}
			s, err := server.Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, prepare)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				s.Close(c)
			})
			if err := s.Core.Deposits.SetStaticQRIS(ctx, mustStatic(t, s)); err != nil {
				t.Fatal(err)
			}
			_, creds, err := s.Core.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: "payer"})
			if err != nil {
				t.Fatal(err)
			}
			do := func(method, path, key, body string, v any) int {
				req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if v != nil {
					json.NewDecoder(resp.Body).Decode(v)
				}
				return resp.StatusCode
			}
			var d struct {
				ID            int64
				Total, Amount int64
				Status        string
				QR            string `json:"qr_url"`
			}
			if code := do("POST", "/v1/deposits", creds.APIKey, `{"method":"qris","amount":25000}`, &d); code != 201 || d.Total <= d.Amount || d.QR == "" {
				t.Fatalf("deposit: %d %+v", code, d)
			}
			if !strings.HasPrefix(d.QR, s.URL+"/") {
				t.Fatalf("qr_url %q is not absolute", d.QR)
			}
			if code := do("GET", strings.TrimPrefix(d.QR, s.URL), creds.APIKey, "", nil); code != 200 {
				t.Fatalf("qr png: %d", code)
			}
			// A payment of another amount matches nothing; then the right one.
			do("POST", "/sim/orderkuota/pay", "", `{"amount": 777, "brand_name": "OVO"}`, nil)
			if code := do("POST", "/sim/orderkuota/pay", "", fmt.Sprintf(`{"amount": %d, "brand_name": "DANA"}`, d.Total), nil); code != 200 {
				t.Fatalf("pay: %d", code)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				var me struct{ Balance int64 }
				do("GET", "/v1/me", creds.APIKey, "", &me)
				if me.Balance == 25000 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("balance %d, want 25000", me.Balance)
				}
				time.Sleep(100 * time.Millisecond)
			}
			time.Sleep(2500 * time.Millisecond) // another poll of the same mutations credits nothing
			var me struct{ Balance int64 }
			do("GET", "/v1/me", creds.APIKey, "", &me)
			if me.Balance != 25000 {
				t.Fatalf("balance %d after another poll", me.Balance)
			}
			un, _ := s.DB.Payments(ctx, "unmatched", 10)
			if len(un) != 1 || un[0].Amount != 777 {
				t.Fatalf("unmatched = %+v", un)
			}
			if v, err := s.DB.Verify(ctx); err != nil || len(v) > 0 {
				t.Fatalf("verify: %v %v", v, err)
			}
		})
	}
}

// mustStatic builds the demo-style static QRIS with a correct CRC.
func mustStatic(t *testing.T, _ *server.Server) string {
	t.Helper()
	tlv := func(id, v string) string { return fmt.Sprintf("%s%02d%s", id, len(v), v) }
	account := tlv("00", "ID.CO.QRIS.WWW") + tlv("01", "936000000000000001") + tlv("02", "ID1020000000001") + tlv("03", "UMI")
	body := tlv("00", "01") + tlv("01", "11") + tlv("26", account) + tlv("52", "5999") + tlv("53", "360") + tlv("58", "ID") +
		tlv("59", "LOKET DEMO") + tlv("60", "JAKARTA") + tlv("61", "10110") + "6304"
	return body + crc(body)
}

func crc(s string) string {
	c := uint16(0xFFFF)
	for i := 0; i < len(s); i++ {
		c ^= uint16(s[i]) << 8
		for b := 0; b < 8; b++ {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
	}
	return fmt.Sprintf("%04X", c)
}
