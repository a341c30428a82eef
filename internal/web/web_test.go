package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// browser is an HTTP client with a cookie jar that fills forms as a person would: it
// reads each form's CSRF token from the page it came from.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	last string // the body of the last page
}

func newBrowser(t testing.TB, s *server.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.URL, c: &http.Client{Jar: jar}}
}

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return resp.StatusCode, b.last
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the last page's forms.
func (b *browser) csrf() string {
	m := csrfRE.FindStringSubmatch(b.last)
	if m == nil {
		b.t.Fatalf("no CSRF token on the page:\n%.2000s", b.last)
	}
	return m[1]
}

// post submits a form the way a browser does (Origin of this site), with the token of
// the last page unless form has one.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf())
	}
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	return b.do(req)
}

func (b *browser) login(as, user, password string) (int, string) {
	b.t.Helper()
	b.get("/login")
	return b.post("/login", url.Values{"as": {as}, "username": {user}, "password": {password}})
}

func addAdmin(t testing.TB, s *server.Server, user, password string) {
	t.Helper()
	h, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB.CreateAdmin(context.Background(), user, h); err != nil {
		t.Fatal(err)
	}
}

func addReseller(t testing.TB, s *server.Server, balance int64, password string) *loketest.Reseller {
	t.Helper()
	r := loketest.CreateReseller(t, s, loket.NewResellerInput{Balance: loket.Money(balance)})
	if err := s.Core.Resellers.SetPassword(context.Background(), r.ID, password); err != nil {
		t.Fatal(err)
	}
	return r
}

func must(t testing.TB, status int, body string, want int, contains ...string) {
	t.Helper()
	if status != want {
		t.Fatalf("status %d, want %d:\n%.3000s", status, want, body)
	}
	for _, c := range contains {
		if !strings.Contains(body, c) {
			t.Fatalf("page lacks %q:\n%.3000s", c, body)
		}
	}
}

// Every page renders for its kind of session, on each engine.
func TestPagesRender(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		loketest.SetupPayments(t, s)
		addAdmin(t, s, "boss", "rahasia-boss")
		r := addReseller(t, s, 100_000, "rahasia-r")

		op := newBrowser(t, s)
		st, body := op.login("admin", "boss", "rahasia-boss")
		must(t, st, body, 200, "Ringkasan hari ini")
		for _, p := range []string{"/admin", "/admin/orders", "/admin/orders?stuck=1", "/admin/orders?target=081234567890&status=success",
			"/admin/resellers", "/admin/resellers/" + itoa(r.ID), "/admin/catalog", "/admin/catalog?brand=FFMAX-BJ-V3",
			"/admin/suppliers", "/admin/deposits", "/admin/withdrawals", "/admin/settings"} {
			st, body := op.get(p)
			must(t, st, body, 200)
		}

		st, body = op.get("/admin/resellers?q=" + r.Username[:3])
		must(t, st, body, 200, r.Username)
		st, body = op.get("/admin/resellers?q=zzzz-nobody")
		if strings.Contains(body, r.Username) {
			t.Errorf("the reseller search found %s for zzzz-nobody", r.Username)
		}

		rb := newBrowser(t, s)
		st, body = rb.login("reseller", r.Username, "rahasia-r")
		must(t, st, body, 200, "Rp 100.000")
		for _, p := range []string{"/app", "/app/order", "/app/order?brand=MLBB-BJ-V3", "/app/orders", "/app/ledger",
			"/app/deposit", "/app/keys", "/app/docs", "/app/orders.csv", "/app/ledger.csv", "/app/bills", "/app/pln", "/app/order?brand=PLN"} {
			st, body := rb.get(p)
			must(t, st, body, 200)
		}
		// English.
		st, body = rb.get("/lang/en?back=/app")
		must(t, st, body, 200, "Balance", "Sign out")
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
