package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loket/loket/internal/metrics"
)

// certCheckEvery is how often, at most, a handshake looks whether the certificate's
// files changed: two stats, so renewals are served within seconds at no cost.
const certCheckEvery = 5 * time.Second

// certFiles is the certificate the listeners serve (LOKET_TLS_CERT, LOKET_TLS_KEY),
// kept up to date with its files without a restart. A renewal (certbot's deploy hook,
// or by hand) replaces them; a handshake, at most every certCheckEvery, compares the
// files' identity, size and modification time with those of the pair in use and, if
// either changed, reads the pair again and swaps it in at once. A pair that does not
// load (half copied, a key of another certificate, expired) leaves the old one served, is
// logged with why (once per reason) and is tried again at the next check, so a pair
// whose two files are replaced one after the other is taken once both are there.
type certFiles struct {
	certPath, keyPath string
	every             time.Duration
	log               *slog.Logger

	cur  atomic.Pointer[tls.Certificate]
	next atomic.Int64 // unix nanoseconds of the next check

	mu                sync.Mutex  // one check at a time; guards the fields below
	certStat, keyStat os.FileInfo // of the files cur was read from
	failed            string      // the reason last logged, so it is logged once
}

// loadCertFiles reads the pair, refusing with a one-line reason (naming the setting)
// files that are missing, unreadable, not PEM, or a key that is not the certificate's.
func loadCertFiles(certPath, keyPath string, log *slog.Logger) (*certFiles, error) {
	f := &certFiles{certPath: certPath, keyPath: keyPath, every: certCheckEvery, log: log}
	if err := f.check(true); err != nil {
		return nil, err
	}
	return f, nil
}

// config is the listeners' TLS: 1.2 at least, Go's default cipher suites and key
// exchanges (all forward secret), the certificate of the files. http.Server.ServeTLS
// adds h2 to what it offers, so HTTP/2 is kept.
func (f *certFiles) config() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: f.getCertificate}
}

func (f *certFiles) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	// A handshake that finds a check under way does not wait for it: it gets the
	// certificate in use, as it would have a moment earlier.
	if now := time.Now().UnixNano(); now >= f.next.Load() && f.mu.TryLock() {
		if now >= f.next.Load() {
			f.next.Store(now + int64(f.every))
			f.checkLocked(false)
		}
		f.mu.Unlock()
	}
	return f.cur.Load(), nil
}

// reload reads the pair now, changed or not (SIGHUP); a pair that does not load
// leaves the old one served and is returned (and logged).
func (f *certFiles) reload() error { return f.check(true) }

func (f *certFiles) check(force bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checkLocked(force)
}

func (f *certFiles) checkLocked(force bool) error {
	if !force && f.cur.Load() != nil && unchanged(f.certPath, f.certStat) && unchanged(f.keyPath, f.keyStat) {
		return nil
	}
	old := f.cur.Load()
	cert, cs, ks, err := f.read()
	if err == nil && old != nil && time.Now().After(cert.Leaf.NotAfter) {
		err = fmt.Errorf("LOKET_TLS_CERT %s: expired at %s", f.certPath, cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if err != nil {
		if old != nil && (force || err.Error() != f.failed) {
			f.failed = err.Error()
			f.log.Warn("TLS certificate not reloaded; still serving the old one", "err", err, "not_after", old.Leaf.NotAfter)
		}
		return err
	}
	f.cur.Store(cert)
	f.certStat, f.keyStat, f.failed = cs, ks, ""
	level, msg := slog.LevelInfo, "TLS certificate loaded"
	if time.Now().After(cert.Leaf.NotAfter) {
		// At start, served all the same (a replacement is refused above): refusing to
		// start would take the whole service down over a renewal that failed, and
		// clients that check will refuse it anyway.
		level, msg = slog.LevelWarn, "TLS certificate loaded, but it has expired"
	}
	f.log.Log(context.Background(), level, msg, "file", f.certPath, "subject", cert.Leaf.Subject.String(),
		"names", cert.Leaf.DNSNames, "not_after", cert.Leaf.NotAfter)
	return nil
}

// read loads the pair and what the files were when read.
func (f *certFiles) read() (*tls.Certificate, os.FileInfo, os.FileInfo, error) {
	certPEM, cs, err := readFile(f.certPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("LOKET_TLS_CERT: %w", err)
	}
	keyPEM, ks, err := readFile(f.keyPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("LOKET_TLS_KEY: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("LOKET_TLS_CERT %s and LOKET_TLS_KEY %s: %w", f.certPath, f.keyPath, err)
	}
	if cert.Leaf == nil { // X509KeyPair parses it, unless GODEBUG x509keypairleaf=0
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, nil, nil, fmt.Errorf("LOKET_TLS_CERT: %w", err)
		}
	}
	return &cert, cs, ks, nil
}

// readFile reads path, and stats the file it read (a symbolic link's target, as
// certbot's live/ names are).
func readFile(path string) ([]byte, os.FileInfo, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(fh)
	return b, st, err
}

// unchanged reports whether path is still the file was: the same file (a renamed or
// relinked replacement is not), of the same size and modification time.
func unchanged(path string, was os.FileInfo) bool {
	st, err := os.Stat(path)
	return err == nil && was != nil && os.SameFile(st, was) && st.Size() == was.Size() && st.ModTime().Equal(was.ModTime())
}

// registerMetrics adds when the served certificate expires, for an alert before it does.
func (f *certFiles) registerMetrics(reg *metrics.Registry) {
	reg.GaugeFunc("loket_tls_cert_expiry_time_seconds", "Unix time the certificate served over TLS expires (its NotAfter).", nil, func() []metrics.Sample {
		return []metrics.Sample{{Value: float64(f.cur.Load().Leaf.NotAfter.Unix())}}
	})
}

// selfClient is an HTTP client to this server's own listener, which the demo polls
// its simulators through. The certificate's names cannot match the loopback address
// it connects to, and a self-signed one has no chain to check, so instead of both the
// client accepts exactly the certificate served.
func (f *certFiles) selfClient(timeout time.Duration) *http.Client {
	return pinnedClient(func() []byte { return f.cur.Load().Certificate[0] }, timeout)
}

// pinnedClient is an HTTP client that, over TLS, accepts exactly the certificate
// served() returns (DER), whatever names it carries and whoever signed it.
func pinnedClient(served func() []byte, timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{
		InsecureSkipVerify: true, // replaced by VerifyConnection's exact match
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, served()) {
				return errors.New("not the certificate this server serves")
			}
			return nil
		},
	}
	return &http.Client{Timeout: timeout, Transport: t}
}
