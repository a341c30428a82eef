package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

func sessionCookie(t testing.TB, b *browser) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "loket_session" {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

func TestSessions(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	addAdmin(t, s, "boss", "rahasia-boss")
	r := addReseller(t, s, 0, "rahasia-r")
	ctx := context.Background()

	// Signed out, pages send to the sign-in page.
	anon := newBrowser(t, s)
	anon.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, p := range []string{"/admin", "/admin/orders", "/app", "/app/keys"} {
		req, _ := http.NewRequest("GET", s.URL+p, nil)
		resp, err := anon.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("%s signed out: %d %s, want 303 to /login", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	// The cookie: HttpOnly, SameSite=Lax, not Secure on http; the database keeps only
	// the token's digest.
	rb := newBrowser(t, s)
	var setCookie string
	rb.c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if setCookie == "" {
			setCookie = strings.Join(req.Response.Header.Values("Set-Cookie"), "\n")
		}
		return nil
	}
	st, body := rb.login("reseller", r.Username, "rahasia-r")
	must(t, st, body, 200)
	if !strings.Contains(setCookie, "loket_session=") || !strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "SameSite=Lax") || strings.Contains(setCookie, "Secure") {
		t.Errorf("session cookie attributes: %s", setCookie)
	}
	token := sessionCookie(t, rb).Value
	if _, err := s.DB.WebSessionByDigest(ctx, token); err == nil {
		t.Error("the raw token finds a session: it must be stored as a digest")
	}
	ws, err := s.DB.WebSessionByDigest(ctx, auth.Digest(token))
	if err != nil || ws.Kind != loket.SessionReseller || ws.SubjectID != r.ID {
		t.Fatalf("stored session: %+v, %v", ws, err)
	}

	// A reseller's session does not open the operator's pages, nor the reverse.
	st, body = rb.get("/admin")
	must(t, st, body, 200, "Beranda")
	if strings.Contains(body, "Ringkasan hari ini") {
		t.Error("a reseller's session opened the operator's overview")
	}
	op := newBrowser(t, s)
	op.login("admin", "boss", "rahasia-boss")
	st, body = op.get("/app")
	must(t, st, body, 200, "Ringkasan hari ini")

	// Sign out ends the session server-side: the old cookie no longer works.
	rb.get("/app")
	st, body = rb.post("/logout", url.Values{})
	must(t, st, body, 200, `action="/login"`)
	replay := newBrowser(t, s)
	u, _ := url.Parse(s.URL)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "loket_session", Value: token}})
	st, body = replay.get("/app")
	must(t, st, body, 200, `action="/login"`)

	// Suspending a reseller ends its sessions.
	rb2 := newBrowser(t, s)
	rb2.login("reseller", r.Username, "rahasia-r")
	op.get("/admin/resellers/" + itoa(r.ID))
	st, body = op.post("/admin/resellers/"+itoa(r.ID), url.Values{"status": {"suspended"}, "level": {"reseller"}})
	must(t, st, body, 200, "Tersimpan.")
	st, body = rb2.get("/app")
	must(t, st, body, 200, `action="/login"`)
	st, body = rb2.login("reseller", r.Username, "rahasia-r")
	must(t, st, body, http.StatusForbidden, "dinonaktifkan")
}

