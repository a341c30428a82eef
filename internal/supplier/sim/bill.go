package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// Postpaid bills (PPOB) and PLN meter checks. Like prepaid orders they keep no state:
// the last digit of the customer number picks the rule (docs/simulator-bills.md), the
// amounts follow from the product code and the customer number (and, for '0', the
// inquiry's Ref), and a payment's fate from its Ref and PlacedAt.

var (
	_ supplier.Biller       = (*Sim)(nil)
	_ supplier.MeterChecker = (*Sim)(nil)
)

// The simulated fees, per period (month) of a bill.
const (
	billAdminPLN   loket.Money = 2500 // PLN postpaid admin fee
	billAdminOther loket.Money = 1500 // other billers' admin fee (PDAM, BPJS, telco...)
	billCommission loket.Money = 1000 // what the simulator gives back to Loket
	billPenalty    loket.Money = 5000 // late fee of each month but the newest ('2')
)

// billNames are the customers the simulator knows, printed upper-case as PLN does.
var billNames = []string{
	"BUDI SANTOSO", "SITI RAHAYU", "AGUS SETIAWAN", "DEWI LESTARI", "EKO PRASETYO",
	"SRI WAHYUNI", "BAMBANG SUTRISNO", "NURHAYATI", "HENDRA GUNAWAN", "RINA MARLINA",
}

// wib is Indonesia's western time zone, in which bill periods are months.
var wib = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Jakarta"); err == nil {
		return loc
	}
	return time.FixedZone("WIB", 7*60*60)
}()

func isPLN(code string) bool { return strings.Contains(strings.ToLower(code), "pln") }

func billName(customer string) string {
	return billNames[hash("name|"+customer)%uint64(len(billNames))]
}

// billMonths is how many months a customer owes, by its rule; 0 means no bill.
func billMonths(d byte) int {
	switch d {
	case '2':
		return 3
	case '3', '4', '7', '8':
		return 0
	}
	return 1
}

// bill is what an inquiry under ref finds for r's customer, when the rule has one.
func (s *Sim) bill(r supplier.BillRequest, now time.Time) *supplier.Bill {
	d := lastDigit(r.Customer)
	n := billMonths(d)
	if n == 0 {
		return nil
	}
	code := strings.ToLower(r.Code)
	seed := code + "|" + r.Customer
	if d == '0' {
		// The biller's amount moves between inquiries: each Ref sees another one.
		seed += "|" + r.Ref
	}
	b := &supplier.Bill{Customer: r.Customer, Name: billName(r.Customer), TrxID: trx(r.Ref)}
	admin := billAdminOther
	if isPLN(code) {
		admin = billAdminPLN
		b.Tariff, b.Power = "R1", "1300"
	}
	if strings.Contains(code, "bpjs") {
		b.Info = map[string]string{"members": fmt.Sprint(1 + hash("members|"+r.Customer)%4)}
	}
	month := time.Date(now.In(wib).Year(), now.In(wib).Month(), 1, 0, 0, 0, 0, wib)
	meter := 10000 + hash("meter|"+r.Customer)%80000
	for i := n; i >= 1; i-- { // oldest first; i months ago
		p := supplier.BillPeriod{
			Period: month.AddDate(0, -i, 0).Format("200601"),
			// 50,000 to 450,000 in hundreds, by how many months ago: never by the date.
			Amount: loket.Money(500+hash(fmt.Sprintf("%s|%d", seed, i))%4001) * 100,
			Admin:  admin,
		}
		if i > 1 {
			p.Penalty = billPenalty
		}
		if b.Tariff != "" {
			used := 100 + hash(fmt.Sprintf("kwh|%s|%d", r.Customer, i))%300
			p.MeterStart, p.MeterEnd = fmt.Sprintf("%08d", meter), fmt.Sprintf("%08d", meter+used)
			meter += used
		}
		b.Periods = append(b.Periods, p)
		b.Amount += p.Amount + p.Penalty
		b.Admin += p.Admin
	}
	b.Price = b.Amount + b.Admin - billCommission*loket.Money(n)
	return b
}

// Inquire looks a bill up.
func (s *Sim) Inquire(_ context.Context, r supplier.BillRequest) (supplier.InquiryResult, error) {
	switch lastDigit(r.Customer) {
	case '3':
		return supplier.InquiryResult{Outcome: supplier.NoBill, Message: "no bill this month (simulator)"}, nil
	case '4':
		return supplier.InquiryResult{Outcome: supplier.BillPaid, Message: "bill already paid (simulator)"}, nil
	case '7':
		return supplier.InquiryResult{Outcome: supplier.WrongCustomer, Message: "unknown customer number (simulator)"}, nil
	case '8':
		return supplier.InquiryResult{Outcome: supplier.OverLimit, Message: "bill over the transaction limit (simulator)"}, nil
	}
	return supplier.InquiryResult{Outcome: supplier.BillFound, Bill: s.bill(r, time.Now()), Message: "bill found"}, nil
}

// billSN is a payment's reference number: 32 hex digits, as PLN prints them.
func billSN(ref string) string {
	return fmt.Sprintf("%016X%016X", hash("billsn|"+ref), hash("billsn2|"+ref))
}

