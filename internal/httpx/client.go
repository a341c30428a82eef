package httpx

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Unknown is the client address of a request whose trusted proxy could not say where
// it came from (an unreadable hop, RFC 7239's "unknown" or an obfuscated name). It
// matches no allowlist and shares one count in every limit, rather than passing for
// the proxy's own address.
const Unknown = "unknown"

// client is who a request comes from, resolved once by the Mux: the client's address,
// and the scheme and host it asked for. Behind a trusted proxy these are what the
// proxy says; otherwise the connection's own.
type client struct {
	ip     string
	scheme string // "http" or "https"
	host   string // host[:port], as the client wrote it
}

type clientKey struct{}

// withClient stores the resolved client of r in its context, where ClientIP, Scheme
// and Host read it.
func withClient(r *http.Request, trusted []netip.Prefix) *http.Request {
	c := resolve(r, trusted)
	return r.WithContext(context.WithValue(r.Context(), clientKey{}, c))
}

func clientOf(r *http.Request) client {
	if c, ok := r.Context().Value(clientKey{}).(client); ok {
		return c
	}
	return resolve(r, nil) // not served by a Mux (a handler's own test): no proxy is trusted
}

// ClientIP is the address a request comes from. The Mux resolves it once per request:
// the connection's address, unless that is one of the trusted proxies
// (LOKET_TRUSTED_PROXIES), whose forwarding headers then name the client (see resolve).
// Everything that looks at a client's address (IP allowlists, sign-in and request
// limits, sessions, logs) reads it here, so that no surface decides for itself.
func ClientIP(r *http.Request) string { return clientOf(r).ip }

// Scheme is the scheme the client used, "http" or "https": the connection's, or what a
// trusted proxy says it received.
func Scheme(r *http.Request) string { return clientOf(r).scheme }

// Host is the host (host[:port]) the client asked for: the request's Host, or what a
// trusted proxy says it received.
func Host(r *http.Request) string { return clientOf(r).host }

// BaseURL is the base, without a trailing slash, of the absolute links a surface
// writes in answer to r: public (LOKET_PUBLIC_URL) when it names a host one can reach,
// else the scheme and host the client used.
func BaseURL(r *http.Request, public string) string {
	if u, err := url.Parse(public); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		if h := u.Hostname(); h != "" && h != "0.0.0.0" && h != "::" {
			return strings.TrimRight(public, "/")
		}
	}
	host := Host(r)
	if host == "" {
		host = "localhost"
	}
	return Scheme(r) + "://" + host
}

// resolve finds the client of r. The connection's peer is the client unless its
// address is in trusted. A trusted peer is a proxy: the hops its headers list are
// read from the right (the nearest first), skipping trusted proxies, and the first
// hop that is not trusted is the client (the left-most, if all are). A hop that cannot
// be read stops the walk with the client Unknown: whatever lies to its left was
// written by someone no trusted proxy vouches for.
//
// X-Forwarded-For is read when present, with the right-most X-Forwarded-Proto and
// X-Forwarded-Host (what the nearest proxy wrote; they are read without it too, when
// there is no Forwarded); without it, Forwarded (RFC 7239), with the proto and host of
// the client's element. nginx and Caddy write X-Forwarded-For and pass a client's
// Forwarded on untouched, so it is preferred; a proxy that writes only Forwarded must
// drop a client's X-Forwarded-For. docs/proxy.md has the rules for operators.
func resolve(r *http.Request, trusted []netip.Prefix) client {
	c := client{ip: r.RemoteAddr, scheme: "http", host: r.Host}
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		c.ip = h
	}
	if r.TLS != nil {
		c.scheme = "https"
	}
	peer, ok := parseHop(c.ip)
	if !ok || !isTrusted(trusted, peer) {
		return c
	}
	c.ip = peer.String()
	elems, ok := parseForwarded(r.Header.Values("Forwarded"))
	if hops := headerList(r.Header, "X-Forwarded-For"); len(hops) > 0 || (ok && len(elems) == 0) {
		if len(hops) > 0 {
			c.ip, _ = pick(hops, trusted)
		}
		c.setScheme(last(headerList(r.Header, "X-Forwarded-Proto")))
		c.setHost(last(headerList(r.Header, "X-Forwarded-Host")))
		return c
	}
	if !ok {
		c.ip = Unknown
		return c
	}
	fors := make([]string, len(elems))
	for i, e := range elems {
		fors[i] = e["for"]
	}
	var at int
	c.ip, at = pick(fors, trusted)
	e := elems[at]
	c.setScheme(e["proto"])
	c.setHost(e["host"])
	return c
}

