package digiflazz

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
	"github.com/loket/loket/internal/supplier/sim"
)

// Testing mode (docs: Topup, "testing"; Test Case): a top-up with "testing": true is
// checked as any other (signature, SKU, max_price) and answered as Digiflazz's test
// cases are, but moves no money, asks no supplier and writes nothing: no order, no
// ledger entry, no webhook. A reseller can build against a live Loket with it.

// testSN is the serial number of a successful test, the one Digiflazz's examples show.
const testSN = "1234567890"

// testCases are Digiflazz's documented prepaid test numbers and what they answer.
// Pending ones stay pending: nothing is kept, so a later check cannot turn them.
var testCases = map[string]string{
	"087800001230": statusSuccess, // Sukses
	"087800001232": statusFailed,  // Gagal
	"087800001233": statusPending, // Pending, then Sukses
	"087800001234": statusPending, // Pending, then Gagal
}

// testStatus is what a test top-up to customerNo answers: a documented test number
// as documented, any other by its last digit as Loket's simulator does (0 Sukses, 2
// Gagal, anything else Pending), so the documented numbers and the simulator agree.
func testStatus(customerNo string) string {
	return testOutcome(strings.TrimSpace(customerNo), testCases, "0", "2")
}

// testOutcome is a documented test number's status, or else the one the last digit
// of customer says: Sukses for a digit in success, Gagal in failed, Pending otherwise.
func testOutcome(customer string, documented map[string]string, success, failed string) string {
	if s, ok := documented[customer]; ok {
		return s
	}
	switch d := customer[len(customer)-1:]; {
	case strings.Contains(success, d):
		return statusSuccess
	case strings.Contains(failed, d):
		return statusFailed
	}
	return statusPending
}

func (h *handler) testTrx(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth, t trxRequest) {
	balance := h.balanceOf(r.Context(), ra)
	p, err := h.svc.Catalog.Product(t.sku, ra.Level)
	if err == nil && p.Postpaid() {
		err = &loket.Error{Code: loket.EPRODUCT, Field: "buyer_sku_code", Reason: loket.ReasonPostpaid, Message: "a postpaid bill"}
	}
	if err == nil && !p.Active {
		err = loket.FieldError(loket.EINACTIVE, "buyer_sku_code", "product %s is not available now", p.Code)
	}
	if err == nil && t.maxPrice > 0 && p.Price > t.maxPrice {
		err = loket.FieldError(loket.EPRICE, "max_price", "price %d is above max_price %d", p.Price, t.maxPrice)
	}
	if err != nil {
		h.failTrx(w, t, err, balance)
		return
	}
	d := trxData{RefID: t.refID, CustomerNo: t.customerNo, BuyerSKUCode: p.Code, BuyerLastSaldo: balance, Price: p.Price}
	switch d.Status = testStatus(t.customerNo); d.Status {
	case statusSuccess:
		d.RC, d.Message, d.SN = rcSuccess, messageSuccess, testSN
	case statusFailed:
		d.RC, d.Message = rcWrongNumber, "Nomor Tujuan Salah"
	default:
		d.RC, d.Message = rcPending, messagePending
	}
	ok(w, d)
}

// Postpaid testing mode: "testing": true on inq-pasca, pay-pasca or status-pasca is
// checked as a real command (signature, product, customer number) and answered
// without money, supplier or row: the bill is the simulator's (docs/simulator-bills.md)
// priced as the reseller's level would pay it. Digiflazz's documented postpaid test
// numbers answer as documented; any other number by the simulator's last digit.

// pascaTestCases are Digiflazz's postpaid test numbers: each has a bill, and its
// payment answers this status (pending ones stay pending: nothing is kept).
var pascaTestCases = map[string]string{
	"530000000001": statusSuccess,
	"530000000002": statusFailed,
	"530000000003": statusPending, // Pending, then Sukses
	"530000000004": statusPending, // Pending, then Gagal
}

// testPayStatus is what a test payment of a bill found for customer answers: the
// simulator's payment rules by the last digit (0, 1, 2 success; 9 failed; 5 and 6
// pending).
func testPayStatus(customer string) string { return testOutcome(customer, pascaTestCases, "012", "9") }

