package trongrid_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/trongrid"
	"github.com/loket/loket/internal/payment/usdt"
)

// Addresses of testdata/mixed.json.
const (
	operator = "TKrZTLhTuSkhxdxPjmBFGhB9U3s7jpAvda"
	payer1   = "TJpmQZqKQxKXTKr1XyYYiLu79gENWJozjX"
	payer2   = "TJrNqrHbTe9UzPebYXtFwkGTvqSRWsExNd"
	t0       = 1712345670000 // the first block time of mixed.json
)

// settings is the installation's settings table, in memory.
type settings struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *settings) Setting(ctx context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

func (s *settings) SetSetting(ctx context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
	return nil
}

// fixture serves pages in turn (the last one again once they run out) and keeps the
// requests it was sent.
type fixture struct {
	mu       sync.Mutex
	pages    []func(w http.ResponseWriter)
	requests []*http.Request
}

func (f *fixture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r)
	page := f.pages[min(len(f.requests), len(f.pages))-1]
	f.mu.Unlock()
	page(w)
}

func (f *fixture) request(i int) *http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[i]
}

func file(t *testing.T, name string) func(w http.ResponseWriter) {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return answer(http.StatusOK, string(b))
}

func answer(status int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

// watcher is a watcher of the operator's address reading through f.
func watcher(t *testing.T, f *fixture, address string) (*trongrid.Watcher, *bytes.Buffer) {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	logs := &bytes.Buffer{}
	st := &settings{m: map[string]string{}}
	if address != "" {
		st.m[usdt.SettingAddress] = address
	}
	c := trongrid.New(trongrid.Config{BaseURL: srv.URL + "/", APIKey: "key-123", HTTP: &http.Client{Timeout: 5 * time.Second}})
	return trongrid.NewWatcher(c, st, slog.New(slog.NewTextHandler(logs, nil))), logs
}

func cursorAt(ms int64) string { return operator + "@" + strconv.FormatInt(ms, 10) }

// A page of everything a TronGrid answer may hold: only the confirmed USDT transfers
// to the address become payments, each once, with the hash as ref; the malformed
// entries are skipped and logged once, however often they are read.
func TestWatcherReadsTransfers(t *testing.T) {
	f := &fixture{pages: []func(http.ResponseWriter){file(t, "mixed.json")}}
	w, logs := watcher(t, f, operator)
	ctx := context.Background()
	got, next, err := w.Incoming(ctx, cursorAt(t0-1000))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ref    string
		amount loket.Money
		buyer  string
		at     int64
	}
	var rows []row
	for _, p := range got {
		if p.Method != loket.MethodUSDT || p.Brand != "TRON" || p.Source != usdt.SourceName {
			t.Errorf("payment %+v", p)
		}
		rows = append(rows, row{p.Ref, p.Amount, p.Buyer, p.PaidAt.UnixMilli()})
	}
	want := []row{
		{strings.Repeat("a1", 32), 3_083_700, payer1, t0},
		{strings.Repeat("b2", 32), 1_000_000, payer1, t0 + 9000},
		{strings.Repeat("b2", 32) + ":2", 2_000_000, payer2, t0 + 9000},
		{strings.Repeat("9c", 32), 7_000_000, payer2, t0 + 12000},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("payments:\n got %v\nwant %v", rows, want)
	}
	// The API's clock (meta.at) less the overlap.
	if want := cursorAt(t0 + 1_200_000 - trongrid.Overlap.Milliseconds()); next != want {
		t.Errorf("next cursor = %q, want %q", next, want)
	}
	q := f.request(0).URL.Query()
	for k, v := range map[string]string{"only_confirmed": "true", "only_to": "true", "contract_address": usdt.Contract,
		"order_by": "block_timestamp,asc", "limit": "200", "min_timestamp": strconv.FormatInt(t0-1000, 10)} {
		if q.Get(k) != v {
			t.Errorf("query %s = %q, want %q", k, q.Get(k), v)
		}
	}
	if p := f.request(0).URL.Path; p != "/v1/accounts/"+operator+"/transactions/trc20" {
		t.Errorf("path %s", p)
	}
	if k := f.request(0).Header.Get("TRON-PRO-API-KEY"); k != "key-123" {
		t.Errorf("API key header %q", k)
	}
	for _, msg := range []string{
		"level=WARN msg=\"tron: transfer without a valid transaction hash skipped\"",
		"level=WARN msg=\"tron: transfer with an unreadable value skipped\" tx=" + strings.Repeat("f6", 32) + " value=12.5",
		"value=-5",
		"level=WARN msg=\"tron: unreadable transfer skipped\"",
		"level=WARN msg=\"tron: USDT transfer with other than 6 decimals skipped\" tx=" + strings.Repeat("f9", 32),
		"level=ERROR msg=\"tron: USDT transfer too large to record; credit it by hand\" tx=" + strings.Repeat("fa", 32),
	} {
		if strings.Count(logs.String(), msg) != 1 {
			t.Errorf("log has %q %d times:\n%s", msg, strings.Count(logs.String(), msg), logs)
		}
	}
	if n := strings.Count(logs.String(), "\n"); n != 6 {
		t.Errorf("%d log lines, want 6:\n%s", n, logs)
	}

	// Read again (the overlap does): the same refs, nothing logged again.
	again, _, err := w.Incoming(ctx, next)
	if err != nil || len(again) != len(got) {
		t.Fatalf("again: %d payments, %v", len(again), err)
	}
	for i := range got {
		if again[i] != got[i] {
			t.Errorf("again %+v, first %+v", again[i], got[i])
		}
	}
	if n := strings.Count(logs.String(), "\n"); n != 6 {
		t.Errorf("%d log lines after a second reading, want 6:\n%s", n, logs)
	}
	if q := f.request(1).URL.Query(); q.Get("min_timestamp") != strconv.FormatInt(t0+1_200_000-trongrid.Overlap.Milliseconds(), 10) {
		t.Errorf("second read from %s", q.Get("min_timestamp"))
	}
}

