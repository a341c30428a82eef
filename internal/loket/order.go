package loket

import "time"

// Order statuses as resellers see them.
const (
	StatusPending = "pending"
	StatusSuccess = "success"
	StatusFailed  = "failed"
)

// Order is one purchase by a reseller.
type Order struct {
	ID          int64
	ResellerID  int64
	RefID       string
	ProductID   int64
	ProductCode string
	ProductName string
	Target      string
	Fields      map[string]string
	Price       Money
	Status      string
	SN          string
	Message     string
	Surface     string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SettledAt   *time.Time
	FlaggedAt   *time.Time
	// Mode is how the order is paid: "saldo" (the reseller's balance) or "dropship"
	// (the reseller's customer pays by QRIS; the margin goes to the profit balance).
	Mode string
	// InquiryID is the inquiry a bill's payment pays (0 for a prepaid order), and
	// Inquiry that inquiry, filled where a bill's payment is shown.
	InquiryID int64
	Inquiry   *Inquiry
	// Commission is the sum of the uplines' commissions in Price (a downline's order);
	// never shown to the buyer.
	Commission Money `json:"-"`
}

// Order modes.
const (
	ModeSaldo    = "saldo"
	ModeDropship = "dropship"
)

// OrderRequest is what a reseller asks for, from whatever surface.
type OrderRequest struct {
	Product  string            `json:"product"`
	Target   string            `json:"target"`
	RefID    string            `json:"ref_id"`
	Fields   map[string]string `json:"fields,omitempty"`
	MaxPrice Money             `json:"max_price,omitempty"`
	Surface  string            `json:"-"`
	// Repeat marks a purchase the reseller says is another of the same product for
	// the same target (chat's 2.CODE.TARGET.PIN): the anti double-order window does
	// not refuse it.
	Repeat bool `json:"-"`
}

// LedgerLine is one movement on a reseller's account, with the balance after it (mutasi).
type LedgerLine struct {
	ID           int64     `json:"id"`
	TransferKind string    `json:"kind"`
	Amount       Money     `json:"amount"`
	BalanceAfter Money     `json:"balance_after"`
	OrderID      *int64    `json:"order_id,omitempty"`
	Note         string    `json:"note"`
	CreatedAt    time.Time `json:"created_at"`
}

// Attempt is one try of an order at one supplier.
type Attempt struct {
	OrderID      int64     `json:"-"`
	Seq          int       `json:"seq"`
	RouteID      int64     `json:"route_id"`
	SupplierID   int64     `json:"supplier_id"`
	SupplierCode string    `json:"supplier_code"`
	SupplierRef  string    `json:"supplier_ref"`
	SupplierTrx  string    `json:"supplier_trx"`
	Cost         Money     `json:"cost"`
	Outcome      string    `json:"outcome"`
	Message      string    `json:"message"`
	StartedAt    time.Time `json:"started_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// OrderFilter narrows ListOrders.
type OrderFilter struct {
	ResellerID int64 // 0: every reseller
	Status     string
	RefID      string
	From, To   time.Time // zero: open
	Before     int64     // id cursor: orders with smaller ids
	Flagged    bool      // only orders flagged pending past the deadline
	Limit      int
}

// Hold states.
const (
	HoldPending = "pending"
	HoldPosted  = "posted"
	HoldVoided  = "voided"
)
