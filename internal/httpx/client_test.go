package httpx

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/loket/loket/internal/metrics"
)

// TestResolve: the client of a request is its connection's unless that is a trusted
// proxy; then the right-most hop that is not trusted, and the scheme and host the
// proxy says, and nothing a stranger writes.
func TestResolve(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("127.0.0.1/32")}
	type hdr = map[string][]string
	tests := []struct {
		name    string
		remote  string
		headers hdr
		ip      string
		scheme  string
		host    string // "" : the request's own (loket.test)
	}{
		{"direct", "203.0.113.7:5123", nil, "203.0.113.7", "http", ""},
		{"direct IPv6", "[2001:db8::1]:443", nil, "2001:db8::1", "http", ""},
		{"direct, no port: as it is", "203.0.113.7", nil, "203.0.113.7", "http", ""},
		{"a stranger's headers are ignored", "198.51.100.9:80", hdr{"X-Forwarded-For": {"10.0.0.9"}, "X-Real-Ip": {"10.0.0.9"},
			"Forwarded": {"for=10.0.0.9;proto=https"}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"evil.example"}}, "198.51.100.9", "http", ""},
		{"loopback not listed is a stranger", "127.0.0.2:80", hdr{"X-Forwarded-For": {"203.0.113.7"}}, "127.0.0.2", "http", ""},
		{"trusted proxy, no headers: the proxy itself", "10.0.0.2:80", nil, "10.0.0.2", "http", ""},
		{"trusted proxy", "10.0.0.2:80", hdr{"X-Forwarded-For": {"203.0.113.7"}, "X-Forwarded-Proto": {"https"},
			"X-Forwarded-Host": {"shop.example"}}, "203.0.113.7", "https", "shop.example"},
		{"a client's own X-Forwarded-For before the proxy's hop", "10.0.0.2:80", hdr{"X-Forwarded-For": {"10.9.9.9, 192.0.2.1, 203.0.113.7"}}, "203.0.113.7", "http", ""},
		{"a chain of trusted proxies", "127.0.0.1:80", hdr{"X-Forwarded-For": {"192.0.2.1, 203.0.113.7, 10.0.0.3"}}, "203.0.113.7", "http", ""},
		{"every hop trusted: the left-most", "10.0.0.2:80", hdr{"X-Forwarded-For": {"10.0.0.4, 10.0.0.3"}}, "10.0.0.4", "http", ""},
		{"several fields, in order", "10.0.0.2:80", hdr{"X-Forwarded-For": {"192.0.2.1", "203.0.113.7, 10.0.0.3"}}, "203.0.113.7", "http", ""},
		{"hops with ports, IPv6, mapped", "10.0.0.2:80", hdr{"X-Forwarded-For": {"[2001:db8::5]:4711"}}, "2001:db8::5", "http", ""},
		{"bare IPv6 hop", "10.0.0.2:80", hdr{"X-Forwarded-For": {"2001:db8::5, fd00::1"}}, "2001:db8::5", "http", ""},
		{"IPv4 hop with a port", "10.0.0.2:80", hdr{"X-Forwarded-For": {"203.0.113.7:4711"}}, "203.0.113.7", "http", ""},
		{"IPv4-mapped hop", "10.0.0.2:80", hdr{"X-Forwarded-For": {"::ffff:203.0.113.7"}}, "203.0.113.7", "http", ""},
		{"IPv4-mapped proxy", "[::ffff:10.0.0.2]:80", hdr{"X-Forwarded-For": {"203.0.113.7"}}, "203.0.113.7", "http", ""},
		{"IPv6 proxy", "[fd00::2]:80", hdr{"X-Forwarded-For": {"203.0.113.7"}}, "203.0.113.7", "http", ""},
		{"unreadable nearest hop: unknown, not the proxy", "10.0.0.2:80", hdr{"X-Forwarded-For": {"203.0.113.7, nonsense"}}, Unknown, "http", ""},
		{"unreadable hop behind a trusted one", "10.0.0.2:80", hdr{"X-Forwarded-For": {"203.0.113.7, nonsense, 10.0.0.3"}}, Unknown, "http", ""},
		{"empty nearest hop", "10.0.0.2:80", hdr{"X-Forwarded-For": {"203.0.113.7,"}}, Unknown, "http", ""},
		{"garbage beyond the client is not read", "10.0.0.2:80", hdr{"X-Forwarded-For": {"nonsense, 203.0.113.7"}}, "203.0.113.7", "http", ""},
		{"the right-most proto and host", "10.0.0.2:80", hdr{"X-Forwarded-For": {"203.0.113.7"}, "X-Forwarded-Proto": {"http, HTTPS"},
			"X-Forwarded-Host": {"evil.example, shop.example:8443"}}, "203.0.113.7", "https", "shop.example:8443"},
		{"proto and host without X-Forwarded-For", "10.0.0.2:80", hdr{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"shop.example"}}, "10.0.0.2", "https", "shop.example"},
		{"a proto that is not http(s), a host that is not a host", "10.0.0.2:80", hdr{"X-Forwarded-For": {"203.0.113.7"},
			"X-Forwarded-Proto": {"gopher"}, "X-Forwarded-Host": {"evil.example/path"}}, "203.0.113.7", "http", ""},
		{"host with a space", "10.0.0.2:80", hdr{"X-Forwarded-Host": {"a b"}}, "10.0.0.2", "http", ""},
		{"host IPv6", "10.0.0.2:80", hdr{"X-Forwarded-Host": {"[2001:db8::1]:8443"}}, "10.0.0.2", "http", "[2001:db8::1]:8443"},
		{"Forwarded", "10.0.0.2:80", hdr{"Forwarded": {`for=192.0.2.60;proto=https;host=shop.example;by=10.0.0.2`}}, "192.0.2.60", "https", "shop.example"},
		{"Forwarded: the client's element", "10.0.0.2:80", hdr{"Forwarded": {`for=198.51.100.1;proto=http;host=a.example, For="192.0.2.60";Proto=https;Host=shop.example, for=10.0.0.3;proto=http;host=inner`}},
			"192.0.2.60", "https", "shop.example"},
		{"Forwarded across fields", "10.0.0.2:80", hdr{"Forwarded": {`for=192.0.2.60`, `for=10.0.0.3`}}, "192.0.2.60", "http", ""},
		{"Forwarded IPv6 quoted with a port", "10.0.0.2:80", hdr{"Forwarded": {`for="[2001:db8:cafe::17]:4711"`}}, "2001:db8:cafe::17", "http", ""},
		{"Forwarded IPv4 quoted with a port", "10.0.0.2:80", hdr{"Forwarded": {`for="192.0.2.43:47011"`}}, "192.0.2.43", "http", ""},
		{"Forwarded quoted pair", "10.0.0.2:80", hdr{"Forwarded": {`for="192.0.2.43";host="a\"b"`}}, "192.0.2.43", "http", ""},
		{"Forwarded unknown", "10.0.0.2:80", hdr{"Forwarded": {`for=unknown;proto=https`}}, Unknown, "https", ""},
		{"Forwarded obfuscated", "10.0.0.2:80", hdr{"Forwarded": {`for=_hidden`}}, Unknown, "http", ""},
		{"Forwarded without for", "10.0.0.2:80", hdr{"Forwarded": {`proto=https`}}, Unknown, "https", ""},
		{"Forwarded unterminated quote", "10.0.0.2:80", hdr{"Forwarded": {`for="192.0.2.1, for=203.0.113.7`}}, Unknown, "http", ""},
		{"Forwarded not pairs", "10.0.0.2:80", hdr{"Forwarded": {`192.0.2.1`}}, Unknown, "http", ""},
		{"Forwarded trailing comma", "10.0.0.2:80", hdr{"Forwarded": {`for=192.0.2.1,`}}, Unknown, "http", ""},
		{"Forwarded a name twice", "10.0.0.2:80", hdr{"Forwarded": {`for=192.0.2.1;for=203.0.113.7`}}, Unknown, "http", ""},
		{"Forwarded empty field", "10.0.0.2:80", hdr{"Forwarded": {` `}}, "10.0.0.2", "http", ""},
		{"X-Forwarded-For preferred to Forwarded", "10.0.0.2:80", hdr{"X-Forwarded-For": {"203.0.113.7"}, "Forwarded": {"for=192.0.2.1;proto=https"}},
			"203.0.113.7", "http", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "http://loket.test/", nil)
		r.RemoteAddr = tt.remote
		for k, vs := range tt.headers {
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
		r = withClient(r, trusted)
		host := tt.host
		if host == "" {
			host = "loket.test"
		}
		if ip, scheme, h := ClientIP(r), Scheme(r), Host(r); ip != tt.ip || scheme != tt.scheme || h != host {
			t.Errorf("%s: got %s %s %s, want %s %s %s", tt.name, ip, scheme, h, tt.ip, tt.scheme, host)
		}
	}
}

