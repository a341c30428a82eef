package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loket/loket/internal/payment/simsource"
)

// The operator's commands: USDT settings, and the OrderKuota login against the
// simulator of seed 003 (the one the demo serves at /sim/orderkuota).
func TestPaymentCommands(t *testing.T) {
	t.Setenv("LOKET_DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "l.db"))
	srv := httptest.NewServer(simsource.New().Handler())
	defer srv.Close()
	loket := func(args ...string) (map[string]any, error) {
		var out bytes.Buffer
		err := run(args, &out)
		var m map[string]any
		if err == nil {
			if e := json.Unmarshal(out.Bytes(), &m); e != nil {
				t.Fatalf("loket %v: %q is not JSON", args, out.String())
			}
		}
		return m, err
	}
	if _, err := loket("payment", "set-usdt", "--address", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", "--rate", "16250"); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("a bad address: %v", err)
	}
	if m, err := loket("payment", "set-usdt", "--address", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "--rate", "16250"); err != nil || m["rate"] != 16250.0 {
		t.Fatalf("set-usdt: %v %v", m, err)
	}
	if _, err := loket("payment", "orderkuota", "login", "--username", "toko", "--password", "pw-12345", "--api-key", "k-123456",
		"--merchant", "OK77", "--base-url", srv.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := loket("payment", "orderkuota", "otp", "999999"); err == nil {
		t.Fatal("a wrong OTP was taken")
	}
	m, err := loket("payment", "orderkuota", "otp", simsource.OTP)
	if err != nil || m["logged_in"] != true || m["username"] != "toko" || m["merchant"] != "OK77" {
		t.Fatalf("otp: %v %v", m, err)
	}
	if m, err := loket("payment", "orderkuota", "status"); err != nil || m["logged_in"] != true || m["api_key_set"] != true {
		t.Fatalf("status: %v %v", m, err)
	}
}
