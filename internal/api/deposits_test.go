package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/loket/loket/internal/api"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestDepositAnswers: a bank deposit is refused until the operator has an account, and
// then answers the accounts to pay with the exact total; every link in a deposit's
// answer is absolute.
func TestDepositAnswers(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	r := loketest.NewReseller(t, s, 0)
	post := func(body string) (int, api.Deposit, api.ErrorBody) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1/deposits", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.Creds.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var d api.Deposit
		var e api.ErrorBody
		raw := json.NewDecoder(resp.Body)
		if resp.StatusCode == http.StatusCreated {
			raw.Decode(&d)
		} else {
			raw.Decode(&e)
		}
		return resp.StatusCode, d, e
	}
	if st, _, e := post(`{"method":"bank","amount":50000}`); st != http.StatusUnprocessableEntity || e.Error.Code != loket.ENOTCONFIGURED {
		t.Fatalf("a bank deposit with no account: %d %+v", st, e)
	}
	loketest.SetupPayments(t, s)
	st, d, _ := post(`{"method":"bank","amount":50000}`)
	if st != http.StatusCreated || d.Total <= 50000 || len(d.Banks) != 2 || d.Banks[0].AccountNo == "" || d.Banks[0].Beneficiary == "" {
		t.Fatalf("a bank deposit: %d %+v", st, d)
	}
	st, d, _ = post(`{"method":"qris","amount":50000}`)
	if st != http.StatusCreated || !strings.HasPrefix(d.QRURL, s.URL+"/v1/deposits/") || !strings.HasPrefix(d.QRImage, "http") || len(d.Banks) != 0 {
		t.Fatalf("a QRIS deposit: %d %+v", st, d)
	}
}
