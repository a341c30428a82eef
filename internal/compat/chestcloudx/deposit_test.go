package chestcloudx_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/compat/chestcloudx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// depositData checks payment/deposit's success answer
// {"status":"success","data":{orderId, amountToPay, qrCodeUrl, expiryTime}} and returns data.
func (r resp) depositData(t testing.TB) map[string]any {
	t.Helper()
	if r.Status != http.StatusOK || r.Body["status"] != "success" || len(r.Body) != 2 {
		t.Fatalf("want 200 with status \"success\", got %d %s", r.Status, r.Raw)
	}
	d, ok := r.Body["data"].(map[string]any)
	if !ok || len(d) != 4 {
		t.Fatalf("data is not an object of 4 fields: %s", r.Raw)
	}
	return d
}

// depositState checks one deposit as payment/status and payment/history show it.
func depositState(t testing.TB, m map[string]any, orderID, status string, amount float64) {
	t.Helper()
	if len(m) != 3 || loketest.Str(t, m, "orderId") != orderID || loketest.Str(t, m, "status") != status || loketest.Num(t, m, "amount") != amount {
		t.Errorf("deposit = %v, want orderId %s, status %s, amount %v", m, orderID, status, amount)
	}
}

func TestDeposits(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/chestcloudx/api"
		r := loketest.NewReseller(t, s, 0)
		key := r.Creds.APIKey

		// QRIS not set up yet.
		if msg := postJSON(t, base+"/payment/deposit", `{"amount":50000,"fee":0}`, "X-API-Key", key).failure(t, 400); !strings.Contains(msg, "QRIS") {
			t.Errorf("no QRIS: message %q", msg)
		}
		loketest.SetupPayments(t, s)

		// payment/deposit, as printed.
		before := time.Now()
		d := postJSON(t, base+"/payment/deposit", `{"amount":50000,"fee":0}`, "X-API-Key", key).depositData(t)
		orderID := loketest.Str(t, d, "orderId")
		if !strings.HasPrefix(orderID, "DEP-") {
			t.Errorf("orderId %q", orderID)
		}
		total := loketest.Num(t, d, "amountToPay")
		if total <= 50000 || total > 50999 || total != float64(int64(total)) {
			t.Errorf("amountToPay %v", total)
		}
		qr := loketest.Str(t, d, "qrCodeUrl")
		if !strings.HasPrefix(qr, s.URL+"/qr/") {
			t.Errorf("qrCodeUrl %q", qr)
		}
		if png := loketest.Do(t, http.MethodGet, qr, nil); png.Status != 200 || png.Header.Get("Content-Type") != "image/png" {
			t.Errorf("qrCodeUrl answers %d %s", png.Status, png.Header.Get("Content-Type"))
		}
		exp, err := time.ParseInLocation("2006-01-02 15:04:05", loketest.Str(t, d, "expiryTime"), time.FixedZone("WIB", 7*3600))
		if err != nil {
			t.Fatal(err)
		}
		if e := exp.Sub(before); e < 29*time.Minute || e > 31*time.Minute {
			t.Errorf("expiryTime %v is %v from now", exp, e)
		}

		// payment/status/{orderId} and payment/history, as printed.
		depositState(t, do(t, http.MethodGet, base+"/payment/status/"+orderID, "", "X-API-Key", key).Body, orderID, "pending", 50000)
		h := do(t, http.MethodGet, base+"/payment/history", "", "X-API-Key", key)
		if h.Status != 200 || h.Body["status"] != "success" {
			t.Fatalf("payment/history = %d %s", h.Status, h.Raw)
		}
		l, _ := h.Body["data"].([]any)
		if len(l) != 1 {
			t.Fatalf("payment/history data = %s", h.Raw)
		}
		depositState(t, l[0].(map[string]any), orderID, "pending", 50000)

		// Paid: credited once, with the brand and the unique code as the fee.
		paid := loketest.Pay(t, s, "qris", loket.Money(int64(total)))
		if paid == nil || paid.Status != loket.DepositSuccess || "DEP-"+strconv.FormatInt(paid.ID, 10) != orderID ||
			paid.Amount != 50000 || int64(paid.Fee()) != int64(total)-50000 || paid.Brand != "DANA" {
			t.Fatalf("paid deposit = %+v", paid)
		}
		depositState(t, do(t, http.MethodGet, base+"/payment/status/"+orderID, "", "X-API-Key", key).Body, orderID, "settlement", 50000)
		if b := loketest.Balance(t, s, r.ID); b != 50000 {
			t.Errorf("balance %d, want 50000", b)
		}
		if again := loketest.Pay(t, s, "qris", loket.Money(int64(total))); again != nil {
			t.Errorf("a second payment of the total paid %+v", again)
		}
		if b := loketest.Balance(t, s, r.ID); b != 50000 {
			t.Errorf("balance after a second payment %d, want 50000", b)
		}
		// The lower-case id and the query form work too; the status is not in an envelope.
		st := do(t, http.MethodGet, base+"/payment/status?apikey="+key+"&orderId="+strings.ToLower(orderID), "")
		depositState(t, st.Body, orderID, "settlement", 50000)

		// Cancel (a Loket addition), by the query key and a string amount.
		c := do(t, http.MethodPost, base+"/payment/deposit?apikey="+key, `{"amount":"20000"}`).depositData(t)
		cid := loketest.Str(t, c, "orderId")
		depositState(t, do(t, http.MethodPost, base+"/payment/cancel/"+cid, "", "X-API-Key", key).Body, cid, "cancel", 20000)
		depositState(t, do(t, http.MethodGet, base+"/payment/status/"+cid, "", "X-API-Key", key).Body, cid, "cancel", 20000)
		do(t, http.MethodPost, base+"/payment/cancel/"+cid, "", "X-API-Key", key).failure(t, 409)
		if p := loketest.Pay(t, s, "qris", loket.Money(int64(loketest.Num(t, c, "amountToPay")))); p != nil {
			t.Errorf("a cancelled deposit was paid: %+v", p)
		}

		// Bad input: nothing opened.
		for _, body := range []string{`{"amount":1000,"fee":0}`, `{"amount":50000,"fee":2500}`, `{"amount":"abc"}`, `{"amount":-5}`,
			`{"amount":50000.5}`, `{"fee":0}`, `{"amount":`, `[1]`, `{"amount":200000000}`} {
			postJSON(t, base+"/payment/deposit", body, "X-API-Key", key).failure(t, 400)
		}
		// Unknown, malformed or someone else's orderId.
		other := loketest.NewReseller(t, s, 0)
		for _, id := range []string{"DEP-99999999", "DEP-abc", "xyz", "DEP-"} {
			do(t, http.MethodGet, base+"/payment/status/"+id, "", "X-API-Key", key).failure(t, 404)
		}
		do(t, http.MethodGet, base+"/payment/status/"+orderID, "", "X-API-Key", other.Creds.APIKey).failure(t, 404)
		do(t, http.MethodPost, base+"/payment/cancel/"+orderID, "", "X-API-Key", other.Creds.APIKey).failure(t, 404)
		do(t, http.MethodGet, base+"/payment/status", "", "X-API-Key", key).failure(t, 400)
		if l, _ := do(t, http.MethodGet, base+"/payment/history", "", "X-API-Key", other.Creds.APIKey).Body["data"].([]any); l == nil || len(l) != 0 {
			t.Errorf("another reseller's history is not empty: %v", l)
		}
		// Bad key.
		postJSON(t, base+"/payment/deposit", `{"amount":50000,"fee":0}`, "X-API-Key", "nope").failure(t, 401)

		// Three open deposits at most.
		var open []string
		for i := 0; i < 3; i++ {
			open = append(open, loketest.Str(t, postJSON(t, base+"/payment/deposit", `{"amount":10000}`, "X-API-Key", key).depositData(t), "orderId"))
		}
		if msg := postJSON(t, base+"/payment/deposit", `{"amount":10000}`, "X-API-Key", key).failure(t, 409); !strings.Contains(msg, "3") {
			t.Errorf("4th open deposit: message %q", msg)
		}

		// History: newest first.
		h = do(t, http.MethodGet, base+"/payment/history", "", "X-API-Key", key)
		l, _ = h.Body["data"].([]any)
		want := []string{open[2], open[1], open[0], cid, orderID}
		if len(l) != len(want) {
			t.Fatalf("history = %s", h.Raw)
		}
		for i, x := range l {
			if got := loketest.Str(t, x.(map[string]any), "orderId"); got != want[i] {
				t.Errorf("history[%d] = %s, want %s", i, got, want[i])
			}
		}
		if b := loketest.Balance(t, s, r.ID); b != 50000 {
			t.Errorf("balance %d, want 50000", b)
		}
		loketest.VerifyLedger(t, s)
	})
}