// The transfers of one transaction get the same refs whatever order the API lists
// them in.
func TestWatcherRefsOfABatchPayout(t *testing.T) {
	page := func(first, second string) func(http.ResponseWriter) {
		e := func(from, value string) string {
			return `{"transaction_id":"` + strings.Repeat("b2", 32) + `","token_info":{"address":"` + usdt.Contract + `","decimals":6},` +
				`"block_timestamp":` + strconv.Itoa(t0) + `,"from":"` + from + `","to":"` + operator + `","type":"Transfer","value":"` + value + `"}`
		}
		return answer(200, `{"success":true,"data":[`+e(payer1, first)+`,`+e(payer2, second)+`],"meta":{"at":0}}`)
	}
	f := &fixture{pages: []func(http.ResponseWriter){page("5000000", "1000000"), page("1000000", "5000000")}}
	w, _ := watcher(t, f, operator)
	var refs [2]map[string]loket.Money
	for i := range refs {
		got, _, err := w.Incoming(context.Background(), cursorAt(t0))
		if err != nil {
			t.Fatal(err)
		}
		refs[i] = map[string]loket.Money{}
		for _, p := range got {
			refs[i][p.Ref] = p.Amount
		}
	}
	hash := strings.Repeat("b2", 32)
	if len(refs[0]) != 2 || refs[0][hash] == 0 || refs[0][hash+":2"] == 0 || refs[0][hash] != refs[1][hash] || refs[0][hash+":2"] != refs[1][hash+":2"] {
		t.Errorf("refs differ by the order of the list: %v, %v", refs[0], refs[1])
	}
}

// Without an address the watcher asks nothing; a cursor of another address starts the
// new one from Lookback ago.
func TestWatcherAddress(t *testing.T) {
	f := &fixture{pages: []func(http.ResponseWriter){answer(200, `{"success":true,"data":[],"meta":{}}`)}}
	w, _ := watcher(t, f, "")
	got, next, err := w.Incoming(context.Background(), "old")
	if err != nil || got != nil || next != "old" || len(f.requests) != 0 {
		t.Errorf("no address: %v %q %v, %d requests", got, next, err, len(f.requests))
	}

	w, _ = watcher(t, f, operator)
	began := time.Now()
	_, next, err = w.Incoming(context.Background(), payer1+"@"+strconv.FormatInt(t0, 10))
	if err != nil {
		t.Fatal(err)
	}
	from, _ := strconv.ParseInt(f.request(0).URL.Query().Get("min_timestamp"), 10, 64)
	if lo, hi := began.Add(-trongrid.Lookback).UnixMilli(), time.Now().Add(-trongrid.Lookback).UnixMilli(); from < lo || from > hi {
		t.Errorf("a new address is read from %d, want %d..%d", from, lo, hi)
	}
	if next != cursorAt(from) {
		t.Errorf("next = %q, want %q (nothing seen: the same start)", next, cursorAt(from))
	}
}

// When the API fails the cursor stays; what was read before the failure is returned.
func TestWatcherAPIDown(t *testing.T) {
	ctx := context.Background()
	for name, page := range map[string]func(http.ResponseWriter){
		"5xx":         answer(http.StatusServiceUnavailable, `<html>503 Service Unavailable</html>`),
		"error":       answer(http.StatusForbidden, `{"success":false,"error":"ApiKey not exists","statusCode":403}`),
		"not success": answer(http.StatusOK, `{"success":false,"data":[]}`),
		"not json":    answer(http.StatusOK, `<html>maintenance</html>`),
	} {
		f := &fixture{pages: []func(http.ResponseWriter){page}}
		w, _ := watcher(t, f, operator)
		got, next, err := w.Incoming(ctx, cursorAt(t0))
		if err == nil || got != nil || next != cursorAt(t0) {
			t.Errorf("%s: %v %q %v", name, got, next, err)
		}
	}

	// Page 1 read, page 2 failed.
	first := `{"success":true,"data":[{"transaction_id":"` + strings.Repeat("ab", 32) + `","token_info":{"address":"` + usdt.Contract +
		`","decimals":6},"block_timestamp":` + strconv.Itoa(t0) + `,"from":"` + payer1 + `","to":"` + operator +
		`","type":"Transfer","value":"1500000"}],"meta":{"fingerprint":"page2"}}`
	f := &fixture{pages: []func(http.ResponseWriter){answer(200, first), answer(http.StatusBadGateway, "bad gateway")}}
	w, _ := watcher(t, f, operator)
	got, next, err := w.Incoming(ctx, cursorAt(t0))
	if err == nil || len(got) != 1 || got[0].Amount != 1_500_000 || next != cursorAt(t0) {
		t.Errorf("page 2 failed: %+v %q %v", got, next, err)
	}
	if fp := f.request(1).URL.Query().Get("fingerprint"); fp != "page2" {
		t.Errorf("page 2 asked with fingerprint %q", fp)
	}
	if q1, q2 := f.request(0).URL.Query(), f.request(1).URL.Query(); q1.Get("min_timestamp") != q2.Get("min_timestamp") {
		t.Errorf("the filters changed while paging: %v, %v", q1, q2)
	}
}
