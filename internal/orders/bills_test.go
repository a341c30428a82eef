package orders_test

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store/storetest"
)

// billRig is one node with the demo catalog and a reseller, for the bill tests.
type billRig struct {
	t   *testing.T
	a   *server.Core
	ra  *loket.ResellerAuth
	ctx context.Context
}

func newBillRig(t *testing.T, engine string) *billRig {
	a := loketest.Core(t, engine)
	return &billRig{t: t, a: a, ra: loketest.Buyer(t, a, "bills", 10_000_000), ctx: context.Background()}
}

func (b *billRig) rows(table string) int {
	b.t.Helper()
	var n int
	if err := b.a.DB.R.QueryRowContext(b.ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

func (b *billRig) balance(ra *loket.ResellerAuth) loket.Money {
	b.t.Helper()
	r, err := b.a.Resellers.Reseller(b.ctx, ra.ID, "")
	if err != nil {
		b.t.Fatal(err)
	}
	return r.Balance
}

func (b *billRig) verify() {
	b.t.Helper()
	if v, err := b.a.DB.Verify(b.ctx); err != nil || len(v) > 0 {
		b.t.Fatalf("ledger verify: %v %+v", err, v)
	}
}

func (b *billRig) inquire(product, customer string) *loket.Inquiry {
	b.t.Helper()
	in, err := b.a.Orders.Inquire(b.ctx, b.ra, product, customer)
	if err != nil {
		b.t.Fatalf("inquire %s %s: %v", product, customer, err)
	}
	return in
}

func (b *billRig) pay(id int64, ref string) (*loket.Order, bool) {
	b.t.Helper()
	o, created, err := b.a.Orders.PayBill(b.ctx, b.ra, id, ref, "")
	if err != nil {
		b.t.Fatalf("pay inquiry %d (%s): %v", id, ref, err)
	}
	return o, created
}

func (b *billRig) final(o *loket.Order) *loket.Order {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := b.a.Orders.Order(b.ctx, b.ra.ID, o.ID)
		if err != nil {
			b.t.Fatal(err)
		}
		if got.Status != loket.StatusPending || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expire moves an inquiry's validity into the past, as the next day does.
func (b *billRig) expire(id int64) {
	b.t.Helper()
	if _, err := b.a.DB.W.ExecContext(b.ctx, `UPDATE inquiries SET valid_until = $1 WHERE id = $2`, time.Now().Add(-time.Minute).UnixMicro(), id); err != nil {
		b.t.Fatal(err)
	}
}

func (b *billRig) cost(orderID int64) loket.Money {
	b.t.Helper()
	var c loket.Money
	if err := b.a.DB.R.QueryRowContext(b.ctx, `SELECT cost FROM orders WHERE id = $1`, orderID).Scan(&c); err != nil {
		b.t.Fatal(err)
	}
	return c
}

var billSN = regexp.MustCompile(`^[0-9A-F]{32}$`)

func TestBills(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		b := newBillRig(t, engine)

		t.Run("one month, paid once", func(t *testing.T) {
			b.t = t
			start := b.balance(b.ra)
			in := b.inquire("pln", "5300-0000-0001")
			if in.Customer != "530000000001" || in.Bill.Name == "" || in.Bill.Tariff != "R1" || in.Bill.Power != "1300" || len(in.Bill.Periods) != 1 {
				t.Fatalf("inquiry = %+v", in)
			}
			p := in.Bill.Periods[0]
			if p.Admin != 2750 || p.Amount <= 0 || in.Amount != p.Amount+p.Penalty || in.Admin != 2750 || in.Commission != 1000 ||
				in.Total != in.Amount+2750-1000 || in.Cost != in.Amount+2500-1000 {
				t.Fatalf("inquiry amounts = %+v", in)
			}
			if w := in.ValidUntil.In(loket.WIB); w.Hour() != 23 || w.Minute() != 59 || !in.ValidUntil.After(time.Now()) ||
				in.ValidUntil.Sub(time.Now()) > 24*time.Hour {
				t.Fatalf("valid until %v", in.ValidUntil)
			}
			got, err := b.a.Orders.Inquiry(b.ctx, b.ra, in.ID)
			if err != nil || got.Total != in.Total || got.Bill.Name != in.Bill.Name || got.ProductCode != "pln" {
				t.Fatalf("stored inquiry = %+v, %v", got, err)
			}
			o, created := b.pay(in.ID, "pln-1")
			if !created || o.Price != in.Total || o.InquiryID != in.ID || o.Inquiry == nil || o.Target != in.Customer {
				t.Fatalf("payment = %+v created=%v", o, created)
			}
			o = b.final(o)
			if o.Status != loket.StatusSuccess || !billSN.MatchString(o.SN) || o.Inquiry == nil || o.Inquiry.Bill.Name != in.Bill.Name {
				t.Fatalf("settled = %+v", o)
			}
			if c := b.cost(o.ID); c != in.Cost {
				t.Fatalf("cost = %d, want the biller's price %d", c, in.Cost)
			}
			atts, _ := b.a.Orders.Attempts(b.ctx, o.ID)
			if len(atts) != 1 || atts[0].SupplierRef != in.Ref || atts[0].SupplierTrx == "" {
				t.Fatalf("attempts = %+v, want one under the inquiry's ref %s", atts, in.Ref)
			}
			// The same ref_id, another ref_id, another inquiry of the same bill: the
			// first payment, nothing charged again.
			for i, pay := range []func() (*loket.Order, bool){
				func() (*loket.Order, bool) { return b.pay(in.ID, "pln-1") },
				func() (*loket.Order, bool) { return b.pay(in.ID, "pln-2") },
				func() (*loket.Order, bool) { return b.pay(b.inquire("pln", "530000000001").ID, "pln-3") },
			} {
				again, created := pay()
				if created || again.ID != o.ID {
					t.Fatalf("repeat %d = order %d created=%v, want order %d", i, again.ID, created, o.ID)
				}
			}
			if _, _, err := b.a.Orders.PayBill(b.ctx, b.ra, b.inquire("pln", "530000000011").ID, "pln-1", ""); loket.ErrorCode(err) != loket.ECONFLICT {
				t.Fatalf("a used ref_id for another bill: %v", err)
			}
			if got := b.balance(b.ra); got != start-in.Total {
				t.Fatalf("balance = %d, want %d", got, start-in.Total)
			}
			// Another reseller cannot pay a bill being paid, nor see the inquiry.
			other := loketest.Buyer(t, b.a, "bills-other", 1_000_000)
			if _, err := b.a.Orders.Inquiry(b.ctx, other, in.ID); loket.ErrorCode(err) != loket.ENOTFOUND {
				t.Fatalf("another's inquiry: %v", err)
			}
			if _, _, err := b.a.Orders.PayBill(b.ctx, other, in.ID, "x", ""); loket.ErrorCode(err) != loket.ENOTFOUND {
				t.Fatalf("paying another's inquiry: %v", err)
			}
			oin, err := b.a.Orders.Inquire(b.ctx, other, "pln", "530000000001")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.a.Orders.PayBill(b.ctx, other, oin.ID, "x", ""); loket.ErrorCode(err) != loket.EBILLPAID {
				t.Fatalf("paying a bill another paid: %v", err)
			}
			if got := b.balance(other); got != 1_000_000 {
				t.Fatalf("other's balance = %d", got)
			}
			b.verify()
		})

		t.Run("three months with penalty", func(t *testing.T) {
			b.t = t
			in := b.inquire("pln", "530000000002")
			if len(in.Bill.Periods) != 3 || in.Bill.Periods[0].Penalty != 5000 || in.Bill.Periods[2].Penalty != 0 ||
				in.Admin != 3*2750 || in.Commission != 3*1000 || in.Total != in.Amount+in.Admin-in.Commission {
				t.Fatalf("inquiry = %+v", in)
			}
			if in.Bill.Periods[0].Period >= in.Bill.Periods[1].Period {
				t.Fatalf("periods not oldest first: %+v", in.Bill.Periods)
			}
			o, _ := b.pay(in.ID, "pln-3m")
			if o = b.final(o); o.Status != loket.StatusSuccess || o.Price != in.Total {
				t.Fatalf("settled = %+v", o)
			}
			b.verify()
		})

		t.Run("other billers", func(t *testing.T) {
			b.t = t
			for _, code := range []string{"PDAM", "bpjs", "HALO"} {
				in := b.inquire(code, "1234567891")
				if in.Admin != 2000 || in.Commission != 500 || in.Bill.Tariff != "" || in.Total != in.Amount+1500 {
					t.Fatalf("%s inquiry = %+v", code, in)
				}
				if code == "bpjs" && in.Bill.Info["members"] == "" {
					t.Fatalf("bpjs info = %v", in.Bill.Info)
				}
				o, _ := b.pay(in.ID, "other-"+code)
				if o = b.final(o); o.Status != loket.StatusSuccess {
					t.Fatalf("%s settled = %+v", code, o)
				}
			}
			b.verify()
		})

		t.Run("answers without a bill", func(t *testing.T) {
			b.t = t
			before := b.rows("inquiries")
			for customer, code := range map[string]string{"530000000003": loket.ENOBILL, "530000000004": loket.EBILLPAID,
				"530000000007": loket.ECUSTOMER, "530000000008": loket.EOVERLIMIT} {
				if _, err := b.a.Orders.Inquire(b.ctx, b.ra, "pln", customer); loket.ErrorCode(err) != code || loket.ErrorField(err) != "customer_no" {
					t.Errorf("customer %s: %v, want %s", customer, err, code)
				}
			}
			if got := b.rows("inquiries"); got != before {
				t.Fatalf("inquiries %d -> %d", before, got)
			}
		})

		t.Run("failure refunds and frees the bill", func(t *testing.T) {
			b.t = t
			start := b.balance(b.ra)
			in := b.inquire("pln", "530000000009")
			o, _ := b.pay(in.ID, "fail-1")
			if o = b.final(o); o.Status != loket.StatusFailed || o.Message != "failed" {
				t.Fatalf("settled = %+v", o)
			}
			if got := b.balance(b.ra); got != start {
				t.Fatalf("balance after refund = %d, want %d", got, start)
			}
			if _, _, err := b.a.Orders.PayBill(b.ctx, b.ra, in.ID, "fail-2", ""); loket.ErrorCode(err) != loket.ECONFLICT {
				t.Fatalf("paying a failed inquiry again: %v", err)
			}
			// The bill is free again: a new inquiry can be paid (and fails again here).
			o2, created := b.pay(b.inquire("pln", "530000000009").ID, "fail-3")
			if !created || o2.ID == o.ID {
				t.Fatalf("after a failure = %+v created=%v", o2, created)
			}
			b.final(o2)
			b.verify()
		})

		t.Run("unknown then settled by status", func(t *testing.T) {
			b.t = t
			in := b.inquire("pln", "530000000005")
			o, _ := b.pay(in.ID, "unknown-1")
			if o = b.final(o); o.Status != loket.StatusSuccess || !billSN.MatchString(o.SN) {
				t.Fatalf("settled = %+v", o)
			}
			b.verify()
		})

		t.Run("pending then success", func(t *testing.T) {
			b.t = t
			in := b.inquire("HALO", "0811000006")
			o, _ := b.pay(in.ID, "pending-1")
			if o.Status != loket.StatusPending {
				t.Fatalf("order = %+v", o)
			}
			if o = b.final(o); o.Status != loket.StatusSuccess {
				t.Fatalf("settled = %+v", o)
			}
			b.verify()
		})

		t.Run("expired inquiry asks again", func(t *testing.T) {
			b.t = t
			in := b.inquire("pln", "530000000021")
			b.expire(in.ID)
			o, created := b.pay(in.ID, "exp-1")
			if !created || o.InquiryID == in.ID || o.Price != in.Total || o.Inquiry == nil || o.Inquiry.Ref == in.Ref {
				t.Fatalf("payment of an expired inquiry = %+v (inquiry %+v)", o, o.Inquiry)
			}
			if o = b.final(o); o.Status != loket.StatusSuccess {
				t.Fatalf("settled = %+v", o)
			}
			again, created := b.pay(in.ID, "exp-1")
			if created || again.ID != o.ID {
				t.Fatalf("repeat = %+v", again)
			}
			b.verify()
		})

		t.Run("amount changed", func(t *testing.T) {
			b.t = t
			start := b.balance(b.ra)
			in := b.inquire("pln", "530000000010")
			b.expire(in.ID)
			before, orders := b.rows("inquiries"), b.rows("orders")
			_, _, err := b.a.Orders.PayBill(b.ctx, b.ra, in.ID, "amt-1", "")
			if loket.ErrorCode(err) != loket.EAMOUNT {
				t.Fatalf("pay = %v, want %s", err, loket.EAMOUNT)
			}
			if b.rows("inquiries") != before+1 || b.rows("orders") != orders || b.balance(b.ra) != start {
				t.Fatalf("after a changed amount: inquiries %d->%d, orders %d->%d", before, b.rows("inquiries"), orders, b.rows("orders"))
			}
			var fresh int64
			if err := b.a.DB.R.QueryRowContext(b.ctx, `SELECT max(id) FROM inquiries`).Scan(&fresh); err != nil {
				t.Fatal(err)
			}
			o, _ := b.pay(fresh, "amt-2")
			if o = b.final(o); o.Status != loket.StatusSuccess || o.Price == in.Total {
				t.Fatalf("paying the new inquiry = %+v", o)
			}
			b.verify()
		})

		t.Run("concurrent payments charge once", func(t *testing.T) {
			b.t = t
			start := b.balance(b.ra)
			in := b.inquire("pln", "530000000031")
			second := b.inquire("pln", "530000000031")
			var wg sync.WaitGroup
			ids := make([]int64, 8)
			made := make([]bool, 8)
			errs := make([]error, 8)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := in.ID
					if i%2 == 1 {
						id = second.ID
					}
					o, created, err := b.a.Orders.PayBill(b.ctx, b.ra, id, fmt.Sprint("conc-", i), "")
					if err == nil {
						ids[i], made[i] = o.ID, created
					}
					errs[i] = err
				}()
			}
			wg.Wait()
			n := 0
			for i := range ids {
				if errs[i] != nil {
					t.Fatalf("payment %d: %v", i, errs[i])
				}
				if ids[i] != ids[0] {
					t.Fatalf("payments went to orders %v", ids)
				}
				if made[i] {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d payments created an order, want 1", n)
			}
			o := b.final(&loket.Order{ID: ids[0]})
			if o.Status != loket.StatusSuccess || b.balance(b.ra) != start-in.Total {
				t.Fatalf("order %+v, balance %d, want %d", o, b.balance(b.ra), start-in.Total)
			}
			b.verify()
		})

		t.Run("concurrent payments by two resellers", func(t *testing.T) {
			b.t = t
			// Other resellers' payments go in other lanes on PostgreSQL: only the
			// index can stop the second.
			buyers := []*loket.ResellerAuth{loketest.Buyer(t, b.a, "bills-c1", 1_000_000), loketest.Buyer(t, b.a, "bills-c2", 1_000_000),
				loketest.Buyer(t, b.a, "bills-c3", 1_000_000)}
			inqs := make([]*loket.Inquiry, len(buyers))
			for i, ra := range buyers {
				in, err := b.a.Orders.Inquire(b.ctx, ra, "bpjs", "8800000061")
				if err != nil {
					t.Fatal(err)
				}
				inqs[i] = in
			}
			var wg sync.WaitGroup
			errs := make([]error, len(buyers))
			for i, ra := range buyers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, errs[i] = b.a.Orders.PayBill(b.ctx, ra, inqs[i].ID, "same-bill", "")
				}()
			}
			wg.Wait()
			paid := 0
			var spent loket.Money
			for i, err := range errs {
				switch loket.ErrorCode(err) {
				case "":
					paid++
				case loket.EBILLPAID:
				default:
					t.Fatalf("payment %d: %v", i, err)
				}
				spent += 1_000_000 - b.balance(buyers[i])
			}
			if paid != 1 || spent != inqs[0].Total {
				t.Fatalf("%d payments went through, %d spent; want 1 and %d", paid, spent, inqs[0].Total)
			}
			b.verify()
		})

		t.Run("bad input leaves no trace", func(t *testing.T) {
			b.t = t
			inquiries, orders, start := b.rows("inquiries"), b.rows("orders"), b.balance(b.ra)
			for _, c := range []struct{ product, customer, code string }{
				{"NOPE", "530000000001", loket.EPRODUCT},
				{"", "530000000001", loket.EPRODUCT},
				{"HSA5", "081234567890", loket.EPRODUCT},
				{"pln", "", loket.EINVALID},
				{"pln", "53000a000001", loket.EINVALID},
				{"pln", "12345", loket.EINVALID},
				{"pln", "123456789012345678901", loket.EINVALID},
				{"pln", "5300\x000001", loket.EINVALID},
			} {
				if _, err := b.a.Orders.Inquire(b.ctx, b.ra, c.product, c.customer); loket.ErrorCode(err) != c.code {
					t.Errorf("inquire %q %q: %v, want %s", c.product, c.customer, err, c.code)
				}
			}
			if _, err := b.a.Orders.Inquire(b.ctx, b.ra, "HSA5", "081234567890"); loket.ErrorReason(err) != loket.ReasonPrepaid {
				t.Errorf("prepaid as a bill: %v", err)
			}
			if _, _, err := b.a.Orders.PayBill(b.ctx, b.ra, 999_999, "bad-1", ""); loket.ErrorCode(err) != loket.ENOTFOUND {
				t.Errorf("unknown inquiry: %v", err)
			}
			in := b.inquire("pln", "530000000041")
			inquiries++
			if _, _, err := b.a.Orders.PayBill(b.ctx, b.ra, in.ID, "bad\x01ref", ""); loket.ErrorCode(err) != loket.EINVALID {
				t.Errorf("bad ref_id: %v", err)
			}
			poor := loketest.Buyer(t, b.a, "bills-poor", 1_000)
			pin, err := b.a.Orders.Inquire(b.ctx, poor, "pln", "530000000051")
			if err != nil {
				t.Fatal(err)
			}
			inquiries++
			if _, _, err := b.a.Orders.PayBill(b.ctx, poor, pin.ID, "poor-1", ""); loket.ErrorCode(err) != loket.EINSUFFICIENT {
				t.Errorf("short balance: %v", err)
			}
			if b.rows("inquiries") != inquiries || b.rows("orders") != orders || b.balance(b.ra) != start || b.balance(poor) != 1_000 {
				t.Fatalf("traces: inquiries %d (want %d), orders %d (want %d)", b.rows("inquiries"), inquiries, b.rows("orders"), orders)
			}
			b.verify()
		})

		t.Run("meter check", func(t *testing.T) {
			b.t = t
			for _, product := range []string{"", "PLN20"} {
				m, err := b.a.Orders.CheckMeter(b.ctx, b.ra, product, "1234 5678 901")
				if err != nil || m.Customer != "12345678901" || m.Name == "" || m.Tariff == "" || m.Power == "" {
					t.Fatalf("meter (%q) = %+v, %v", product, m, err)
				}
			}
			for _, c := range []struct{ product, number, code string }{
				{"", "12345678907", loket.ECUSTOMER},
				{"pln", "12345678901", loket.EPRODUCT},
				{"HSA5", "12345678901", loket.EPRODUCT},
				{"NOPE", "12345678901", loket.EPRODUCT},
				{"", "12ab", loket.EINVALID},
			} {
				if _, err := b.a.Orders.CheckMeter(b.ctx, b.ra, c.product, c.number); loket.ErrorCode(err) != c.code {
					t.Errorf("meter %q %q: %v, want %s", c.product, c.number, err, c.code)
				}
			}
		})
	})
}