func TestDepositStatusWords(t *testing.T) {
	for in, want := range map[string]string{loket.DepositPending: "pending", loket.DepositSuccess: "settlement",
		loket.DepositExpired: "expired", loket.DepositCancel: "cancel"} {
		if got := chestcloudx.DepositStatusWord(in); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
}

// TestDepositRateLimit: the deposit endpoints share the per-key limit.
func TestDepositRateLimit(t *testing.T) {
	s := start(t, "sqlite")
	loketest.SetupPayments(t, s)
	clock := newClock()
	ts := httptest.NewServer(chestcloudx.NewHandler(s.Core.Services(), s.Log, clock.now))
	defer ts.Close()
	base := ts.URL + "/compat/chestcloudx/api"
	key := loketest.NewReseller(t, s, 0).Creds.APIKey
	for i := 0; i < chestcloudx.KeyLimit-1; i++ {
		do(t, http.MethodGet, base+"/payment/history", "", "X-API-Key", key)
	}
	postJSON(t, base+"/payment/deposit", `{"amount":50000,"fee":0}`, "X-API-Key", key).depositData(t)
	limited(t, postJSON(t, base+"/payment/deposit", `{"amount":50000,"fee":0}`, "X-API-Key", key), 60)
	limited(t, do(t, http.MethodGet, base+"/payment/status/DEP-1", "", "X-API-Key", key), 60)
}
