// Package httpx is the HTTP plumbing every surface shares (the native API, the
// compatibility dialects and the dashboards): the mux with its middleware, JSON in and
// out, body limits, the API key a request presents and the address it comes from. What
// a surface says (its routes, words and error shapes) stays in the surface's package.
package httpx

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

// MaxBody bounds a request body on every surface.
const MaxBody = 64 << 10

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// DecodeJSON reads a JSON body of at most MaxBody bytes into v. Its errors are
// *loket.Error: ETOOLARGE, or EINVALID (naming the field when a value has the wrong type).
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

// APIKey returns the key a request presents: Authorization: Bearer, or X-API-Key.
func APIKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return strings.TrimSpace(h[7:])
		}
	}
	return r.Header.Get("X-API-Key")
}

// ClientIP is the address a request comes from: the connection's. Forwarded headers
// (X-Forwarded-For, X-Real-IP) are not trusted, as anyone can write them, so behind a
// reverse proxy every client counts as the proxy. Everything that looks at a client's
// address (IP allowlists, rate limits, sessions) reads it here, so that trusting a
// configured proxy is decided in this one place.
func ClientIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// RetryAfter sets the Retry-After header to d in whole seconds, rounded up, at least 1.
func RetryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
}
