package server

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/loket/loket/internal/config"
)

// HealthURL is where this node's /healthz answers (LocalURL).
func HealthURL(cfg *config.Config) string { return LocalURL(cfg) + "/healthz" }

// LocalURL is the base URL a program beside this node reaches it at, from LOKET_ADDR:
// an address to listen on on every interface (":8080", "0.0.0.0:8080") is asked on
// loopback.
func LocalURL(cfg *config.Config) string {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return cfg.Scheme() + "://" + cfg.Addr
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return cfg.Scheme() + "://" + net.JoinHostPort(host, port)
}

// CheckHealth asks url (HealthURL when "") and returns nil when it answers 200 within
// timeout, else why not, in one line. With LOKET_TLS_CERT set it accepts exactly the
// first certificate of that file, as `loket health` runs beside the server it checks
// and the certificate's names rarely include the loopback address.
func CheckHealth(ctx context.Context, cfg *config.Config, url string, timeout time.Duration) error {
	if url == "" {
		url = HealthURL(cfg)
	}
	client := &http.Client{Timeout: timeout}
	if cfg.TLSCert != "" {
		der, err := firstCert(cfg.TLSCert)
		if err != nil {
			return err
		}
		client = pinnedClient(func() []byte { return der }, timeout)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("bad URL %q: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue interface{ Timeout() bool }
		if errors.As(err, &ue) && ue.Timeout() {
			return fmt.Errorf("%s: no answer within %s", url, timeout)
		}
		return fmt.Errorf("%s: %v", url, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", url, resp.Status, strings.Join(strings.Fields(string(body)), " "))
	}
	return nil
}

// firstCert is the DER of the first certificate in a PEM file: the server's own.
func firstCert(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("LOKET_TLS_CERT: %w", err)
	}
	for {
		var b *pem.Block
		if b, raw = pem.Decode(raw); b == nil {
			return nil, fmt.Errorf("LOKET_TLS_CERT %s: no certificate in it", path)
		}
		if b.Type == "CERTIFICATE" {
			if _, err := x509.ParseCertificate(b.Bytes); err != nil {
				return nil, fmt.Errorf("LOKET_TLS_CERT %s: %w", path, err)
			}
			return b.Bytes, nil
		}
	}
}
