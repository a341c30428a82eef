package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// Rents whose outcome is unknown: Loket A rents numbers from Loket B over seed 000
// through a proxy that loses B's answer to otp/order (B did it; A hears a 502). A
// keeps the activation pending, its price held, and asks B by the rent's ref
// (otp/orders): a number B rented is recorded and used as any other; a rent B could
// not make is refunded once. Never refunded on a guess: a rent B cannot be asked about
// is flagged past the deadline and waits for the operator.

// vnChain is a Loket A renting numbers from a Loket B behind a proxy, and A's buyer.
type vnChain struct {
	A, B  *server.Server
	proxy *flaky
	acct  *loketest.Reseller // A's account at B
	buyer *reseller          // A's reseller
}

const (
	orderPath  = "/otp/order"
	lookupPath = "/otp/orders"
)

func newVNChain(t *testing.T, engine string) *vnChain {
	t.Helper()
	ctx := context.Background()
	c := &vnChain{B: loketest.Start(t, engine, "--vn-poll=100ms", "--sim-delay=300ms")}
	// Telegram at B is priced below its simulator's cost: B records the rent, its own
	// supplier refuses it, and B refunds it.
	if err := c.B.DB.Direct(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(`UPDATE vn_prices SET price = 500 WHERE service_code = 86`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// B's answers to otp/order are lost and B cannot be asked about them, until a test
	// lets the lookups through.
	c.proxy = newFlaky(t, c.B.URL)
	c.proxy.setPath(orderPath, modeLost)
	c.proxy.setPath(lookupPath, modeDown)
	c.A = loketest.Start(t, engine, "--vn-poll=100ms", "--sim-delay=300ms", "--supplier-timeout=3s", "--pending-deadline=1s")
	c.acct = loketest.NewReseller(t, c.B, 100_000)
	loketest.AddSupplier(t, c.A, loket.Supplier{Name: "nokos", Kind: "warungnokos", BaseURL: c.proxy.URL + "/compat/warungnokos",
		APIKey: c.acct.Creds.APIKey, Enabled: true})
	if err := c.A.Core.Numbers.SyncVNCatalog(ctx); err != nil {
		t.Fatalf("sync: %v", err)
	}
	c.buyer = newReseller(t, c.A, 50_000)
	return c
}

// activation is A's activation id as its row has it.
func (c *vnChain) activation(t *testing.T, id int64) *loket.Activation {
	t.Helper()
	a, err := c.A.DB.Activation(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// waitActivation waits until A's activation id satisfies ok.
func (c *vnChain) waitActivation(t *testing.T, id int64, what string, ok func(*loket.Activation) bool) *loket.Activation {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		a := c.activation(t, id)
		if ok(a) {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("activation %d: not %s: %+v", id, what, a)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// bActivations are B's activations of A's account.
func (c *vnChain) bActivations(t *testing.T) []*loket.Activation {
	t.Helper()
	list, err := c.B.DB.ListActivations(context.Background(), loket.ActivationFilter{ResellerID: c.acct.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// pokePending checks, from many goroutines at once, that a pending activation reads as
// pending and refuses cancel, done and resend, moving nothing.
func (c *vnChain) pokePending(t *testing.T, id int64) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Go(func() {
			switch i % 4 {
			case 0, 1:
				n, err := c.buyer.C.Number(ctx, id)
				if err != nil || n.Status != loket.VNRenting || n.Phone != "" {
					t.Errorf("status while pending: %+v %v", n, err)
				}
			default:
				action := []string{"cancel", "done", "resend"}[i%3]
				_, err := c.buyer.C.NumberAction(ctx, id, action)
				var ae *client.Error
				if !errors.As(err, &ae) || ae.StatusCode != http.StatusConflict || ae.Code != loket.ECONFLICT {
					t.Errorf("%s while pending: %v, want a conflict", action, err)
				}
			}
		})
	}
	wg.Wait()
}

// TestNumberRentLostButRented: B rented the number, A never heard. A answers the
// buyer "being prepared", holds the price (status checks and cancels meanwhile change
// nothing), is flagged past the deadline while B cannot be asked, then finds the
// number by its ref once B answers; the code reaches the buyer, done charges once on
// both sides. B rented one number only.
func TestNumberRentLostButRented(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		c := newVNChain(t, engine)
		n, created, err := c.buyer.C.RentNumber(ctx, client.NumberRequest{Service: 14, NumberID: 340437, ProviderID: "3837", RefID: "lost-1"})
		if err != nil || !created || n.Status != loket.VNRenting || n.Phone != "" || !strings.Contains(n.Message, "being prepared") {
			t.Fatalf("rent: %+v %v", n, err)
		}
		price := n.Price
		if b := loketest.Balance(t, c.A, c.buyer.ID); b != 50_000-loket.Money(price) {
			t.Fatalf("balance while pending: %d, want %d held", b, 50_000-price)
		}
		if bs := c.bActivations(t); len(bs) != 1 || bs[0].State == loket.VNRenting || bs[0].Phone == "" {
			t.Fatalf("B's activations: %+v", bs)
		}
		c.pokePending(t, n.ID)
		// B cannot be asked: past the deadline the activation is flagged, never refunded.
		a := c.waitActivation(t, n.ID, "flagged", func(a *loket.Activation) bool { return a.Flagged })
		if a.State != loket.VNRenting || a.Hold != loket.HoldPending {
			t.Fatalf("flagged activation: %+v", a)
		}
		if b := loketest.Balance(t, c.A, c.buyer.ID); b != 50_000-loket.Money(price) {
			t.Fatalf("balance while flagged: %d", b)
		}
		loketest.VerifyLedger(t, c.A)
		if again, created, err := c.buyer.C.RentNumber(ctx, client.NumberRequest{Service: 14, NumberID: 340437, ProviderID: "3837", RefID: "lost-1"}); err != nil || created || again.ID != n.ID {
			t.Fatalf("the same ref_id again: %+v %v %v", again, created, err)
		}

		// B answers again: the number is found under the rent's ref and used.
		c.proxy.setPath(lookupPath, modePass)
		bAct := c.bActivations(t)[0]
		a = c.waitActivation(t, n.ID, "rented", func(a *loket.Activation) bool { return a.State != loket.VNRenting })
		if a.Phone != bAct.Phone || a.SupplierRef != fmt.Sprintf("WN%010d", bAct.ID) || a.Hold != loket.HoldPending {
			t.Fatalf("found: %+v, B's %+v", a, bAct)
		}
		var got *client.Number
		deadline := time.Now().Add(15 * time.Second)
		for {
			if got, err = c.buyer.C.Number(ctx, n.ID); err == nil && got.Code != "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no code: %+v %v", got, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got.Phone != bAct.Phone || got.Status != loket.VNReceived {
			t.Fatalf("number: %+v", got)
		}
		if d, err := c.buyer.C.NumberAction(ctx, n.ID, "done"); err != nil || d.Status != loket.VNDone {
			t.Fatalf("done: %+v %v", d, err)
		}
		if b := loketest.Balance(t, c.A, c.buyer.ID); b != 50_000-loket.Money(price) {
			t.Errorf("buyer charged %d, want %d once", 50_000-b, price)
		}
		bs := c.bActivations(t)
		if len(bs) != 1 {
			t.Fatalf("B rented %d numbers, want 1", len(bs))
		}
		c.waitB(t, bs[0].ID, loket.VNDone)
		if b := loketest.Balance(t, c.B, c.acct.ID); b != 100_000-bs[0].Price {
			t.Errorf("A's account at B: %d, want %d", b, 100_000-bs[0].Price)
		}
		loketest.VerifyLedger(t, c.A)
		loketest.VerifyLedger(t, c.B)
	})
}

// waitB waits until B's activation id is in state.
func (c *vnChain) waitB(t *testing.T, id int64, state string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, err := c.B.DB.Activation(context.Background(), id, 0)
		if err != nil {
			t.Fatal(err)
		}
		if a.State == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("B's activation %d is %s, want %s", id, a.State, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestNumberRentLostNotRented: B recorded the rent but could not make it (its own
// supplier refused) and refunded A; A never heard. A's buyer, on seed 000's surface,
// reads "being prepared" until A asks B, which says no number was rented: A refunds
// its buyer once.
func TestNumberRentLostNotRented(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := newVNChain(t, engine)
		key := []string{"x-api-key", c.buyer.Creds.APIKey, "Content-Type", "application/json"}
		api := c.A.URL + "/compat/warungnokos/api/"
		res := loketest.DoJSON(t, "POST", api+"otp/order", `{"number_id":"340437","provider_id":"3837","operator_id":"any","price_jual":3500,"service_name":"Telegram"}`, key...)
		data, _ := res.Body["data"].(map[string]any)
		if res.Status != 200 || data["status"] != "waiting" || data["phoneNumber"] != "" || !strings.Contains(res.Raw, "sedang disiapkan") {
			t.Fatalf("otp/order: %d %s", res.Status, res.Raw)
		}
		trx := loketest.Str(t, data, "trxId")
		price := loket.Money(loketest.Num(t, data, "price"))
		if b := loketest.Balance(t, c.A, c.buyer.ID); b != 50_000-price {
			t.Fatalf("balance while pending: %d", b)
		}
		var id int64
		fmt.Sscanf(trx, "WN%d", &id)
		if bs := c.bActivations(t); len(bs) != 1 || bs[0].State != loket.VNFailed {
			t.Fatalf("B's activations: %+v", bs)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				st := loketest.DoJSON(t, "GET", api+"otp/status/"+trx, "", key...)
				if st.Status != 200 || st.Body["status"] != "waiting" || st.Body["phoneNumber"] != "" {
					t.Errorf("otp/status while pending: %s", st.Raw)
				}
				cl := loketest.DoJSON(t, "POST", api+"otp/set_status", `{"trxId":"`+trx+`","action_status":"cancel"}`, key...)
				if cl.Status != http.StatusConflict || cl.Body["success"] != false {
					t.Errorf("cancel while pending: %d %s", cl.Status, cl.Raw)
				}
			})
		}
		wg.Wait()
		loketest.VerifyLedger(t, c.A)

		c.proxy.setPath(lookupPath, modePass)
		a := c.waitActivation(t, id, "refunded", func(a *loket.Activation) bool { return !a.Open() })
		if a.State != loket.VNFailed || a.Hold != loket.HoldVoided || a.Phone != "" {
			t.Fatalf("not rented: %+v", a)
		}
		if st := loketest.DoJSON(t, "GET", api+"otp/status/"+trx, "", key...); st.Body["status"] != "canceled" {
			t.Errorf("otp/status after: %s", st.Raw)
		}
		if b := loketest.Balance(t, c.A, c.buyer.ID); b != 50_000 {
			t.Errorf("buyer's balance %d, want 50000: refunded once", b)
		}
		if b := loketest.Balance(t, c.B, c.acct.ID); b != 100_000 {
			t.Errorf("A's account at B: %d, want 100000", b)
		}
		var voids int
		if err := c.A.DB.Direct(context.Background(), func(tx *store.Tx) error {
			return tx.QueryRow(`SELECT count(*) FROM transfers WHERE key LIKE $1`, fmt.Sprintf("vn:%d:%%", id)).Scan(&voids)
		}); err != nil || voids != 2 {
			t.Errorf("activation %d has %d transfers (%v), want its reserve and one settle", id, voids, err)
		}
		loketest.VerifyLedger(t, c.A)
		loketest.VerifyLedger(t, c.B)
	})
}

// TestNumberRentSettledByOperator: B cannot be asked at all; the activation is
// flagged and waits. The operator, from B's records, says which number was rented;
// the activation then goes on as any other: the code arrives and is charged once.
func TestNumberRentSettledByOperator(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		c := newVNChain(t, engine)
		n, _, err := c.buyer.C.RentNumber(ctx, client.NumberRequest{Service: 14, NumberID: 340437, ProviderID: "3837"})
		if err != nil || n.Status != loket.VNRenting {
			t.Fatalf("rent: %+v %v", n, err)
		}
		c.waitActivation(t, n.ID, "flagged", func(a *loket.Activation) bool { return a.Flagged })
		bAct := c.bActivations(t)[0]
		if _, err := c.A.Core.Numbers.SettleRent(ctx, n.ID, true, "", "", ""); loket.ErrorCode(err) != loket.EINVALID {
			t.Errorf("rented without the number: %v", err)
		}
		a, err := c.A.Core.Numbers.SettleRent(ctx, n.ID, true, fmt.Sprintf("WN%010d", bAct.ID), bAct.Phone, "found in B's list")
		if err != nil || a.State != loket.VNWaiting || a.Phone != bAct.Phone {
			t.Fatalf("settle: %+v %v", a, err)
		}
		if _, err := c.A.Core.Numbers.SettleRent(ctx, n.ID, false, "", "", ""); loket.ErrorCode(err) != loket.ECONFLICT {
			t.Errorf("second settle: %v", err)
		}
		c.waitActivation(t, n.ID, "received", func(a *loket.Activation) bool { return a.SMSCount > 0 })
		if d, err := c.buyer.C.NumberAction(ctx, n.ID, "done"); err != nil || d.Status != loket.VNDone {
			t.Fatalf("done: %+v %v", d, err)
		}
		if b := loketest.Balance(t, c.A, c.buyer.ID); b != 50_000-loket.Money(n.Price) {
			t.Errorf("buyer's balance %d, want %d", b, 50_000-n.Price)
		}
		c.waitB(t, bAct.ID, loket.VNDone)
		loketest.VerifyLedger(t, c.A)
		loketest.VerifyLedger(t, c.B)
	})
}

// TestNumberRentInterrupted: the node renting a number stopped before recording the
// answer (its activation is left renting, its job locked by the dead node). Another
// run of the job asks the supplier (A's simulator) by the rent's ref: a number it
// rented is recorded and charged once a code comes; a rent it never made is refunded.
func TestNumberRentInterrupted(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := loketest.Start(t, engine, "--vn-poll=100ms", "--sim-delay=300ms")
		buyer := newReseller(t, s, 10_000)
		ra, err := s.Core.Resellers.Auth(ctx, buyer.ID)
		if err != nil {
			t.Fatal(err)
		}
		routes, err := s.DB.VNRoutes(ctx, 14, 340437, "3837")
		if err != nil || len(routes) == 0 {
			t.Fatalf("routes %v %v", routes, err)
		}
		rt := routes[0]
		// renting writes an activation as a node that then died would leave it.
		renting := func() *loket.Activation {
			t.Helper()
			var act *loket.Activation
			if err := s.DB.Write(ctx, uint64(buyer.ID), func(tx *store.Tx) error {
				var err error
				act, _, err = tx.CreateActivation(&store.NewActivation{ResellerID: buyer.ID, AccountID: ra.BalanceAccountID,
					ServiceCode: 14, ServiceName: "WhatsApp", NumberID: 340437, Country: "Indonesia", ProviderID: "3837", OperatorID: "any",
					Price: 1100, Surface: "api", SupplierID: rt.SupplierID, Cost: rt.Cost, Window: time.Minute,
					Node: "dead-node", JobAt: time.Now(), Lease: 300 * time.Millisecond})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return act
		}
		sup, err := s.Core.Catalog.Supplier(rt.SupplierID)
		if err != nil {
			t.Fatal(err)
		}
		// The first went out before the node died: the simulator rented it.
		sent := renting()
		num, err := sup.(supplier.VNSupplier).RentNumber(ctx, supplier.VNRequest{Ref: fmt.Sprintf("LV%d", sent.ID), ServiceCode: 14,
			NumberID: 340437, ProviderID: "3837", OperatorID: "any", MaxPrice: 1100, SentAt: sent.UpdatedAt})
		if err != nil {
			t.Fatal(err)
		}
		// The second never did.
		lost := renting()
		if b := loketest.Balance(t, s, buyer.ID); b != 10_000-2*1100 {
			t.Fatalf("balance with two rents held: %d", b)
		}
		wait := func(id int64, ok func(*loket.Activation) bool) *loket.Activation {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for {
				a, err := s.DB.Activation(ctx, id, 0)
				if err != nil {
					t.Fatal(err)
				}
				if ok(a) {
					return a
				}
				if time.Now().After(deadline) {
					t.Fatalf("activation %d: %+v", id, a)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		a := wait(sent.ID, func(a *loket.Activation) bool { return a.SMSCount > 0 })
		if a.SupplierRef != num.ID || a.Phone != num.Phone || a.Flagged {
			t.Errorf("found: %+v, want %+v", a, num)
		}
		if d, err := buyer.C.NumberAction(ctx, sent.ID, "done"); err != nil || d.Status != loket.VNDone {
			t.Fatalf("done: %+v %v", d, err)
		}
		a = wait(lost.ID, func(a *loket.Activation) bool { return !a.Open() })
		if a.State != loket.VNFailed || a.Hold != loket.HoldVoided || a.Flagged {
			t.Errorf("never rented: %+v", a)
		}
		if b := loketest.Balance(t, s, buyer.ID); b != 10_000-1100 {
			t.Errorf("balance %d, want %d: one charged, one refunded", b, 10_000-1100)
		}
		loketest.VerifyLedger(t, s)
	})
}
