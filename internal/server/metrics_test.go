package server_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/loket/loket/internal/loketest"
)

// get fetches u with the given headers and returns the status and body.
func get(t *testing.T, u string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// scraped fails unless body is a scrape with Loket's own, the Go runtime's and the
// process's metrics.
func scraped(t *testing.T, what string, status int, body string) {
	t.Helper()
	if status != http.StatusOK {
		t.Fatalf("%s: %d, want 200: %.200s", what, status, body)
	}
	for _, m := range []string{"\nloket_ledger_balance_rupiah{", "\ngo_goroutines ", "\ngo_gc_duration_seconds_count ",
		"\ngo_memstats_heap_inuse_bytes ", "\nprocess_start_time_seconds ", "\nprocess_resident_memory_bytes ",
		"\nprocess_open_fds ", "\nprocess_cpu_seconds_total "} {
		if !strings.Contains(body, m) {
			t.Errorf("%s: no %q", what, strings.TrimSpace(m))
		}
	}
}

// Without LOKET_METRICS_TOKEN or LOKET_METRICS_ADDR, /metrics on the API's listener
// answers loopback only, and not what a proxy on this host passes on.
func TestMetricsLoopbackOnly(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		st, body := get(t, s.URL+"/metrics")
		scraped(t, "from loopback", st, body)
		// On SQLite, the WAL writes the write pool gathered (the demo's set-up wrote some).
		if wal := strings.Contains(body, "\nloket_sqlite_wal_writes{what=\"made\"} "); wal != (engine == "sqlite") {
			t.Errorf("%s: loket_sqlite_wal_writes shown %v", engine, wal)
		}
		for _, h := range []string{"X-Forwarded-For", "X-Real-IP", "Forwarded"} {
			if st, body := get(t, s.URL+"/metrics", h, "for=203.0.113.9"); st != http.StatusNotFound || strings.Contains(body, "loket_") {
				t.Errorf("through a proxy (%s): %d, want 404: %.100s", h, st, body)
			}
		}
		if st, _ := get(t, s.URL+"/healthz", "X-Forwarded-For", "203.0.113.9"); st != http.StatusOK {
			t.Errorf("/healthz through a proxy: %d", st)
		}
	})
}

// From another host, over a real connection to this host's own non-loopback address.
func TestMetricsFromElsewhere(t *testing.T) {
	ip := outsideAddr(t)
	s := loketest.Start(t, "sqlite", "--addr=0.0.0.0:0")
	u, _ := url.Parse(s.URL)
	base := "http://" + net.JoinHostPort(ip, u.Port())
	if st, body := get(t, base+"/metrics"); st != http.StatusNotFound || strings.Contains(body, "loket_") {
		t.Errorf("from %s: %d, want 404: %.100s", ip, st, body)
	}
	if st, _ := get(t, base+"/healthz"); st != http.StatusOK {
		t.Errorf("/healthz from %s: %d", ip, st)
	}
	if st, body := get(t, "http://"+net.JoinHostPort("127.0.0.1", u.Port())+"/metrics"); st != http.StatusOK {
		t.Errorf("from loopback: %d: %.100s", st, body)
	}
}

// outsideAddr is a non-loopback IPv4 address of this host, or the test is skipped.
func outsideAddr(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Skip("no non-loopback IPv4 address on this host")
	return ""
}

func TestMetricsToken(t *testing.T) {
	const token = "tok-3f9a0c1d7e"
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine, "--metrics-token="+token)
		for _, h := range [][]string{nil, {"Authorization", "Bearer wrong"}, {"Authorization", "Basic " + token}, {"X-API-Key", token}} {
			st, body := get(t, s.URL+"/metrics", h...)
			if st != http.StatusUnauthorized || strings.Contains(body, "loket_") {
				t.Errorf("with %q: %d, want 401: %.100s", h, st, body)
			}
		}
		st, body := get(t, s.URL+"/metrics", "Authorization", "Bearer "+token)
		scraped(t, "with the token", st, body)
		// The token is enough from behind a proxy.
		st, body = get(t, s.URL+"/metrics", "Authorization", "Bearer "+token, "X-Forwarded-For", "203.0.113.9")
		scraped(t, "with the token through a proxy", st, body)
	})
}

func TestMetricsListener(t *testing.T) {
	t.Run("open", func(t *testing.T) {
		s := loketest.Start(t, "sqlite", "--metrics-addr=127.0.0.1:0")
		if s.MetricsURL == "" || strings.HasPrefix(s.MetricsURL, s.URL) {
			t.Fatalf("MetricsURL %q beside API %q", s.MetricsURL, s.URL)
		}
		if st, body := get(t, s.URL+"/metrics"); st != http.StatusNotFound || strings.Contains(body, "loket_") {
			t.Errorf("API listener: %d, want 404: %.100s", st, body)
		}
		st, body := get(t, s.MetricsURL)
		scraped(t, "metrics listener", st, body)
		if st, _ := get(t, strings.TrimSuffix(s.MetricsURL, "/metrics")+"/v1/me"); st != http.StatusNotFound {
			t.Errorf("the API on the metrics listener: %d, want 404", st)
		}
	})
	t.Run("with token", func(t *testing.T) {
		const token = "tok-listener-81c2"
		s := loketest.Start(t, "sqlite", "--metrics-addr=127.0.0.1:0", "--metrics-token="+token)
		if st, _ := get(t, s.MetricsURL); st != http.StatusUnauthorized {
			t.Errorf("no token: %d, want 401", st)
		}
		st, body := get(t, s.MetricsURL, "Authorization", "Bearer "+token)
		scraped(t, "metrics listener with the token", st, body)
		if st, _ := get(t, s.URL+"/metrics", "Authorization", "Bearer "+token); st != http.StatusNotFound {
			t.Errorf("API listener: %d, want 404", st)
		}
	})
}
