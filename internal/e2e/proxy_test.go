package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// TestReverseProxy runs Loket behind a real nginx and a real Caddy (Debian's packages;
// .ci/run installs them), each started from the example configuration in deploy/
// with a self-signed certificate, Loket trusting 127.0.0.1 (LOKET_TRUSTED_PROXIES).
// Clients connect from distinct loopback addresses (127.0.0.5, .6...), and through
// the proxy Loket must see each one: the IP allowlist, the per-address sign-in limit
// and the log go by the client, not the proxy; the dashboards' cookies are Secure (the
// client used https) and their Origin check takes the proxy's host. (The address a
// session records: internal/web's TestBehindProxy.)
// Forwarding headers a client writes itself, through the proxy or straight to Loket,
// change nothing.
func TestReverseProxy(t *testing.T) {
	cert := selfSigned(t)
	proxies := []struct {
		name  string
		start func(t *testing.T, bin, upstream string, c certFiles) string
	}{{"nginx", startNginx}, {"caddy", startCaddy}}
	loketest.Each(t, func(t *testing.T, engine string) {
		for _, p := range proxies {
			t.Run(p.name, func(t *testing.T) {
				bin := proxyBinary(t, p.name)
				logs, err := os.Create(filepath.Join(t.TempDir(), "loket.log"))
				if err != nil {
					t.Fatal(err)
				}
				defer logs.Close()
				s := loketest.StartLogged(t, engine, slog.New(slog.NewTextHandler(logs, nil)),
					"--trusted-proxies=127.0.0.1", "--signin-addr-failures=3", "--signin-failures=100")
				base := p.start(t, bin, strings.TrimPrefix(s.URL, "http://"), cert)
				checkBehindProxy(t, s, logs.Name(), base, cert.pool)
			})
		}
	})
}

func checkBehindProxy(t *testing.T, s *server.Server, logFile, base string, pool *x509.CertPool) {
	ctx := context.Background()
	spoofs := []string{"X-Forwarded-For", "127.0.0.5", "Forwarded", "for=127.0.0.5;proto=https", "X-Real-IP", "127.0.0.5"}

	// The API key's IP allowlist.
	allowed := loketest.NewReseller(t, s, 1000)
	if err := s.Core.Resellers.UpdateReseller(ctx, allowed.ID, loket.ResellerUpdate{IPAllow: &[]string{"127.0.0.5/32"}}); err != nil {
		t.Fatal(err)
	}
	me := func(addr, to string, header ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", to+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+allowed.Creds.APIKey)
		resp, body := roundTrip(t, clientFrom(addr, pool), req, header...)
		return resp.StatusCode, body
	}
	for _, c := range []struct {
		name, from, to string
		header         []string
		status         int
		says           string
	}{
		{"through the proxy from the allowed address", "127.0.0.5", base, nil, 200, allowed.Username},
		{"through the proxy from another", "127.0.0.6", base, nil, 403, "127.0.0.6"},
		{"through the proxy, claiming the allowed address", "127.0.0.6", base, spoofs, 403, "127.0.0.6"},
		{"straight to Loket, claiming the allowed address", "127.0.0.6", s.URL, spoofs, 403, "127.0.0.6"},
		{"straight to Loket from the allowed address", "127.0.0.5", s.URL, nil, 200, allowed.Username},
	} {
		if st, body := me(c.from, c.to, c.header...); st != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d %s, want %d saying %s", c.name, st, body, c.status, c.says)
		}
	}

	// The sign-in limit per address (3 here): one address's failures lock that address
	// only, not everyone behind the proxy.
	r := loketest.CreateReseller(t, s, loket.NewResellerInput{})
	if err := s.Core.Resellers.SetPassword(ctx, r.ID, "rahasia-r"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if st, _, _ := signIn(t, clientFrom("127.0.0.7", pool), base, base, fmt.Sprintf("nobody%d", i), "salah"); st != http.StatusUnauthorized {
			t.Fatalf("failure %d from 127.0.0.7: %d, want 401", i+1, st)
		}
	}
	if st, _, _ := signIn(t, clientFrom("127.0.0.7", pool), base, base, r.Username, "rahasia-r"); st != http.StatusTooManyRequests {
		t.Errorf("127.0.0.7 past its limit: %d, want 429", st)
	}
	st, _, cookies := signIn(t, clientFrom("127.0.0.8", pool), base, base, r.Username, "rahasia-r")
	if st != http.StatusSeeOther || cookies["loket_session"] == nil {
		t.Fatalf("127.0.0.8 through the proxy: %d, want 303 and a session", st)
	}
	// The client used https: the cookies are Secure (LOKET_PUBLIC_URL is http here).
	for _, name := range []string{"loket_login", "loket_session"} {
		if c := cookies[name]; c == nil || !c.Secure {
			t.Errorf("through the proxy, cookie %s: %+v, want Secure", name, c)
		}
	}
	// The Origin must be the proxy's host, as the browser saw it.
	for _, origin := range []string{s.URL, "https://evil.example"} {
		if st, _, _ := signIn(t, clientFrom("127.0.0.8", pool), base, origin, r.Username, "rahasia-r"); st != http.StatusForbidden {
			t.Errorf("through the proxy with Origin %s: %d, want 403", origin, st)
		}
	}
	// Straight to Loket, a client's claim of https and of the proxy's host is its own.
	claims := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", strings.TrimPrefix(base, "https://"), "X-Forwarded-For", "127.0.0.8"}
	if st, _, _ := signIn(t, clientFrom("127.0.0.9", pool), s.URL, base, r.Username, "rahasia-r", claims...); st != http.StatusForbidden {
		t.Errorf("straight to Loket with the proxy's Origin: %d, want 403", st)
	}
	st, _, cookies = signIn(t, clientFrom("127.0.0.9", pool), s.URL, s.URL, r.Username, "rahasia-r", claims...)
	if c := cookies["loket_session"]; st != http.StatusSeeOther || c == nil || c.Secure {
		t.Errorf("straight to Loket over http: %d, session cookie %+v; want 303, not Secure", st, c)
	}

	// The log names each client turned away, never the proxy.
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, want := range []string{`route="GET /v1/me" status=403 client=127.0.0.6`, `route="POST /login" status=401 client=127.0.0.7`,
		`route="POST /login" status=429 client=127.0.0.7`, `route="POST /login" status=403 client=127.0.0.8`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	if regexp.MustCompile(`request refused.* client=127\.0\.0\.1\n`).MatchString(out) {
		t.Errorf("the log names the proxy as a client:\n%s", out)
	}
}

