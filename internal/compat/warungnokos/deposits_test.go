package warungnokos_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

var trxIDPattern = regexp.MustCompile(`^WN9\d{9}$`)

// keys are m's keys, sorted.
func keys(m map[string]any) string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return strings.Join(k, ",")
}

// created is what deposit/create answered.
type created struct {
	TrxID   string
	Total   int64
	Expires time.Time
}

// createDeposit sends depo-create.js with body and checks the documented shape.
func createDeposit(t testing.TB, s *server.Server, base, key, body string, amount int64) created {
	t.Helper()
	r := post(t, base+"/deposit/create", key, body)
	if r.Status != http.StatusOK || r.Body["success"] != true {
		t.Fatalf("deposit/create %s: %d %s", body, r.Status, r.Raw)
	}
	if got := keys(r.Body); got != "expired_at,qr_image,qr_string,success,total,trxId" {
		t.Errorf("deposit/create fields = %s", got)
	}
	c := created{TrxID: loketest.Str(t, r.Body, "trxId"), Total: int64(loketest.Num(t, r.Body, "total"))}
	if !trxIDPattern.MatchString(c.TrxID) {
		t.Errorf("trxId = %q, want WN and ten digits from 9000000001", c.TrxID)
	}
	if c.Total <= amount || c.Total >= amount+1000 {
		t.Errorf("total = %d for amount %d, want amount plus a code of 1..999", c.Total, amount)
	}
	if qr := loketest.Str(t, r.Body, "qr_string"); !strings.HasPrefix(qr, "000201") || !strings.Contains(qr, fmt.Sprintf("54%02d%d", len(strconv.FormatInt(c.Total, 10)), c.Total)) {
		t.Errorf("qr_string = %q is not a dynamic QRIS of the total", qr)
	}
	img := loketest.Str(t, r.Body, "qr_image")
	if res := loketest.Do(t, http.MethodGet, img, nil); res.Status != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("qr_image %s: %d %s", img, res.Status, res.Header.Get("Content-Type"))
	}
	ms := loketest.Num(t, r.Body, "expired_at")
	if ms != float64(int64(ms)) {
		t.Errorf("expired_at = %v, want whole milliseconds", ms)
	}
	c.Expires = time.UnixMilli(int64(ms))
	if d := time.Until(c.Expires); d < 25*time.Minute || d > 31*time.Minute {
		t.Errorf("expired_at is %v from now, want about 30 minutes", d)
	}
	return c
}

// statusOf sends depo-status.js for trx and checks the shape; it returns the status and
// the detail.
func statusOf(t testing.TB, base, key, trx string, amount int64) (string, map[string]any) {
	t.Helper()
	r := get(t, base+"/deposit/status/"+trx, key)
	if r.Status != http.StatusOK || r.Body["success"] != true {
		t.Fatalf("deposit/status %s: %d %s", trx, r.Status, r.Raw)
	}
	if got := keys(r.Body); got != "amount,detail,status,success" {
		t.Errorf("deposit/status fields = %s", got)
	}
	if got := loketest.Num(t, r.Body, "amount"); got != float64(amount) {
		t.Errorf("amount = %v, want %d", got, amount)
	}
	d, ok := r.Body["detail"].(map[string]any)
	if !ok {
		t.Fatalf("detail is not an object: %s", r.Raw)
	}
	checkDetail(t, d, amount)
	return loketest.Str(t, r.Body, "status"), d
}

// checkDetail checks the seed's detail object.
func checkDetail(t testing.TB, d map[string]any, amount int64) {
	t.Helper()
	if got := keys(d); got != "brand_name,buyer_reff,created_at,diterima,fee,total" {
		t.Errorf("detail fields = %s", got)
	}
	at, err := time.ParseInLocation(time.DateTime, loketest.Str(t, d, "created_at"), time.FixedZone("WIB", 7*3600))
	if err != nil || time.Since(at) > 5*time.Minute || time.Since(at) < -time.Minute {
		t.Errorf("created_at = %q is not now in WIB (%v)", d["created_at"], err)
	}
	total, fee := loketest.Num(t, d, "total"), loketest.Num(t, d, "fee")
	if loketest.Num(t, d, "diterima") != float64(amount) || total != float64(amount)+fee || fee < 1 || fee > 999 {
		t.Errorf("detail = %v for amount %d", d, amount)
	}
	loketest.Str(t, d, "brand_name")
	loketest.Str(t, d, "buyer_reff")
}