func (s *Sim) billPaid(r supplier.BillRequest) supplier.Result {
	res := supplier.Result{Outcome: supplier.Success, SN: billSN(r.Ref), TrxID: trx(r.Ref), Message: "success"}
	if b := s.bill(r, time.Now()); b != nil {
		res.Price = b.Price
	}
	return res
}

func billFailed(r supplier.BillRequest, why string) supplier.Result {
	return supplier.Result{Outcome: supplier.Failed, TrxID: trx(r.Ref), Message: why}
}

// PayBill pays the bill the inquiry under r.Ref found.
func (s *Sim) PayBill(ctx context.Context, r supplier.BillRequest) (supplier.Result, error) {
	d := lastDigit(r.Customer)
	if billMonths(d) == 0 {
		return billFailed(r, "no bill to pay (simulator)"), nil
	}
	if b := s.bill(r, time.Now()); r.Total > 0 && r.Total != b.Price {
		return billFailed(r, fmt.Sprintf("total %d is not the bill's %d (simulator)", r.Total, b.Price)), nil
	}
	switch d {
	case '5':
		// No answer: hold the line until the caller gives up, as a stuck upstream does.
		<-ctx.Done()
		return supplier.Result{}, fmt.Errorf("sim: no answer: %w", ctx.Err())
	case '6':
		return supplier.Result{Outcome: supplier.Pending, TrxID: trx(r.Ref), Message: "pending", RetryAfter: s.settleAfter(r.Ref)}, nil
	case '9':
		return billFailed(r, "payment rejected by simulator"), nil
	}
	return s.billPaid(r), nil
}

// BillStatus reports a payment sent before.
func (s *Sim) BillStatus(_ context.Context, r supplier.BillRequest) (supplier.Result, error) {
	switch d := lastDigit(r.Customer); {
	case billMonths(d) == 0:
		return billFailed(r, "no bill to pay (simulator)"), nil
	case d == '9':
		return billFailed(r, "payment rejected by simulator"), nil
	case d == '6':
		if wait := time.Until(r.PlacedAt.Add(s.settleAfter(r.Ref))); wait > 0 {
			return supplier.Result{Outcome: supplier.Pending, TrxID: trx(r.Ref), Message: "pending", RetryAfter: wait}, nil
		}
	}
	return s.billPaid(r), nil
}

// meterTariffs are the tariff and power a simulated meter may have.
var meterTariffs = [][2]string{{"R1", "1300"}, {"R1", "1300"}, {"R1M", "900"}, {"R1", "2200"}}

// digitsOf keeps the digits of s.
func digitsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// meterOf is who a PLN meter or customer number belongs to. An 11-digit number is a
// meter number, a 12-digit one a customer (subscriber) id; the other follows from it.
func meterOf(number string) supplier.Meter {
	t := meterTariffs[hash("tariff|"+number)%uint64(len(meterTariffs))]
	m := supplier.Meter{Customer: number, Name: billName(number), Tariff: t[0], Power: t[1]}
	switch n := digitsOf(number); len(n) {
	case 11:
		m.MeterNo, m.SubscriberID = n, fmt.Sprintf("5%011d", hash("sub|"+n)%1e11)
	case 12:
		m.MeterNo, m.SubscriberID = fmt.Sprintf("%011d", hash("meterno|"+n)%1e11), n
	default:
		m.MeterNo, m.SubscriberID = fmt.Sprintf("%011d", hash("meterno|"+n)%1e11), fmt.Sprintf("5%011d", hash("sub|"+n)%1e11)
	}
	return m
}

// CheckMeter looks a PLN meter up: numbers ending in 7 belong to no one.
func (s *Sim) CheckMeter(_ context.Context, customer string) (supplier.Meter, error) {
	if lastDigit(customer) == '7' {
		return supplier.Meter{}, loket.Errorf(loket.ENOTFOUND, "nomor meter/ID pelanggan tidak ditemukan")
	}
	return meterOf(customer), nil
}

// plnTokenSN is a PLN token sale's SN as Digiflazz passes it on:
// "TOKEN/NAME/TARIFF/POWER/KWH", the token in five groups of four digits.
func plnTokenSN(r supplier.Request) string {
	tok := fmt.Sprintf("%010d%010d", hash("token|"+r.Ref)%1e10, hash("token2|"+r.Ref)%1e10)
	m := meterOf(r.Target)
	return fmt.Sprintf("%s-%s-%s-%s-%s/%s/%s/%s/%s", tok[0:4], tok[4:8], tok[8:12], tok[12:16], tok[16:20],
		m.Name, m.Tariff, m.Power, tokenKWh(r.Code, r.Ref))
}

// tokenKWh is the energy a token of code buys at about Rp 1,444.70 a kWh (R1, 1300 VA):
// the nominal is read from the code ("pln20" is Rp 20,000); without one, from ref.
func tokenKWh(code, ref string) string {
	n := loket.Money(0)
	if d := digitsOf(code); d != "" && len(d) <= 7 {
		fmt.Sscan(d, &n)
		if n < 1000 {
			n *= 1000
		}
	}
	if n == 0 {
		n = loket.Money(20+hash("nominal|"+ref)%480) * 1000
	}
	return fmt.Sprintf("%.1f", float64(n)/1444.70)
}
