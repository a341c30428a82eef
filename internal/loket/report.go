package loket

import "time"

// StatusSum counts a period's orders of one status, bill payments apart from prepaid
// sales: a bill's price is mostly the biller's money passing through, so adding it to
// sales would swamp what the shop sells.
type StatusSum struct {
	Status string
	Bill   bool // bill payments (orders of an inquiry); false: prepaid sales
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
