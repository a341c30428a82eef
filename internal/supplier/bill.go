package supplier

import (
	"context"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Postpaid bills (PPOB: PLN pascabayar, PDAM, BPJS, telco postpaid, instalments) are
// checked first (an inquiry, free), then paid: the payment pays exactly the bill the
// inquiry found, at the supplier that answered it. A supplier that sells them
// implements Biller besides Supplier; one that checks PLN meters before a token is
// sold implements MeterChecker.

// BillRequest is one inquiry, payment or payment status check as sent upstream.
type BillRequest struct {
	// Ref is Loket's id for the inquiry. The payment of that inquiry is sent under the
	// same Ref (upstreams such as Digiflazz pay by the inquiry's reference), and so are
	// its status checks; a re-sent payment under one Ref never pays twice.
	Ref      string
	Code     string // the supplier's product code
	Customer string // the customer number (ID pelanggan, meter number, BPJS number...)
	// TrxID is the supplier's own id of the inquiry or payment, once it gave one.
	TrxID string
	// PlacedAt is when the payment was first sent (PayBill and BillStatus).
	PlacedAt time.Time
	// Total is what the inquiry said the payment costs Loket (Bill.Price), for
	// upstreams that take the amount with the payment (PayBill and BillStatus).
	Total loket.Money
}

// BillPeriod is one month (or other period) of a bill.
type BillPeriod struct {
	Period  string      `json:"period"`            // "202611" (YYYYMM) where the upstream says a month, else as written
	Amount  loket.Money `json:"amount"`            // the bill of the period (nilai tagihan)
	Penalty loket.Money `json:"penalty,omitempty"` // late fee (denda)
	Admin   loket.Money `json:"admin,omitempty"`   // the supplier's admin fee for the period
	// MeterStart and MeterEnd are a PLN or PDAM meter's readings, when given.
	MeterStart string `json:"meter_start,omitempty"`
	MeterEnd   string `json:"meter_end,omitempty"`
}

// Bill is what an inquiry found.
type Bill struct {
	Customer string `json:"customer_no"`
	Name     string `json:"customer_name"`
	Tariff   string `json:"tariff,omitempty"` // PLN tariff (R1, B2...) where given
	Power    string `json:"power,omitempty"`  // PLN power in VA where given ("1300")
	Periods  []BillPeriod
	// Amount is what the biller is owed: the periods' amounts and penalties.
	Amount loket.Money
	// Admin is the supplier's admin fee in all.
	Admin loket.Money
	// Price is what the supplier will charge Loket for paying it (Digiflazz's price:
	// amount + admin - the supplier's commission to Loket).
	Price loket.Money
	// TrxID is the supplier's id of the inquiry.
	TrxID string
	// Info holds other details the upstream gave (a BPJS bill's member count, a
	// branch...), shown as they are.
	Info map[string]string
}

// InquiryOutcome is what a supplier said about a bill.
type InquiryOutcome string

const (
	// BillFound: Bill holds the bill; it can be paid.
	BillFound InquiryOutcome = "found"
	// NoBill: the customer has no bill to pay now.
	NoBill InquiryOutcome = "no_bill"
	// BillPaid: the bill is already paid.
	BillPaid InquiryOutcome = "paid"
	// WrongCustomer: no such customer number.
	WrongCustomer InquiryOutcome = "wrong_customer"
	// OverLimit: the bill is over what the supplier can pay in one transaction.
	OverLimit InquiryOutcome = "over_limit"
	// InquiryFailed: any other definite refusal (product closed, supplier's balance,
	// a biller's maintenance); Loket may ask the next route.
	InquiryFailed InquiryOutcome = "failed"
)

// InquiryResult is a supplier's answer to an inquiry. An error from Inquire means no
// usable answer (timeout, garbage): Loket may ask the next route, and nothing is owed.
type InquiryResult struct {
	Outcome InquiryOutcome
	Bill    *Bill  // with BillFound
	Message string // for the operator; never shown to resellers as is
}

// Biller is implemented by suppliers that sell postpaid bills. PayBill and BillStatus
// answer as Order and Status do: an error or Unknown is never a failure, and a payment
// of unknown outcome stays pending until BillStatus or a callback settles it. A
// successful payment's Result.SN is the biller's reference number (the proof), and
// Result.Price what the supplier charged.
type Biller interface {
	Inquire(ctx context.Context, r BillRequest) (InquiryResult, error)
	PayBill(ctx context.Context, r BillRequest) (Result, error)
	BillStatus(ctx context.Context, r BillRequest) (Result, error)
}

// BillPrice is one postpaid product of a supplier's price list: the supplier's admin
// fee and the commission it pays Loket per bill (per period where the upstream says so).
type BillPrice struct {
	Code       string
	Name       string
	Admin      loket.Money
	Commission loket.Money
	Active     bool
}

// BillPriceLister is implemented by Billers that publish their postpaid price list.
type BillPriceLister interface {
	BillPrices(ctx context.Context) ([]BillPrice, error)
}

// Meter is who a PLN meter (or customer number) belongs to.
type Meter struct {
	Customer     string `json:"customer_no"`
	MeterNo      string `json:"meter_no,omitempty"`
	SubscriberID string `json:"subscriber_id,omitempty"`
	Name         string `json:"name"`
	Tariff       string `json:"tariff,omitempty"` // R1, R1M, B1...
	Power        string `json:"power,omitempty"`  // VA, "1300"
}

// MeterChecker is implemented by suppliers that look a PLN meter up before a token
// is sold. A number that belongs to no one is a *loket.Error with code ENOTFOUND; any
// other error means no usable answer.
type MeterChecker interface {
	CheckMeter(ctx context.Context, customer string) (Meter, error)
}