// With no proxy trusted (the default), and for a request no Mux resolved, the
// connection is the client, and its TLS the scheme.
func TestResolveDefaults(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "https://loket.test/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.TLS = &tls.ConnectionState{}
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	r.Header.Set("X-Forwarded-Proto", "http")
	for _, r := range []*http.Request{r, withClient(r, nil)} {
		if ClientIP(r) != "127.0.0.1" || Scheme(r) != "https" || Host(r) != "loket.test" {
			t.Errorf("got %s %s %s", ClientIP(r), Scheme(r), Host(r))
		}
	}
}

func TestBaseURL(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	r := httptest.NewRequest(http.MethodGet, "http://10.0.0.1:8080/docs", nil)
	r.RemoteAddr = "10.0.0.2:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-Host", "shop.example")
	r = withClient(r, trusted)
	for public, want := range map[string]string{
		"https://loket.example/":   "https://loket.example",
		"http://127.0.0.1:8080":    "http://127.0.0.1:8080",
		"http://0.0.0.0:8080":      "https://shop.example",
		"http://[::]:8080":         "https://shop.example",
		"":                         "https://shop.example",
		"loket.example":            "https://shop.example",
		"ftp://files.example/base": "https://shop.example",
	} {
		if got := BaseURL(r, public); got != want {
			t.Errorf("BaseURL(%q) = %q, want %q", public, got, want)
		}
	}
}

