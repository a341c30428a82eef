package chestcloudx_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestDropshipMode: seed 004's Mode B as printed: the answer carries the payment; the
// customer pays; order/status shows payment_status and the order succeeding, and the
// profit reaches the profit balance; a selling price below the reseller's is refused.
func TestDropshipMode(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		loketest.SetupPayments(t, s)
		base := s.URL + "/compat/chestcloudx/api"
		r := loketest.NewReseller(t, s, 0)
		key := r.Creds.APIKey

		d := postJSON(t, base+"/order/create", `{"layanan":"1","target":"123456789","selling_price":12000,"customer_name":"Budi","customer_phone":"08123"}`,
			"X-API-Key", key).data(t)
		if d["mode"] != "dropship" || loketest.Num(t, d, "selling_price") != 12000 || loketest.Num(t, d, "reseller_cost") != 10000 ||
			loketest.Num(t, d, "reseller_profit") != 2000 || !strings.HasPrefix(loketest.Str(t, d, "invoice"), "INV-") {
			t.Fatalf("order/create = %v", d)
		}
		pay, ok := d["payment"].(map[string]any)
		if !ok {
			t.Fatalf("payment = %v", d["payment"])
		}
		amount := int64(loketest.Num(t, pay, "amount"))
		for _, k := range []string{"qr_url", "expired_at", "status_url", "invoice_url"} {
			if loketest.Str(t, pay, k) == "" {
				t.Errorf("payment.%s empty", k)
			}
		}
		if _, err := time.ParseInLocation("2006-01-02 15:04:05", loketest.Str(t, pay, "expired_at"), time.FixedZone("WIB", 7*3600)); err != nil {
			t.Errorf("expired_at: %v", err)
		}
		id := loketest.Str(t, d, "id")
		st := do(t, http.MethodGet, base+"/order/status?id="+id, "", "X-API-Key", key).data(t)
		if st["payment_status"] != "pending" || st["status"] != "Pending" {
			t.Fatalf("unpaid status %v", st)
		}
		if dep := loketest.Pay(t, s, "qris", loket.Money(amount)); dep == nil {
			t.Fatal("the customer's payment matched nothing")
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			st = do(t, http.MethodGet, base+"/order/status?id="+id, "", "X-API-Key", key).data(t)
			if st["status"] != "Pending" || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if st["status"] != "Success" || st["payment_status"] != "settlement" || loketest.Num(t, st, "reseller_profit") != 2000 {
			t.Fatalf("paid status %v", st)
		}
		re, err := s.DB.Reseller(t.Context(), r.ID, "")
		if err != nil || re.ProfitBalance != 2000 || re.Balance != 0 {
			t.Fatalf("balances %+v %v", re, err)
		}
		if msg := postJSON(t, base+"/order/create", `{"layanan":"1","target":"123456780","selling_price":9999}`, "X-API-Key", key).failure(t, 400); !strings.Contains(msg, "selling_price") {
			t.Errorf("below price: %q", msg)
		}
		for _, bad := range []string{`"12000.50"`, `"12.000"`, `-5`, `"lots"`, `0`} {
			if msg := postJSON(t, base+"/order/create", `{"layanan":"1","target":"123456781","selling_price":`+bad+`}`, "X-API-Key", key).failure(t, 400); !strings.Contains(msg, "selling_price") {
				t.Errorf("selling_price %s: %q", bad, msg)
			}
		}
		// Present, selling_price makes a dropship order whatever its value: zero or less
		// is refused with why, never taken as saldo mode (which would charge the balance).
		for _, bad := range []string{`-7000`, `0`, `"0"`, `-0.5`} {
			msg := postJSON(t, base+"/order/create", `{"layanan":"1","target":"123456782","selling_price":`+bad+`}`, "X-API-Key", key).failure(t, 400)
			if !strings.Contains(msg, "selling_price harus lebih dari 0") || !strings.Contains(msg, "10000") {
				t.Errorf("selling_price %s: %q", bad, msg)
			}
		}
		if re, err := s.DB.Reseller(t.Context(), r.ID, ""); err != nil || re.Balance != 0 {
			t.Fatalf("refused dropship orders moved the balance: %+v %v", re, err)
		}
		// null is absent: saldo mode, which this reseller (no balance) cannot pay.
		if msg := postJSON(t, base+"/order/create", `{"layanan":"1","target":"123456783","selling_price":null}`, "X-API-Key", key).failure(t, 400); msg != "Saldo tidak mencukupi." {
			t.Errorf("selling_price null: %q, want saldo mode", msg)
		}
		loketest.VerifyLedger(t, s)
	})
}
