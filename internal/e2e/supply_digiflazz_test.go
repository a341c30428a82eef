package e2e

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/compat/digiflazz"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestSupplyDigiflazz: Loket A buys pulsa from Loket B through A's digiflazz supplier
// adapter pointed at B's /compat/digiflazz, signing with B's username and secret key,
// B telling A the results by Digiflazz webhooks (X-Hub-Signature with the same key)
// at A's callback URL. The first route is an account of B without balance (rc 44, a
// definite refusal: A moves on). Pending orders end by B's webhook; replayed and
// contradicting webhooks change nothing; both books add up.
func TestSupplyDigiflazz(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		began := time.Now()
		c := newChain(t, engine)
		base := c.B.URL + "/compat/digiflazz"
		poor := c.account(t, 0, "b-df-poor")
		rich := c.account(t, 1_000_000, "b-df")
		// The Digiflazz username is the Loket username; key and webhook secret, the
		// account's secret key.
		supplierOf := func(name string, acct *upstreamAccount) loket.Supplier {
			return loket.Supplier{Name: name, Kind: "digiflazz", BaseURL: base, APIKey: acct.Creds.SecretKey,
				Secret: acct.Creds.SecretKey, MemberID: acct.Username, Enabled: true}
		}
		loketest.AddSupplier(t, c.A, supplierOf("b-df-poor", poor))
		loketest.AddSupplier(t, c.A, supplierOf("b-df", rich))
		loketest.AddRoute(t, c.A, "HSA5", "b-df-poor", "HSA5", 5300, 10)
		loketest.AddRoute(t, c.A, "HSA5", "b-df", "HSA5", 5300, 20)

		var want []expect
		byDigit := map[int]*client.Order{}
		for _, d := range []int{0, 2, 3, 4, 5} {
			ok := d == 0 || d == 3 || d == 5
			last := "failed"
			if ok {
				last = "success"
			}
			o := c.buy(t, "HSA5", uniqueMSISDN(d), nil)
			byDigit[d] = o
			want = append(want, expect{o: o, success: ok, attempts: outcomes("failed", last)})
		}
		orders := c.settleAll(t, 30*time.Second, want)
		c.checkBuyer(t, orders)
		c.checkUpstream(t, poor, 0)
		bos := c.checkUpstream(t, rich, len(want))
		for _, w := range want {
			o := orders[w.o.ID]
			at := attemptsOf(t, c.A, o.ID)
			last := at[len(at)-1]
			bo := upstreamOrderByRef(t, bos, last.SupplierRef)
			if bo.SN != o.SN || bo.Status != o.Status || bo.Target != o.Target || bo.Surface != digiflazz.Surface {
				t.Errorf("order %d: A has %s %q %s, B has %s %q %s via %s", o.ID, o.Status, o.SN, o.Target, bo.Status, bo.SN, bo.Target, bo.Surface)
			}
			if last.SupplierTrx != fmt.Sprint(bo.ID) && o.Status == client.StatusSuccess && last.SupplierTrx != "" {
				t.Errorf("order %d: A recorded B's trx %q, B's order is %d", o.ID, last.SupplierTrx, bo.ID)
			}
		}
		// The pending ones ended by B's webhook: A asks by re-sending only after a
		// minute, which has not passed.
		for _, d := range []int{3, 4} {
			if time.Since(began) > time.Minute {
				break
			}
			at := attemptsOf(t, c.A, byDigit[d].ID)
			if got := at[len(at)-1].Outcome; got != map[int]string{3: "success", 4: "failed"}[d] {
				t.Errorf("digit %d: last attempt %s", d, got)
			}
		}

		// A's status check is the same top-up again (the adapter waits a minute
		// before it re-sends; a client sends it now): B answers each order as it ended,
		// and charges nothing more.
		bBalance := loketest.Balance(t, c.B, rich.ID)
		for _, w := range want {
			o := orders[w.o.ID]
			at := attemptsOf(t, c.A, o.ID)
			ref := at[len(at)-1].SupplierRef
			sum := md5.Sum([]byte(rich.Username + rich.Creds.SecretKey + ref))
			body := fmt.Sprintf(`{"username":%q,"buyer_sku_code":"HSA5","customer_no":%q,"ref_id":%q,"sign":%q}`,
				rich.Username, o.Target, ref, hex.EncodeToString(sum[:]))
			ans := loketest.DoJSON(t, "POST", base+"/v1/transaction", body, "Content-Type", "application/json")
			data, _ := ans.Body["data"].(map[string]any)
			wantStatus := map[string]string{client.StatusSuccess: "Sukses", client.StatusFailed: "Gagal"}[o.Status]
			if ans.Status != 200 || data["status"] != wantStatus || data["sn"] != o.SN || data["ref_id"] != ref {
				t.Errorf("status check of order %d (%s %q): %d %s", o.ID, o.Status, o.SN, ans.Status, ans.Raw)
			}
		}
		if got := loketest.Balance(t, c.B, rich.ID); got != bBalance {
			t.Errorf("B: status checks moved %s's balance: %d, was %d", rich.Username, got, bBalance)
		}

		// B's webhook again, twice, and contradicting ones: nothing moves.
		before := c.beforeReplays(t, orders)
		okO, failO := byDigit[0], byDigit[2]
		bok := upstreamOrderByRef(t, bos, attemptsOf(t, c.A, okO.ID)[1].SupplierRef)
		bfail := upstreamOrderByRef(t, bos, attemptsOf(t, c.A, failO.ID)[1].SupplierRef)
		rep := c.reportOf(t, rich, bok.ID)
		if !strings.Contains(rep.Body, `"data"`) || rep.Event != digiflazz.WebhookEvent {
			t.Fatalf("B's report is not a Digiflazz webhook: %s %s", rep.Event, rep.Body)
		}
		send := func(secret string, body []byte) loketest.Response {
			return loketest.Do(t, "POST", loketest.CallbackURL(c.A, "b-df"), body, "Content-Type", "application/json",
				"User-Agent", digiflazz.UserAgent, "X-Digiflazz-Event", "update", "X-Hub-Signature", digiflazz.Signature(secret, body))
		}
		for i := 0; i < 2; i++ {
			if r := send(rich.Creds.SecretKey, []byte(rep.Body)); r.Status != 200 {
				t.Errorf("replayed webhook: %d %s", r.Status, r.Body)
			}
		}
		late := func(o *loket.Order, status, rc, sn string) []byte {
			return []byte(fmt.Sprintf(`{"data":{"trx_id":"%d","ref_id":%q,"customer_no":%q,"buyer_sku_code":"HSA5","message":"x","status":%q,"rc":%q,"sn":%q,"buyer_last_saldo":0,"price":%d,"tele":"","wa":""}}`,
				o.ID, o.RefID, o.Target, status, rc, sn, o.Price))
		}
		for _, b := range [][]byte{late(bok, "Gagal", "02", ""), late(bfail, "Sukses", "00", "LATE-SN")} {
			if r := send(rich.Creds.SecretKey, b); r.Status != 200 {
				t.Errorf("late webhook %s: %d %s", b, r.Status, r.Body)
			}
		}
		if r := send("not-the-key", late(bfail, "Sukses", "00", "FORGED")); r.Status != 401 {
			t.Errorf("webhook with a wrong signature: %d %s, want 401", r.Status, r.Body)
		}
		c.afterReplays(t, before, orders, okO, failO)

		var ids []int64
		words := []string{"b-df", "digiflazz", "/compat", "/callbacks", "Pusat"}
		for id := range orders {
			ids = append(ids, id)
			for _, at := range attemptsOf(t, c.A, id) {
				words = append(words, at.SupplierRef)
			}
		}
		c.checkWhiteLabel(t, ids, words...)
		c.checkBuyerHooks(t, orders)
		loketest.VerifyLedger(t, c.A)
		loketest.VerifyLedger(t, c.B)
		t.Logf("%s: %v", engine, time.Since(began).Round(time.Millisecond))
	})
}
