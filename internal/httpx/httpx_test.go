package httpx

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
)

func TestAPIKey(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		want    string
	}{
		{"bearer", map[string]string{"Authorization": "Bearer  k1 "}, "k1"},
		{"bearer, any case", map[string]string{"Authorization": "bEaReR k1"}, "k1"},
		{"x-api-key", map[string]string{"X-API-Key": "k2"}, "k2"},
		{"bearer first", map[string]string{"Authorization": "Bearer k1", "X-API-Key": "k2"}, "k1"},
		{"another scheme", map[string]string{"Authorization": "Basic xyz", "X-API-Key": "k2"}, "k2"},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for k, v := range tt.headers {
			r.Header.Set(k, v)
		}
		if got := APIKey(r); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name, body string
		code       string
		field      string
	}{
		{"ok", `{"n":1}`, "", ""},
		{"empty", "  ", loket.EINVALID, ""},
		{"not JSON", `{"n":`, loket.EINVALID, ""},
		{"wrong type", `{"n":"1"}`, loket.EINVALID, "n"},
		{"too large", `{"s":"` + strings.Repeat("x", MaxBody) + `"}`, loket.ETOOLARGE, ""},
		{"NUL in a string", `{"s":"a\u0000b"}`, loket.EINVALID, "s"},
		{"escape in a string", `{"s":"a\u001bb"}`, loket.EINVALID, "s"},
		{"string too long", `{"s":"` + strings.Repeat("x", loket.MaxText+1) + `"}`, loket.EINVALID, "s"},
		{"invalid UTF-8", "{\"s\":\"a\xffb\"}", loket.EINVALID, "body"},
		{"NUL in a map value", `{"m":{"k":"a\u0000"}}`, loket.EINVALID, "m"},
		{"NUL in a map key", `{"m":{"k\u0000":"v"}}`, loket.EINVALID, "m"},
		{"NUL in a nested struct", `{"in":{"t":"\u0000"}}`, loket.EINVALID, "in.t"},
		{"NUL in a list", `{"l":["ok","\u0000"]}`, loket.EINVALID, "l"},
		{"unicode", `{"s":"ünïcødé 🙂","m":{"server":"2001"}}`, "", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
		var v struct {
			N  int               `json:"n"`
			S  string            `json:"s"`
			M  map[string]string `json:"m"`
			L  []string          `json:"l"`
			In *struct {
				T string `json:"t"`
			} `json:"in"`
		}
		err := DecodeJSON(httptest.NewRecorder(), r, &v)
		if got := loket.ErrorCode(err); got != tt.code || loket.ErrorField(err) != tt.field {
			t.Errorf("%s: got %v, want code %q field %q", tt.name, err, tt.code, tt.field)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		target, field string // field "": taken
	}{
		{"/v1/orders/12?ref_id=a-1&status=pending", ""},
		{"/v1/orders?ref_id=%C3%BC%F0%9F%99%82", ""},
		{"/v1/orders?ref_id=a%00b", "ref_id"},
		{"/v1/orders?ref_id=a%FFb", "ref_id"},
		{"/v1/orders?ref_id=ok&ref_id=a%1Bb", "ref_id"},
		{"/v1/orders?a%00=1", "query"},
		{"/v1/orders/a%00b", "path"},
		{"/v1/orders/a%FF", "path"},
		{"/v1/orders?ref_id=" + strings.Repeat("x", loket.MaxText+1), "ref_id"},
	} {
		err := CheckURL(httptest.NewRequest(http.MethodGet, c.target, nil))
		if (c.field == "") != (err == nil) || loket.ErrorField(err) != c.field || (err != nil && loket.ErrorCode(err) != loket.EINVALID) {
			t.Errorf("%s: %v, want field %q refused", c.target, err, c.field)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "30", 29*time.Second + time.Millisecond: "30", 0: "1", -time.Second: "1",
	} {
		w := httptest.NewRecorder()
		RetryAfter(w, d)
		if got := w.Header().Get("Retry-After"); got != want {
			t.Errorf("RetryAfter(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestMux: a handler's status and latency are recorded under its pattern, and a panic
// is answered by the panic handler and logged.
func TestMux(t *testing.T) {
	reg := metrics.NewRegistry()
	var logs bytes.Buffer
	m := NewMux(slog.New(slog.NewTextHandler(&logs, nil)), reg, "", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal"})
	})
	m.Handle("GET /ok/{id}", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	m.Handle("GET /teapot", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	m.Handle("GET /boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	for _, tt := range []struct {
		path, body string
		status     int
	}{
		{"/ok/1", "ok", 200},
		{"/teapot", "", http.StatusTeapot},
		{"/boom", `{"error":"internal"}` + "\n", 500},
		{"/nowhere", "404 page not found\n", 404},
	} {
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if w.Code != tt.status || w.Body.String() != tt.body {
			t.Errorf("%s: %d %q, want %d %q", tt.path, w.Code, w.Body, tt.status, tt.body)
		}
	}
	if !strings.Contains(logs.String(), "handler panicked") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
	var out bytes.Buffer
	reg.WriteTo(&out)
	for _, want := range []string{
		`loket_http_request_seconds_count{route="GET /ok/{id}",code="200"} 1`,
		`loket_http_request_seconds_count{route="GET /teapot",code="418"} 1`,
		`loket_http_request_seconds_count{route="GET /boom",code="500"} 1`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %s in:\n%s", want, out.String())
		}
	}
	if _, pattern := m.Handler(httptest.NewRequest(http.MethodGet, "/ok/2", nil)); pattern != "GET /ok/{id}" {
		t.Errorf("Handler: pattern %q", pattern)
	}
}