// clientFrom is an HTTP client whose connections come from the loopback address addr,
// trusting pool's certificates, and following no redirect.
func clientFrom(addr string, pool *x509.CertPool) *http.Client {
	tr := loketest.From(addr)
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return &http.Client{Transport: tr, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// roundTrip sends req with the header given as name, value pairs and returns the
// answer and its body.
func roundTrip(t *testing.T, c *http.Client, req *http.Request, header ...string) (*http.Response, string) {
	t.Helper()
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// signIn signs a reseller in on the dashboard at base as a browser does: it loads the
// form, then posts it with the form's token and cookie and the Origin origin, with the
// header given as name, value pairs on both requests. It returns the post's status and
// page, and the cookies both answers set, by name.
func signIn(t *testing.T, c *http.Client, base, origin, user, password string, header ...string) (int, string, map[string]*http.Cookie) {
	t.Helper()
	cookies := map[string]*http.Cookie{}
	keep := func(resp *http.Response) {
		for _, k := range resp.Cookies() {
			if k.Value != "" {
				cookies[k.Name] = k
			}
		}
	}
	req, _ := http.NewRequest("GET", base+"/login", nil)
	resp, page := roundTrip(t, c, req, header...)
	keep(resp)
	m := csrfField.FindStringSubmatch(page)
	if m == nil || cookies["loket_login"] == nil {
		t.Fatalf("GET %s/login: %s, no sign-in form:\n%.1000s", base, resp.Status, page)
	}
	form := url.Values{"csrf": {m[1]}, "as": {loket.SessionReseller}, "username": {user}, "password": {password}}
	req, _ = http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.AddCookie(&http.Cookie{Name: "loket_login", Value: cookies["loket_login"].Value})
	resp, page = roundTrip(t, c, req, header...)
	keep(resp)
	return resp.StatusCode, page, cookies
}

// certFiles is a self-signed certificate for 127.0.0.1: its files, and a pool that
// trusts it.
type certFiles struct {
	cert, key string
	pool      *x509.CertPool
}

func selfSigned(t *testing.T) certFiles {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := certFiles{cert: filepath.Join(dir, "cert.pem"), key: filepath.Join(dir, "key.pem"), pool: x509.NewCertPool()}
	writeFile(t, c.cert, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, c.key, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
	leaf, _ := x509.ParseCertificate(der)
	c.pool.AddCert(leaf)
	return c
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// proxyBinary finds nginx or caddy (Debian keeps nginx in /usr/sbin, which a user's
// PATH may lack), or skips the test.
func proxyBinary(t *testing.T, name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	t.Skipf("%s is not installed (apt-get install %s; .ci/run installs it): the test behind %[1]s is skipped", name, name)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// example is the example configuration deploy/<name> with each pair of subs (old,
// new) replaced: every old must be there, so that what the test runs is the example.
func example(t *testing.T, name string, subs ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(subs); i += 2 {
		if !strings.Contains(s, subs[i]) {
			t.Fatalf("deploy/%s no longer has %q: change the test with the example", name, subs[i])
		}
		s = strings.ReplaceAll(s, subs[i], subs[i+1])
	}
	return s
}

// freePort is a port nothing listens on now, for a proxy to take.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// startNginx runs deploy/nginx/loket.conf on free ports of 127.0.0.1, in front of
// upstream, and returns its https URL.
func startNginx(t *testing.T, bin, upstream string, c certFiles) string {
	dir := t.TempDir()
	port, httpPort := freePort(t), freePort(t)
	writeFile(t, filepath.Join(dir, "loket.conf"), example(t, "nginx/loket.conf",
		"listen 80;", "listen 127.0.0.1:"+httpPort+";", "listen [::]:80;", "",
		"listen 443 ssl http2;", "listen 127.0.0.1:"+port+" ssl http2;", "listen [::]:443 ssl http2;", "",
		"/etc/letsencrypt/live/loket.example.com/fullchain.pem", c.cert,
		"/etc/letsencrypt/live/loket.example.com/privkey.pem", c.key,
		"http://127.0.0.1:8080", "http://"+upstream))
	// What the package's /etc/nginx/nginx.conf holds around the sites, in the test's
	// directory: one process in the foreground.
	writeFile(t, filepath.Join(dir, "nginx.conf"), fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 128; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/loket.conf;
}
`, dir))
	run(t, exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", filepath.Join(dir, "nginx.conf")),
		"127.0.0.1:"+port, filepath.Join(dir, "error.log"))
	return "https://127.0.0.1:" + port
}

// startCaddy runs deploy/caddy/Caddyfile on a free port of 127.0.0.1, with the test's
// certificate in place of one from an ACME CA, in front of upstream, and returns its
// https URL.
func startCaddy(t *testing.T, bin, upstream string, c certFiles) string {
	dir := t.TempDir()
	port := freePort(t)
	site := example(t, "caddy/Caddyfile",
		"loket.example.com {", "https://127.0.0.1:"+port+" {\n\ttls "+c.cert+" "+c.key,
		"reverse_proxy 127.0.0.1:8080", "reverse_proxy "+upstream)
	// Global options: no admin endpoint, no port 80, state in the test's directory.
	global := "{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system " + filepath.Join(dir, "data") + "\n}\n\n"
	file := filepath.Join(dir, "Caddyfile")
	writeFile(t, file, global+site)
	cmd := exec.Command(bin, "run", "--config", file, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	run(t, cmd, "127.0.0.1:"+port, "")
	return "https://127.0.0.1:" + port
}

// run starts a proxy, waits until it accepts connections at addr and stops it when
// the test ends. If it exits first, the test fails with its output and logFile.
func run(t *testing.T, cmd *exec.Cmd, addr, logFile string) {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	said := func() string {
		b, _ := os.ReadFile(out.Name())
		if logFile != "" {
			l, _ := os.ReadFile(logFile)
			b = append(b, l...)
		}
		return string(b)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	exited := make(chan struct{})
	var werr error
	go func() { werr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; {
		select {
		case <-exited:
			t.Fatalf("%s exited: %v\n%s", cmd.Path, werr, said())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen at %s:\n%s", cmd.Path, addr, said())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
