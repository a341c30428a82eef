// Package loketest holds test helpers that run a whole Loket: a real server on port 0
// with the demo dataset, on each engine of storetest.Engines(), with resellers, raw
// HTTP requests and a check of the ledger.
//
// It imports internal/server, which imports the compatibility surfaces, so it may be
// imported only from _test.go files, and from those of a package the server imports
// only in its external test package (package x_test).
package loketest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// SimDelay is LOKET_SIM_DELAY of a server Start runs unless its flags say otherwise:
// targets ending 3 and 4 settle within it. The simulator's delay is process-wide, so a
// test binary should give every server it starts the same one.
const SimDelay = 200 * time.Millisecond

// Each runs f as a parallel subtest on every engine storetest offers.
func Each(t *testing.T, f func(t *testing.T, engine string)) {
	t.Helper()
	for _, e := range storetest.Engines() {
		t.Run(e, func(t *testing.T) {
			t.Parallel()
			f(t, e)
		})
	}
}

// Log is the servers' logger: quiet unless LOKET_TEST_LOG=1.
func Log() *slog.Logger {
	if os.Getenv("LOKET_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Start runs a real server on port 0 over a fresh database of engine, with the demo
// catalog loaded, until the test ends. The defaults are SimDelay, private webhook
// URLs allowed, a supplier timeout of 300ms and no USDT watcher (tests do not read
// the real chain); flags (as on the command line) override them.
func Start(t testing.TB, engine string, flags ...string) *server.Server {
	t.Helper()
	return StartLogged(t, engine, Log(), flags...)
}

// StartLogged is Start with the server's logs going to log.
func StartLogged(t testing.TB, engine string, log *slog.Logger, flags ...string) *server.Server {
	t.Helper()
	args := []string{"--addr=127.0.0.1:0", "--database-url=" + storetest.URL(t, engine),
		"--sim-delay=" + SimDelay.String(), "--allow-private-webhooks=1", "--supplier-timeout=300ms", "--tron-api-url=off"}
	cfg, _, err := config.Load("loket", append(args, flags...))
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	s, err := server.Start(context.Background(), cfg, log, nil, func(ctx context.Context, db *store.DB) error {
		_, err := catalog.LoadDemo(ctx, db)
		return err
	})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Logf("server took %v to start", d)
	}
	t.Cleanup(func() {
		began := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
		if d := time.Since(began); d > 2*time.Second {
			t.Logf("server took %v to close", d)
		}
	})
	return s
}

// From is a transport whose connections come from the local address ip, such as
// 127.0.0.5: on Linux every address of 127.0.0.0/8 is this host's, so tests tell
// clients apart by it.
func From(ip string) *http.Transport {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}
}

var nameSeq atomic.Int64

// Username is a reseller name no other of this process has, starting with prefix.
func Username(prefix string) string {
	return fmt.Sprintf("%s%d_%d", prefix, nameSeq.Add(1), time.Now().UnixNano()%1e6)
}

// Reseller is a reseller of a test server.
type Reseller struct {
	ID       int64
	Username string
	Creds    loket.Credentials
}

// NewReseller creates a reseller of the default level with an opening balance on s.
func NewReseller(t testing.TB, s *server.Server, balance loket.Money) *Reseller {
	t.Helper()
	return CreateReseller(t, s, loket.NewResellerInput{Balance: balance})
}

// CreateReseller creates the reseller in on s, named by Username("r") when in has no
// username.
func CreateReseller(t testing.TB, s *server.Server, in loket.NewResellerInput) *Reseller {
	t.Helper()
	if in.Username == "" {
		in.Username = Username("r")
	}
	r, creds, err := s.Core.Resellers.CreateReseller(context.Background(), in)
	if err != nil {
		t.Fatalf("create reseller: %v", err)
	}
	return &Reseller{ID: r.ID, Username: r.Username, Creds: creds}
}

// Balance is a reseller's balance as the database has it.
func Balance(t testing.TB, s *server.Server, id int64) loket.Money {
	t.Helper()
	r, err := s.DB.Reseller(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	return r.Balance
}

// VerifyLedger checks the ledger invariants. Verify reads in several statements, so a
// settlement committing between them can show a passing mismatch: a violation counts
// only when it is still there a moment later.
func VerifyLedger(t testing.TB, s *server.Server) {
	t.Helper()
	var v []loket.Violation
	for try := 0; try < 5; try++ {
		var err error
		v, err = s.DB.Verify(context.Background())
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if len(v) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, x := range v {
		t.Errorf("ledger: %s: %s", x.Invariant, x.Detail)
	}
}

// Response is an answer to a request Do sent.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// RawQuery, as a header name given to Do, sets the request's query to its value as
// is, unparsed.
const RawQuery = "\x00raw-query"

// Do sends a request with any body (nil: none); header is name, value pairs, set in
// order.
func Do(t testing.TB, method, url string, body []byte, header ...string) Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == RawQuery {
			req.URL.RawQuery = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, url, err)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// JSON is an answer whose body is a JSON object, decoded as generic JSON so tests see
// the JSON types.
type JSON struct {
	Status int
	Header http.Header
	Raw    string
	Body   map[string]any
}

// DoJSON sends a request as Do does, body sent as is ("": none), and fails the test
// when the answer is not a JSON object.
func DoJSON(t testing.TB, method, url, body string, header ...string) JSON {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	r := Do(t, method, url, b, header...)
	out := JSON{Status: r.Status, Header: r.Header, Raw: string(r.Body)}
	if err := json.Unmarshal(r.Body, &out.Body); err != nil {
		t.Fatalf("%s %s: status %d, body is not a JSON object: %q", method, url, r.Status, r.Body)
	}
	return out
}

// Failure checks an error envelope {flag: false, "message": "..."} with HTTP status
// and nothing else in it, and returns the message.
func (r JSON) Failure(t testing.TB, status int, flag string) string {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if r.Body[flag] != false {
		t.Fatalf("%s field is not false: %s", flag, r.Raw)
	}
	msg, ok := r.Body["message"].(string)
	if !ok || msg == "" {
		t.Fatalf("message is not a non-empty string: %s", r.Raw)
	}
	if len(r.Body) != 2 {
		t.Errorf("error body has fields beyond %s and message: %s", flag, r.Raw)
	}
	return msg
}

// Str is m[key], failing the test when it is not a string.
func Str(t testing.TB, m map[string]any, key string) string {
	t.Helper()
	s, ok := m[key].(string)
	if !ok {
		t.Fatalf("%q is %T (%v), want a string", key, m[key], m[key])
	}
	return s
}

// Num is m[key], failing the test when it is not a number (decoded as float64).
func Num(t testing.TB, m map[string]any, key string) float64 {
	t.Helper()
	n, ok := m[key].(float64)
	if !ok {
		t.Fatalf("%q is %T (%v), want a number", key, m[key], m[key])
	}
	return n
}
