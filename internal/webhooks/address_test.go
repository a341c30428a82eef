package webhooks

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/loket/loket/internal/loket"
)

func TestBlocked(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		// IPv4: the standard library's classes.
		{"127.0.0.1", true},
		{"127.255.0.9", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"224.0.0.1", true},
		{"0.0.0.0", true},
		// IPv4: IANA special use.
		{"0.1.2.3", true},
		{"100.64.0.1", true},
		{"100.127.255.254", true},
		{"192.0.0.8", true},
		{"192.0.2.10", true},
		{"192.88.99.1", true},
		{"198.18.0.1", true},
		{"198.19.255.255", true},
		{"198.51.100.7", true},
		{"203.0.113.200", true},
		{"240.0.0.1", true},
		{"255.255.255.254", true},
		{"255.255.255.255", true},
		// IPv4: on the internet, including the neighbours of blocked ranges.
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"100.63.255.255", false},
		{"100.128.0.0", false},
		{"172.32.0.1", false},
		{"198.17.255.255", false},
		{"198.20.0.0", false},
		{"192.0.1.1", false},
		{"203.0.114.1", false},
		{"223.255.255.255", false},
		// IPv6: classes and special use.
		{"::1", true},
		{"::", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"fc00::1", true},
		{"fd12:3456:789a::1", true},
		{"ff02::1", true},
		{"fec0::1", true},     // site-local, deprecated
		{"100::1", true},      // discard-only
		{"2001:db8::1", true}, // documentation
		{"3fff::1", true},     // documentation
		{"2001::1", true},     // Teredo
		{"2001:2::1", true},   // benchmarking
		{"5f00::1", true},     // SRv6 SIDs: outside 2000::/3
		{"::7f00:1", true},    // IPv4-compatible, deprecated
		{"::ffff:0:7f00:1", true},
		{"64:ff9b:1::1", true}, // NAT64 for local use
		// IPv6 forms of an IPv4 address are judged by it.
		{"::ffff:127.0.0.1", true},
		{"::ffff:7f00:1", true},
		{"::ffff:10.0.0.1", true},
		{"::ffff:100.64.0.1", true},
		{"::ffff:8.8.8.8", false},
		{"64:ff9b::127.0.0.1", true},
		{"64:ff9b::a9fe:a9fe", true}, // 169.254.169.254
		{"64:ff9b::198.18.0.1", true},
		{"64:ff9b::8.8.8.8", false},
		{"2002:7f00:1::1", true},   // 6to4 of 127.0.0.1
		{"2002:c0a8:101::1", true}, // 6to4 of 192.168.1.1
		{"2002:808:808::1", false}, // 6to4 of 8.8.8.8
		// IPv6 on the internet.
		{"2606:4700:4700::1111", false},
		{"2a00:1450:4001::1", false},
		{"2001:4860:4860::8888", false},
	}
	for _, tt := range tests {
		ip := netip.MustParseAddr(tt.addr)
		if got := blocked(ip); got != tt.want {
			t.Errorf("blocked(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
	if !blocked(netip.Addr{}) {
		t.Error("the zero Addr is not blocked")
	}
}

func TestCheckURL(t *testing.T) {
	s := &Service{}
	tests := []struct {
		url  string
		want string // "" accepted; else part of the error
	}{
		{"https://reseller.example.com/hook", ""},
		{"http://8.8.8.8:8080/hook", ""},
		{"https://[2606:4700:4700::1111]/hook", ""},
		{"https://example.com./hook", ""},
		{"https://1.example.com/hook", ""}, // a number in the first label is a name
		{"https://0x.example.com/", ""},

		{"ftp://example.com/", "http or https"},
		{"https:///path", "http or https"},
		{"http://:80/", "http or https"},
		{"not a url", "http or https"},

		{"http://localhost/", "private"},
		{"http://LOCALHOST./", "private"},
		{"http://api.localhost/", "private"},
		{"http://printer.local/", "private"},
		{"http://127.0.0.1/", "private"},
		{"http://127.0.0.1./", "private"},
		{"http://10.0.0.1:9000/", "private"},
		{"http://100.64.0.1/", "private"},
		{"http://198.18.0.1/", "private"},
		{"http://198.19.1.1/", "private"},
		{"http://255.255.255.255/", "private"},
		{"http://240.0.0.1/", "private"},
		{"http://0.0.0.0/", "private"},
		{"http://169.254.169.254/latest/meta-data/", "private"},
		{"http://192.0.2.1/", "private"},
		{"http://[::1]/", "private"},
		{"http://[::ffff:127.0.0.1]/", "private"},
		{"http://[::ffff:7f00:1]/", "private"},
		{"http://[64:ff9b::7f00:1]/", "private"},
		{"http://[2002:7f00:1::1]/", "private"},
		{"http://[fd00::1]/", "private"},
		{"http://[fe80::1%25eth0]/", "private"},
		{"http://[2001:db8::1]/", "private"},
		{"http://%31%32%37.0.0.1/", "http or https"}, // percent-encoded 127.0.0.1: url.Parse refuses it

		// Numbers a resolver's inet_aton or a browser reads as IPv4, whatever they denote.
		{"http://2130706433/", "a number"},        // 127.0.0.1 as one decimal
		{"http://0x7f000001/", "a number"},        // as one hex
		{"http://0X7F000001/", "a number"},        // upper case
		{"http://017700000001/", "a number"},      // as one octal
		{"http://127.1/", "a number"},             // shortened dotted
		{"http://127.0.1/", "a number"},           // shortened dotted
		{"http://0177.0.0.1/", "a number"},        // octal part
		{"http://0x7f.0.0.1/", "a number"},        // hex part
		{"http://127.0.0.0x1/", "a number"},       // hex last part
		{"http://127.000.000.001/", "a number"},   // leading zeros
		{"http://2130706433./", "a number"},       // with the root's dot
		{"http://134744072/", "a number"},         // 8.8.8.8, refused all the same
		{"http://0/", "a number"},                 // 0.0.0.0
		{"http://1.2.3.4.5/", "a number"},         // not an address, not a name
		{"http://999.1.1.1/", "a number"},         // out of range
		{"http://evil.example.0x10/", "a number"}, // ends in a number
	}
	for _, tt := range tests {
		err := s.CheckURL(tt.url)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckURL(%q) = %v, want accepted", tt.url, err)
		case tt.want != "" && (err == nil || !strings.Contains(loket.ErrorMessage(err), tt.want)):
			t.Errorf("CheckURL(%q) = %v, want an error saying %q", tt.url, err, tt.want)
		case err != nil && loket.ErrorCode(err) != loket.EINVALID:
			t.Errorf("CheckURL(%q): code %s, want %s", tt.url, loket.ErrorCode(err), loket.EINVALID)
		}
	}
	allow := &Service{cfg: Config{AllowPrivate: true}}
	for _, u := range []string{"http://127.0.0.1:8080/", "http://localhost/", "http://2130706433/"} {
		if err := allow.CheckURL(u); err != nil {
			t.Errorf("with LOKET_ALLOW_PRIVATE_WEBHOOKS, CheckURL(%q) = %v", u, err)
		}
	}
}

// A delivery to a name that resolves to loopback is stopped when it dials, over a
// real connection attempt; allowed, the same delivery arrives.
func TestDialRefusesBlocked(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	targets := []string{"http://localhost:" + port + "/hook", "http://127.0.0.1:" + port + "/hook"}
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		ln.Close()
		srv6 := httptest.NewUnstartedServer(srv.Config.Handler)
		srv6.Listener, _ = net.Listen("tcp", "[::1]:0")
		srv6.Start()
		defer srv6.Close()
		targets = append(targets, srv6.URL+"/hook")
	}
	hook := func(u string) *loket.Webhook {
		return &loket.Webhook{URL: u, ContentType: "application/json", Event: "test", Body: `{}`}
	}
	guarded := &Service{}
	for _, u := range targets {
		if _, err := guarded.post(context.Background(), hook(u), "secret"); err == nil || !strings.Contains(err.Error(), "private or reserved") {
			t.Errorf("post %s: %v, want refused at dial", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests arrived", n)
	}
	open := &Service{cfg: Config{AllowPrivate: true}}
	for _, u := range targets {
		if code, err := open.post(context.Background(), hook(u), "secret"); err != nil || code != http.StatusOK {
			t.Errorf("allowed post %s: %d %v", u, code, err)
		}
	}
	if n := hits.Load(); int(n) != len(targets) {
		t.Errorf("%d requests arrived, want %d", n, len(targets))
	}
}

// Deliveries at once to one endpoint keep their connections: three bursts of 24 open
// about as many as the first needed (the client kept 4 and opened the rest again, a
// TLS handshake each with a reseller's endpoint).
func TestPostKeepsConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	s := &Service{cfg: Config{AllowPrivate: true}}
	const at = 24
	for range 3 {
		var wg sync.WaitGroup
		for range at {
			wg.Go(func() {
				w := &loket.Webhook{URL: srv.URL + "/hook", ContentType: "application/json", Event: "test", Body: `{}`}
				if code, err := s.post(context.Background(), w, "secret"); err != nil || code != http.StatusOK {
					t.Errorf("post: %d %v", code, err)
				}
			})
		}
		wg.Wait()
	}
	if n := conns.Load(); n > at+2 {
		t.Errorf("%d connections for 3 bursts of %d deliveries, want at most %d", n, at, at+2)
	}
}
