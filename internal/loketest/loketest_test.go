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

func TestSetupPayments(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	loketest.SetupPayments(t, s)
	r := loketest.NewReseller(t, s, 0)
	ra, err := s.Core.Resellers.Authenticate(t.Context(), r.Creds.APIKey, "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Core.Deposits.CreateDeposit(t.Context(), ra, "qris", 10000, "test")
	if err != nil {
		t.Fatal(err)
	}
	if paid := loketest.Pay(t, s, "qris", d.Total); paid == nil || paid.ID != d.ID {
		t.Fatalf("paid = %+v", paid)
	}
	if b := loketest.Balance(t, s, r.ID); b != 10000 {
		t.Fatalf("balance = %d", b)
	}
}
