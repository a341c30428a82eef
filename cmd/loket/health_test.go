package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loketest"
)

// selfSigned writes a self-signed certificate for the name cn (not the loopback
// address the health check connects to) and its key into dir.
func selfSigned(t *testing.T, dir, cn string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn}, DNSNames: []string{cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, cn+".pem"), filepath.Join(dir, cn+".key")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// TestHealth runs `loket health` against real servers, over HTTP and over TLS with a
// certificate whose name is not the address asked, and against failing ones.
func TestHealth(t *testing.T) {
	health := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(append([]string{"health"}, args...), &out)
		return out.String(), err
	}
	plain := loketest.Start(t, "sqlite")
	addr := strings.TrimPrefix(plain.URL, "http://")
	if out, err := health("--addr=" + addr); err != nil || out != "ok\n" {
		t.Fatalf("plain: %q, %v", out, err)
	}
	// An address to listen on everywhere is asked on loopback.
	port := addr[strings.LastIndex(addr, ":"):]
	if out, err := health("--addr=" + port); err != nil || out != "ok\n" {
		t.Fatalf("--addr=%s: %q, %v", port, out, err)
	}
	if _, err := health("--url=" + plain.URL + "/healthz"); err != nil {
		t.Fatalf("--url: %v", err)
	}

	dir := t.TempDir()
	cert, key := selfSigned(t, dir, "loket.example")
	tlsSrv := loketest.Start(t, "sqlite", "--tls-cert="+cert, "--tls-key="+key)
	tlsAddr := strings.TrimPrefix(tlsSrv.URL, "https://")
	if out, err := health("--addr="+tlsAddr, "--tls-cert="+cert, "--tls-key="+key); err != nil || out != "ok\n" {
		t.Fatalf("tls: %q, %v", out, err)
	}
	// Another certificate than the one served: refused.
	other, otherKey := selfSigned(t, dir, "other.example")
	if _, err := health("--addr="+tlsAddr, "--tls-cert="+other, "--tls-key="+otherKey); err == nil || !strings.Contains(err.Error(), "not the certificate") {
		t.Fatalf("other certificate: %v", err)
	}

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"status":"database down"}`, http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer slow.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--url=" + failing.URL + "/healthz"}, "503 Service Unavailable: {\"status\":\"database down\"}"},
		{[]string{"--url=" + slow.URL + "/healthz", "--timeout=200ms"}, "no answer within 200ms"},
		{[]string{"--url=" + closed.URL + "/healthz"}, "connection refused"},
		{[]string{"--addr=" + tlsAddr}, "answered 400"}, // plain HTTP to a TLS listener
	} {
		_, err := health(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "health: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want one line with %q", c.args, err, c.want)
		}
	}
}
