package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestSupplySOCX: Loket A buys from Loket B's seed 002 surface, over JSON and over
// XML-RPC, B reporting results to A's callback URL (purchase JSON reports and
// topUpReport calls, signed with the account's secret key). Every order first tries an
// account of B without balance (refused: a definite failure, so A moves on), then a
// funded one. Replayed and contradicting reports change nothing; a B behind a proxy
// that hangs, loses answers or answers garbage leaves A's orders pending, charged once
// and never refunded, until B answers again.
func TestSupplySOCX(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		began := time.Now()
		c := newChain(t, engine)
		base := c.B.URL + "/compat/socx"
		poor := c.account(t, 0, "b-socx-poor")
		js := c.account(t, 1_000_000, "b-socx-json")
		xr := c.account(t, 1_000_000, "b-socx-xml")
		for _, s := range []struct {
			name, mode string
			acct       *upstreamAccount
		}{{"b-socx-poor", "", poor}, {"b-socx-json", "", js}, {"b-socx-xml", "xml", xr}} {
			loketest.AddSupplier(t, c.A, loket.Supplier{Name: s.name, Kind: "socx", BaseURL: base, APIKey: s.acct.Creds.APIKey,
				Secret: s.acct.Creds.SecretKey, MemberID: s.mode, Enabled: true})
		}
		loketest.AddRoute(t, c.A, "HSA5", "b-socx-poor", "HSA5", 5300, 10)
		loketest.AddRoute(t, c.A, "HSA5", "b-socx-json", "HSA5", 5300, 20)
		loketest.AddRoute(t, c.A, "S5", "b-socx-xml", "S5", 5600, 10)
		loketest.AddRoute(t, c.A, "MLBB-BJ-V3-ALLMLBB_ID_10", "b-socx-xml", "MLBB-BJ-V3-ALLMLBB_ID_10", 1880, 10)

		var want []expect
		byDigit := map[string]map[int]*client.Order{"HSA5": {}, "S5": {}}
		for _, d := range []int{0, 2, 3, 4, 5} {
			ok := d == 0 || d == 3 || d == 5
			last := "failed"
			if ok {
				last = "success"
			}
			j := c.buy(t, "HSA5", uniqueMSISDN(d), nil)
			x := c.buy(t, "S5", uniqueMSISDN(d), nil)
			byDigit["HSA5"][d], byDigit["S5"][d] = j, x
			want = append(want, expect{o: j, success: ok, attempts: outcomes("failed", last)},
				expect{o: x, success: ok, attempts: outcomes(last)})
		}
		// A game with a zone: the zone goes as a further topUpRequest member.
		game := c.buy(t, "MLBB-BJ-V3-ALLMLBB_ID_10", gameID(0), map[string]string{"server": "2001"})
		want = append(want, expect{o: game, success: true, attempts: outcomes("success")})
		// Meanwhile, B behind a proxy that fails, with no reports: A only hears by
		// asking.
		prox := newFlaky(t, c.B.URL)
		quiet := c.account(t, 1_000_000, "")
		loketest.AddSupplier(t, c.A, loket.Supplier{Name: "b-socx-flaky", Kind: "socx", BaseURL: prox.URL + "/compat/socx",
			APIKey: quiet.Creds.APIKey, Secret: quiet.Creds.SecretKey, Enabled: true})
		loketest.AddRoute(t, c.A, "I5", "b-socx-flaky", "I5", 5700, 10)
		prox.mode.Store(modeHang)
		never := c.buy(t, "I5", uniqueMSISDN(0), nil) // never reaches B
		waitAttempt(t, c.A, never.ID, "unknown", 5*time.Second)
		prox.mode.Store(modeLost)
		lost := c.buy(t, "I5", uniqueMSISDN(0), nil) // B delivers; the answer is lost
		waitAttempt(t, c.A, lost.ID, "unknown", 5*time.Second)
		prox.mode.Store(modeGarbage)
		prox.waitRefused(t, prox.refused.Load()+2, 10*time.Second) // each asked again
		prox.mode.Store(modeDown)
		c.stillPending(t, never.ID)
		c.stillPending(t, lost.ID)
		prox.mode.Store(modePass)
		lostDone := c.waitFinal(t, lost.ID, 15*time.Second)
		if lostDone.Status != client.StatusSuccess || lostDone.SN == "" {
			t.Errorf("order whose answer was lost: %s %q, want success once B answers", lostDone.Status, lostDone.SN)
		}
		// The order B never received stays pending for the operator: "not found" is
		// not proof that nothing was sent.
		c.stillPending(t, never.ID)
		// B's report of a pending order arriving many times at once: one settlement.
		dup := c.buy(t, "I5", uniqueMSISDN(3), nil)
		waitAttempt(t, c.A, dup.ID, "pending", 5*time.Second)
		dupRef := attemptsOf(t, c.A, dup.ID)[0].SupplierRef
		bdup := upstreamOrderByRef(t, c.upstreamOrders(t, quiet, 10*time.Second), dupRef)
		report := []byte(fmt.Sprintf(`{"code":"I5","msisdn":%q,"request_id":%q,"rc":"00","trxid":%d,"price":%d,"sn":%q,"message":"SUKSES"}`,
			bdup.Target, dupRef, bdup.ID, bdup.Price, bdup.SN))
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Go(func() {
				req, _ := http.NewRequest("POST", loketest.CallbackURL(c.A, "b-socx-flaky"), bytes.NewReader(report))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Loket-Signature", auth.Sign(quiet.Creds.SecretKey, report))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Errorf("concurrent report: %v", err)
					return
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Errorf("concurrent report: %d", res.StatusCode)
				}
			})
		}
		wg.Wait()
		dupDone := c.waitFinal(t, dup.ID, 5*time.Second)
		if dupDone.Status != client.StatusSuccess || dupDone.SN != bdup.SN {
			t.Errorf("order reported 8 times at once: %s %q, want success %q", dupDone.Status, dupDone.SN, bdup.SN)
		}
		c.checkUpstream(t, quiet, 2)
		orders := c.settleAll(t, 20*time.Second, want)
		orders[lostDone.ID] = lostDone
		orders[dupDone.ID] = dupDone
		c.checkBuyer(t, orders, never)
		c.checkUpstream(t, poor, 0)
		bjs := c.checkUpstream(t, js, 5)
		bxr := c.checkUpstream(t, xr, 6)
		for _, w := range want {
			o := orders[w.o.ID]
			at := attemptsOf(t, c.A, o.ID)
			last := at[len(at)-1]
			bo := upstreamOrderByRef(t, append(append([]*loket.Order{}, bjs...), bxr...), last.SupplierRef)
			if bo.SN != o.SN || string(bo.Status) != o.Status {
				t.Errorf("order %d: A has %s %q, B has %s %q", o.ID, o.Status, o.SN, bo.Status, bo.SN)
			}
			if bo.Target != o.Target || fmt.Sprint(bo.Fields) != fmt.Sprint(o.Fields) {
				t.Errorf("order %d: A has %s %v, B has %s %v", o.ID, o.Target, o.Fields, bo.Target, bo.Fields)
			}
		}

		c.checkAfterRestart(t, loket.Supplier{Name: "b-socx-json", Kind: "socx", BaseURL: base, APIKey: js.Creds.APIKey, Secret: js.Creds.SecretKey},
			orders[byDigit["HSA5"][0].ID], orders[byDigit["HSA5"][4].ID])
		c.checkAfterRestart(t, loket.Supplier{Name: "b-socx-xml", Kind: "socx", BaseURL: base, APIKey: xr.Creds.APIKey, Secret: xr.Creds.SecretKey, MemberID: "xml"},
			orders[byDigit["S5"][5].ID], orders[byDigit["S5"][2].ID], orders[game.ID])

		// Reports again, twice, and contradicting ones: nothing moves.
		before := c.beforeReplays(t, orders)
		okJ, failJ := byDigit["HSA5"][0], byDigit["HSA5"][2]
		refOK, refFail := attemptsOf(t, c.A, okJ.ID)[1].SupplierRef, attemptsOf(t, c.A, failJ.ID)[1].SupplierRef
		rep := c.reportOf(t, js, upstreamOrderByRef(t, bjs, refOK).ID)
		for i := 0; i < 2; i++ {
			if r := c.callback(t, "b-socx-json", rep.ContentType, js.Creds.SecretKey, []byte(rep.Body)); r.Status != 200 || !strings.Contains(string(r.Body), `"rc":"00"`) {
				t.Errorf("replayed report: %d %s", r.Status, r.Body)
			}
		}
		late := fmt.Sprintf(`{"code":"HSA5","msisdn":%q,"request_id":%q,"rc":"23","message":"GAGAL","sn":""}`, okJ.Target, refOK)
		if r := c.callback(t, "b-socx-json", "application/json", js.Creds.SecretKey, []byte(late)); r.Status != 200 {
			t.Errorf("late failure report: %d %s", r.Status, r.Body)
		}
		lateOK := fmt.Sprintf(`{"code":"HSA5","msisdn":%q,"request_id":%q,"rc":"00","message":"SUKSES","sn":"LATE-SN"}`, failJ.Target, refFail)
		if r := c.callback(t, "b-socx-json", "application/json", js.Creds.SecretKey, []byte(lateOK)); r.Status != 200 {
			t.Errorf("late success report: %d %s", r.Status, r.Body)
		}
		forged := fmt.Sprintf(`{"request_id":%q,"rc":"23"}`, refOK)
		if r := c.callback(t, "b-socx-json", "application/json", "not-the-secret", []byte(forged)); r.Status != 401 {
			t.Errorf("forged report: %d %s, want 401", r.Status, r.Body)
		}
		okX := byDigit["S5"][0]
		refX := attemptsOf(t, c.A, okX.ID)[0].SupplierRef
		repX := c.reportOf(t, xr, upstreamOrderByRef(t, bxr, refX).ID)
		if !strings.Contains(repX.Body, "topUpReport") {
			t.Errorf("B's report of an XML order is not a topUpReport: %s", repX.Body)
		}
		for i := 0; i < 2; i++ {
			if r := c.callback(t, "b-socx-xml", repX.ContentType, xr.Creds.SecretKey, []byte(repX.Body)); r.Status != 200 || !strings.Contains(string(r.Body), "methodResponse") {
				t.Errorf("replayed topUpReport: %d %s", r.Status, r.Body)
			}
		}
		lateX := topUpReport("23", refX, "GAGAL", "")
		if r := c.callback(t, "b-socx-xml", "text/xml", xr.Creds.SecretKey, []byte(lateX)); r.Status != 200 {
			t.Errorf("late topUpReport: %d %s", r.Status, r.Body)
		}
		c.afterReplays(t, before, orders, okJ, failJ, okX)

		var ids []int64
		words := []string{"b-socx", "socx", "/compat", "/callbacks"}
		for id := range orders {
			ids = append(ids, id)
			for _, at := range attemptsOf(t, c.A, id) {
				words = append(words, at.SupplierRef)
			}
		}
		c.checkWhiteLabel(t, append(ids, never.ID), words...)
		c.checkBuyerHooks(t, orders, never)
		loketest.VerifyLedger(t, c.A)
		loketest.VerifyLedger(t, c.B)
		t.Logf("%s: %v", engine, time.Since(began).Round(time.Millisecond))
	})
}

// topUpReport is seed 002's XML-RPC report call.
func topUpReport(rc, ref, msg, sn string) string {
	m := func(k, v string) string {
		return "<member><name>" + k + "</name><value><string>" + v + "</string></value></member>"
	}
	return `<?xml version="1.0"?><methodCall><methodName>topUpReport</methodName><params><param><value><struct>` +
		m("RESPONSECODE", rc) + m("REQUESTID", ref) + m("MESSAGE", msg) + m("SN", sn) +
		`</struct></value></param></params></methodCall>`
}