// TestMuxClient: the Mux resolves the client before any handler runs, with the
// proxies it trusts, and its logs name the client.
func TestMuxClient(t *testing.T) {
	var logs bytes.Buffer
	m := NewMux(slog.New(slog.NewTextHandler(&logs, nil)), metrics.NewRegistry(), "", nil)
	m.TrustProxies([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
	m.Handle("GET /who", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(ClientIP(r) + " " + Scheme(r) + " " + Host(r)))
	}))
	for _, tt := range []struct{ remote, want string }{
		{"127.0.0.1:5000", "203.0.113.7 https shop.example"},
		{"127.0.0.9:5000", "127.0.0.9 http loket.test"},
	} {
		r := httptest.NewRequest(http.MethodGet, "http://loket.test/who", nil)
		r.RemoteAddr = tt.remote
		r.Header.Set("X-Forwarded-For", "203.0.113.7")
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("X-Forwarded-Host", "shop.example")
		w := httptest.NewRecorder()
		m.ServeHTTP(w, r)
		if w.Body.String() != tt.want {
			t.Errorf("from %s: %q, want %q", tt.remote, w.Body, tt.want)
		}
	}
	for _, want := range []string{`msg="request refused" route="GET /who" status=403 client=203.0.113.7`,
		`msg="request refused" route="GET /who" status=403 client=127.0.0.9`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %s in the log:\n%s", want, logs.String())
		}
	}
}
