package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store/storetest"
)

// testCA signs the tests' server certificates, as a real CA signs each renewal; the
// tests' clients trust it alone.
var testCA = sync.OnceValues(func() (*x509.Certificate, *ecdsa.PrivateKey) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Loket test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return ca, key
})

// newPair makes a certificate named cn for hosts (IP addresses or names; none: 127.0.0.1
// and localhost), valid until notAfter, and returns it and its key as PEM.
func newPair(t testing.TB, cn string, notAfter time.Time, hosts ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1", "localhost"}
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	ca, caKey := testCA()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})
}

// replace puts data at path by a rename, as certbot's deploy hooks and install(1) do.
func replace(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path+".new", data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// writeCert replaces dir/cert.pem and dir/key.pem with a new pair named cn, key first.
func writeCert(t testing.TB, dir, cn string) (certPath, keyPath string) {
	t.Helper()
	c, k := newPair(t, cn, time.Now().Add(24*time.Hour))
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	replace(t, keyPath, k)
	replace(t, certPath, c)
	return certPath, keyPath
}

// served is what one HTTPS request over a new connection saw.
type served struct {
	cn, proto, body string
	status          int
}

// fetch GETs url over a new connection, as a client trusting testCA, with HTTP/2 if
// the server offers it.
func fetch(t testing.TB, url string) served {
	t.Helper()
	ca, _ := testCA()
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return served{cn: resp.TLS.PeerCertificates[0].Subject.CommonName, proto: resp.Proto, body: string(b), status: resp.StatusCode}
}

// fileLog is a logger the handshakes write to, and what it has written so far.
func fileLog(t *testing.T) (*slog.Logger, func() string) {
	path := filepath.Join(t.TempDir(), "log")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	return slog.New(slog.NewTextHandler(fh, nil)), func() string {
		b, _ := os.ReadFile(path)
		return string(b)
	}
}

// eventually retries cond, each try a new connection, until it holds or 5s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 5s: %s", what)
		}
	}
}

// serveTLS serves "ok" over TLS with f's certificate on a real listener, until the
// test ends, and returns its URL.
func serveTLS(t *testing.T, f *certFiles) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
		TLSConfig: f.config(), ErrorLog: log.New(io.Discard, "", 0)}
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() { hs.Close() })
	return "https://" + ln.Addr().String() + "/"
}

// Renewed files are served to new connections without a restart, whether they are
// renamed into place or written over; a pair that does not load keeps the old one
// served, says why in the log, and is taken once it is whole.
func TestCertFilesReload(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := writeCert(t, dir, "one")
	logger, logs := fileLog(t)
	f, err := loadCertFiles(certPath, keyPath, logger)
	if err != nil {
		t.Fatal(err)
	}
	f.every = 10 * time.Millisecond
	url := serveTLS(t, f)
	if got := fetch(t, url); got.cn != "one" || got.proto != "HTTP/2.0" || got.body != "ok" {
		t.Fatalf("first: %+v, want one over HTTP/2.0", got)
	}

	writeCert(t, dir, "two")
	eventually(t, "new connections get the renamed pair", func() bool { return fetch(t, url).cn == "two" })

	// The certificate of "three" arrives before its key: the pair does not match.
	c3, k3 := newPair(t, "three", time.Now().Add(24*time.Hour))
	replace(t, certPath, c3)
	eventually(t, "the mismatch is logged", func() bool {
		return fetch(t, url).cn == "two" && strings.Contains(logs(), "private key does not match public key")
	})
	// Then a certificate half written in place: another reason, logged too.
	if err := os.WriteFile(certPath, c3[:len(c3)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the half-written certificate is logged", func() bool {
		return fetch(t, url).cn == "two" && strings.Contains(logs(), "failed to find any PEM data in certificate input")
	})
	for range 5 {
		if got := fetch(t, url).cn; got != "two" {
			t.Fatalf("while the files are broken, served %q, want the old two", got)
		}
	}
	if n := strings.Count(logs(), "not reloaded"); n != 2 {
		t.Errorf("%d warnings, want one per reason:\n%s", n, logs())
	}

	// Written over in place, key then certificate: taken once both are there.
	if err := os.WriteFile(keyPath, k3, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, c3, 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, "new connections get the pair written in place", func() bool { return fetch(t, url).cn == "three" })
	if !strings.Contains(logs(), "CN=three") {
		t.Errorf("the log does not name the new certificate:\n%s", logs())
	}

	// TLS 1.2 at least.
	ca, _ := testCA()
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	conn, err := tls.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "https://"), "/"), &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS11})
	if err == nil {
		conn.Close()
		t.Error("a TLS 1.1 client was served")
	}
}

