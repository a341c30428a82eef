package loketest_test

import (
	"net/http"
	"testing"

	"github.com/loket/loket/internal/loketest"
)

func TestStart(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		r := loketest.NewReseller(t, s, 12345)
		if r.ID == 0 || r.Username == "" || r.Creds.APIKey == "" {
			t.Fatalf("reseller %+v", r)
		}
		if got := loketest.Balance(t, s, r.ID); got != 12345 {
			t.Errorf("balance %d, want 12345", got)
		}
		res := loketest.DoJSON(t, http.MethodGet, s.URL+"/v1/me", "", "Authorization", "Bearer "+r.Creds.APIKey)
		if res.Status != http.StatusOK || loketest.Str(t, res.Body, "username") != r.Username {
			t.Errorf("GET /v1/me: %d %s", res.Status, res.Raw)
		}
		loketest.VerifyLedger(t, s)
	})
}
