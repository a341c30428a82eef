package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// reseller is one reseller of a test server, with a client logged in as it.
type reseller struct {
	ID    int64
	Creds loket.Credentials
	C     *client.Client
}

// newReseller creates a reseller with an opening balance on s.
func newReseller(t testing.TB, s *server.Server, balance int64) *reseller {
	t.Helper()
	r := loketest.NewReseller(t, s, loket.Money(balance))
	c := client.New(s.URL, r.Creds.APIKey)
	c.HTTP = &http.Client{Timeout: 20 * time.Second}
	return &reseller{ID: r.ID, Creds: r.Creds, C: c}
}

func me(t testing.TB, r *reseller) *client.Me {
	t.Helper()
	m, err := r.C.Me(context.Background())
	if err != nil {
		t.Fatalf("me: %v", err)
	}
	return m
}

// orderCount is how many orders the reseller has, as the database has them.
func orderCount(t testing.TB, s *server.Server, id int64) int {
	t.Helper()
	os, err := s.Core.Orders.Orders(context.Background(), loket.OrderFilter{ResellerID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(os)
}

// waitOrder polls an order until it is no longer pending, or fails the test at the
// deadline.
func waitOrder(t testing.TB, c *client.Client, id int64, within time.Duration) *client.Order {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		o, err := c.Order(context.Background(), id)
		if err != nil {
			t.Fatalf("order %d: %v", id, err)
		}
		if o.Status != client.StatusPending {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %d still pending after %v", id, within)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// wantAPIError checks that err is a *client.Error with status and code.
func wantAPIError(t testing.TB, err error, status int, code string) *client.Error {
	t.Helper()
	var ae *client.Error
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v (%T), want a *client.Error %d %s", err, err, status, code)
	}
	if ae.StatusCode != status || ae.Code != code {
		t.Fatalf("got %d %q (%s), want %d %q", ae.StatusCode, ae.Code, ae.Message, status, code)
	}
	return ae
}

// errorBody is the native error shape.
type errorBody struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// rawResponse is an answer to a raw request.
type rawResponse loketest.Response

// raw sends a request with any body and headers; key, when not empty, goes in
// Authorization: Bearer.
func raw(t testing.TB, method, url, key string, body []byte, header ...string) rawResponse {
	t.Helper()
	h := []string{"Content-Type", "application/json"}
	if key != "" {
		h = append([]string{"Authorization", "Bearer " + key}, h...)
	}
	return rawResponse(loketest.Do(t, method, url, body, append(h, header...)...))
}

// apiError decodes the native error JSON of r, failing the test when r is not one.
func (r rawResponse) apiError(t testing.TB) (code, message, field string) {
	t.Helper()
	var eb errorBody
	if err := json.Unmarshal(r.Body, &eb); err != nil || eb.Error == nil || eb.Error.Code == "" {
		t.Fatalf("status %d: body is not the error JSON: %q", r.Status, clip(r.Body))
	}
	return eb.Error.Code, eb.Error.Message, eb.Error.Field
}

func clip(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// allLedger reads the whole ledger of a reseller, newest first, pagesize at a time.
func allLedger(t testing.TB, c *client.Client, pagesize int) []client.LedgerEntry {
	t.Helper()
	var out []client.LedgerEntry
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("ledger: no end to the pages")
		}
		l, err := c.Ledger(context.Background(), pagesize, cursor)
		if err != nil {
			t.Fatalf("ledger: %v", err)
		}
		out = append(out, l.Entries...)
		if l.NextCursor == "" {
			return out
		}
		cursor = l.NextCursor
	}
}

// checkRunningBalance checks that the ledger (newest first) adds up: each line's
// balance_after is the one before plus its amount, never below zero, and the newest
// is the balance now.
func checkRunningBalance(t testing.TB, lines []client.LedgerEntry, now int64) {
	t.Helper()
	var prev int64
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if l.BalanceAfter != prev+l.Amount {
			t.Errorf("ledger line %d (%s %d): balance_after %d, want %d + %d", l.ID, l.Kind, l.Amount, l.BalanceAfter, prev, l.Amount)
		}
		if l.BalanceAfter < 0 {
			t.Errorf("ledger line %d: balance_after %d is below zero", l.ID, l.BalanceAfter)
		}
		if i < len(lines)-1 && l.ID <= lines[i+1].ID {
			t.Errorf("ledger not newest first: line %d before %d", l.ID, lines[i+1].ID)
		}
		prev = l.BalanceAfter
	}
	if prev != now {
		t.Errorf("newest ledger balance_after is %d, the balance is %d", prev, now)
	}
}

// productPrice is what a reseller of the default level pays for code.
func productPrice(t testing.TB, s *server.Server, code string) int64 {
	t.Helper()
	p, err := s.Core.Catalog.Product(code, catalog.DemoLevel)
	if err != nil {
		t.Fatal(err)
	}
	return int64(p.Price)
}

// msisdn makes a distinct mobile number ending in digit.
func msisdn(n int, digit int) string { return fmt.Sprintf("0812%06d%d", n, digit) }