// reload (SIGHUP) reads the files now, without waiting for a check; a pair that does
// not load, or has expired, is refused with why, and the old one is still served. At
// start an expired certificate is served, with a warning.
func TestCertFilesReloadNow(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	c, k := newPair(t, "expired", time.Now().Add(-time.Minute))
	replace(t, certPath, c)
	replace(t, keyPath, k)
	logger, logs := fileLog(t)
	f, err := loadCertFiles(certPath, keyPath, logger)
	if err != nil || f.cur.Load().Leaf.Subject.CommonName != "expired" || !strings.Contains(logs(), "level=WARN msg=\"TLS certificate loaded, but it has expired\"") {
		t.Fatalf("an expired certificate at start: %v\n%s", err, logs())
	}
	writeCert(t, dir, "one")
	if err := f.reload(); err != nil {
		t.Fatal(err)
	}
	f.every = time.Hour
	url := serveTLS(t, f)
	fetch(t, url) // the first handshake's check
	writeCert(t, dir, "two")
	if got := fetch(t, url).cn; got != "one" {
		t.Fatalf("before the next check: %q, want one", got)
	}
	if err := f.reload(); err != nil {
		t.Fatal(err)
	}
	if got := fetch(t, url).cn; got != "two" {
		t.Fatalf("after reload: %q, want two", got)
	}
	if err := os.WriteFile(keyPath, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.reload(); err == nil || !strings.Contains(err.Error(), "LOKET_TLS_KEY") {
		t.Errorf("reload of a broken key: %v", err)
	}
	if got := fetch(t, url).cn; got != "two" {
		t.Fatalf("after a failed reload: %q, want two", got)
	}
	c, k = newPair(t, "expired", time.Now().Add(-time.Minute))
	replace(t, keyPath, k)
	replace(t, certPath, c)
	if err := f.reload(); err == nil || !strings.Contains(err.Error(), "expired at") {
		t.Errorf("reload of an expired pair: %v", err)
	}
	if got := fetch(t, url).cn; got != "two" {
		t.Fatalf("after an expired pair: %q, want two", got)
	}
}

// startTLS starts a server with flags on a fresh SQLite database, with the
// certificate of dir, until the test ends.
func startTLS(t *testing.T, demo bool, flags ...string) *Server {
	t.Helper()
	cfg, _, err := config.Load("loket", append([]string{"--addr=127.0.0.1:0", "--database-url=" + storetest.URL(t, "sqlite"),
		"--tron-api-url=off", "--allow-private-webhooks=1"}, flags...))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Demo = demo
	s, err := Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

// loket serve with LOKET_TLS_CERT: the API and the metrics listener speak HTTPS (and
// HTTP/2), the public URL is https, the certificate's expiry is a metric, and
// ReloadTLS serves a renewal at once.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := writeCert(t, dir, "one")
	s := startTLS(t, false, "--tls-cert="+certPath, "--tls-key="+keyPath, "--metrics-addr=127.0.0.1:0")
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") || s.Config.PublicURL != s.URL || !strings.HasPrefix(s.MetricsURL, "https://") {
		t.Fatalf("URL %q, public URL %q, metrics %q", s.URL, s.Config.PublicURL, s.MetricsURL)
	}
	if got := fetch(t, s.URL+"/healthz"); got.status != 200 || got.cn != "one" || got.proto != "HTTP/2.0" {
		t.Errorf("/healthz: %+v", got)
	}
	m := fetch(t, s.MetricsURL)
	if m.status != 200 || m.cn != "one" || !strings.Contains(m.body, "\nloket_tls_cert_expiry_time_seconds ") {
		t.Errorf("metrics: %d %q %.300s", m.status, m.cn, m.body)
	}
	// Plain HTTP on the TLS port is told so, not served.
	resp, err := http.Get("http://" + strings.TrimPrefix(s.URL, "https://") + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain HTTP: %d, want 400", resp.StatusCode)
	}
	writeCert(t, dir, "two")
	if err := s.ReloadTLS(); err != nil {
		t.Fatal(err)
	}
	if got := fetch(t, s.URL+"/healthz"); got.cn != "two" {
		t.Errorf("after ReloadTLS: %q", got.cn)
	}
	if got := fetch(t, s.MetricsURL); got.cn != "two" {
		t.Errorf("metrics after ReloadTLS: %q", got.cn)
	}
}

