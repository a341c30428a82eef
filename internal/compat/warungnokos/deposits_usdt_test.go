package warungnokos_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/payment/usdt"
)

const usdtAddress = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

// TestDepositUSDT: seed 000's method usdt-trc-20: an exact USDT amount to the
// operator's address, confirmed by the operator with the transaction hash; status
// then shows brand TRON and the hash; the same hash again credits nothing.
func TestDepositUSDT(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		ctx := context.Background()
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 0)
		if err := s.Core.Deposits.SetUSDT(ctx, loket.USDTConfig{Address: usdtAddress, Rate: 16250}); err != nil {
			t.Fatal(err)
		}
		if err := s.Core.Deposits.SetUSDT(ctx, loket.USDTConfig{Address: usdtAddress[:33] + "u", Rate: 16250}); err == nil || !strings.Contains(err.Error(), "checksum") {
			t.Fatalf("a mistyped address: %v", err)
		}
		r := post(t, base+"/deposit/create", rs.Key, `{"amount":50000,"method":"usdt-trc-20"}`)
		if r.Status != http.StatusOK || r.Body["success"] != true {
			t.Fatalf("deposit/create: %d %s", r.Status, r.Raw)
		}
		if got := keys(r.Body); got != "address,amount_usdt,expired_at,method,network,success,total,trxId" {
			t.Errorf("fields = %s", got)
		}
		amt := loketest.Str(t, r.Body, "amount_usdt")
		micro, err := usdt.Parse(amt)
		if err != nil || micro <= 3_080_000 || micro > 3_089_900 || len(amt) != len("3.0800") {
			t.Errorf("amount_usdt = %q, want 3.08 plus a code of 0.0001..0.0099", amt)
		}
		if r.Body["address"] != usdtAddress {
			t.Errorf("address = %v", r.Body["address"])
		}
		trx := loketest.Str(t, r.Body, "trxId")
		st, d := statusOf(t, base, rs.Key, trx, 50000)
		if st != "pending" || d["brand_name"] != "TRON" {
			t.Errorf("pending: %s %v", st, d)
		}
		// A second open USDT deposit never shares the amount.
		r2 := post(t, base+"/deposit/create", rs.Key, `{"amount":50000,"method":"usdt-trc-20"}`)
		if r2.Body["amount_usdt"] == amt {
			t.Errorf("two open deposits of %s USDT", amt)
		}

		id := depositIDOf(t, trx)
		hash := strings.Repeat("ab12", 16)
		if _, err := s.Core.Deposits.ConfirmDeposit(ctx, id, "seen on tronscan", ""); err == nil {
			t.Error("a USDT deposit confirmed without a tx hash")
		}
		dep, err := s.Core.Deposits.ConfirmDeposit(ctx, id, "", hash)
		if err != nil {
			t.Fatal(err)
		}
		if dep.Status != "success" || dep.Brand != "TRON" {
			t.Errorf("confirmed = %+v", dep)
		}
		st, d = statusOf(t, base, rs.Key, trx, 50000)
		if st != "success" || d["brand_name"] != "TRON" || d["buyer_reff"] != hash {
			t.Errorf("paid: %s %v", st, d)
		}
		// The same transaction reported again (by a watcher, or confirmed twice) is
		// recorded once.
		out, err := s.Core.Deposits.RecordPayments(ctx, usdt.SourceName, []loket.Payment{{Ref: hash, Method: loket.MethodUSDT, Amount: loket.Money(micro)}})
		if err != nil || !out[0].Duplicate {
			t.Errorf("the same tx again: %+v %v", out, err)
		}
		if b := loketest.Balance(t, s, rs.ID); b != 50000 {
			t.Errorf("balance = %d, want 50000", b)
		}
		loketest.VerifyLedger(t, s)
	})
}

// depositIDOf reads a deposit trxId (WN9000000042) back into the Loket deposit id.
func depositIDOf(t *testing.T, trx string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.TrimPrefix(trx, "WN"), 10, 64)
	if err != nil || n <= 9_000_000_000 {
		t.Fatalf("trxId %q", trx)
	}
	return n - 9_000_000_000
}