// TestBillPaymentSurvivesRestart: a node accepts bill payments and dies before its
// workers send them; the restarted node carries each to its end under the inquiry's
// ref, exactly once.
func TestBillPaymentSurvivesRestart(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := storetest.Open(t, engine)
		if _, err := catalog.LoadDemo(ctx, db); err != nil {
			t.Fatal(err)
		}
		a := loketest.CoreOn(t, db)
		if err := a.Catalog.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		ra := loketest.Buyer(t, a, "bills-restart", 1_000_000)
		want := map[int64]string{}
		var charged loket.Money
		for i, customer := range []string{"530000000071", "530000000079", "530000000076"} {
			in, err := a.Orders.Inquire(ctx, ra, "pln", customer)
			if err != nil {
				t.Fatal(err)
			}
			o, _, err := a.Orders.PayBill(ctx, ra, in.ID, fmt.Sprint("restart-", i), "")
			if err != nil {
				t.Fatal(err)
			}
			want[o.ID] = map[byte]string{'1': loket.StatusSuccess, '9': loket.StatusFailed, '6': loket.StatusSuccess}[customer[len(customer)-1]]
			if want[o.ID] == loket.StatusSuccess {
				charged += in.Total
			}
		}
		b := loketest.CoreOn(t, db) // the same node, restarted: it frees its own locks
		if err := b.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer b.Close(ctx)
		for id, status := range want {
			o := waitFinal(t, func() *loket.Order {
				o, err := b.Orders.Order(ctx, ra.ID, id)
				if err != nil {
					t.Fatal(err)
				}
				return o
			})
			if o.Status != status {
				t.Fatalf("order %d = %s, want %s", id, o.Status, status)
			}
			atts, err := b.Orders.Attempts(ctx, id)
			if err != nil || len(atts) != 1 || atts[0].SupplierRef != o.Inquiry.Ref {
				t.Fatalf("order %d attempts = %+v, %v", id, atts, err)
			}
		}
		r, err := b.Resellers.Reseller(ctx, ra.ID, "")
		if err != nil || r.Balance != 1_000_000-charged {
			t.Fatalf("balance = %d, want %d (%v)", r.Balance, 1_000_000-charged, err)
		}
		if v, err := db.Verify(ctx); err != nil || len(v) > 0 {
			t.Fatalf("ledger verify: %v %+v", err, v)
		}
	})
}

