package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store/storetest"
)

// Seed 004's limits, as Loket serves them: 60 requests a minute per API key, and 10 a
// minute per address on the auth endpoints ("5–10/menit").
const keyLimit, authLimit = 60, 10

// dashboardSignIn signs in at base's /login as a browser does (the form's token and
// cookie, this site's Origin) and returns the status and the page.
func dashboardSignIn(t *testing.T, base, username, password string) (int, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	st, page, _ := signIn(t, c, base, base, username, password)
	return st, page
}

// seedLogin is seed 004's auth/login on s.
func seedLogin(t *testing.T, s *server.Server, username, password string) loketest.JSON {
	t.Helper()
	return loketest.DoJSON(t, http.MethodPost, s.URL+"/compat/chestcloudx/api/auth/login",
		`{"user_id":"`+username+`","password":"`+password+`"}`, "Content-Type", "application/json")
}

// TestLimitsAcrossNodes: two nodes on one PostgreSQL count together, whichever node and
// surface a request reaches: failed sign-ins (the dashboard's and seed 004's login
// lock the same username), seed 004's 60 requests a minute per key, and its 10 auth
// requests a minute per address.
func TestLimitsAcrossNodes(t *testing.T) {
	if len(storetest.Engines()) < 2 {
		t.Skip("needs PostgreSQL (" + storetest.EnvPostgres + ")")
	}
	shared := "--database-url=" + storetest.URL(t, "postgres")
	nodes := []*server.Server{loketest.Start(t, "postgres", shared), loketest.Start(t, "postgres", shared)}
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	// Self-registration open (the demo's setting), so registrations reach the limit.
	if err := a.DB.SetSetting(ctx, loket.SettingSelfRegistration, "on"); err != nil {
		t.Fatal(err)
	}
	r := loketest.NewReseller(t, a, 0)
	if err := a.Core.Resellers.SetPassword(ctx, r.ID, "rahasia"); err != nil {
		t.Fatal(err)
	}

	// Five wrong passwords: three on node A's dashboard, two on node B's seed 004.
	for range 3 {
		if st, body := dashboardSignIn(t, a.URL, r.Username, "salah"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password on the dashboard: %d %.300s", st, body)
		}
	}
	for range 2 {
		seedLogin(t, b, r.Username, "salah").Failure(t, http.StatusUnauthorized, "status")
	}
	// The username is locked everywhere, the right password too.
	res := seedLogin(t, a, r.Username, "rahasia")
	if msg := res.Failure(t, http.StatusTooManyRequests, "status"); !strings.Contains(msg, "percobaan login yang gagal") || res.Header.Get("Retry-After") == "" {
		t.Errorf("seed 004 login after 5 failures: %q, Retry-After %q", msg, res.Header.Get("Retry-After"))
	}
	if st, body := dashboardSignIn(t, b.URL, r.Username, "rahasia"); st != http.StatusTooManyRequests || !strings.Contains(body, "Terlalu banyak percobaan masuk") {
		t.Errorf("dashboard sign-in after 5 failures: %d %.300s", st, body)
	}

	// 60 requests a minute per key, spread over both nodes.
	key := loketest.NewReseller(t, a, 0).Creds.APIKey
	for i := range keyLimit {
		res := loketest.DoJSON(t, http.MethodGet, nodes[i%2].URL+"/compat/chestcloudx/api/user/me", "", "X-API-Key", key)
		if res.Status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, res.Status, res.Raw)
		}
	}
	for _, s := range nodes {
		loketest.DoJSON(t, http.MethodGet, s.URL+"/compat/chestcloudx/api/user/me", "", "X-API-Key", key).Failure(t, http.StatusTooManyRequests, "status")
	}

	// 10 auth requests a minute per address: seed 004's three logins above, and seven
	// registrations (refused as bad input, counted all the same), then none on either.
	for i := range authLimit - 3 {
		loketest.DoJSON(t, http.MethodPost, nodes[i%2].URL+"/compat/chestcloudx/api/auth/register", `{"username":"x"}`).Failure(t, http.StatusBadRequest, "status")
	}
	for _, s := range nodes {
		res := loketest.DoJSON(t, http.MethodPost, s.URL+"/compat/chestcloudx/api/auth/register", `{"username":"x"}`)
		if msg := res.Failure(t, http.StatusTooManyRequests, "status"); msg != "Terlalu banyak request, coba lagi nanti." {
			t.Errorf("auth request past the limit: %q", msg)
		}
	}
}