func (h *handler) testPasca(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth, t trxRequest) {
	balance := h.balanceOf(r.Context(), ra)
	in, err := h.testBill(r, ra, t)
	if err != nil {
		h.failPasca(w, t, err, balance)
		return
	}
	d := billData(in, t.refID, t.customerNo, balance)
	if t.command == cmdInquire {
		ok(w, d)
		return
	}
	switch d.Status = testPayStatus(in.Customer); d.Status {
	case statusSuccess:
		d.RC, d.Message, d.SN = rcSuccess, messageSuccess, testSN
	case statusFailed:
		d.RC, d.Message = rcFailed, messageFailed
	default:
		d.RC, d.Message = rcPending, messagePending
	}
	ok(w, d)
}

// testBill is the bill a test command of t finds: the simulator's, priced for the
// reseller's level, kept nowhere.
func (h *handler) testBill(r *http.Request, ra *loket.ResellerAuth, t trxRequest) (*loket.Inquiry, error) {
	p, err := h.svc.Catalog.Product(t.sku, ra.Level)
	switch {
	case err != nil:
		return nil, err
	case !p.Postpaid():
		return nil, &loket.Error{Code: loket.EPRODUCT, Field: "buyer_sku_code", Reason: loket.ReasonPrepaid, Message: "a prepaid product"}
	case !p.Active:
		return nil, loket.FieldError(loket.EINACTIVE, "buyer_sku_code", "product %s is not available now", p.Code)
	}
	if err := p.CheckCutOff(time.Now()); err != nil {
		return nil, err
	}
	customer, err := testCustomer(t.customerNo)
	if err != nil {
		return nil, err
	}
	asked := customer
	if _, documented := pascaTestCases[customer]; documented {
		asked = "530000000001" // a one-month bill, as the documented cases have
	}
	res, err := sim.New(0).Inquire(r.Context(), supplier.BillRequest{Ref: "TEST" + t.refID, Code: p.Code, Customer: asked})
	if err != nil {
		return nil, err
	}
	switch res.Outcome {
	case supplier.NoBill:
		return nil, loket.Errorf(loket.ENOBILL, "no bill")
	case supplier.BillPaid:
		return nil, loket.Errorf(loket.EBILLPAID, "paid")
	case supplier.WrongCustomer:
		return nil, loket.Errorf(loket.ECUSTOMER, "no such customer")
	case supplier.OverLimit:
		return nil, loket.Errorf(loket.EOVERLIMIT, "over the limit")
	}
	b := res.Bill
	in := &loket.Inquiry{ProductCode: p.Code, Customer: customer, Amount: b.Amount,
		Bill: loket.Bill{Customer: customer, Name: b.Name, Tariff: b.Tariff, Power: b.Power, Info: b.Info}}
	for _, bp := range b.Periods {
		in.Bill.Periods = append(in.Bill.Periods, loket.BillPeriod{Period: bp.Period, Amount: bp.Amount, Penalty: bp.Penalty,
			Admin: p.AdminFee, MeterStart: bp.MeterStart, MeterEnd: bp.MeterEnd})
	}
	in.Price(len(b.Periods), p.AdminFee, p.Commission, b.Price)
	return in, nil
}

// testMeter is a test PLN check: the simulator's meter (a number ending in 7 belongs
// to no one), asked in process.
func testMeter(ctx context.Context, customer string) (*loket.Meter, error) {
	n, err := testCustomer(customer)
	if err != nil {
		return nil, err
	}
	m, err := sim.New(0).CheckMeter(ctx, n)
	if loket.ErrorCode(err) == loket.ENOTFOUND {
		return nil, loket.FieldError(loket.ECUSTOMER, "customer_no", "no PLN meter or customer %s", n)
	}
	if err != nil {
		return nil, err
	}
	return &loket.Meter{Customer: n, MeterNo: m.MeterNo, SubscriberID: m.SubscriberID, Name: m.Name, Tariff: m.Tariff, Power: m.Power}, nil
}

// testCustomer checks a test's customer number as the bill service checks a real one:
// 6-20 digits once spaces and dashes are gone.
func testCustomer(s string) (string, error) {
	n := customerDigits(s)
	if len(n) < 6 || len(n) > 20 || strings.Trim(n, "0123456789") != "" {
		return "", loket.FieldError(loket.EINVALID, "customer_no", "the customer number must be 6-20 digits")
	}
	return n, nil
}
