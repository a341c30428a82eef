package digiflazz_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/loket/loket/internal/loketest"
)

// FuzzTransaction sends arbitrary top-ups, signed over their ref_id or not, and
// arbitrary bodies: never a panic, never a 5xx, always Digiflazz's {"data": {... rc}}.
func FuzzTransaction(f *testing.F) {
	s := loketest.Start(f, "sqlite")
	a := newAccount(f, s, 1_000_000)
	f.Add("HSA5", "081234567890", "fz-1", "", false, true, "")
	f.Add("HSA5", "087800001233", "fz-2", "6000", true, true, "")
	f.Add("hsa5", "62812345678", "fz-3", "1e400", false, true, "")
	f.Add("MLBB-BJ-V3-ALLMLBB_ID_5", "1122334450", "fz-4", "-1", false, true, "")
	f.Add("HSA5", "0812\x00", "fz-5", "", false, false, "")
	f.Add("", "", "", "", false, false, `{"username":["x"],"ref_id":{"a":1},"sign":1e400}`)
	f.Add("", "", "", "", false, false, "username=x&ref_id=%zz&sign=")
	f.Add("", "", "", "", false, false, "\xff\xfe{")
	f.Fuzz(func(t *testing.T, sku, customer, ref, maxPrice string, testing, signed bool, raw string) {
		b := []byte(raw)
		if raw == "" {
			body := map[string]any{"username": a.Username, "buyer_sku_code": sku, "customer_no": customer, "ref_id": ref,
				"sign": "x", "testing": testing, "max_price": maxPrice}
			if signed {
				body["sign"] = a.sign(ref)
			}
			b, _ = json.Marshal(body)
		}
		r := loketest.Do(t, http.MethodPost, s.URL+base+"/transaction", b, "Content-Type", "application/json")
		if r.Status >= 500 {
			t.Fatalf("status %d for %q: %s", r.Status, b, r.Body)
		}
		var env struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(r.Body, &env); err != nil || env.Data["rc"] == nil || env.Data["status"] == nil {
			t.Fatalf("not Digiflazz's transaction answer (%v): %d %s", err, r.Status, r.Body)
		}
	})
}
