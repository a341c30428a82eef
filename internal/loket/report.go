package loket

import "time"

// StatusAwaitingPayment is StatusSum's status of the pending dropship orders whose
// customer has not paid: not in process, since nothing is charged or asked of a
// supplier until the payment comes.
const StatusAwaitingPayment = "awaiting_payment"

// StatusSum counts a period's orders of one status, bill payments apart from prepaid
// sales: a bill's price is mostly the biller's money passing through, so adding it to
// sales would swamp what the shop sells.
type StatusSum struct {
	Status string // an order status, or StatusAwaitingPayment
	Bill   bool   // bill payments (orders of an inquiry); false: prepaid sales
	Count  int64
	Sales  Money // sum of prices
	Profit Money // sum of price less cost, for settled successes
}

// DaySum is one day of the sales chart: prepaid sales, and bill payments apart.
type DaySum struct {
	Day     time.Time // midnight in the zone asked for
	Orders  int64     // every order of the day, bills included
	Success int64     // successful prepaid orders
	Sales   Money     // successful prepaid orders' prices
	Profit  Money     // their price less cost
	// Successful bill payments: how many, what resellers paid, and the margin (admin
	// fee less commission, and the supplier's commission to Loket).
	Bills                 int64
	BillSales, BillProfit Money
}

// OrderRow is an order as the operator lists it: with its reseller, the supplier that
// delivered it and the cost.
type OrderRow struct {
	*Order
	Username     string
	SupplierName string
	Cost         *Money
}

// OrderSearch narrows SearchOrders. Ref and Target match exactly.
type OrderSearch struct {
	Ref, Target string
	ResellerID  int64
	Status      string
	Before      int64 // id cursor
	Limit       int
}

// MoneySummary is what the overview shows of the money held: cheap to read at any
// size (the reseller accounts' stored balances, and the pending orders through their
// jobs), unlike LedgerTotals, which sums every entry.
type MoneySummary struct {
	ResellerBalances Money
	ResellerProfit   Money
	PendingOrders    int64
	InFlight         Money // the prices of the pending orders
}

// Violation is one broken ledger invariant.
type Violation struct {
	Invariant string
	Detail    string
}

// Report dimensions (ReportQuery.By) and kinds (ReportQuery.Kind).
const (
	ReportByDay      = "day"
	ReportByProduct  = "product"
	ReportByBrand    = "brand"
	ReportByReseller = "reseller"
	ReportBySupplier = "supplier"

	ReportPrepaid = "prepaid" // orders of no inquiry: the shop's own sales
	ReportBills   = "bills"   // bill payments, apart: their price is mostly the biller's
	ReportAll     = "all"
)

// ReportDims lists the dimensions in the order the operator's page offers them.
var ReportDims = []string{ReportByDay, ReportByProduct, ReportByBrand, ReportByReseller, ReportBySupplier}

// MaxReportDays bounds a report's range: its read is a primary-key range of orders,
// and a range without end would read the whole history.
const MaxReportDays = 366

// ReportQuery asks for the successful orders created in [From, To), grouped by one
// dimension. Loc is the zone of the days (WIB for the operator).
type ReportQuery struct {
	From, To time.Time
	By       string
	Kind     string // ReportPrepaid (the default), ReportBills or ReportAll
	Loc      *time.Location
}

// ReportRow is one group of a report. Cost is the supplier's cost; an order settled
// without a known cost counts its price as cost (no margin claimed), as StatusSum's
// Profit does, so Margin is always Sales less Cost.
type ReportRow struct {
	Key    int64     // the day's index from the range's start, or the product, brand, reseller or supplier id (0: none)
	Day    time.Time // by day: midnight in Loc
	Label  string    // product code, brand name, reseller username or supplier name
	Name   string    // by product: the product's name
	Count  int64
	Sales  Money // sum of prices
	Cost   Money
	Margin Money
}
