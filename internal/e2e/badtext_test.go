package e2e

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/compat/chestcloudx"
	"github.com/loket/loket/internal/compat/socx"
	"github.com/loket/loket/internal/compat/warungnokos"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// The walk of bad text: every route of every surface (the native route table, each
// dialect's routes, the dashboards' forms read from their templates, the callbacks)
// is sent NUL, invalid UTF-8, a control character and an oversized string in each path
// argument, query parameter, body field and header it reads, one at a time, the rest
// of the request good. Each must be refused in the surface's own shape, never with a
// 5xx (PostgreSQL answers "invalid byte sequence for encoding UTF8: 0x00" to a NUL
// that reaches SQL), and leave nothing written: no order, deposit, withdrawal,
// reseller or supplier, no balance moved, the ledger's invariants intact.

// badTexts are what each string a route reads is replaced with, one at a time.
var badTexts = []struct{ name, v string }{
	{"NUL", "ab\x00cd"},
	{"invalid UTF-8", "ab\xff\xfecd"},
	{"control character", "ab\x1b[2Jcd"},
	{"oversized", strings.Repeat("x", 2*loket.MaxText)},
}

// inHeader reports whether a bad text can travel in a header at all: net/http sends
// and reads neither NUL nor other control characters there.
func inHeader(v string) bool {
	return !strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// probe is one route with good values for what it reads; the walk replaces each of
// them in turn.
type probe struct {
	route  string // the route walked, named in failures
	method string
	path   string            // {name} stands for args[name]
	args   map[string]string // path arguments
	query  map[string]string // "" is a parameter the route reads, sent only when bad
	json   map[string]any    // a JSON body: strings ("" as in query), numbers, map[string]string
	form   map[string]string // a urlencoded body
	xml    map[string]string // an XML-RPC topUpRequest's members
	header map[string]string
	jar    http.CookieJar
	// loginCSRF fills the sign-in form's csrf from its cookie, which every answer
	// renews.
	loginCSRF bool
	// refused says what is wrong when res is not a refusal in the surface's shape.
	refused func(res answer) string
	// kept names a header whose bad text is made fit and kept, not refused: the
	// request must succeed.
	kept string
}

// place is where a probe's bad text goes: kind (arg, query, json, jsonkey, form, xml,
// header) and name; key is the entry of a JSON object field.
type place struct{ kind, name, key string }

func (p *probe) places() []place {
	var out []place
	add := func(kind string, m map[string]string) {
		for _, k := range sortedKeys(m) {
			out = append(out, place{kind: kind, name: k})
		}
	}
	add("arg", p.args)
	add("query", p.query)
	for _, k := range sortedKeys(p.json) {
		if m, ok := p.json[k].(map[string]string); ok {
			for _, e := range sortedKeys(m) {
				out = append(out, place{kind: "json", name: k, key: e}, place{kind: "jsonkey", name: k, key: e})
			}
			continue
		}
		if _, ok := p.json[k].(string); ok {
			out = append(out, place{kind: "json", name: k})
		}
	}
	add("form", p.form)
	add("xml", p.xml)
	add("header", p.header)
	if len(out) == 0 {
		// A route that reads nothing still gets a query it must not trip on.
		out = append(out, place{kind: "query", name: "x"})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// request builds the probe's request with bad at pl.
func (p *probe) request(t *testing.T, base string, pl place, bad string) *http.Request {
	t.Helper()
	pick := func(kind, name, v string) string {
		if pl.kind == kind && pl.name == name {
			return bad
		}
		return v
	}
	path := p.path
	for k, v := range p.args {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(pick("arg", k, v)))
	}
	q := url.Values{}
	for k, v := range p.query {
		if v = pick("query", k, v); v != "" {
			q.Set(k, v)
		}
	}
	if pl.kind == "query" && p.query[pl.name] == "" {
		q.Set(pl.name, bad)
	}
	var body []byte
	ctype := ""
	switch {
	case p.json != nil:
		m := map[string]any{}
		for k, v := range p.json {
			switch x := v.(type) {
			case string:
				if x = pick("json", k, x); x != "" {
					m[k] = x
				}
			case map[string]string:
				y := map[string]string{}
				for e, ev := range x {
					switch {
					case pl.kind == "json" && pl.name == k && pl.key == e:
						y[e] = bad
					case pl.kind == "jsonkey" && pl.name == k && pl.key == e:
						y[bad] = ev
					default:
						y[e] = ev
					}
				}
				m[k] = y
			default:
				m[k] = v
			}
		}
		body, ctype = rawJSON(m), "application/json"
	case p.form != nil:
		f := url.Values{}
		for k, v := range p.form {
			f.Set(k, pick("form", k, v))
		}
		if p.loginCSRF && !(pl.kind == "form" && pl.name == "csrf") {
			f.Set("csrf", cookie(p.jar, base, "loket_login"))
		}
		body, ctype = []byte(f.Encode()), "application/x-www-form-urlencoded"
	case p.xml != nil:
		m := map[string]string{}
		for k, v := range p.xml {
			m[k] = pick("xml", k, v)
		}
		body, ctype = topUpRequest(m), "text/xml"
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(p.method, base+path, rd)
	if err != nil {
		t.Fatalf("%s: %v", p.route, err)
	}
	req.URL.RawQuery = q.Encode()
	if p.method == "POST" {
		req.Header.Set("Origin", base) // as a browser sends it: the dashboards refuse a POST without
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range p.header {
		req.Header.Set(k, pick("header", k, v))
	}
	return req
}

// rawJSON writes m as a JSON object, with its strings' invalid bytes raw: json.Marshal
// would turn them into U+FFFD, and a client may well send them.
func rawJSON(m map[string]any) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b.WriteByte(',')
		}
		jsonString(&b, k)
		b.WriteByte(':')
		switch v := m[k].(type) {
		case string:
			jsonString(&b, v)
		case map[string]string:
			inner := map[string]any{}
			for ik, iv := range v {
				inner[ik] = iv
			}
			b.Write(rawJSON(inner))
		default:
			enc, _ := json.Marshal(v)
			b.Write(enc)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

func jsonString(b *bytes.Buffer, s string) {
	if utf8.ValidString(s) {
		enc, _ := json.Marshal(s)
		b.Write(enc)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// topUpRequest writes seed 002's XML-RPC call with its members' text as it is (only &
// and < escaped): bad bytes travel raw.
func topUpRequest(m map[string]string) []byte {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><methodCall><methodName>topUpRequest</methodName><params><param><value><struct>`)
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(&b, "<member><name>%s</name><value><string>%s</string></value></member>", k, esc.Replace(m[k]))
	}
	b.WriteString(`</struct></value></param></params></methodCall>`)
	return []byte(b.String())
}

func cookie(jar http.CookieJar, base, name string) string {
	u, _ := url.Parse(base)
	for _, c := range jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// answer is what a probe got.
type answer struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any // nil unless the body is a JSON object
}

// The refusals of each surface, in its own shape.

func nativeRefused(a answer) string {
	e, _ := a.json["error"].(map[string]any)
	if a.status < 400 || a.status >= 500 || e == nil || e["code"] == "" {
		return "not the native error JSON with a 4xx"
	}
	return ""
}

var xmlRC = regexp.MustCompile(`<name>RESPONSECODE</name>\s*<value>(?:<string>)?([^<]*)`)

func socxRefused(a answer) string {
	rc, _ := a.json["rc"].(string)
	if a.json == nil {
		if bytes.Contains(a.body, []byte("<fault>")) {
			return ""
		}
		if m := xmlRC.FindSubmatch(a.body); m != nil {
			rc = string(m[1])
		}
	}
	if rc == "" || rc == "00" || rc == "68" {
		return "no refusing rc (JSON rc, or the XML-RPC RESPONSECODE or fault)"
	}
	return ""
}

func flagRefused(flag string, status bool) func(answer) string {
	return func(a answer) string {
		if a.status < 400 || a.status >= 500 || a.json[flag] != status || a.json["message"] == "" {
			return fmt.Sprintf("not a 4xx with {%q: %v, \"message\": ...}", flag, status)
		}
		return ""
	}
}

func tokowendiggRefused(a answer) string {
	if a.status >= 400 && a.status < 500 && (a.json["message"] != nil || bytes.Contains(a.body, []byte("<html"))) {
		return ""
	}
	return "not a 4xx in seed 001's shape"
}

// digiflazzRefused: Digiflazz's refusal, {"data": {"rc": "40", "message": ...}} with
// a 4xx.
func digiflazzRefused(a answer) string {
	if d, ok := a.json["data"].(map[string]any); ok && a.status >= 400 && a.status < 500 && d["rc"] == "40" && d["message"] != nil {
		return ""
	}
	return "not a 4xx with Digiflazz's rc 40"
}

// pageRefused: a dashboard refuses with an error page (4xx), or goes back to the form
// with the error to show (303 and an "err:" flash).
func pageRefused(a answer) string {
	if a.status >= 400 && a.status < 500 {
		return ""
	}
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if a.status == http.StatusSeeOther && c.Name == "loket_flash" && strings.HasPrefix(c.Value, "err%3A") {
			return ""
		}
	}
	return "not a 4xx page, nor back to the form with an error"
}

// harmless is for routes that keep nothing a caller sends (static files, the language
// switch, the public invoice and QR links): they need only not fail.
func harmless(answer) string { return "" }

// fixture is a server with what the walk needs: a reseller with a password, an order,
// a deposit, and the dashboards signed in.
type fixture struct {
	s                *server.Server
	r                *loketest.Reseller
	password         string
	orderID, depID   int64
	admin, app       http.CookieJar
	adminCSRF        string
	appCSRF          string
	client           *http.Client
	counts           map[string]int
	balance, profits loket.Money
}

func newFixture(t *testing.T, engine string) *fixture {
	t.Helper()
	ctx := context.Background()
	s := loketest.Start(t, engine)
	loketest.SetupPayments(t, s)
	f := &fixture{s: s, password: "rahasia-123", client: &http.Client{Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	f.r = loketest.NewReseller(t, s, 500_000)
	if err := s.Core.Resellers.SetPassword(ctx, f.r.ID, f.password); err != nil {
		t.Fatal(err)
	}
	if err := s.Core.Resellers.CreateAdmin(ctx, "walker", f.password); err != nil {
		t.Fatal(err)
	}
	res := raw(t, "POST", s.URL+"/v1/orders", f.r.Creds.APIKey, []byte(`{"product":"S5","target":"081234567890","ref_id":"walk-1"}`))
	var o struct{ ID int64 }
	if json.Unmarshal(res.Body, &o); res.Status != 201 || o.ID == 0 {
		t.Fatalf("order: %d %s", res.Status, res.Body)
	}
	f.orderID = o.ID
	ra, err := s.Core.Resellers.AuthByID(ctx, f.r.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Core.Deposits.CreateDeposit(ctx, ra, loket.MethodQRIS, 10_000, "api")
	if err != nil {
		t.Fatal(err)
	}
	f.depID = d.ID
	f.admin, f.adminCSRF = f.signIn(t, "admin", "walker")
	f.app, f.appCSRF = f.signIn(t, "reseller", f.r.Username)
	waitOrder(t, client.New(s.URL, f.r.Creds.APIKey), f.orderID, 10*time.Second)
	f.counts, f.balance, f.profits = f.count(t)
	return f
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in through the form and returns the session's cookies and CSRF token.
func (f *fixture) signIn(t *testing.T, as, user string) (http.CookieJar, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	get := func(path string) string {
		res, err := c.Get(f.s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	get("/login")
	form := url.Values{"csrf": {cookie(jar, f.s.URL, "loket_login")}, "as": {as}, "username": {user}, "password": {f.password}}
	req, err := http.NewRequest("POST", f.s.URL+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.s.URL) // as a browser sends it on every POST
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	home := "/app"
	if as == "admin" {
		home = "/admin"
	}
	m := csrfField.FindStringSubmatch(get(home))
	if m == nil {
		t.Fatalf("sign in as %s %s: no CSRF token on %s", as, user, home)
	}
	return jar, m[1]
}

// count is what the walk must leave as it was.
func (f *fixture) count(t *testing.T) (map[string]int, loket.Money, loket.Money) {
	t.Helper()
	ctx := context.Background()
	out := map[string]int{}
	orders, err := f.s.Core.Orders.Orders(ctx, loket.OrderFilter{Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	out["orders"] = len(orders)
	deps, err := f.s.Core.Deposits.Deposits(ctx, f.r.ID, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	out["deposits"] = len(deps)
	ws, err := f.s.Core.Dropship.Withdrawals(ctx, loket.WithdrawalFilter{Limit: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	out["withdrawals"] = len(ws)
	rs, err := f.s.Core.Resellers.Resellers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out["resellers"] = len(rs)
	out["suppliers"] = len(f.s.Core.Catalog.Catalog().Suppliers)
	acts, err := f.s.Core.Numbers.Activations(ctx, f.r.ID, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	out["activations"] = len(acts)
	re, err := f.s.Core.Resellers.Reseller(ctx, f.r.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return out, re.Balance, re.ProfitBalance
}

// walk sends every bad text to every place of every probe.
func (f *fixture) walk(t *testing.T, probes []probe) int {
	t.Helper()
	n := 0
	for _, p := range probes {
		c := *f.client
		c.Jar = p.jar
		for _, pl := range p.places() {
			for _, bad := range badTexts {
				if pl.kind == "header" && !inHeader(bad.v) {
					continue
				}
				if p.loginCSRF && cookie(p.jar, f.s.URL, "loket_login") == "" {
					// A fresh browser opens the form (again, after a probe that signed in).
					p.jar, _ = cookiejar.New(nil)
					c.Jar = p.jar
					if res, err := c.Get(f.s.URL + "/login"); err == nil {
						res.Body.Close()
					}
				}
				req := p.request(t, f.s.URL, pl, bad.v)
				res, err := c.Do(req)
				if err != nil {
					t.Fatalf("%s, %s %s: %v", p.route, pl.kind, pl.name, err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				n++
				a := answer{status: res.StatusCode, header: res.Header, body: body}
				json.Unmarshal(body, &a.json)
				what := fmt.Sprintf("%s: %s in %s %s%s", p.route, bad.name, pl.kind, pl.name, map[bool]string{true: "." + pl.key}[pl.key != ""])
				if a.status >= 500 {
					t.Errorf("%s: %d %s", what, a.status, clip(body))
					continue
				}
				if a.status == http.StatusTooManyRequests {
					// A limit counted the probe before its text was checked: the walk
					// did not reach what it is for.
					t.Errorf("%s: rate limited before the text was checked: %s", what, clip(body))
					continue
				}
				if pl.kind == "header" && pl.name == p.kept {
					if a.status >= 400 {
						t.Errorf("%s: refused, want it kept: %d %s", what, a.status, clip(body))
					}
					continue
				}
				if wrong := p.refused(a); wrong != "" {
					t.Errorf("%s: %s: %d %s", what, wrong, a.status, clip(body))
				}
			}
		}
	}
	return n
}

// TestBadTextEveryRoute walks every route of every surface with bad text.
func TestBadTextEveryRoute(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		walked := map[string]bool{}
		var probes []probe
		for _, build := range []func(*testing.T, map[string]bool) []probe{f.nativeProbes, f.socxProbes, f.tokowendiggProbes,
			f.chestcloudxProbes, f.warungnokosProbes, f.digiflazzProbes, f.webProbes} {
			probes = append(probes, build(t, walked)...)
		}
		// Every pattern on the mux is walked: a new route fails here until it is.
		for _, p := range f.s.API.Patterns() {
			if !walked[p] {
				t.Errorf("route %q is not walked", p)
			}
		}
		began := time.Now()
		n := f.walk(t, probes)
		t.Logf("%d probes of %d routes in %v", n, len(probes), time.Since(began).Round(time.Millisecond))

		loketest.VerifyLedger(t, f.s)
		counts, balance, profit := f.count(t)
		if !reflect.DeepEqual(counts, f.counts) {
			t.Errorf("the walk wrote: %v, before %v", counts, f.counts)
		}
		if balance != f.balance || profit != f.profits {
			t.Errorf("balances %d/%d after the walk, before %d/%d", balance, profit, f.balance, f.profits)
		}
	})
}

func (f *fixture) bearer() map[string]string {
	return map[string]string{"Authorization": "Bearer " + f.r.Creds.APIKey}
}

// nativeBodies are good bodies of the native routes that take one.
var nativeBodies = map[string]map[string]any{
	"POST /v1/orders":                        {"product": "S5", "target": "081234567891", "ref_id": "walk-order", "fields": map[string]string{"server": "2001"}},
	"POST /v1/deposits":                      {"method": "qris", "amount": 20000},
	"POST /v1/withdrawals":                   {"key": "walk-w", "amount": 10000, "method": "BCA", "account_no": "1234567890", "account_name": "Budi"},
	"POST /v1/profit/move":                   {"key": "walk-m", "amount": 1000},
	"POST /v1/numbers":                       {"ref_id": "walk-n", "service": 14, "number_id": 6, "provider_id": "3837", "operator_id": "any"},
	"PUT /v1/webhook":                        {"url": "https://example.com/hook"},
	"POST /v1/bills/inquiry":                 {"product": "pln", "customer_no": "530000000001"},
	"POST /v1/bills/pay":                     {"inquiry_id": 1, "ref_id": "walk-bill"},
	"POST /v1/network/downlines":             {"username": "walkdown", "name": "Walk", "markup_bp": 100, "markup_flat": 50, "opening_balance": 1000},
	"PUT /v1/network/downlines/{id}/markup":  {"scope": "product", "code": "S5", "markup_bp": 100, "markup_flat": 0},
	"POST /v1/network/downlines/{id}/status": {"status": "suspended"},
	"POST /v1/network/transfers":             {"downline_id": 1, "amount": 1000, "direction": "down", "key": "walk-t", "note": "walk"},
}

// jsonStrings are the JSON names of a body type's string fields (and of its
// map[string]string fields, as maps), which the walk fills.
func jsonStrings(v any) map[string]any {
	out := map[string]any{}
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		fd := t.Field(i)
		name, _, _ := strings.Cut(fd.Tag.Get("json"), ",")
		switch {
		case fd.Type.Kind() == reflect.String:
			out[name] = ""
		case fd.Type.Kind() == reflect.Map && fd.Type.Elem().Kind() == reflect.String:
			out[name] = map[string]string{"k": "v"}
		}
	}
	return out
}

// nativeProbes: the route table (api.Server.Routes) gives each route's path
// arguments, query parameters and body type; the rest of the API's mux is listed.
func (f *fixture) nativeProbes(t *testing.T, walked map[string]bool) []probe {
	id := fmt.Sprint
	args := func(path string) map[string]string {
		m := map[string]string{}
		for _, a := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
			switch {
			case a[1] == "code":
				m["code"] = "S5"
			case strings.HasPrefix(path, "/v1/orders/"), strings.HasPrefix(path, "/pay/"):
				m[a[1]] = id(f.orderID)
			case strings.HasPrefix(path, "/v1/deposits/"), strings.HasPrefix(path, "/qr/"):
				m[a[1]] = id(f.depID)
			default:
				m[a[1]] = "1"
			}
		}
		if _, ok := m["token"]; ok {
			m["token"] = "tok"
		}
		if _, ok := m["file"]; ok {
			m["file"] = "tok.png"
		}
		if _, ok := m["name"]; ok {
			m["name"] = "sim"
		}
		return m
	}
	var out []probe
	for _, rt := range f.s.API.Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		p := probe{route: rt.Pattern, method: method, path: path, args: args(path), query: map[string]string{}, refused: nativeRefused}
		if rt.Auth {
			p.header = f.bearer()
		} else {
			p.refused = harmless // /healthz reads nothing
		}
		for _, q := range rt.Query {
			p.query[q.Name] = ""
		}
		if rt.Request != nil {
			base, ok := nativeBodies[rt.Pattern]
			if !ok {
				t.Errorf("%s takes a body: add a good one to nativeBodies", rt.Pattern)
			}
			p.json = jsonStrings(rt.Request)
			for k, v := range base {
				p.json[k] = v
			}
		}
		walked[rt.Pattern] = true
		out = append(out, p)
	}
	// The API's routes outside the table: public links, documents, metrics, and the
	// callbacks (their bodies are TestBadTextCallback's).
	for _, pattern := range []string{"GET /metrics", "GET /openapi.json", "GET /docs", "GET /qr/{id}/{file}", "GET /pay/{id}/{token}",
		"GET /pay/{id}/{token}/status", "POST /callbacks/{name}", "GET /callbacks/{name}", "GET /v1/deposits/{id}/qr.png"} {
		method, path, _ := strings.Cut(pattern, " ")
		p := probe{route: pattern, method: method, path: path, args: args(path), refused: harmless}
		if strings.HasPrefix(path, "/v1/") {
			p.header, p.refused = f.bearer(), nativeRefused
		}
		walked[pattern] = true
		out = append(out, p)
	}
	return out
}

// socxProbes: seed 002's endpoints as mounted, each in the encodings it takes.
func (f *fixture) socxProbes(t *testing.T, walked map[string]bool) []probe {
	purchase := func() map[string]string {
		return map[string]string{"code": "S5", "msisdn": "081234567892", "request_id": "walk-socx", "server": ""}
	}
	asAny := func(m map[string]string) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	table := map[string][]probe{
		"/saldo":          {{method: "GET", query: map[string]string{"token": ""}}},
		"/purchase":       {{method: "POST", json: asAny(with(purchase(), "token", ""))}},
		"/http/purchase":  {{method: "GET", query: with(purchase(), "token", "")}, {method: "POST", form: purchase()}},
		"/xml/purchase":   {{method: "POST", xml: map[string]string{"NOHP": "081234567893", "REQUESTID": "walk-xml", "NOM": "S5", "PIN": ""}, query: map[string]string{"token": ""}}},
		"/status":         {{method: "POST", json: map[string]any{"request_id": "walk-1", "token": ""}}, {method: "GET", query: map[string]string{"request_id": "walk-1"}}},
		"/deposit_ticket": {{method: "POST", json: map[string]any{"amount": "50000", "token": ""}}},
	}
	var out []probe
	for _, pattern := range f.s.API.Patterns() {
		path, ok := strings.CutPrefix(pattern, socx.Prefix)
		if !ok {
			continue
		}
		walked[pattern] = true
		if strings.HasSuffix(path, "/{$}") {
			continue // the same handler, with a trailing slash
		}
		ps, ok := table[path]
		if !ok {
			t.Errorf("socx: %s has no probe", pattern)
		}
		for _, p := range ps {
			p.route, p.path, p.header, p.refused = "socx "+p.method+" "+path, pattern, f.bearer(), socxRefused
			out = append(out, p)
		}
	}
	walked["/compat/socx/"] = true
	out = append(out, probe{route: "socx /compat/socx/{rest}", method: "GET", path: "/compat/socx/{rest}", args: map[string]string{"rest": "nope"},
		header: f.bearer(), refused: socxRefused})
	return out
}

// tokowendiggProbes: seed 001's endpoints as mounted.
func (f *fixture) tokowendiggProbes(t *testing.T, walked map[string]bool) []probe {
	const prefix = "/compat/tokowendigg"
	signed := map[string]string{"Authorization": "Bearer " + f.r.Creds.APIKey, "Signature": f.r.Creds.SecretKey}
	table := map[string]probe{
		"/api/prepaid/provider":                {method: "GET", query: map[string]string{"active": ""}},
		"/api/prepaid/product":                 {method: "GET", query: map[string]string{"provider": "", "active": ""}},
		"/api/prepaid/product/{code}":          {method: "GET", args: map[string]string{"code": "S5"}},
		"/api/prepaid/transaction/create":      {method: "POST", json: map[string]any{"target_product_code": "S5", "product_code": "", "product": "", "target": "081234567894", "server": ""}, header: signed},
		"/api/prepaid/transaction/deposit":     {method: "POST", json: map[string]any{"amount": "50000", "via": "bca"}, header: signed},
		"/api/prepaid/transaction/balance":     {method: "POST", header: signed},
		"/api/prepaid/transaction/{reference}": {method: "GET", args: map[string]string{"reference": "TRX-1"}},
		"/trx/{reference}":                     {method: "GET", args: map[string]string{"reference": "TRX-1"}},
		"/{rest}":                              {method: "GET", args: map[string]string{"rest": "nope"}},
	}
	return f.tableProbes(t, walked, "tokowendigg", prefix, table, tokowendiggRefused)
}

// tableProbes makes the probes of the routes under prefix from table, keyed by the
// path after the prefix ("/{rest}" for the catch-all "/"; a "/{$}" twin is walked with
// its route). A probe without headers gets the reseller's API key.
func (f *fixture) tableProbes(t *testing.T, walked map[string]bool, dialect, prefix string, table map[string]probe,
	refused func(answer) string) []probe {
	var out []probe
	for _, pattern := range f.s.API.Patterns() {
		path, ok := strings.CutPrefix(pattern, prefix)
		if !ok {
			continue
		}
		walked[pattern] = true
		if strings.HasSuffix(path, "/{$}") {
			continue
		}
		if path == "/" {
			path = "/{rest}"
		}
		p, ok := table[path]
		if !ok {
			t.Errorf("%s: %s has no probe", dialect, pattern)
			continue
		}
		p.route, p.path, p.refused = dialect+" "+p.method+" "+path, prefix+path, refused
		if p.header == nil {
			p.header = f.bearer()
		}
		out = append(out, p)
	}
	return out
}

// digiflazzProbes walks the Digiflazz buyer surface: every route with good,
// signed parameters (the signature over the good ones), each then made bad.
func (f *fixture) digiflazzProbes(t *testing.T, walked map[string]bool) []probe {
	user, key := f.r.Username, f.r.Creds.SecretKey
	sign := func(suffix string) string {
		sum := md5.Sum([]byte(user + key + suffix))
		return hex.EncodeToString(sum[:])
	}
	// No headers: the surface reads none, and a bad one would leave a good request.
	post := func(body map[string]any) probe {
		return probe{method: "POST", json: body, header: map[string]string{}}
	}
	rest := post(map[string]any{"username": user})
	rest.args = map[string]string{"rest": "nope"}
	table := map[string]probe{
		"/v1/cek-saldo":  post(map[string]any{"cmd": "deposit", "username": user, "sign": sign("depo")}),
		"/v1/price-list": post(map[string]any{"cmd": "prepaid", "username": user, "code": "S5", "sign": sign("pricelist")}),
		"/v1/deposit":    post(map[string]any{"username": user, "amount": 50000, "Bank": "BCA", "owner_name": "Budi", "sign": sign("deposit")}),
		"/v1/transaction": post(map[string]any{"username": user, "buyer_sku_code": "S5", "customer_no": "081234567894", "ref_id": "walk-df",
			"sign": sign("walk-df"), "testing": false, "max_price": 100000, "cb_url": "https://example.com/cb", "msg": "walk"}),
		"/v1/inquiry-pln": post(map[string]any{"username": user, "customer_no": "56601234561", "sign": sign("56601234561")}),
		"/{rest}":         rest,
	}
	return f.tableProbes(t, walked, "digiflazz", "/compat/digiflazz", table, digiflazzRefused)
}

// routeProbes makes the probes of a dialect that routes under its own prefix: each of
// its routes (from the package) with the parameters it reads, sent in the query and
// in a JSON body, and path arguments ({arg}, {id}) filled with good values.
func (f *fixture) routeProbes(t *testing.T, dialect, prefix string, routes []string, params map[string]map[string]string,
	header map[string]string, refused func(answer) string) []probe {
	var out []probe
	for _, rt := range routes {
		ps, ok := params[rt]
		if !ok {
			t.Errorf("%s: route %s has no parameters listed", dialect, rt)
			continue
		}
		path, args := prefix+rt, map[string]string{}
		for i := 1; strings.Contains(path, "{arg}") || strings.Contains(path, "{id}"); i++ {
			name := fmt.Sprintf("a%d", i)
			path = strings.Replace(strings.Replace(path, "{arg}", "{"+name+"}", 1), "{id}", "{"+name+"}", 1)
			args[name] = "1"
		}
		query := map[string]string{}
		body := map[string]any{}
		for k, v := range ps {
			query[k] = ""
			body[k] = v
		}
		out = append(out,
			probe{route: dialect + " query " + rt, method: "POST", path: path, args: args, query: query, header: header, refused: refused},
			probe{route: dialect + " body " + rt, method: "POST", path: path, json: body, header: header, refused: refused})
	}
	for k := range params {
		if !slices.Contains(routes, k) {
			t.Errorf("%s: parameters listed for %s, which is no route", dialect, k)
		}
	}
	return out
}

func (f *fixture) chestcloudxProbes(t *testing.T, walked map[string]bool) []probe {
	walked["/compat/chestcloudx/"] = true
	byID := map[string]string{"orderId": "", "order_id": "", "id": ""}
	ps := f.routeProbes(t, "chestcloudx", "/compat/chestcloudx/api/", chestcloudx.Routes(), map[string]map[string]string{
		"auth/register":       {"username": "walker2", "user_id": "", "name": "Walker", "email": "w@example.com", "password": "rahasia-123"},
		"auth/login":          {"user_id": f.r.Username, "username": "", "password": f.password},
		"user/me":             {"apikey": ""},
		"user/regenerate-key": {"apikey": ""},
		"services":            {"tipe": "", "type": ""},
		"order/create": {"layanan": "S5", "sid": "", "service": "", "target": "081234567895", "tujuan": "", "nometer": "", "zone": "",
			"server": "", "selling_price": "", "customer_name": "", "customer_phone": ""},
		"order/status":        {"id": fmt.Sprint(f.orderID), "order_id": "", "invoice": ""},
		"payment/deposit":     {"amount": "50000", "nominal": "", "fee": ""},
		"payment/status/{id}": byID,
		"payment/cancel/{id}": byID,
		"payment/history":     {"apikey": ""},
	}, map[string]string{"X-API-Key": f.r.Creds.APIKey}, flagRefused("status", false))
	for i := range ps {
		if strings.Contains(ps[i].route, " auth/") {
			ps[i].header = nil // sign-up and sign-in take no key
		}
	}
	return ps
}

func (f *fixture) warungnokosProbes(t *testing.T, walked map[string]bool) []probe {
	walked["/compat/warungnokos/"] = true
	trx := map[string]string{"trxId": "", "trx_id": "", "orderId": "", "order_id": "", "id": ""}
	return f.routeProbes(t, "warungnokos", "/compat/warungnokos/api/", warungnokos.Routes(), map[string]map[string]string{
		"user/profile":              {"apikey": ""},
		"otp/services":              {"apikey": ""},
		"otp/countries/{arg}":       {"serviceId": "", "service_id": "", "service_code": "", "service": ""},
		"otp/operators/{arg}/{arg}": {"country": "", "negara": "", "providerId": "", "provider_id": "", "provider": ""},
		"otp/order": {"number_id": "6", "provider_id": "3837", "operator_id": "any", "price_jual": "5000", "max_price": "", "maxPrice": "",
			"service_code": "", "service_id": "", "serviceId": "", "service_name": "", "serviceName": "", "service": "",
			"ref_id": "", "refId": ""},
		"otp/orders/{arg}":     {"ref_id": "walk-n", "refId": ""},
		"otp/status/{arg}":     trx,
		"otp/set_status":       {"trxId": "1", "orderId": "", "trx_id": "", "action_status": "cancel", "action": ""},
		"otp/set-status":       {"trxId": "1", "orderId": "", "trx_id": "", "action_status": "cancel", "action": ""},
		"deposit/create":       {"amount": "10000", "nominal": "", "method": "qris"},
		"deposit/status/{arg}": trx,
		"deposit/cancel":       trx,
	}, map[string]string{"x-api-key": f.r.Creds.APIKey}, flagRefused("success", false))
}

// webForm is a form of the dashboards' templates.
type webForm struct {
	method, action string
	fields         []string
}

var (
	formRE  = regexp.MustCompile(`(?s)<form([^>]*)>(.*?)</form>`)
	attrRE  = regexp.MustCompile(`(method|action)="([^"]*)"`)
	nameRE  = regexp.MustCompile(`name="([^"]+)"`)
	tmplRE  = regexp.MustCompile(`\{\{[^}]*\}\}`)
	webArgs = regexp.MustCompile(`\{(\w+)\}`)
)

// webForms reads every form of the dashboards' templates: where it goes and the names
// of its fields.
func webForms(t *testing.T) []webForm {
	var files []string
	for _, dir := range []string{"../web/templates", "../web/admin/templates", "../web/app/templates"} {
		f, err := filepath.Glob(dir + "/*.html")
		if err != nil || len(f) == 0 {
			t.Fatalf("no templates in %s: %v", dir, err)
		}
		files = append(files, f...)
	}
	var out []webForm
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range formRE.FindAllStringSubmatch(string(b), -1) {
			fm := webForm{method: "GET"}
			for _, a := range attrRE.FindAllStringSubmatch(m[1], -1) {
				if a[1] == "method" {
					fm.method = strings.ToUpper(a[2])
				} else {
					fm.action = tmplRE.ReplaceAllString(a[2], "{id}")
				}
			}
			for _, n := range nameRE.FindAllStringSubmatch(m[2], -1) {
				name := tmplRE.ReplaceAllString(n[1], "server") // f_{{.Key}}: a game's field
				if !slices.Contains(fm.fields, name) {
					fm.fields = append(fm.fields, name)
				}
			}
			out = append(out, fm)
		}
	}
	return out
}

// webGood is a good value of a dashboard form's field, by name.
var webGood = map[string]string{"amount": "10000", "percent": "5", "flat": "0", "round": "1", "cost": "5000", "priority": "1",
	"password": "rahasia-456", "username": "walker", "as": "admin", "key": "web:walk", "ref_id": "WEB-walk", "product": "S5",
	"target": "081234567896", "method": "qris", "account_no": "1234567890", "scope": "all", "outcome": "success",
	"decision": "reject", "direction": "credit", "which": "api", "kind": "socx", "enabled": "1", "on": "1", "status": "pending"}

// webProbes: every form of the templates, posted as the session it belongs to, and
// every page with the query parameters its forms and links carry.
func (f *fixture) webProbes(t *testing.T, walked map[string]bool) []probe {
	jarOf := func(path string) (http.CookieJar, string) {
		if strings.HasPrefix(path, "/admin") {
			return f.admin, f.adminCSRF
		}
		return f.app, f.appCSRF
	}
	ids := func(path string) map[string]string {
		m := map[string]string{}
		for _, a := range webArgs.FindAllStringSubmatch(path, -1) {
			m[a[1]] = "1"
			switch {
			case strings.Contains(path, "/orders/"):
				m[a[1]] = fmt.Sprint(f.orderID)
			case strings.Contains(path, "/deposits/"):
				m[a[1]] = fmt.Sprint(f.depID)
			case strings.Contains(path, "/resellers/"):
				m[a[1]] = fmt.Sprint(f.r.ID)
			}
		}
		return m
	}
	mux := map[string]bool{}
	for _, p := range f.s.API.Patterns() {
		mux[p] = true
	}
	queryNames := map[string]string{"before": "", "stuck": "", "brand": "", "q": "", "as": "", "back": ""}
	var out []probe
	for _, fm := range webForms(t) {
		if fm.method == "GET" {
			for _, n := range fm.fields {
				queryNames[n] = ""
			}
			continue
		}
		pattern := "POST " + fm.action
		if !mux[pattern] {
			t.Errorf("a template's form posts to %s, which no route serves", fm.action)
			continue
		}
		walked[pattern] = true
		p := probe{route: "web " + pattern, method: "POST", path: fm.action, args: ids(fm.action), form: map[string]string{}, refused: pageRefused}
		var csrf string
		p.jar, csrf = jarOf(fm.action)
		for _, n := range fm.fields {
			p.form[n] = webGood[n]
			if p.form[n] == "" {
				p.form[n] = "walk"
			}
		}
		switch fm.action {
		case "/login":
			p.jar, _ = cookiejar.New(nil)
			p.loginCSRF = true
			p.form["as"], p.form["username"], p.form["password"] = "reseller", f.r.Username, f.password
			// A browser's User-Agent is kept with the session: made fit, never refused.
			p.header, p.kept = map[string]string{"User-Agent": "walker"}, "User-Agent"
		case "/logout":
			p.refused = harmless // its form has a token alone; a wrong one is 403
		}
		if _, ok := p.form["csrf"]; ok {
			p.form["csrf"] = csrf
		}
		out = append(out, p)
	}
	for _, pattern := range f.s.API.Patterns() {
		path, ok := strings.CutPrefix(pattern, "GET ")
		if !ok || strings.HasPrefix(path, "/v1/") || walked[pattern] {
			continue
		}
		if !strings.HasPrefix(path, "/admin") && !strings.HasPrefix(path, "/app") &&
			!slices.Contains([]string{"/{$}", "/static/{file}", "/lang/{lang}", "/login"}, path) {
			continue
		}
		walked[pattern] = true
		p := probe{route: "web " + pattern, method: "GET", path: strings.TrimSuffix(path, "{$}"), args: ids(path), query: queryNames, refused: pageRefused}
		p.jar, _ = jarOf(path)
		switch {
		case path == "/static/{file}":
			p.args["file"] = "app.css"
			p.refused = harmless
		case path == "/lang/{lang}":
			p.args["lang"] = "en"
			p.refused = harmless
		case path == "/{$}", path == "/login":
			p.refused = harmless
		}
		out = append(out, p)
	}
	// Forms a template does not show in this state are still routes: the walk must
	// have found each of the dashboards' POST routes.
	for p := range mux {
		if strings.HasPrefix(p, "POST /admin") || strings.HasPrefix(p, "POST /app") {
			if !walked[p] {
				t.Errorf("no template's form posts to %s", p)
			}
		}
	}
	return out
}

// TestBadTextCallback: a supplier's callback whose ids or words hold bad text is
// answered in the upstream's dialect, never with a 5xx; ids that match nothing change
// nothing, and a result whose serial number holds a NUL settles the order with what
// can be kept.
func TestBadTextCallback(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		// The upstream speaks seed 002 and keeps every order pending, so the order waits
		// there until the (forged, signed) report comes.
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in map[string]any
			json.NewDecoder(r.Body).Decode(&in)
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"rc": "68", "trxid": 555, "request_id": in["request_id"], "code": in["code"],
				"msisdn": in["msisdn"], "message": "PENDING"})
		}))
		t.Cleanup(upstream.Close)
		const secret = "upstream-secret"
		a := loketest.Start(t, engine, "--supplier-timeout=2s")
		loketest.DisableSupplier(t, a, "sim")
		loketest.AddSupplier(t, a, loket.Supplier{Name: "upstream", Kind: "socx", BaseURL: upstream.URL, APIKey: "key", Secret: secret})
		loketest.AddRoute(t, a, "S5", "upstream", "S5", 5000, 1)
		buyer := newReseller(t, a, 100_000)
		o, _, err := buyer.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: "081234567893", RefID: "cb-1"})
		if err != nil {
			t.Fatal(err)
		}
		var ref string
		for deadline := time.Now().Add(10 * time.Second); ref == ""; time.Sleep(20 * time.Millisecond) {
			at, err := a.Core.Orders.Attempts(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(at) > 0 && at[0].Outcome == "pending" {
				ref = at[0].SupplierRef
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %d never pending at the upstream: %+v", o.ID, at)
			}
		}
		post := func(body map[string]any) loketest.Response {
			b := rawJSON(body)
			return loketest.Do(t, "POST", loketest.CallbackURL(a, "upstream"), b, "Content-Type", "application/json",
				"X-Loket-Signature", auth.Sign(secret, b))
		}
		for _, bad := range badTexts {
			for _, field := range []string{"request_id", "trxid", "sn", "message", "rc", "code", "msisdn"} {
				body := map[string]any{"request_id": "LK999999A1", "trxid": "999999", "rc": "00", "sn": "SN1", "message": "SUKSES",
					"code": "S5", "msisdn": "081234567893"}
				body[field] = bad.v
				if res := post(body); res.Status >= 500 {
					t.Errorf("%s in %s: %d %s", bad.name, field, res.Status, res.Body)
				}
			}
		}
		if got, err := a.Core.Orders.Order(ctx, buyer.ID, o.ID); err != nil || got.Status != loket.StatusPending {
			t.Fatalf("callbacks about no attempt changed order %d: %+v %v", o.ID, got, err)
		}
		res := post(map[string]any{"request_id": ref, "rc": "00", "sn": "SN\x00\xff-7\x1b", "message": "SUKSES\x00", "code": "S5", "msisdn": "081234567893"})
		if res.Status != 200 {
			t.Fatalf("callback with a bad serial number: %d %s", res.Status, res.Body)
		}
		got, err := a.Core.Orders.Order(ctx, buyer.ID, o.ID)
		// JSON decoding made \xff U+FFFD; the NUL and the escape became spaces.
		if want := "SN \uFFFD-7 "; err != nil || got.Status != loket.StatusSuccess || got.SN != want {
			t.Errorf("order %d after the callback: %+v %v, want success with SN %q", o.ID, got, err, want)
		}
		loketest.VerifyLedger(t, a)
	})
}

