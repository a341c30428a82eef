package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestSupplyTokoWendigg: Loket A buys game top-ups from Loket B's seed 001 surface
// (transaction/create with the Signature header), B telling A the results by
// transaction_status webhooks, which A takes only from the allowed source address.
// The first route is an account of B without balance (a definite refusal: A moves on).
// Replayed, late and contradicting webhooks change nothing. The upstream takes no
// client reference, so an order whose create answer is lost or never comes is never
// sent again: it stays pending, charged once, for the operator.
func TestSupplyTokoWendigg(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		began := time.Now()
		c := newChain(t, engine)
		base := c.B.URL + "/compat/tokowendigg"
		poor := c.account(t, 0, "b-tw-poor")
		rich := c.account(t, 1_000_000, "b-tw")
		for _, s := range []struct {
			name string
			acct *upstreamAccount
		}{{"b-tw-poor", poor}, {"b-tw", rich}} {
			loketest.AddSupplier(t, c.A, loket.Supplier{Name: s.name, Kind: "tokowendigg", BaseURL: base, APIKey: s.acct.Creds.APIKey,
				Secret: s.acct.Creds.SecretKey, MemberID: "127.0.0.1", Enabled: true})
		}
		// The same account, but expecting webhooks from another address.
		loketest.AddSupplier(t, c.A, loket.Supplier{Name: "b-tw-elsewhere", Kind: "tokowendigg", BaseURL: base, APIKey: rich.Creds.APIKey,
			Secret: rich.Creds.SecretKey, MemberID: "192.0.2.7", Enabled: true})
		const ff, ml = "FFMAX-BJ-V3FFMAX_ID_10", "MLBB-BJ-V3-ALLMLBB_ID_5"
		loketest.AddRoute(t, c.A, ff, "b-tw-poor", ff, 1800, 10)
		loketest.AddRoute(t, c.A, ff, "b-tw", ff, 1800, 20)
		loketest.AddRoute(t, c.A, ml, "b-tw", ml, 1450, 10)

		var want []expect
		byDigit := map[int]*client.Order{}
		for _, d := range []int{0, 2, 3, 4, 5} {
			ok := d == 0 || d == 3 || d == 5
			last := "failed"
			if ok {
				last = "success"
			}
			o := c.buy(t, ff, gameID(d), nil)
			byDigit[d] = o
			want = append(want, expect{o: o, success: ok, attempts: outcomes("failed", last)})
		}
		// A product whose form has a second field (zone): it reaches B's form.
		for _, d := range []int{0, 4} {
			o := c.buy(t, ml, gameID(d), map[string]string{"server": "2001"})
			want = append(want, expect{o: o, success: d == 0, attempts: outcomes(map[bool]string{true: "success", false: "failed"}[d == 0])})
		}
		orders := c.settleAll(t, 20*time.Second, want)
		c.checkBuyer(t, orders)
		c.checkUpstream(t, poor, 0)
		bos := c.checkUpstream(t, rich, 7)
		for _, w := range want {
			o := orders[w.o.ID]
			at := attemptsOf(t, c.A, o.ID)
			bo := upstreamOrderByReference(t, bos, at[len(at)-1].SupplierTrx)
			if bo.SN != o.SN || string(bo.Status) != o.Status {
				t.Errorf("order %d: A has %s %q, B has %s %q", o.ID, o.Status, o.SN, bo.Status, bo.SN)
			}
			if bo.Target != o.Target {
				t.Errorf("order %d: B's target %q, want %q", o.ID, bo.Target, o.Target)
			}
			if o.Product == ml && bo.Fields["server"] != "2001" {
				t.Errorf("order %d: B's fields %v, want server 2001", o.ID, bo.Fields)
			}
		}

		var mlOrders []*client.Order
		for _, w := range want {
			if w.o.Product == ml {
				mlOrders = append(mlOrders, orders[w.o.ID])
			}
		}
		c.checkAfterRestart(t, loket.Supplier{Name: "b-tw", Kind: "tokowendigg", BaseURL: base, APIKey: rich.Creds.APIKey, Secret: rich.Creds.SecretKey, MemberID: "127.0.0.1"},
			append(mlOrders, orders[byDigit[3].ID], orders[byDigit[4].ID])...)

		// Webhooks again, twice, late and contradicting: nothing moves.
		before := c.beforeReplays(t, orders)
		okO, failO := byDigit[0], byDigit[2]
		refOK := attemptsOf(t, c.A, okO.ID)[1].SupplierTrx
		refFail := attemptsOf(t, c.A, failO.ID)[1].SupplierTrx
		rep := c.reportOf(t, rich, upstreamOrderByReference(t, bos, refOK).ID)
		if !strings.Contains(rep.Body, `"transaction_status"`) {
			t.Fatalf("B's report is not a transaction_status webhook: %s", rep.Body)
		}
		for i := 0; i < 2; i++ {
			if r := c.callback(t, "b-tw", rep.ContentType, rich.Creds.SecretKey, []byte(rep.Body)); r.Status != 200 || !strings.Contains(string(r.Body), `"status":200`) {
				t.Errorf("replayed webhook: %d %s", r.Status, r.Body)
			}
		}
		hook := func(ref, status, sn string) []byte {
			return []byte(fmt.Sprintf(`{"webhook_type":"transaction_status","reference":%q,"status":%q,"sn":%q,"note":"","sent_at":"2026-01-01 00:00:00"}`, ref, status, sn))
		}
		for _, b := range [][]byte{hook(refOK, "failed", ""), hook(refOK, "refund", ""), hook(refFail, "success", "LATE-SN")} {
			if r := c.callback(t, "b-tw", "application/json", rich.Creds.SecretKey, b); r.Status != 200 {
				t.Errorf("late webhook %s: %d %s", b, r.Status, r.Body)
			}
		}
		if r := c.callback(t, "b-tw", "application/json", rich.Creds.SecretKey, hook(refOK, "bogus", "")); r.Status != 400 {
			t.Errorf("webhook with an unknown status: %d %s, want 400", r.Status, r.Body)
		}
		// Signed with another key, from the allowed address: refused.
		if r := c.callback(t, "b-tw", "application/json", "not-the-secret", hook(refFail, "success", "FORGED")); r.Status != 400 || !strings.Contains(string(r.Body), "Invalid signature") {
			t.Errorf("webhook with a wrong signature: %d %s, want 400 Invalid signature", r.Status, r.Body)
		}
		// From an address the supplier does not allow: refused whatever it says.
		if r := c.callback(t, "b-tw-elsewhere", rep.ContentType, rich.Creds.SecretKey, []byte(rep.Body)); r.Status != 400 || !strings.Contains(string(r.Body), "Invalid signature") {
			t.Errorf("webhook from a foreign address: %d %s, want 400 Invalid signature", r.Status, r.Body)
		}
		c.afterReplays(t, before, orders, okO, failO)

		// B behind a proxy that hangs, then loses the answer of a create it carried out.
		prox := newFlaky(t, c.B.URL)
		lossy := c.account(t, 1_000_000, "b-tw-flaky")
		loketest.AddSupplier(t, c.A, loket.Supplier{Name: "b-tw-flaky", Kind: "tokowendigg", BaseURL: prox.URL + "/compat/tokowendigg",
			APIKey: lossy.Creds.APIKey, Secret: lossy.Creds.SecretKey, MemberID: "127.0.0.1", Enabled: true})
		const ff100 = "FFMAX-BJ-V3FFMAX_ID_100"
		loketest.AddRoute(t, c.A, ff100, "b-tw-flaky", ff100, 14500, 10)
		// The first order warms the adapter's cache of B's product and forms, so the
		// failures below hit transaction/create itself.
		warm := c.waitFinal(t, c.buy(t, ff100, gameID(9), nil).ID, 10*time.Second)
		if warm.Status != client.StatusSuccess {
			t.Fatalf("order through the proxy: %s", warm.Status)
		}
		prox.mode.Store(modeHang)
		never := c.buy(t, ff100, gameID(0), nil)
		waitAttempt(t, c.A, never.ID, "unknown", 5*time.Second)
		prox.mode.Store(modeLost)
		lost := c.buy(t, ff100, gameID(0), nil)
		waitAttempt(t, c.A, lost.ID, "unknown", 5*time.Second)
		prox.mode.Store(modePass)
		// B delivered the lost one and reported it, under a reference A never learnt:
		// the report settles nothing, and A asks again (2s) without sending again.
		c.upstreamOrders(t, lossy, 10*time.Second)
		time.Sleep(2500 * time.Millisecond)
		c.stillPending(t, never.ID)
		c.stillPending(t, lost.ID)
		if bo := c.checkUpstream(t, lossy, 2); len(bo) == 2 {
			for _, o := range bo {
				if o.Status != loket.StatusSuccess {
					t.Errorf("B order %d: %s", o.ID, o.Status)
				}
			}
		}
		orders[warm.ID] = warm
		c.checkBuyer(t, orders, never, lost)

		var ids []int64
		words := []string{"b-tw", "tokowendigg", "/compat", "/callbacks", "API2"}
		for id := range orders {
			ids = append(ids, id)
		}
		c.checkWhiteLabel(t, append(ids, never.ID, lost.ID), words...)
		c.checkBuyerHooks(t, orders, never, lost)
		loketest.VerifyLedger(t, c.A)
		loketest.VerifyLedger(t, c.B)
		t.Logf("%s: %v", engine, time.Since(began).Round(time.Millisecond))
	})
}

// upstreamOrderByReference is B's order that a seed 001 reference names: "API",
// YYMMDD, ten check digits, then the order id.
func upstreamOrderByReference(t *testing.T, os []*loket.Order, ref string) *loket.Order {
	t.Helper()
	if len(ref) <= 19 {
		t.Fatalf("%q is not a seed 001 reference", ref)
	}
	id, err := strconv.ParseInt(ref[19:], 10, 64)
	if err != nil {
		t.Fatalf("%q is not a seed 001 reference", ref)
	}
	for _, o := range os {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("B has no order %d (reference %s)", id, ref)
	return nil
}
