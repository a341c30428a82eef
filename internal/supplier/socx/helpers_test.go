package socx

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/loket/loket/internal/supplier"
)

const (
	testKey    = "jwt-SEKRET-api-key-7781"
	testSecret = "pin-SEKRET-4455"
)

// call is one request the fake upstream received.
type call struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// fake is a SOCX upstream replaying answers from testdata/.
type fake struct {
	t      *testing.T
	mu     sync.Mutex
	calls  []call
	routes map[string]http.HandlerFunc
	srv    *httptest.Server
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{t: t, routes: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.calls = append(f.calls, call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: b})
		h := f.routes[r.Method+" "+r.URL.Path]
		f.mu.Unlock()
		if h == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// on sets the answer to method and path (under /reseller/api/v1).
func (f *fake) on(method, path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[method+" "+apiPath+path] = h
}

func (f *fake) got() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func (f *fake) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

func reply(status int, contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		w.Write(body)
	}
}

func replyJSON(body []byte) http.HandlerFunc { return reply(200, "application/json", body) }

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withFields is a testdata JSON answer with some fields replaced.
func withFields(t *testing.T, name string, kv map[string]any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(testdata(t, name), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range kv {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rcRow is one row of the seed's response code table.
type rcRow struct{ RC, Text, Status string }

func rcTable(t *testing.T) []rcRow {
	t.Helper()
	var out []rcRow
	for _, line := range strings.Split(string(testdata(t, "rc_table.tsv")), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 3 {
			t.Fatalf("bad rc_table line %q", line)
		}
		out = append(out, rcRow{p[0], p[1], p[2]})
	}
	return out
}

func newClient(t *testing.T, base string, mutate ...func(*supplier.Config)) *Client {
	t.Helper()
	cfg := supplier.Config{Name: "socx1", Kind: Kind, BaseURL: base, APIKey: testKey, Secret: testSecret}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seedReq is the order of the seed's purchase example.
var seedReq = supplier.Request{Ref: "999999", Code: "HSA5", Target: "08121231231"}

// noSecrets fails when text carries a credential.
func noSecrets(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range []string{testKey, testSecret} {
		if strings.Contains(text, s) {
			t.Errorf("%s leaks a credential: %q", where, text)
		}
	}
}

func jsonBody(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", b, err)
	}
	return m
}