// TestBadTextWords: each surface says why it refused bad text in its own shape and
// language, naming the field.
func TestBadTextWords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	key := f.r.Creds.APIKey
	nul := url.QueryEscape("ab\x00cd")
	long := strings.Repeat("x", loket.MaxText+1)
	cases := []struct {
		name, method, path, body string
		header                   []string
		status                   int
		want                     string // in the answer's message
	}{
		{"native query", "GET", "/v1/orders?ref_id=" + nul, "", []string{"Authorization", "Bearer " + key}, 400,
			`"code":"invalid","message":"ref_id holds a control character (U+0000); send printable text","field":"ref_id"`},
		{"native body", "POST", "/v1/withdrawals", `{"key":"` + long + `","amount":10000}`, []string{"Authorization", "Bearer " + key}, 400,
			`"message":"key is longer than 1024 bytes","field":"key"`},
		{"socx", "POST", socx.Prefix + "/status", `{"request_id":"ab\u0000cd"}`, []string{"Authorization", "Bearer " + key}, 200,
			`"message":"GAGAL, Invalid payload: request_id berisi karakter kontrol (misalnya NUL atau ganti baris) yang tidak diizinkan."`},
		{"tokowendigg", "GET", "/compat/tokowendigg/api/prepaid/transaction/ab%00cd", "", []string{"Authorization", "Bearer " + key}, 400,
			`"message":"Kolom path berisi karakter kontrol (misalnya NUL atau ganti baris) yang tidak diizinkan."`},
		{"chestcloudx", "GET", "/compat/chestcloudx/api/order/status?id=" + nul, "", []string{"X-API-Key", key}, 400,
			`"message":"id berisi karakter kontrol (misalnya NUL atau ganti baris) yang tidak diizinkan."`},
		{"chestcloudx login", "POST", "/compat/chestcloudx/api/auth/login", `{"user_id":"ab\u0000cd","password":"x"}`, nil, 400,
			`"message":"user_id berisi karakter kontrol (misalnya NUL atau ganti baris) yang tidak diizinkan."`},
		{"warungnokos", "POST", "/compat/warungnokos/api/otp/order", `{"number_id":6,"provider_id":"` + long + `"}`, []string{"x-api-key", key}, 400,
			`"message":"provider_id terlalu panjang (maksimal 1024 byte)."`},
	}
	for _, c := range cases {
		res := loketest.Do(t, c.method, f.s.URL+c.path, []byte(c.body), append([]string{"Content-Type", "application/json"}, c.header...)...)
		if res.Status != c.status || !strings.Contains(string(res.Body), c.want) {
			t.Errorf("%s: %d %s, want %d with %s", c.name, res.Status, res.Body, c.status, c.want)
		}
	}
	// The dashboards, in Indonesian and in English.
	for lang, want := range map[string]string{"id": "Kolom ref berisi karakter kontrol yang tidak diizinkan.",
		"en": "The field ref holds a control character, which is not allowed."} {
		req, _ := http.NewRequest("GET", f.s.URL+"/app/orders?ref="+nul, nil)
		req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
		res, err := (&http.Client{Jar: f.app}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 400 || !strings.Contains(string(b), want) {
			t.Errorf("dashboard (%s): %d, want 400 with %q:\n%s", lang, res.StatusCode, want, clip(b))
		}
	}
}