// The demo over TLS polls its simulated payment source and chain through its own
// HTTPS listener, whose certificate is not issued for the loopback address it dials.
func TestDemoOverTLS(t *testing.T) {
	dir := t.TempDir()
	c, k := newPair(t, "loket.example.com", time.Now().Add(24*time.Hour), "loket.example.com")
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	replace(t, certPath, c)
	replace(t, keyPath, k)
	s := startTLS(t, true, "--tls-cert="+certPath, "--tls-key="+keyPath)
	ctx := context.Background()
	if err := s.Core.Deposits.SetUSDT(ctx, loket.USDTConfig{Address: "TKrZTLhTuSJ9AafJJyNuWPHbWnoDPbth77", Rate: 16250}); err != nil {
		t.Fatal(err)
	}
	ca, _ := testCA()
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "loket.example.com"}}}
	for path, body := range map[string]string{SimPath + "/pay": `{"amount":777,"brand_name":"DANA"}`, TronSimPath + "/send": `{"amount":"1.5"}`} {
		resp, err := client.Post(s.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	eventually(t, "both payments seen", func() bool {
		ps, err := s.DB.Payments(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		methods := map[string]bool{}
		for _, p := range ps {
			methods[p.Method] = true
		}
		return methods[loket.MethodQRIS] && methods[loket.MethodUSDT]
	})
}

// A certificate or key that is missing, unreadable, not PEM or not of the other is
// refused at start, before the database is opened, with one line saying which.
func TestServeTLSRefused(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := writeCert(t, dir, "one")
	otherCert, _ := writeCert(t, t.TempDir(), "other")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("-----BEGIN NOTHING-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cert, key, want string
	}{
		{filepath.Join(dir, "none.pem"), keyPath, "LOKET_TLS_CERT: open " + dir + "/none.pem: no such file or directory"},
		{certPath, filepath.Join(dir, "none.pem"), "LOKET_TLS_KEY: open " + dir + "/none.pem: no such file or directory"},
		{dir, keyPath, "LOKET_TLS_CERT: read " + dir + ": is a directory"},
		{otherCert, keyPath, "private key does not match public key"},
		{keyPath, certPath, "LOKET_TLS_CERT " + keyPath + " and LOKET_TLS_KEY " + certPath + ": tls: failed to find"},
		{garbage, keyPath, "failed to find any PEM data in certificate input"},
	} {
		cfg, _, err := config.Load("loket", []string{"--addr=127.0.0.1:0", "--tls-cert=" + tc.cert, "--tls-key=" + tc.key,
			"--database-url=sqlite:" + filepath.Join(dir, "never.db")})
		if err != nil {
			t.Fatal(err)
		}
		s, err := Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil)
		if err == nil {
			s.Close(context.Background())
			t.Errorf("%s and %s: started", tc.cert, tc.key)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s and %s: %q, want one line with %q", tc.cert, tc.key, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "never.db")); !os.IsNotExist(err) {
		t.Errorf("the database was opened: %v", err)
	}
	if os.Geteuid() != 0 { // root reads whatever the mode says
		if err := os.Chmod(keyPath, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := loadCertFiles(certPath, keyPath, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("unreadable key: %v", err)
		}
	}
}
