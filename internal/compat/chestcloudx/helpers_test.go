package chestcloudx_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// simDelay is LOKET_SIM_DELAY of every test server (process-wide): long enough that an
// order to a target ending 9 is still pending when the next request comes.
const simDelay = 500 * time.Millisecond

func eachEngine(t *testing.T, f func(t *testing.T, engine string)) {
	t.Helper()
	for _, e := range storetest.Engines() {
		t.Run(e, func(t *testing.T) {
			t.Parallel()
			f(t, e)
		})
	}
}

func testLog() *slog.Logger {
	if os.Getenv("LOKET_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// start runs a real server on port 0 over a fresh database of engine with the demo
// catalog, until the test ends.
func start(t testing.TB, engine string) *server.Server {
	t.Helper()
	args := []string{"--addr=127.0.0.1:0", "--database-url=" + storetest.URL(t, engine),
		"--sim-delay=" + simDelay.String(), "--allow-private-webhooks=1", "--supplier-timeout=300ms"}
	cfg, _, err := config.Load("loket", args)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.Start(context.Background(), cfg, testLog(), nil, func(ctx context.Context, db *store.DB) error {
		_, err := catalog.LoadDemo(ctx, db)
		return err
	})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return s
}

// resp is an answer, with its body decoded as generic JSON so tests see JSON types.
type resp struct {
	Status int
	Header http.Header
	Raw    string
	Body   map[string]any
}

// do sends a request; body is sent as is (nil: none). header is name, value pairs.
func do(t testing.TB, method, url string, body string, header ...string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: string(b)}
	if err := json.Unmarshal(b, &out.Body); err != nil {
		t.Fatalf("%s %s: status %d, body is not a JSON object: %q", method, url, res.StatusCode, b)
	}
	return out
}

// postJSON is the seed's curl: POST with Content-Type: application/json.
func postJSON(t testing.TB, url, body string, header ...string) resp {
	t.Helper()
	return do(t, http.MethodPost, url, body, append([]string{"Content-Type", "application/json"}, header...)...)
}

// data checks the success envelope {"status":true,"data":{...}} and returns data.
func (r resp) data(t testing.TB) map[string]any {
	t.Helper()
	if r.Status != http.StatusOK || r.Body["status"] != true {
		t.Fatalf("want 200 with status true, got %d %s", r.Status, r.Raw)
	}
	d, ok := r.Body["data"].(map[string]any)
	if !ok {
		t.Fatalf("data is not an object: %s", r.Raw)
	}
	return d
}

// failure checks the error envelope {"status":false,"message":"..."} with status and
// returns the message.
func (r resp) failure(t testing.TB, status int) string {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if r.Body["status"] != false {
		t.Fatalf("status field is not false: %s", r.Raw)
	}
	msg, ok := r.Body["message"].(string)
	if !ok || msg == "" {
		t.Fatalf("message is not a non-empty string: %s", r.Raw)
	}
	if len(r.Body) != 2 {
		t.Errorf("error body has fields beyond status and message: %s", r.Raw)
	}
	return msg
}

func str(t testing.TB, m map[string]any, key string) string {
	t.Helper()
	s, ok := m[key].(string)
	if !ok {
		t.Fatalf("%q is %T (%v), want a string", key, m[key], m[key])
	}
	return s
}

func num(t testing.TB, m map[string]any, key string) float64 {
	t.Helper()
	n, ok := m[key].(float64)
	if !ok {
		t.Fatalf("%q is %T (%v), want a number", key, m[key], m[key])
	}
	return n
}

func balance(t testing.TB, s *server.Server, id int64) int64 {
	t.Helper()
	r, err := s.DB.Reseller(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	return r.Balance
}

func verifyLedger(t testing.TB, s *server.Server) {
	t.Helper()
	var v []store.Violation
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

// waitStatus polls order/status until the order is no longer Pending.
func waitStatus(t testing.TB, base, key, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := do(t, http.MethodGet, base+"/order/status?apikey="+key+"&id="+id, "").data(t)
		if str(t, d, "status") != "Pending" {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s still Pending", id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
