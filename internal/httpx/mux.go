package httpx

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/loket/loket/internal/metrics"
)

// Mux is the one http.ServeMux of a Loket, where every surface mounts its handlers
// with the common middleware: panic recovery, latency metrics and logs.
type Mux struct {
	mux         *http.ServeMux
	log         *slog.Logger
	publicURL   string
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

// Log is the logger of the surfaces mounted here.
func (m *Mux) Log() *slog.Logger { return m.log }

// PublicURL is where clients reach this Loket (LOKET_PUBLIC_URL), without a trailing
// slash: the base of every absolute link a surface writes.
func (m *Mux) PublicURL() string { return m.publicURL }

// Handle mounts a handler with the common middleware: panic recovery, metrics, logs.
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.mux.Handle(pattern, m.wrap(pattern, h))
	m.patterns = append(m.patterns, pattern)
}

// Patterns lists every pattern mounted, in the order mounted: every route of every
// surface (tests walk them all).
func (m *Mux) Patterns() []string { return slices.Clone(m.patterns) }

// Handler returns the handler that would serve r and its pattern ("" if none).
func (m *Mux) Handler(r *http.Request) (h http.Handler, pattern string) { return m.mux.Handler(r) }

// ServeHTTP serves every mounted route.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

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
				m.log.Error("handler panicked", "route", label, "panic", fmt.Sprint(p))
				if sw.code == 0 {
					m.panicked(sw, r)
				}
			}
			code := sw.code
			if code == 0 {
				code = 200
			}
			m.httpSeconds.With(label, fmt.Sprint(code)).ObserveSince(start)
			if code >= 500 {
				m.log.Warn("request failed", "route", label, "status", code, "duration", time.Since(start))
			}
		}()
		h.ServeHTTP(sw, r)
	})
}
