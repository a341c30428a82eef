// Package api serves Loket's native JSON API under /v1, with the operational endpoints
// (/healthz, /metrics) and the OpenAPI document generated from the route table.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/loket/loket/internal/app"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
)

// MaxBody bounds every request body of the native API.
const MaxBody = 64 << 10

// Server is the native API.
type Server struct {
	App    *app.App
	Log    *slog.Logger
	mux    *http.ServeMux
	routes []Route

	httpSeconds *metrics.HistogramVec
}

// Route is one endpoint with what the OpenAPI document says of it.
type Route struct {
	Pattern  string // "METHOD /path/{param}"
	Summary  string
	Auth     bool
	Query    []Param
	Request  any            // a value of the request body type, or nil
	Response any            // a value of the success response type
	Status   int            // success status; default 200
	AlsoOK   map[int]string // further success statuses, with what they mean
	Errors   []string
	handler  http.HandlerFunc
}

// Param is a query parameter.
type Param struct {
	Name, Description string
}

// New makes the API and registers the native webhook format with the app.
func New(a *app.App, log *slog.Logger) *Server {
	s := &Server{App: a, Log: log, mux: http.NewServeMux()}
	s.httpSeconds = a.Metrics.Histogram("loket_http_request_seconds", "HTTP request latency by route and status.",
		metrics.DefBuckets, "route", "code")
	a.SetNotifier("api", func(o *loket.Order, _ loket.Money) (string, string, []byte, error) {
		b, err := json.Marshal(WebhookPayload{Event: "order.updated", Order: OrderView(o)})
		return "order.updated", "application/json", b, err
	})
	a.SetPriceNotifier("api", func(ups []loket.PriceUpdate) (string, string, []byte, error) {
		b, err := json.Marshal(PriceWebhook{Event: "price.updated", Products: ups})
		return "price.updated", "application/json", b, err
	})
	s.register()
	return s
}

// Routes returns the route table, for the OpenAPI document.
func (s *Server) Routes() []Route { return s.routes }

// Mux is where other surfaces mount their handlers.
func (s *Server) Mux() *http.ServeMux { return s.mux }

func (s *Server) add(r Route, h http.HandlerFunc) {
	r.handler = h
	s.routes = append(s.routes, r)
	s.Handle(r.Pattern, h)
}

// Handle mounts a handler with the common middleware: panic recovery, metrics, logs.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, s.wrap(pattern, h))
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

func (s *Server) wrap(pattern string, h http.Handler) http.Handler {
	label := pattern
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.Error("handler panicked", "route", label, "panic", fmt.Sprint(p))
				if sw.code == 0 {
					WriteError(sw, loket.Errorf(loket.EINTERNAL, "internal error"))
				}
			}
			code := sw.code
			if code == 0 {
				code = 200
			}
			s.httpSeconds.With(label, fmt.Sprint(code)).ObserveSince(start)
			if code >= 500 {
				s.Log.Warn("request failed", "route", label, "status", code, "duration", time.Since(start))
			}
		}()
		h.ServeHTTP(sw, r)
	})
}

// ServeHTTP serves every mounted route. A /v1/ path no route matches is answered in
// the API's error shape, not with the mux's plain-text 404 or 405.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" && strings.HasPrefix(r.URL.Path, "/v1/") {
		// The mux knows whether the path exists under another method (405, with Allow).
		rec := &notFoundWriter{ResponseWriter: w}
		s.mux.ServeHTTP(rec, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// notFoundWriter turns the mux's own 404 and 405 answers into error JSON.
type notFoundWriter struct {
	http.ResponseWriter
	done bool
}

func (w *notFoundWriter) WriteHeader(code int) {
	if w.done {
		return
	}
	w.done = true
	msg, c := "no such endpoint", loket.ENOTFOUND
	if code == http.StatusMethodNotAllowed {
		msg, c = "method not allowed here; see Allow", "method_not_allowed"
	}
	w.Header().Del("X-Content-Type-Options")
	body, _ := json.Marshal(ErrorBody{Error: ErrorDetail{Code: c, Message: msg}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.ResponseWriter.WriteHeader(code)
	w.ResponseWriter.Write(append(body, '\n'))
}

func (w *notFoundWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusNotFound)
	}
	return len(b), nil
}

// Status maps a domain error code to an HTTP status: the one place this is decided
// for the native API.
func Status(code string) int {
	switch code {
	case loket.EINVALID, loket.ETARGET, loket.EFIELD:
		return http.StatusBadRequest
	case loket.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case loket.EFORBIDDEN:
		return http.StatusForbidden
	case loket.ENOTFOUND:
		return http.StatusNotFound
	case loket.ECONFLICT, loket.EDUPLICATE, loket.ELIMIT:
		return http.StatusConflict
	case loket.EINSUFFICIENT:
		return http.StatusPaymentRequired
	case loket.EPRODUCT, loket.EINACTIVE, loket.EOUTOFSTOCK, loket.EPRICE, loket.EUNAVAILABLE, loket.ENOTCONFIGURED:
		return http.StatusUnprocessableEntity
	case loket.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case loket.ERATELIMIT:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// ErrorBody is the native error shape.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// WriteError writes err in the native shape.
func WriteError(w http.ResponseWriter, err error) {
	code := loket.ErrorCode(err)
	WriteJSON(w, Status(code), ErrorBody{Error: ErrorDetail{Code: code, Message: loket.ErrorMessage(err), Field: loket.ErrorField(err)}})
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// DecodeJSON reads a JSON body of at most MaxBody bytes into v.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return loket.Errorf(loket.ETOOLARGE, "request body is larger than %d bytes", MaxBody)
		}
		return loket.Errorf(loket.EINVALID, "could not read the request body")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return loket.Errorf(loket.EINVALID, "request body is empty; want a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return loket.FieldError(loket.EINVALID, te.Field, "field %q must be a %s", te.Field, jsonKind(te.Type.Kind().String()))
		}
		return loket.Errorf(loket.EINVALID, "request body is not valid JSON")
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "int", "int64", "int32", "float64", "uint64":
		return "number"
	case "map", "struct":
		return "object"
	case "bool":
		return "boolean"
	}
	return k
}

type ctxKey int

const resellerKey ctxKey = 1

// APIKey returns the key a request presents: Authorization: Bearer, or X-API-Key.
func APIKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return strings.TrimSpace(h[7:])
		}
	}
	return r.Header.Get("X-API-Key")
}

func (s *Server) authed(h func(http.ResponseWriter, *http.Request, *loket.ResellerAuth)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ra, err := s.App.Authenticate(r.Context(), APIKey(r), r.RemoteAddr)
		if err != nil {
			WriteError(w, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), resellerKey, ra)), ra)
	}
}