func TestCSRF(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	addAdmin(t, s, "boss", "rahasia-boss")
	r := addReseller(t, s, 0, "rahasia-r")
	op := newBrowser(t, s)
	op.login("admin", "boss", "rahasia-boss")
	op.get("/admin/resellers/" + itoa(r.ID))
	good := op.csrf()
	// credit posts form with the headers given as name, value pairs.
	credit := func(form url.Values, header ...string) int {
		req, _ := http.NewRequest("POST", s.URL+"/admin/resellers/"+itoa(r.ID)+"/credit", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		st, _ := op.do(req)
		return st
	}
	form := func(tok string) url.Values {
		return url.Values{"csrf": {tok}, "amount": {"5000"}, "note": {"csrf test"}, "direction": {"credit"}, "key": {"web:csrf-" + tok}}
	}
	if st := credit(form(""), "Origin", s.URL); st != http.StatusForbidden {
		t.Errorf("no token: %d, want 403", st)
	}
	if st := credit(form("forged"), "Origin", s.URL); st != http.StatusForbidden {
		t.Errorf("wrong token: %d, want 403", st)
	}
	// The right token, but the browser does not say the form came from this site.
	for _, h := range [][]string{
		{"Origin", "http://evil.example"},
		{"Origin", "http://evil.example", "Referer", s.URL + "/admin"},
		{"Referer", "http://evil.example/page"},
		{}, // neither Origin nor Referer: no browser posts a form of ours so
		{"Origin", "null"},
		{"Origin", "null", "Referer", "http://evil.example/page"},
		{"Referer", "/admin"},
	} {
		if st := credit(form(good), h...); st != http.StatusForbidden {
			t.Errorf("good token with %q: %d, want 403", h, st)
		}
	}
	// Another session's token is not this session's.
	op2 := newBrowser(t, s)
	op2.login("admin", "boss", "rahasia-boss")
	op2.get("/admin")
	if st := credit(form(op2.csrf()), "Origin", s.URL); st != http.StatusForbidden {
		t.Errorf("another session's token: %d, want 403", st)
	}
	if b := loketest.Balance(t, s, r.ID); b != 0 {
		t.Fatalf("refused posts moved money: balance %d", b)
	}
	if st := credit(form(good), "Origin", s.URL); st != http.StatusOK {
		t.Errorf("good token: %d, want 200 after the redirect", st)
	}
	if b := loketest.Balance(t, s, r.ID); b != 5000 {
		t.Fatalf("balance %d, want 5000", b)
	}
	// The same form submitted twice (same key) moves the money once.
	credit(form(good), "Origin", s.URL)
	if b := loketest.Balance(t, s, r.ID); b != 5000 {
		t.Fatalf("double submit: balance %d, want 5000", b)
	}
	// A browser that sends no Origin, or "null", is believed by its Referer.
	for i, h := range [][]string{{"Referer", s.URL + "/admin/resellers/" + itoa(r.ID)}, {"Origin", "null", "Referer", s.URL + "/admin"}} {
		f := form(good)
		f.Set("key", "web:csrf-referer-"+itoa(int64(i)))
		if st := credit(f, h...); st != http.StatusOK {
			t.Errorf("good token with %q: %d, want 200", h, st)
		}
		if b, want := loketest.Balance(t, s, r.ID), loket.Money(10000+5000*i); b != want {
			t.Fatalf("with %q: balance %d, want %d", h, b, want)
		}
	}

	// The sign-in form has its own token (cookie and field must agree).
	anon := newBrowser(t, s)
	st, _ := anon.post("/login", url.Values{"csrf": {"x"}, "as": {"admin"}, "username": {"boss"}, "password": {"rahasia-boss"}})
	if st != http.StatusForbidden {
		t.Errorf("sign-in without the form's cookie: %d, want 403", st)
	}
	// With the cookie and the field, but neither Origin nor Referer.
	anon.get("/login")
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader(url.Values{"csrf": {anon.csrf()}, "as": {"admin"},
		"username": {"boss"}, "password": {"rahasia-boss"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if st, _ := anon.do(req); st != http.StatusForbidden {
		t.Errorf("sign-in without Origin or Referer: %d, want 403", st)
	}
	// And sign-out is a POST with the token, from this site.
	req, _ = http.NewRequest("POST", s.URL+"/logout", nil)
	req.Header.Set("Origin", s.URL)
	if st, _ := op.do(req); st != http.StatusForbidden {
		t.Errorf("logout without token: %d, want 403", st)
	}
	req, _ = http.NewRequest("POST", s.URL+"/logout", strings.NewReader(url.Values{"csrf": {good}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if st, _ := op.do(req); st != http.StatusForbidden {
		t.Errorf("logout without Origin or Referer: %d, want 403", st)
	}
}

func TestLoginRateLimit(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	addAdmin(t, s, "boss", "rahasia-boss")
	b := newBrowser(t, s)
	for i := 0; i < 5; i++ {
		st, body := b.login("admin", "boss", "salah")
		must(t, st, body, http.StatusUnauthorized, "Username atau password salah.")
	}
	// Past the limit even the right password is refused, with a clear message.
	st, body := b.login("admin", "boss", "rahasia-boss")
	must(t, st, body, http.StatusTooManyRequests, "Terlalu banyak percobaan masuk yang gagal")
	// Other usernames from this address still have their own tries (the address limit
	// is higher), and a success resets nothing it should not.
	r := addReseller(t, s, 0, "rahasia-r")
	st, body = b.login("reseller", r.Username, "rahasia-r")
	must(t, st, body, 200, "Beranda")

	// Per address: 20 failures over any usernames, then the address is refused.
	c := newBrowser(t, s)
	for i := 0; i < 20; i++ {
		c.login("reseller", "nobody"+itoa(int64(i)), "x")
	}
	st, body = c.login("reseller", r.Username, "rahasia-r")
	must(t, st, body, http.StatusTooManyRequests)
}

func brandOf(t testing.TB, s *server.Server, code string) string {
	t.Helper()
	p, err := s.Core.Catalog.Product(code, "")
	if err != nil {
		t.Fatal(err)
	}
	return p.Brand
}

func regexp1(t testing.TB, body, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in:\n%.2000s", re, body)
	}
	return m[1]
}

// waitOrder waits for an order to settle.
func waitOrder(t testing.TB, s *server.Server, id string) string {
	t.Helper()
	n, _ := strconv.ParseInt(id, 10, 64)
	deadline := time.Now().Add(10 * time.Second)
	for {
		o, err := s.DB.Order(context.Background(), n, 0)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != "pending" {
			return o.Status
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s still pending", id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Reseller pages are white-label: no supplier's name or cost appears, even for orders
// a named supplier delivered.
func TestResellerPagesHideSuppliers(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		const secretName, cost = "hulurahasia", 4321
		var sid int64
		err := s.DB.Direct(ctx, func(tx *store.Tx) error {
			var err error
			sid, err = tx.UpsertSupplier(loket.Supplier{Name: secretName, Kind: "sim", BaseURL: "http://127.0.0.1:1", Enabled: true})
			if err != nil {
				return err
			}
			pid, err := tx.ProductID("HSA5")
			if err != nil {
				return err
			}
			if _, err := tx.UpsertRoute(pid, sid, "HSA5", cost, 1); err != nil {
				return err
			}
			return tx.BumpCatalog()
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB.EnsureAccount(ctx, store.SupplierAccount(sid), store.KindSupplierPayable); err != nil {
			t.Fatal(err)
		}
		if err := s.Core.Catalog.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		r := addReseller(t, s, 50_000, "rahasia-r")
		b := newBrowser(t, s)
		b.login("reseller", r.Username, "rahasia-r")
		b.get("/app/order?brand=" + brandOf(t, s, "HSA5"))
		st, body := b.post("/app/order", url.Values{"brand": {brandOf(t, s, "HSA5")}, "product": {"HSA5"}, "target": {"081234567890"}, "ref_id": {"WEBLEAK1"}})
		must(t, st, body, 200, "HSA5")
		id := regexp1(t, body, `Pesanan #(\d+)`)
		waitOrder(t, s, id)
		rows, err := s.DB.SearchOrders(ctx, loket.OrderSearch{ResellerID: r.ID})
		if err != nil || len(rows) != 1 || rows[0].SupplierName != secretName {
			t.Fatalf("the order should have gone to %s: %+v %v", secretName, rows, err)
		}
		for _, p := range []string{"/app", "/app/orders", "/app/orders/" + id, "/app/orders/" + id + "/status", "/app/ledger",
			"/app/orders.csv", "/app/ledger.csv", "/app/order?brand=" + brandOf(t, s, "HSA5"), "/app/keys", "/app/docs", "/app/deposit"} {
			st, body := b.get(p)
			must(t, st, body, 200)
			for _, leak := range []string{secretName, "4.321", "4321", "LK" + id + "A"} {
				if strings.Contains(body, leak) {
					t.Errorf("%s shows %q", p, leak)
				}
			}
		}
		// The operator sees them.
		op := newBrowser(t, s)
		addAdmin(t, s, "boss", "rahasia-boss")
		op.login("admin", "boss", "rahasia-boss")
		st, body = op.get("/admin/orders/" + id)
		must(t, st, body, 200, secretName, "Rp 4.321")
	})
}

// A reseller sees only its own orders and deposits, whatever id it puts in the URL.
func TestResellersSeeOnlyTheirOwn(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	loketest.SetupPayments(t, s)
	a := addReseller(t, s, 50_000, "rahasia-a")
	b := addReseller(t, s, 50_000, "rahasia-b")
	ab := newBrowser(t, s)
	ab.login("reseller", a.Username, "rahasia-a")
	brand := brandOf(t, s, "HSA5")
	ab.get("/app/order?brand=" + brand)
	_, body := ab.post("/app/order", url.Values{"brand": {brand}, "product": {"HSA5"}, "target": {"081234567890"}, "ref_id": {"WEBOWN1"}})
	order := regexp1(t, body, `Pesanan #(\d+)`)
	ab.get("/app/deposit")
	_, body = ab.post("/app/deposit", url.Values{"amount": {"10000"}, "method": {"qris"}})
	dep := regexp1(t, body, `Deposit #(\d+)`)

	bb := newBrowser(t, s)
	bb.login("reseller", b.Username, "rahasia-b")
	for _, p := range []string{"/app/orders/" + order, "/app/orders/" + order + "/status", "/app/deposits/" + dep, "/app/deposits/" + dep + "/status"} {
		if st, body := bb.get(p); st != http.StatusNotFound {
			t.Errorf("%s for another reseller: %d\n%.500s", p, st, body)
		}
	}
	bb.get("/app")
	st, body := bb.post("/app/deposits/"+dep+"/cancel", url.Values{})
	must(t, st, body, 200, `class="flash err"`)
	if d, err := s.DB.Deposit(context.Background(), mustInt(t, dep), 0); err != nil || d.Status != loket.DepositPending {
		t.Fatalf("another reseller's cancel: %+v %v", d, err)
	}
	for _, p := range []string{"/app/orders", "/app/orders.csv", "/app/ledger.csv"} {
		if _, body := bb.get(p); strings.Contains(body, "WEBOWN1") {
			t.Errorf("%s shows another reseller's order", p)
		}
	}
}

func mustInt(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Behind https (LOKET_PUBLIC_URL), the session cookie is Secure.
func TestSecureCookie(t *testing.T) {
	s := loketest.Start(t, "sqlite", "--public-url=https://loket.example")
	addAdmin(t, s, "boss", "rahasia-boss")
	b := newBrowser(t, s)
	b.get("/login")
	form := url.Values{"csrf": {b.csrf()}, "as": {"admin"}, "username": {"boss"}, "password": {"rahasia-boss"}}
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.URL)
	// The sign-in form's cookie is Secure too, so the jar would not send it over http.
	u, _ := url.Parse(s.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	if len(req.Cookies()) == 0 {
		req.AddCookie(&http.Cookie{Name: "loket_login", Value: b.csrf()})
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %s", resp.Status)
	}
	var found bool
	for _, c := range resp.Cookies() {
		if c.Name == "loket_session" {
			found = true
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie %+v: want Secure, HttpOnly, SameSite=Lax", c)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
}

// TestBehindProxy: from a trusted proxy (LOKET_TRUSTED_PROXIES), the pages take the
// scheme and host the proxy received (Secure cookies for https, the Origin checked
// against the proxy's host) and the session records the proxy's client; the same
// headers from anyone else change nothing. internal/e2e's TestReverseProxy does this
// through a real nginx and Caddy.
func TestBehindProxy(t *testing.T) {
	s := loketest.Start(t, "sqlite", "--trusted-proxies=127.0.0.1")
	addAdmin(t, s, "boss", "rahasia-boss")
	forwarded := []string{"X-Forwarded-For", "203.0.113.7", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "shop.example"}
	// signIn signs in from the address from, with the forwarding headers and Origin
	// origin; it returns the answer's status and its session cookie, if any.
	signIn := func(from, origin string) (int, *http.Cookie) {
		t.Helper()
		c := &http.Client{Transport: loketest.From(from), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		do := func(req *http.Request) *http.Response {
			for i := 0; i < len(forwarded); i += 2 {
				req.Header.Set(forwarded[i], forwarded[i+1])
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		req, _ := http.NewRequest("GET", s.URL+"/login", nil)
		resp := do(req)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var login *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "loket_login" {
				login = c
			}
		}
		if login == nil || login.Secure != (from == "127.0.0.1") {
			t.Fatalf("from %s: sign-in form's cookie %+v", from, login)
		}
		tok := csrfRE.FindStringSubmatch(string(body))[1]
		form := url.Values{"csrf": {tok}, "as": {"admin"}, "username": {"boss"}, "password": {"rahasia-boss"}}
		req, _ = http.NewRequest("POST", s.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		req.AddCookie(login)
		resp = do(req)
		resp.Body.Close()
		for _, c := range resp.Cookies() {
			if c.Name == "loket_session" && c.Value != "" {
				return resp.StatusCode, c
			}
		}
		return resp.StatusCode, nil
	}
	st, c := signIn("127.0.0.1", "https://shop.example")
	if st != http.StatusSeeOther || c == nil || !c.Secure {
		t.Fatalf("through the proxy: %d, session cookie %+v; want 303 and Secure", st, c)
	}
	sess, err := s.DB.WebSessionByDigest(context.Background(), auth.Digest(c.Value))
	if err != nil || sess.IP != "203.0.113.7" {
		t.Errorf("session %+v %v: want the address 203.0.113.7", sess, err)
	}
	// The proxy received shop.example: a form of this listener's own host is foreign.
	if st, _ := signIn("127.0.0.1", s.URL); st != http.StatusForbidden {
		t.Errorf("through the proxy, Origin %s: %d, want 403", s.URL, st)
	}
	// From an address not trusted the headers are the client's own words.
	if st, _ := signIn("127.0.0.2", "https://shop.example"); st != http.StatusForbidden {
		t.Errorf("from a stranger, Origin of the forged host: %d, want 403", st)
	}
	st, c = signIn("127.0.0.2", s.URL)
	if st != http.StatusSeeOther || c == nil || c.Secure {
		t.Fatalf("from a stranger: %d, session cookie %+v; want 303, not Secure", st, c)
	}
	if sess, err := s.DB.WebSessionByDigest(context.Background(), auth.Digest(c.Value)); err != nil || sess.IP != "127.0.0.2" {
		t.Errorf("session %+v %v: want the address 127.0.0.2", sess, err)
	}
}

// The language switch goes back only to a page of this site.
func TestLangRedirect(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for back, want := range map[string]string{"/app/orders?status=success": "/app/orders?status=success", "//evil.example/x": "/login",
		"https://evil.example": "/login", `/\evil.example`: "/login"} {
		resp, err := c.Get(s.URL + "/lang/en?back=" + url.QueryEscape(back))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("back=%s: went to %q, want %q", back, got, want)
		}
	}
}
