package sim

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

func inquire(t *testing.T, s *Sim, code, customer, ref string) supplier.InquiryResult {
	t.Helper()
	res, err := s.Inquire(context.Background(), supplier.BillRequest{Ref: ref, Code: code, Customer: customer})
	if err != nil {
		t.Fatalf("inquire %s %s: %v", code, customer, err)
	}
	return res
}

// checkSums holds a bill to its own arithmetic.
func checkSums(t *testing.T, b *supplier.Bill) {
	t.Helper()
	var amount, admin loket.Money
	for _, p := range b.Periods {
		if p.Amount < 50_000 || p.Amount > 450_000 || p.Amount%100 != 0 {
			t.Errorf("period %s amount %d outside 50,000-450,000 in hundreds", p.Period, p.Amount)
		}
		amount += p.Amount + p.Penalty
		admin += p.Admin
	}
	if b.Amount != amount || b.Admin != admin {
		t.Errorf("bill amount %d admin %d; periods sum to %d and %d", b.Amount, b.Admin, amount, admin)
	}
	if want := b.Amount + b.Admin - billCommission*loket.Money(len(b.Periods)); b.Price != want {
		t.Errorf("price %d, want amount+admin-commission = %d", b.Price, want)
	}
}

func TestInquiryRules(t *testing.T) {
	s := New(0)
	for _, tc := range []struct {
		customer string
		want     supplier.InquiryOutcome
		months   int
	}{
		{"530000000001", supplier.BillFound, 1},
		{"530000000002", supplier.BillFound, 3},
		{"530000000003", supplier.NoBill, 0},
		{"530000000004", supplier.BillPaid, 0},
		{"530000000005", supplier.BillFound, 1},
		{"530000000006", supplier.BillFound, 1},
		{"530000000007", supplier.WrongCustomer, 0},
		{"530000000008", supplier.OverLimit, 0},
		{"530000000009", supplier.BillFound, 1},
		{"530000000000", supplier.BillFound, 1},
	} {
		res := inquire(t, s, "PLNPASCA", tc.customer, "LB1")
		if res.Outcome != tc.want || res.Message == "" {
			t.Errorf("%s: %+v, want %s with a message", tc.customer, res, tc.want)
		}
		if (res.Bill != nil) != (tc.months > 0) {
			t.Fatalf("%s: bill %+v", tc.customer, res.Bill)
		}
		if res.Bill == nil {
			continue
		}
		b := res.Bill
		if len(b.Periods) != tc.months || b.Customer != tc.customer || b.TrxID == "" {
			t.Errorf("%s: %d periods, customer %q, trx %q", tc.customer, len(b.Periods), b.Customer, b.TrxID)
		}
		checkSums(t, b)
		if b.Tariff != "R1" || b.Power != "1300" || b.Admin != billAdminPLN*loket.Money(tc.months) {
			t.Errorf("%s: PLN bill tariff %q power %q admin %d", tc.customer, b.Tariff, b.Power, b.Admin)
		}
	}
}

func TestBillShape(t *testing.T) {
	s := New(0)
	// The demo's customer: one month, last month in WIB.
	b := inquire(t, s, "pln", "530000000001", "LB1").Bill
	last := time.Now().In(wib)
	last = time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, wib).AddDate(0, -1, 0)
	if p := b.Periods[0]; p.Period != last.Format("200601") || p.Penalty != 0 || p.MeterStart == "" || p.MeterEnd <= p.MeterStart {
		t.Errorf("one-month bill period %+v, want %s with meter readings", p, last.Format("200601"))
	}
	if !regexp.MustCompile(`^[A-Z ]+$`).MatchString(b.Name) {
		t.Errorf("name %q not upper-case", b.Name)
	}
	// Three months, oldest first, late ones with a penalty.
	b = inquire(t, s, "pln", "530000000002", "LB1").Bill
	for i, p := range b.Periods {
		want := last.AddDate(0, i-2, 0).Format("200601")
		if p.Period != want || (p.Penalty > 0) != (i < 2) {
			t.Errorf("period %d = %+v, want %s, penalty only on the late months", i, p, want)
		}
	}
	// Other billers: no tariff, their own admin; BPJS tells its members.
	b = inquire(t, s, "PDAMSBY", "1234561", "LB1").Bill
	if b.Tariff != "" || b.Power != "" || b.Admin != billAdminOther || b.Periods[0].MeterStart != "" {
		t.Errorf("PDAM bill %+v", b)
	}
	checkSums(t, b)
	b = inquire(t, s, "BPJS", "8801234560001", "LB1").Bill
	if b.Info["members"] == "" {
		t.Errorf("BPJS bill without members: %+v", b)
	}
}

func TestBillDeterminism(t *testing.T) {
	s := New(0)
	a := inquire(t, s, "pln", "530000000002", "LB1").Bill
	b := inquire(t, s, "pln", "530000000002", "LB2").Bill
	a.TrxID, b.TrxID = "", ""
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same customer, other ref: %+v != %+v", a, b)
	}
	if c := inquire(t, s, "pdam", "530000000002", "LB1").Bill; c.Amount == a.Amount {
		t.Errorf("another product gives the same amount %d", c.Amount)
	}
	// '0': each inquiry (Ref) gives another amount, the same one again for the same Ref.
	x := inquire(t, s, "pln", "530000000010", "LB1").Bill
	y := inquire(t, s, "pln", "530000000010", "LB2").Bill
	z := inquire(t, s, "pln", "530000000010", "LB1").Bill
	if x.Amount == y.Amount || x.Amount != z.Amount {
		t.Errorf("'0' amounts: LB1 %d, LB2 %d, LB1 again %d", x.Amount, y.Amount, z.Amount)
	}
}