// pick walks hops (at least one) from the right and returns the client's address
// and its index: Unknown at the first hop it cannot read.
func pick(hops []string, trusted []netip.Prefix) (string, int) {
	i := len(hops) - 1
	for ; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		if i == 0 || !isTrusted(trusted, a) {
			return a.String(), i
		}
	}
	return Unknown, max(i, 0)
}

func (c *client) setScheme(s string) {
	if s = strings.ToLower(s); s == "http" || s == "https" {
		c.scheme = s
	}
}

// setHost takes h when it is a host[:port] (a name, an IPv4 address or a bracketed
// IPv6 one), as a Host header may hold.
func (c *client) setHost(h string) {
	if h == "" || len(h) > 255 {
		return
	}
	for _, ch := range h {
		ok := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.ContainsRune(".-_:[]", ch)
		if !ok {
			return
		}
	}
	if u, err := url.Parse("http://" + h); err != nil || u.Host != h || u.Hostname() == "" {
		return
	}
	c.host = h
}

func isTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one hop's address: an IP address, with or without a port (IPv6 in
// brackets when it has one), as X-Forwarded-For and Forwarded's for= write them.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
				return netip.Addr{}, false
			}
			if a, err = netip.ParseAddr(s[1 : len(s)-1]); err != nil {
				return netip.Addr{}, false
			}
		} else {
			a = ap.Addr()
		}
	}
	return a.Unmap().WithZone(""), true
}

// headerList is the comma-separated values of every field named name, in order.
func headerList(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			out = append(out, strings.TrimSpace(part))
		}
	}
	return out
}

func last(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// parseForwarded reads Forwarded fields (RFC 7239): elements separated by commas, each
// a list of name=value pairs separated by semicolons, a value a token or a quoted
// string. Names are lower-cased. It reports false for a field it cannot read.
func parseForwarded(fields []string) ([]map[string]string, bool) {
	var elems []map[string]string
	for _, f := range fields {
		if strings.TrimSpace(f) == "" {
			continue
		}
		e := map[string]string{}
		for i := 0; ; {
			for i < len(f) && (f[i] == ' ' || f[i] == '\t') {
				i++
			}
			eq := strings.IndexByte(f[i:], '=')
			if eq <= 0 {
				return nil, false
			}
			name := strings.ToLower(strings.TrimSpace(f[i : i+eq]))
			i += eq + 1
			var val string
			if i < len(f) && f[i] == '"' {
				var b strings.Builder
				i++
				for ; i < len(f) && f[i] != '"'; i++ {
					if f[i] == '\\' && i+1 < len(f) {
						i++
					}
					b.WriteByte(f[i])
				}
				if i == len(f) {
					return nil, false // unterminated
				}
				i++
				val = b.String()
			} else {
				j := i
				for j < len(f) && f[j] != ';' && f[j] != ',' {
					j++
				}
				val = strings.TrimSpace(f[i:j])
				i = j
			}
			if _, dup := e[name]; dup || name == "" || strings.ContainsAny(name, " \t\";,") {
				return nil, false
			}
			e[name] = val
			for i < len(f) && (f[i] == ' ' || f[i] == '\t') {
				i++
			}
			if i == len(f) {
				elems = append(elems, e)
				break
			}
			switch f[i] {
			case ';':
			case ',':
				elems = append(elems, e)
				e = map[string]string{}
			default:
				return nil, false
			}
			i++
		}
	}
	return elems, true
}
