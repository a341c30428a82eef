package loket

import (
	"context"
	"time"
)

// Product kinds: a prepaid product has a fixed price; a postpaid one (a bill: PLN
// pascabayar, PDAM, BPJS, telco postpaid) is priced per bill, checked first (an
// inquiry, free) and then paid.
const (
	KindPrepaid  = "prepaid"
	KindPostpaid = "postpaid"
)

// CheckPLN is Product.CustomerCheck for products whose target is a PLN meter that can
// be looked up (name, tariff, power) before buying.
const CheckPLN = "pln"

// BillPeriod is one month (or other period) of a bill.
type BillPeriod struct {
	Period     string `json:"period"` // "202611" (YYYYMM) where the biller says a month
	Amount     Money  `json:"amount"`
	Penalty    Money  `json:"penalty"`
	Admin      Money  `json:"admin"` // the admin fee the reseller pays for the period
	MeterStart string `json:"meter_start,omitempty"`
	MeterEnd   string `json:"meter_end,omitempty"`
}

// Bill is what an inquiry found, as a reseller reads it: the periods carry Loket's
// admin fee, never the supplier's.
type Bill struct {
	Customer string            `json:"customer_no"`
	Name     string            `json:"customer_name"`
	Tariff   string            `json:"tariff,omitempty"`
	Power    string            `json:"power,omitempty"`
	Periods  []BillPeriod      `json:"periods"`
	Info     map[string]string `json:"info,omitempty"`
}

// Inquiry is a bill checked for a reseller, payable until ValidUntil. Total is what
// paying it costs the reseller: Amount + Admin - Commission.
type Inquiry struct {
	ID          int64
	ResellerID  int64
	ProductID   int64
	ProductCode string
	ProductName string
	Customer    string
	Bill        Bill
	Amount      Money // the bill: the periods' amounts and penalties
	Admin       Money // the operator's admin fee, per period, in all
	Commission  Money // the reseller's commission, per period, in all
	Total       Money
	ValidUntil  time.Time
	CreatedAt   time.Time
	// ClientRef is the client's own id of the inquiry where its surface has one
	// (Digiflazz's ref_id of inq-pasca, which pay-pasca repeats); "" elsewhere.
	ClientRef string

	// What only Loket sees: the route and supplier that answered, the Ref sent
	// upstream, the supplier's id of the inquiry and what paying costs Loket.
	RouteID      int64  `json:"-"`
	SupplierID   int64  `json:"-"`
	SupplierCode string `json:"-"`
	Ref          string `json:"-"`
	SupplierTrx  string `json:"-"`
	Cost         Money  `json:"-"`
	PeriodsKey   string `json:"-"`
	// Uplines are a downline's uplines' commissions on the admin (in Admin and Total),
	// as stored (JSON), for its payment to record.
	Uplines string `json:"-"`
}

// Price sets what paying the bill costs the reseller, in.Amount being the bill over
// periods periods: the operator's admin fee per period on top, less the reseller's
// commission per period, never below cost (what paying costs Loket: the commission
// shrinks until the total equals it, so the operator never pays to sell a bill, and
// the parts shown still add up).
func (in *Inquiry) Price(periods int, adminFee, commission, cost Money) {
	n := Money(periods)
	in.Admin, in.Commission = adminFee*n, commission*n
	in.Total = in.Amount + in.Admin - in.Commission
	if in.Total < cost {
		in.Total = cost
		in.Commission = max(in.Amount+in.Admin-in.Total, 0)
		in.Admin = in.Total - in.Amount + in.Commission
	}
}

// Meter is who a PLN meter (or customer number) belongs to.
type Meter struct {
	Customer     string `json:"customer_no"`
	MeterNo      string `json:"meter_no,omitempty"`
	SubscriberID string `json:"subscriber_id,omitempty"`
	Name         string `json:"name"`
	Tariff       string `json:"tariff,omitempty"`
	Power        string `json:"power,omitempty"`
}

// BillService checks and pays postpaid bills, and looks PLN meters up.
type BillService interface {
	// Inquire asks the suppliers for a customer's bill of a postpaid product and
	// keeps it for the reseller to pay until the end of the day (WIB).
	Inquire(ctx context.Context, r *ResellerAuth, product, customer string) (*Inquiry, error)
	// InquireRef is Inquire under the client's own id of the inquiry: the reseller's
	// inquiry kept under clientRef is returned as it is (no supplier is asked again),
	// else a new one is kept under it.
	InquireRef(ctx context.Context, r *ResellerAuth, product, customer, clientRef string) (*Inquiry, error)
	// InquiryByRef returns the reseller's inquiry kept under clientRef (ENOTFOUND).
	InquiryByRef(ctx context.Context, r *ResellerAuth, clientRef string) (*Inquiry, error)
	// Inquiry returns one of a reseller's inquiries.
	Inquiry(ctx context.Context, r *ResellerAuth, id int64) (*Inquiry, error)
	// PayBill pays an inquiry: an order of the inquiry's total, idempotent by refID;
	// a bill already being paid or paid returns that order (created=false).
	PayBill(ctx context.Context, r *ResellerAuth, inquiryID int64, refID, surface string) (o *Order, created bool, err error)
	// CheckMeter looks a PLN meter or customer number up, through the routes of
	// product (a product with CustomerCheck "pln"; "" for the first such).
	CheckMeter(ctx context.Context, r *ResellerAuth, product, number string) (*Meter, error)
}