// seedDeposits runs the seed's deposit examples: create, status (pending), cancel, status
// (cancel).
func seedDeposits(t *testing.T, s *server.Server, base, key string) {
	t.Helper()
	c := createDeposit(t, s, base, key, `{"amount":50000,"method":"qris"}`, 50000)
	st, d := statusOf(t, base, key, c.TrxID, 50000)
	if st != "pending" || d["brand_name"] != "QRIS" || d["buyer_reff"] != "-" || loketest.Num(t, d, "total") != float64(c.Total) {
		t.Errorf("new deposit: status %q, detail %v", st, d)
	}
	r := post(t, base+"/deposit/cancel", key, `{"trxId":"`+c.TrxID+`"}`)
	if r.Status != http.StatusOK || r.Body["success"] != true || r.Body["message"] != "Deposit dibatalkan" {
		t.Fatalf("deposit/cancel: %d %s", r.Status, r.Raw)
	}
	if got := keys(r.Body); got != "detail,message,success" {
		t.Errorf("deposit/cancel fields = %s", got)
	}
	d, _ = r.Body["detail"].(map[string]any)
	checkDetail(t, d, 50000)
	if d["brand_name"] != "QRIS" || d["buyer_reff"] != "-" {
		t.Errorf("cancelled detail = %v", d)
	}
	if st, _ := statusOf(t, base, key, c.TrxID, 50000); st != "cancel" {
		t.Errorf("status after cancel = %q", st)
	}
	// Cancelling again is refused in the seed's error shape.
	if msg := post(t, base+"/deposit/cancel", key, `{"trxId":"`+c.TrxID+`"}`).failure(t, 409); !strings.Contains(msg, "dibatalkan") {
		t.Errorf("second cancel: %q", msg)
	}
}

