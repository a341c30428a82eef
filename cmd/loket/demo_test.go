package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/payment/usdt"
	"github.com/loket/loket/internal/store/storetest"
)

// lockedBuffer is the demo's output, written by the command and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The demo's USDT TRC-20 deposit as its printout tells a reseller to make it: seed
// 000's deposit/create with method usdt-trc-20 answers the demo's address and an
// exact amount; sending that amount on the simulated chain (/sim/tron/send) credits
// the deposit through the watcher, and deposit/status names TRON and the sender.
func TestDemoUSDTDeposit(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			addr := freeAddr(t)
			url := "http://" + addr
			ctx, cancel := context.WithCancel(context.Background())
			out := &lockedBuffer{}
			done := make(chan error, 1)
			go func() {
				done <- demoCmd(ctx, []string{"--addr=" + addr, "--database-url=" + storetest.URL(t, engine), "--sim-delay=200ms"}, out)
			}()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("demo: %v", err)
				}
			}()
			keyLine := regexp.MustCompile(`API key:\s+(\S+)`)
			var key string
			for deadline := time.Now().Add(30 * time.Second); key == ""; time.Sleep(50 * time.Millisecond) {
				if m := keyLine.FindStringSubmatch(out.String()); m != nil {
					key = m[1]
				} else if time.Now().After(deadline) {
					t.Fatalf("the demo did not start:\n%s", out)
				}
			}
			if !strings.Contains(out.String(), "/sim/tron/send") {
				t.Errorf("the printout does not tell of USDT:\n%s", out)
			}
			call := func(method, path, body string) map[string]any {
				t.Helper()
				r := loketest.DoJSON(t, method, url+path, body, "x-api-key", key, "Content-Type", "application/json")
				if r.Status != http.StatusOK {
					t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Raw)
				}
				return r.Body
			}
			balance := func() float64 { return call("GET", "/v1/me", "")["balance"].(float64) }
			before := balance()

			d := call("POST", "/compat/warungnokos/api/deposit/create", `{"amount":50000,"method":"usdt-trc-20"}`)
			amount, _ := d["amount_usdt"].(string)
			if d["success"] != true || d["address"] != demoUSDTAddress || d["network"] != "TRC20" || amount == "" {
				t.Fatalf("deposit/create: %v", d)
			}
			if micro, err := usdt.Parse(amount); err != nil || micro < usdt.Base(50000, 16250) {
				t.Errorf("amount_usdt %q at the demo's rate: %v", amount, err)
			}
			sent := call("POST", "/sim/tron/send", `{"amount":"`+amount+`"}`)
			from := sent["data"].(map[string]any)["from"]
			var st map[string]any
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				st = call("GET", "/compat/warungnokos/api/deposit/status/"+d["trxId"].(string), "")
				if st["status"] == "success" || time.Now().After(deadline) {
					break
				}
			}
			detail, _ := st["detail"].(map[string]any)
			if st["status"] != "success" || detail["brand_name"] != "TRON" || detail["buyer_reff"] != from {
				t.Fatalf("deposit/status after the transfer: %v", st)
			}
			if got := balance(); got != before+50000 {
				t.Errorf("balance %v, want %v", got, before+50000)
			}
		})
	}
}
