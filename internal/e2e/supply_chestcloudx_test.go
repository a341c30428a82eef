package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestSupplyChestCloudX: Loket A buys from Loket B's seed 004 surface in saldo mode.
// The API has no callbacks: A learns every result by polling order/status with the id
// order/create answered. The first route is an account of B without balance ("Saldo
// tidak mencukupi": a definite failure, so A moves on). A B behind a proxy that hangs,
// answers 502 or garbage while an order is pending leaves it pending and charged until
// B answers again; a create whose answer is lost is never sent again (no client
// reference): B buys once, and A keeps the order for the operator.
func TestSupplyChestCloudX(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		began := time.Now()
		c := newChain(t, engine)
		base := c.B.URL + "/compat/chestcloudx"
		poor := c.account(t, 0, "")
		rich := c.account(t, 1_000_000, "")
		loketest.AddSupplier(t, c.A, loket.Supplier{Name: "b-ccx-poor", Kind: "chestcloudx", BaseURL: base, APIKey: poor.Creds.APIKey, Enabled: true})
		loketest.AddSupplier(t, c.A, loket.Supplier{Name: "b-ccx", Kind: "chestcloudx", BaseURL: base, APIKey: rich.Creds.APIKey, Enabled: true})
		// Seed 004 names services by sid: product id 1 on B is FF70.
		loketest.AddRoute(t, c.A, "FF70", "b-ccx-poor", "1", 9800, 10)
		loketest.AddRoute(t, c.A, "FF70", "b-ccx", "1", 9800, 20)
		loketest.AddRoute(t, c.A, "MLBB-BJ-V3-ALLMLBB_ID_5", "b-ccx", "MLBB-BJ-V3-ALLMLBB_ID_5", 1450, 10)

		var want []expect
		for _, d := range []int{0, 2, 3, 4, 5} {
			ok := d == 0 || d == 3 || d == 5
			last := "failed"
			if ok {
				last = "success"
			}
			want = append(want, expect{o: c.buy(t, "FF70", gameID(d), nil), success: ok, attempts: outcomes("failed", last)})
		}
		// The zone goes as nometer.
		ml := c.buy(t, "MLBB-BJ-V3-ALLMLBB_ID_5", gameID(0), map[string]string{"server": "2001"})
		want = append(want, expect{o: ml, success: true, attempts: outcomes("success")})
		// Meanwhile, B behind a proxy. An order accepted, then B unreachable while it is pending.
		prox := newFlaky(t, c.B.URL)
		far := c.account(t, 1_000_000, "")
		loketest.AddSupplier(t, c.A, loket.Supplier{Name: "b-ccx-flaky", Kind: "chestcloudx", BaseURL: prox.URL + "/compat/chestcloudx",
			APIKey: far.Creds.APIKey, Enabled: true})
		loketest.AddRoute(t, c.A, "FF140", "b-ccx-flaky", "FF140", 19110, 10)
		mid := c.buy(t, "FF140", gameID(3), nil)
		waitAttempt(t, c.A, mid.ID, "pending", 5*time.Second)
		prox.mode.Store(modeDown)
		prox.waitRefused(t, 1, 10*time.Second) // the first status check (2s)
		prox.mode.Store(modeGarbage)
		c.stillPending(t, mid.ID)
		if at := attemptsOf(t, c.A, mid.ID); len(at) != 1 || at[0].SupplierTrx == "" {
			t.Fatalf("attempts %+v, want one, with B's order id", at)
		}
		// A create that hangs, then one whose answer is lost after B took it.
		prox.mode.Store(modeHang)
		never := c.buy(t, "FF140", gameID(0), nil)
		waitAttempt(t, c.A, never.ID, "unknown", 5*time.Second)
		prox.mode.Store(modeLost)
		lost := c.buy(t, "FF140", gameID(0), nil)
		waitAttempt(t, c.A, lost.ID, "unknown", 5*time.Second)
		prox.mode.Store(modePass)
		midDone := c.waitFinal(t, mid.ID, 15*time.Second)
		if midDone.Status != client.StatusSuccess || midDone.SN == "" {
			t.Errorf("order pending while B was away: %s %q, want success once B answers", midDone.Status, midDone.SN)
		}
		orders := c.settleAll(t, 25*time.Second, want)
		orders[midDone.ID] = midDone
		c.checkUpstream(t, poor, 0)
		bos := c.checkUpstream(t, rich, 6)
		for _, w := range want {
			o := orders[w.o.ID]
			at := attemptsOf(t, c.A, o.ID)
			bo := upstreamOrderByID(t, bos, at[len(at)-1].SupplierTrx)
			if bo.SN != o.SN || string(bo.Status) != o.Status || bo.Target != o.Target {
				t.Errorf("order %d: A has %s %q %s, B has %s %q %s", o.ID, o.Status, o.SN, o.Target, bo.Status, bo.SN, bo.Target)
			}
			if o.ID == ml.ID && bo.Fields["server"] != "2001" {
				t.Errorf("order %d: B's fields %v, want server 2001", o.ID, bo.Fields)
			}
		}

		var asked []*client.Order
		for _, w := range want {
			asked = append(asked, orders[w.o.ID])
		}
		c.checkAfterRestart(t, loket.Supplier{Name: "b-ccx", Kind: "chestcloudx", BaseURL: base, APIKey: rich.Creds.APIKey}, asked...)

		c.stillPending(t, never.ID)
		c.stillPending(t, lost.ID)
		c.checkUpstream(t, far, 2) // the pending one, and the lost one: each bought once
		c.checkBuyer(t, orders, never, lost)

		var ids []int64
		for id := range orders {
			ids = append(ids, id)
		}
		c.checkWhiteLabel(t, append(ids, never.ID, lost.ID), "b-ccx", "chestcloudx", "/compat", "INV-")
		c.checkBuyerHooks(t, orders, never, lost)
		loketest.VerifyLedger(t, c.A)
		loketest.VerifyLedger(t, c.B)
		t.Logf("%s: %v", engine, time.Since(began).Round(time.Millisecond))
	})
}

// upstreamOrderByID is B's order of a seed 004 order id.
func upstreamOrderByID(t *testing.T, os []*loket.Order, id string) *loket.Order {
	t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatalf("%q is not an order id of B", id)
	}
	for _, o := range os {
		if o.ID == n {
			return o
		}
	}
	t.Fatalf("B has no order %d", n)
	return nil
}