// TestBillsReportedApart: the operator's sums count bill payments apart from prepaid
// sales, today's and per day.
func TestBillsReportedApart(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		b := newBillRig(t, engine)
		prepaid, _, err := b.a.Orders.CreateOrder(b.ctx, b.ra, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "pre-1"})
		if err != nil {
			t.Fatal(err)
		}
		prepaid = b.final(prepaid)
		in := b.inquire("pln", "530000000001")
		bill, _ := b.pay(in.ID, "bill-1")
		if bill = b.final(bill); prepaid.Status != loket.StatusSuccess || bill.Status != loket.StatusSuccess {
			t.Fatalf("orders: %s %s", prepaid.Status, bill.Status)
		}
		now := time.Now().In(loket.WIB)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loket.WIB)
		sums, err := b.a.DB.SalesByStatus(b.ctx, today, today.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		var gotPre, gotBill loket.StatusSum
		for _, s := range sums {
			if s.Status == loket.StatusSuccess && s.Bill {
				gotBill = s
			} else if s.Status == loket.StatusSuccess {
				gotPre = s
			}
		}
		if gotPre.Count != 1 || gotPre.Sales != prepaid.Price || gotBill.Count != 1 || gotBill.Sales != in.Total ||
			gotBill.Profit != in.Total-in.Cost {
			t.Fatalf("sums = %+v, want 1 prepaid of %d and 1 bill of %d (margin %d)", sums, prepaid.Price, in.Total, in.Total-in.Cost)
		}
		days, err := b.a.DB.DailySales(b.ctx, now, 2, loket.WIB)
		if err != nil {
			t.Fatal(err)
		}
		d := days[len(days)-1]
		if d.Orders != 2 || d.Success != 1 || d.Sales != prepaid.Price || d.Bills != 1 || d.BillSales != in.Total ||
			d.BillProfit != in.Total-in.Cost {
			t.Fatalf("today = %+v", d)
		}
	})
}
