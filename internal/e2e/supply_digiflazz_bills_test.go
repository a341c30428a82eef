package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/compat/digiflazz"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestSupplyDigiflazzBills: Loket A's reseller checks and pays a PLN bill whose route
// on A goes to Loket B through A's digiflazz adapter (inq-pasca, pay-pasca under the
// inquiry's ref, B's postpaid webhook to A's callback URL); B pays it at its simulator.
// The PLN meter check goes the same way (inquiry-pln). Each side charges once, both
// books add up, and A's buyer sees nothing of B.
func TestSupplyDigiflazzBills(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		c := newChain(t, engine)
		rich := c.account(t, 2_000_000, "b-df")
		loketest.AddSupplier(t, c.A, loket.Supplier{Name: "b-df", Kind: "digiflazz", BaseURL: c.B.URL + "/compat/digiflazz",
			APIKey: rich.Creds.SecretKey, Secret: rich.Creds.SecretKey, MemberID: rich.Username, Enabled: true})
		loketest.AddRoute(t, c.A, "pln", "b-df", "pln", 0, 1)
		loketest.AddRoute(t, c.A, "PLN20", "b-df", "PLN20", 20_100, 1)

		bill, err := c.buyer.C.InquireBill(ctx, client.BillInquiryRequest{Product: "pln", CustomerNo: "530000000041"})
		if err != nil {
			t.Fatalf("A: inquiry through B: %v", err)
		}
		if bill.CustomerName == "" || len(bill.Periods) != 1 || bill.Total <= 0 {
			t.Fatalf("A: bill %+v", bill)
		}
		// B kept one inquiry under A's ref; A's cost is what B charges.
		ain, err := c.A.Core.Orders.Inquiry(ctx, &loket.ResellerAuth{ID: c.buyer.ID}, bill.InquiryID)
		if err != nil {
			t.Fatal(err)
		}
		bin, err := c.B.Core.Orders.InquiryByRef(ctx, &loket.ResellerAuth{ID: rich.ID}, ain.Ref)
		if err != nil || bin.Total != ain.Cost || bin.Amount != ain.Amount {
			t.Fatalf("B's inquiry under %s: %+v %v; A's cost %d", ain.Ref, bin, err, ain.Cost)
		}

		o, created, err := c.buyer.C.PayBill(ctx, client.BillPayRequest{InquiryID: bill.InquiryID, RefID: "a-bill-1"})
		if err != nil || !created {
			t.Fatalf("A: pay: created=%v %v", created, err)
		}
		if again, created, err := c.buyer.C.PayBill(ctx, client.BillPayRequest{InquiryID: bill.InquiryID, RefID: "a-bill-1"}); err != nil ||
			created || again.ID != o.ID {
			t.Fatalf("A: pay again: %+v created=%v %v", again, created, err)
		}
		final := c.waitFinal(t, o.ID, 20*time.Second)
		if final.Status != client.StatusSuccess || final.SN == "" {
			t.Fatalf("A: bill payment %+v", final)
		}
		bos := c.checkUpstream(t, rich, 1)
		bo := bos[0]
		if bo.RefID != ain.Ref || bo.Surface != digiflazz.Surface || bo.InquiryID != bin.ID || bo.SN != final.SN || bo.Price != ain.Cost {
			t.Errorf("B's order %+v: want the inquiry %d paid under %s, SN %s", bo, bin.ID, ain.Ref, final.SN)
		}
		if got := loketest.Balance(t, c.A, c.buyer.ID); got != loket.Money(c.opening-bill.Total) {
			t.Errorf("A: buyer's balance %d, want %d", got, loket.Money(c.opening-bill.Total))
		}
		rep := c.reportOf(t, rich, bo.ID)
		if rep.Event != digiflazz.PascaWebhookEvent {
			t.Errorf("B's report of the bill: %s %s", rep.Event, rep.Body)
		}

		// The meter check before a token, through B.
		m, err := c.buyer.C.CheckPLN(ctx, "56601234561", "PLN20")
		if err != nil || m.Name == "" || m.Tariff == "" || m.Power == "" {
			t.Errorf("A: meter check through B: %+v %v", m, err)
		}
		if _, err := c.buyer.C.CheckPLN(ctx, "56601234567", "PLN20"); err == nil {
			t.Errorf("A: an unknown meter was found")
		}

		loketest.VerifyLedger(t, c.A)
		loketest.VerifyLedger(t, c.B)
		body := strings.ToLower(string(raw(t, "GET", fmt.Sprintf("%s/v1/bills/%d", c.A.URL, bill.InquiryID), c.buyer.Creds.APIKey, nil).Body))
		for _, w := range []string{ain.Ref, "b-df", "digiflazz", "Pusat"} {
			if strings.Contains(body, strings.ToLower(w)) {
				t.Errorf("A's buyer sees %q in its bill: %s", w, body)
			}
		}
		c.checkWhiteLabel(t, []int64{o.ID}, "b-df", "digiflazz", "/compat", "/callbacks", "Pusat", ain.Ref)
	})
}
