package httpx

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/loket/loket/internal/metrics"
)

// Mux is the one http.ServeMux of a Loket, where every surface mounts its handlers
// with the common middleware: the client resolved (ClientIP), panic recovery, latency
// metrics and logs.
type Mux struct {
	mux         *http.ServeMux
	log         *slog.Logger
	publicURL   string
	proxies     []netip.Prefix
	httpSeconds *metrics.HistogramVec
	panicked    http.HandlerFunc
	patterns    []string
}

// NewMux makes a mux that records each route's latency in reg and logs to log.
// publicURL is where clients reach this Loket, for the absolute links surfaces write.
// panicked answers a request whose handler panicked before writing anything; nil
// answers a plain 500.
func NewMux(log *slog.Logger, reg *metrics.Registry, publicURL string, panicked http.HandlerFunc) *Mux {
	if panicked == nil {
		panicked = func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}
	return &Mux{mux: http.NewServeMux(), log: log, publicURL: strings.TrimRight(publicURL, "/"), panicked: panicked,
		httpSeconds: reg.Histogram("loket_http_request_seconds", "HTTP request latency by route and status.",
			metrics.DefBuckets, "route", "code")}
}

// TrustProxies sets the addresses of the reverse proxies (LOKET_TRUSTED_PROXIES) whose
// forwarding headers name the client; none by default. Call it before serving.
func (m *Mux) TrustProxies(proxies []netip.Prefix) { m.proxies = slices.Clone(proxies) }

// Log is the logger of the surfaces mounted here.
func (m *Mux) Log() *slog.Logger { return m.log }

// PublicURL is where clients reach this Loket (LOKET_PUBLIC_URL), without a trailing
// slash: the base of every absolute link a surface writes.
func (m *Mux) PublicURL() string { return m.publicURL }

// Handle mounts a handler with the common middleware: panic recovery, metrics, logs.
// Requests reach it through ServeHTTP, with their client resolved.
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.mux.Handle(pattern, m.wrap(pattern, h))
	m.patterns = append(m.patterns, pattern)
}

// Patterns lists every pattern mounted, in the order mounted: every route of every
// surface (tests walk them all).
func (m *Mux) Patterns() []string { return slices.Clone(m.patterns) }

// Handler returns the handler that would serve r and its pattern ("" if none).
func (m *Mux) Handler(r *http.Request) (h http.Handler, pattern string) { return m.mux.Handler(r) }

// ServeHTTP resolves the request's client once (ClientIP, Scheme, Host) and serves
// every mounted route.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mux.ServeHTTP(w, withClient(r, m.proxies))
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return w.ResponseWriter.Write(b)
}

func (m *Mux) wrap(pattern string, h http.Handler) http.Handler {
	label := pattern
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				m.log.Error("handler panicked", "route", label, "client", ClientIP(r), "panic", fmt.Sprint(p))
				if sw.code == 0 {
					m.panicked(sw, r)
				}
			}
			code := sw.code
			if code == 0 {
				code = 200
			}
			m.httpSeconds.With(label, fmt.Sprint(code)).ObserveSince(start)
			switch {
			case code >= 500:
				m.log.Warn("request failed", "route", label, "status", code, "client", ClientIP(r), "duration", time.Since(start))
			case code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusTooManyRequests:
				// Who was turned away (a wrong key or password, an address not
				// allowed, a limit reached), for the operator and tools like fail2ban.
				m.log.Info("request refused", "route", label, "status", code, "client", ClientIP(r))
			}
		}()
		h.ServeHTTP(sw, r)
	})
}