func TestPayBillRules(t *testing.T) {
	ctx := context.Background()
	s := New(200 * time.Millisecond)
	sn := regexp.MustCompile(`^[0-9A-F]{32}$`)
	req := func(customer string) supplier.BillRequest {
		r := supplier.BillRequest{Ref: "LB" + customer, Code: "pln", Customer: customer, PlacedAt: time.Now()}
		r.Total = inquire(t, s, r.Code, customer, r.Ref).Bill.Price
		return r
	}
	for _, c := range []string{"530000000001", "530000000002", "530000000000"} {
		r := req(c)
		res, err := s.PayBill(ctx, r)
		if err != nil || res.Outcome != supplier.Success || !sn.MatchString(res.SN) || res.Price != r.Total {
			t.Errorf("%s: pay = %+v, %v; want success, a 32-hex SN, price %d", c, res, err, r.Total)
		}
		if st, _ := s.BillStatus(ctx, r); st != res {
			t.Errorf("%s: status %+v differs from payment %+v", c, st, res)
		}
	}
	// '9' fails, for good.
	r := req("530000000009")
	if res, err := s.PayBill(ctx, r); err != nil || res.Outcome != supplier.Failed {
		t.Errorf("'9' pay = %+v, %v; want failed", res, err)
	}
	if res, _ := s.BillStatus(ctx, r); res.Outcome != supplier.Failed {
		t.Errorf("'9' status = %+v; want failed", res)
	}
	// '5': no answer until the deadline; the status check then says success.
	r = req("530000000005")
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.PayBill(tctx, r); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("'5' pay: %v, want the deadline", err)
	}
	if res, _ := s.BillStatus(ctx, r); res.Outcome != supplier.Success || res.SN == "" {
		t.Errorf("'5' status = %+v; want success", res)
	}
	// '6': pending, then success after settleAfter.
	r = req("530000000006")
	res, err := s.PayBill(ctx, r)
	if err != nil || res.Outcome != supplier.Pending || res.RetryAfter <= 0 {
		t.Errorf("'6' pay = %+v, %v; want pending", res, err)
	}
	if res, _ := s.BillStatus(ctx, r); res.Outcome != supplier.Pending {
		t.Errorf("'6' status at once = %+v; want pending", res)
	}
	r.PlacedAt = r.PlacedAt.Add(-s.Delay)
	if res, _ := s.BillStatus(ctx, r); res.Outcome != supplier.Success || !sn.MatchString(res.SN) {
		t.Errorf("'6' status after the delay = %+v; want success", res)
	}
	// Nothing to pay, or a total that is not the bill's.
	for _, c := range []string{"530000000003", "530000000004", "530000000007", "530000000008"} {
		r := supplier.BillRequest{Ref: "LB" + c, Code: "pln", Customer: c}
		if res, _ := s.PayBill(ctx, r); res.Outcome != supplier.Failed {
			t.Errorf("%s pay = %+v; want failed", c, res)
		}
		if res, _ := s.BillStatus(ctx, r); res.Outcome != supplier.Failed {
			t.Errorf("%s status = %+v; want failed", c, res)
		}
	}
	r = req("530000000010")
	r.Ref = "LBother" // the '0' amount of another inquiry
	if res, _ := s.PayBill(ctx, r); res.Outcome != supplier.Failed {
		t.Errorf("pay with a stale total = %+v; want failed", res)
	}
}

func TestCheckMeter(t *testing.T) {
	s := New(0)
	var le *loket.Error
	if _, err := s.CheckMeter(context.Background(), "56601234567"); !errors.As(err, &le) || le.Code != loket.ENOTFOUND {
		t.Errorf("meter ending in 7: %v, want ENOTFOUND", err)
	}
	m, err := s.CheckMeter(context.Background(), "56601234561")
	if err != nil || m.MeterNo != "56601234561" || len(m.SubscriberID) != 12 || m.Name == "" || m.Tariff == "" || m.Power == "" {
		t.Errorf("11-digit meter: %+v, %v", m, err)
	}
	if again, _ := s.CheckMeter(context.Background(), "56601234561"); again != m {
		t.Errorf("not deterministic: %+v != %+v", again, m)
	}
	m, err = s.CheckMeter(context.Background(), "530000000001")
	if err != nil || m.SubscriberID != "530000000001" || len(m.MeterNo) != 11 || m.Customer != "530000000001" {
		t.Errorf("12-digit customer id: %+v, %v", m, err)
	}
}

func TestPLNTokenSN(t *testing.T) {
	s := New(0)
	r := supplier.Request{Ref: "LK1A1", Code: "PLN20", Target: "56601234560"}
	res, err := s.Order(context.Background(), r)
	want := regexp.MustCompile(`^\d{4}-\d{4}-\d{4}-\d{4}-\d{4}/[A-Z ]+/R1M?/\d+/\d+\.\d$`)
	if err != nil || res.Outcome != supplier.Success || !want.MatchString(res.SN) {
		t.Fatalf("PLN token order = %+v, %v", res, err)
	}
	m, _ := s.CheckMeter(context.Background(), r.Target)
	if !regexp.MustCompile("/" + m.Name + "/" + m.Tariff + "/" + m.Power + "/13.8$").MatchString(res.SN) {
		t.Errorf("SN %q does not carry the meter %+v and 20,000/1,444.70 kWh", res.SN, m)
	}
	if st, _ := s.Status(context.Background(), r); st.SN != res.SN {
		t.Errorf("status SN %q != order SN %q", st.SN, res.SN)
	}
	// Other products keep the plain SN.
	r.Code = "TSEL5"
	if res, _ := s.Order(context.Background(), r); res.SN != sn(r.Ref) {
		t.Errorf("non-PLN SN %q", res.SN)
	}
}
