// Package api serves Loket's native JSON API under /v1, with /healthz and the OpenAPI
// document generated from the route table. (/metrics, and who may read it, is the
// server's: internal/server.)
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
)

// Server is the native API. It embeds the mux every surface mounts on.
type Server struct {
	*httpx.Mux
	svc    loket.Services
	ping   func(context.Context) error
	Log    *slog.Logger
	routes []Route
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

// New makes the API on a new mux, where the other surfaces then mount, and registers
// the native webhook formats. ping tells /healthz whether the database answers;
// publicURL is where clients reach this Loket.
func New(svc loket.Services, log *slog.Logger, reg *metrics.Registry, publicURL string, ping func(context.Context) error) *Server {
	s := &Server{svc: svc, ping: ping, Log: log}
	s.Mux = httpx.NewMux(log, reg, publicURL, func(w http.ResponseWriter, _ *http.Request) {
		WriteError(w, loket.Errorf(loket.EINTERNAL, "internal error"))
	})
	svc.Webhooks.SetNotifier("api", func(o *loket.Order, _ loket.Money) (string, string, []byte, error) {
		b, err := json.Marshal(WebhookPayload{Event: "order.updated", Order: OrderView(o)})
		return "order.updated", "application/json", b, err
	})
	svc.Webhooks.SetPriceNotifier("api", func(ups []loket.PriceUpdate) (string, string, []byte, error) {
		b, err := json.Marshal(PriceWebhook{Event: "price.updated", Products: ups})
		return "price.updated", "application/json", b, err
	})
	s.register()
	return s
}

// Routes returns the route table, for the OpenAPI document.
func (s *Server) Routes() []Route { return s.routes }

func (s *Server) add(r Route, h http.HandlerFunc) {
	r.handler = h
	s.routes = append(s.routes, r)
	s.Handle(r.Pattern, h)
}

// ServeHTTP serves every mounted route. A /v1/ path no route matches is answered in
// the API's error shape, not with the mux's plain-text 404 or 405.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.Mux.Handler(r); pattern == "" && strings.HasPrefix(r.URL.Path, "/v1/") {
		// The mux knows whether the path exists under another method (405, with Allow).
		rec := &notFoundWriter{ResponseWriter: w}
		s.Mux.ServeHTTP(rec, r)
		return
	}
	s.Mux.ServeHTTP(w, r)
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
	case loket.ENOBILL, loket.EBILLPAID, loket.ECUSTOMER, loket.EOVERLIMIT, loket.EEXPIRED:
		return http.StatusUnprocessableEntity
	case loket.EAMOUNT:
		return http.StatusConflict
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
	httpx.WriteJSON(w, Status(code), ErrorBody{Error: ErrorDetail{Code: code, Message: loket.ErrorMessage(err), Field: loket.ErrorField(err)}})
}

type ctxKey int

const resellerKey ctxKey = 1

// authed serves a /v1 route for the reseller whose API key the request presents. The
// URL's path and query are checked first (httpx.CheckURL), as DecodeJSON checks the
// body's strings, so no text a route reads reaches a service unchecked.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, *loket.ResellerAuth)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := httpx.CheckURL(r); err != nil {
			WriteError(w, err)
			return
		}
		ra, err := s.svc.Resellers.Authenticate(r.Context(), httpx.APIKey(r), httpx.ClientIP(r))
		if err != nil {
			WriteError(w, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), resellerKey, ra)), ra)
	}
}
