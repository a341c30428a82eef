package warungnokos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/app"
	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/compat/warungnokos"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

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
// catalog, until the test ends, with this surface mounted exactly once.
func start(t testing.TB, engine string) *server.Server {
	t.Helper()
	args := []string{"--addr=127.0.0.1:0", "--database-url=" + storetest.URL(t, engine), "--sim-delay=200ms"}
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
	// server.Start mounts the surfaces it lists; until this one is among them, mount it
	// here (a second registration of the same pattern would panic).
	probe, _ := http.NewRequest(http.MethodGet, s.URL+"/compat/warungnokos/api/otp/services", nil)
	if _, pattern := s.API.Mux().Handler(probe); !strings.HasPrefix(pattern, "/compat/warungnokos/") {
		warungnokos.Mount(s.API, s.App)
	}
	return s
}

var resellerSeq atomic.Int64

type reseller struct {
	ID   int64
	Name string
	Key  string
}

// newReseller makes a reseller of level ("" for the default) with an opening balance.
func newReseller(t testing.TB, s *server.Server, level string, balance int64) *reseller {
	t.Helper()
	name := fmt.Sprintf("wn%d_%d", resellerSeq.Add(1), time.Now().UnixNano()%1e6)
	r, creds, err := s.App.CreateReseller(context.Background(), app.NewResellerInput{Username: name, Email: name + "@mail.com",
		Level: level, Balance: balance})
	if err != nil {
		t.Fatalf("create reseller: %v", err)
	}
	return &reseller{ID: r.ID, Name: r.Username, Key: creds.APIKey}
}

func balanceOf(t testing.TB, s *server.Server, id int64) int64 {
	t.Helper()
	r, err := s.DB.Reseller(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	return r.Balance
}

func suspend(t testing.TB, s *server.Server, id int64) {
	t.Helper()
	st := loket.ResellerSuspended
	if err := s.App.UpdateReseller(context.Background(), id, store.ResellerUpdate{Status: &st}); err != nil {
		t.Fatal(err)
	}
}

// resp is an answer, its body decoded as generic JSON so tests see JSON types.
type resp struct {
	Status int
	Header http.Header
	Raw    string
	Body   map[string]any
}

// do sends a request; body is sent as is ("": none). header is name, value pairs.
func do(t testing.TB, method, url, body string, header ...string) resp {
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

// get is the seed's axios GET: x-api-key and Accept: application/json.
func get(t testing.TB, url, key string) resp {
	t.Helper()
	return do(t, http.MethodGet, url, "", "x-api-key", key, "Accept", "application/json")
}

// post is the seed's axios POST: x-api-key and Content-Type: application/json.
func post(t testing.TB, url, key, body string) resp {
	t.Helper()
	return do(t, http.MethodPost, url, body, "x-api-key", key, "Content-Type", "application/json")
}

// data checks the success envelope {"success":true,"data":...} and returns data.
func (r resp) data(t testing.TB) any {
	t.Helper()
	if r.Status != http.StatusOK || r.Body["success"] != true {
		t.Fatalf("want 200 with success true, got %d %s", r.Status, r.Raw)
	}
	if len(r.Body) != 2 {
		t.Errorf("success body has fields beyond success and data: %s", r.Raw)
	}
	return r.Body["data"]
}

func (r resp) object(t testing.TB) map[string]any {
	t.Helper()
	d, ok := r.data(t).(map[string]any)
	if !ok {
		t.Fatalf("data is not an object: %s", r.Raw)
	}
	return d
}

func (r resp) list(t testing.TB) []map[string]any {
	t.Helper()
	d, ok := r.data(t).([]any)
	if !ok {
		t.Fatalf("data is not a list: %s", r.Raw)
	}
	out := make([]map[string]any, 0, len(d))
	for _, x := range d {
		m, ok := x.(map[string]any)
		if !ok {
			t.Fatalf("data item is not an object: %s", r.Raw)
		}
		out = append(out, m)
	}
	return out
}

// failure checks the error envelope {"success":false,"message":"..."} with status and
// returns the message.
func (r resp) failure(t testing.TB, status int) string {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if r.Body["success"] != false {
		t.Fatalf("success field is not false: %s", r.Raw)
	}
	msg, ok := r.Body["message"].(string)
	if !ok || msg == "" {
		t.Fatalf("message is not a non-empty string: %s", r.Raw)
	}
	if len(r.Body) != 2 {
		t.Errorf("error body has fields beyond success and message: %s", r.Raw)
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

func verifyLedger(t testing.TB, s *server.Server) {
	t.Helper()
	v, err := s.DB.Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	for _, x := range v {
		t.Errorf("ledger: %s: %s", x.Invariant, x.Detail)
	}
}
