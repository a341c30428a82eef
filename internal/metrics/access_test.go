package metrics

import (
	"net/http/httptest"
	"testing"
)

func TestRestrict(t *testing.T) {
	r := NewRegistry()
	r.Counter("hits_total", "Hits.").With().Inc()
	const token = "s3cret-token"
	tests := []struct {
		name         string
		token        string
		loopbackOnly bool
		remote       string
		header       map[string]string
		want         int
	}{
		{"loopback v4", "", true, "127.0.0.1:5000", nil, 200},
		{"loopback v6", "", true, "[::1]:5000", nil, 200},
		{"loopback, mapped", "", true, "[::ffff:127.0.0.1]:5000", nil, 200},
		{"other host", "", true, "203.0.113.7:5000", nil, 404},
		{"private host", "", true, "10.0.0.2:5000", nil, 404},
		{"loopback through a proxy (X-Forwarded-For)", "", true, "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "198.51.100.4"}, 404},
		{"loopback through a proxy (Forwarded)", "", true, "127.0.0.1:5000", map[string]string{"Forwarded": "for=198.51.100.4"}, 404},
		{"loopback through a proxy (X-Real-IP)", "", true, "127.0.0.1:5000", map[string]string{"X-Real-IP": "198.51.100.4"}, 404},
		{"loopback through a proxy (Via)", "", true, "127.0.0.1:5000", map[string]string{"Via": "1.1 nginx"}, 404},
		{"token, none sent", token, true, "127.0.0.1:5000", nil, 401},
		{"token, wrong", token, true, "127.0.0.1:5000", map[string]string{"Authorization": "Bearer nope"}, 401},
		{"token, as basic", token, false, "203.0.113.7:5000", map[string]string{"Authorization": "Basic " + token}, 401},
		{"token, right, from afar", token, true, "203.0.113.7:5000", map[string]string{"Authorization": "Bearer " + token}, 200},
		{"token, right, any case of scheme", token, false, "203.0.113.7:5000", map[string]string{"Authorization": "bearer " + token}, 200},
		{"token, right, through a proxy", token, true, "127.0.0.1:5000", map[string]string{"Authorization": "Bearer " + token, "X-Forwarded-For": "198.51.100.4"}, 200},
		{"own listener, no token", "", false, "203.0.113.7:5000", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.RemoteAddr = tt.remote
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			Restrict(r, tt.token, tt.loopbackOnly).ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if rec.Code == 200 && rec.Body.String() != "# HELP hits_total Hits.\n# TYPE hits_total counter\nhits_total 1\n" {
				t.Errorf("body %q", rec.Body)
			}
		})
	}
}