// TestDepositLifecycle: create, pay the total, see it succeed with the payer's brand,
// the balance up by the amount exactly once; a paid deposit cannot be cancelled.
func TestDepositLifecycle(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		loketest.SetupPayments(t, s)
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 1000)

		// method is optional (default qris); amount may be a string.
		c := createDeposit(t, s, base, rs.Key, `{"amount":"25000"}`, 25000)
		if d := loketest.Pay(t, s, "qris", loket.Money(c.Total)); d == nil {
			t.Fatal("payment of the total matched no deposit")
		}
		st, d := statusOf(t, base, rs.Key, c.TrxID, 25000)
		if st != "success" || d["brand_name"] != "DANA" || loketest.Num(t, d, "fee") != float64(c.Total-25000) ||
			loketest.Num(t, d, "diterima") != 25000 || loketest.Num(t, d, "total") != float64(c.Total) {
			t.Errorf("paid deposit: status %q, detail %v", st, d)
		}
		if b := loketest.Balance(t, s, rs.ID); b != 26000 {
			t.Errorf("balance = %d, want 26000", b)
		}
		// The same total paid again credits nothing.
		if d := loketest.Pay(t, s, "qris", loket.Money(c.Total)); d != nil {
			t.Errorf("second payment matched deposit %d", d.ID)
		}
		if b := loketest.Balance(t, s, rs.ID); b != 26000 {
			t.Errorf("balance after a second payment = %d, want 26000", b)
		}
		if msg := post(t, base+"/deposit/cancel", rs.Key, `{"trxId":"`+c.TrxID+`"}`).failure(t, 409); !strings.Contains(msg, "dibayar") {
			t.Errorf("cancel of a paid deposit: %q", msg)
		}
		if st, _ := statusOf(t, base, rs.Key, c.TrxID, 25000); st != "success" {
			t.Errorf("status after refused cancel = %q", st)
		}
		// The profile shows the new balance.
		if b := loketest.Num(t, get(t, base+"/user/profile", rs.Key).object(t), "balance"); b != 26000 {
			t.Errorf("profile balance = %v", b)
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestDepositLimits: the core's limits in the seed's messages, methods, scoping, keys
// and bodies.
func TestDepositLimits(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		loketest.SetupPayments(t, s)
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 0)
		other := newReseller(t, s, "", 0)

		if msg := post(t, base+"/deposit/create", rs.Key, `{"amount":1999}`).failure(t, 400); msg != "Minimal deposit adalah 2000." {
			t.Errorf("too small: %q", msg)
		}
		post(t, base+"/deposit/create", rs.Key, `{"amount":0}`).failure(t, 400)
		post(t, base+"/deposit/create", rs.Key, `{"amount":-2000}`).failure(t, 400)
		if msg := post(t, base+"/deposit/create", rs.Key, `{"amount":100000001}`).failure(t, 400); !strings.Contains(msg, "terlalu besar") {
			t.Errorf("too large: %q", msg)
		}
		if msg := post(t, base+"/deposit/create", rs.Key, `{"amount":50000,"method":"usdt-trc-20"}`).failure(t, 400); !strings.Contains(msg, "usdt-trc-20 belum tersedia") {
			t.Errorf("usdt: %q", msg)
		}
		post(t, base+"/deposit/create", rs.Key, `{"amount":50000,"method":"bank"}`).failure(t, 400)
		post(t, base+"/deposit/create", rs.Key, `{"amount":`).failure(t, 400)
		post(t, base+"/deposit/create", "wn-123xyz", `{"amount":50000,"method":"qris"}`).failure(t, 401)
		get(t, base+"/deposit/status/WN9000000001", "wn-123xyz").failure(t, 401)
		post(t, base+"/deposit/cancel", "wn-123xyz", `{"trxId":"WN9000000001"}`).failure(t, 401)

		// At most 3 pending; the 4th is refused until one is cancelled.
		var trx []string
		for i, amount := range []int64{2000, 10000, 20000} {
			c := createDeposit(t, s, base, rs.Key, `{"amount":`+strconv.FormatInt(amount, 10)+`,"method":"QRIS"}`, amount)
			if i > 0 && c.TrxID <= trx[i-1] {
				t.Errorf("trxIds not increasing: %v then %s", trx, c.TrxID)
			}
			trx = append(trx, c.TrxID)
		}
		if msg := post(t, base+"/deposit/create", rs.Key, `{"amount":30000}`).failure(t, 409); !strings.Contains(msg, "Maksimal 3") {
			t.Errorf("4th pending: %q", msg)
		}
		// Another reseller has its own limit, and cannot see or cancel these.
		createDeposit(t, s, base, other.Key, `{"amount":30000}`, 30000)
		get(t, base+"/deposit/status/"+trx[0], other.Key).failure(t, 404)
		post(t, base+"/deposit/cancel", other.Key, `{"trxId":"`+trx[0]+`"}`).failure(t, 404)
		// The letters of a trxId in any case.
		if r := post(t, base+"/deposit/cancel", rs.Key, `{"trxId":"`+strings.ToLower(trx[0])+`"}`); r.Status != 200 || r.Body["success"] != true {
			t.Errorf("cancel %s: %d %s", strings.ToLower(trx[0]), r.Status, r.Raw)
		}
		if st, _ := statusOf(t, base, rs.Key, trx[0], 2000); st != "cancel" {
			t.Errorf("status after cancel = %q", st)
		}
		createDeposit(t, s, base, rs.Key, `{"amount":30000}`, 30000)

		// Unknown and order-range trxIds; missing ones.
		for _, id := range []string{"WN0000000050", "WN9000000000", "WN9999999999", "WN12", "XX9000000001", "9000000001", "WN90000000a1"} {
			get(t, base+"/deposit/status/"+id, rs.Key).failure(t, 404)
			post(t, base+"/deposit/cancel", rs.Key, `{"trxId":"`+id+`"}`).failure(t, 404)
		}
		get(t, base+"/deposit/status", rs.Key).failure(t, 400)
		post(t, base+"/deposit/cancel", rs.Key, `{}`).failure(t, 400)
		post(t, base+"/deposit/cancel", rs.Key, `{"trxId":`).failure(t, 400)
		// trxId as a query parameter.
		if st, _ := statusOf(t, base, rs.Key, "?trxId="+trx[1], 10000); st != "pending" {
			t.Errorf("status by query = %q", st)
		}

		if b := loketest.Balance(t, s, rs.ID); b != 0 {
			t.Errorf("balance = %d, want 0", b)
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestDepositExpired: an expired deposit shows "cancel" and cannot be cancelled or paid.
func TestDepositExpired(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		loketest.SetupPayments(t, s)
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 0)
		c := createDeposit(t, s, base, rs.Key, `{"amount":5000}`, 5000)
		id, _ := strconv.ParseInt(strings.TrimPrefix(c.TrxID, "WN"), 10, 64)
		id -= 9_000_000_000
		ctx := context.Background()
		if err := s.DB.Write(ctx, 0, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE deposits SET expires_at = $1 WHERE id = $2`, store.Now()-60_000_000, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// Past its expiry, before and after Loket marks it expired.
		for _, sweep := range []bool{false, true} {
			if sweep {
				if err := s.DB.Write(ctx, 0, func(tx *store.Tx) error { _, err := tx.ExpireDeposits(); return err }); err != nil {
					t.Fatal(err)
				}
			}
			if st, _ := statusOf(t, base, rs.Key, c.TrxID, 5000); st != "cancel" {
				t.Errorf("expired (swept %v) status = %q", sweep, st)
			}
			if msg := post(t, base+"/deposit/cancel", rs.Key, `{"trxId":"`+c.TrxID+`"}`).failure(t, 409); !strings.Contains(msg, "kedaluwarsa") {
				t.Errorf("cancel of expired (swept %v): %q", sweep, msg)
			}
		}
		if d := loketest.Pay(t, s, "qris", loket.Money(c.Total)); d != nil {
			t.Errorf("payment matched expired deposit %d", d.ID)
		}
		if b := loketest.Balance(t, s, rs.ID); b != 0 {
			t.Errorf("balance = %d, want 0", b)
		}
		loketest.VerifyLedger(t, s)
	})
}
