package metrics

import (
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strings"
)

// forwardHeaders are what a reverse proxy adds to a request it passes on. A request
// from loopback carrying one came from somewhere else through a proxy on this host.
var forwardHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip", "Via"}

// Restrict lets only the operator's scraper read h. With a token, every request must
// carry Authorization: Bearer <token>, from anywhere (401 otherwise). Without one and
// loopbackOnly, only a request whose connection comes from loopback and that no proxy
// forwarded is answered; the rest get 404, as if nothing were there. Without either,
// h is served to whoever reaches it: for a listener of its own on a private address.
func Restrict(h http.Handler, token string, loopbackOnly bool) http.Handler {
	if token == "" && !loopbackOnly {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case token != "":
			a := r.Header.Get("Authorization")
			if len(a) <= 7 || !strings.EqualFold(a[:7], "bearer ") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(a[7:])), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "metrics: bearer token required", http.StatusUnauthorized)
				return
			}
		case !fromLoopback(r):
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fromLoopback reads the connection's own address, never a header: a proxy on the
// same host connects from loopback too, and is told apart by what it adds.
func fromLoopback(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !ap.Addr().Unmap().IsLoopback() {
		return false
	}
	for _, h := range forwardHeaders {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	return true
}
